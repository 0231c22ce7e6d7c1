/**
 * Fault walk (lose-35): the file sink's TICKET_DIR stops being writable at the worst moment — after start-up, while
 * a person is handed over (a volume unmounted, replaced, full). Real server on loopback, the default file sink, the
 * memory store. (The test runs as root, where chmod does not stop a write: the folder is moved away and a plain file
 * put in its place, so every write under it fails with ENOTDIR.)
 *
 * The person must hear the hand-off and our ticket number at once; the ticket waits in the outbox and is written once
 * when the folder is back; a password typed in the form reaches neither the ticket file nor the log.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import { expectTicketSaid, post, runId, testEnv } from './helpers.js';

const base = mkdtempSync(join(tmpdir(), 'mm-lose35-tickets-'));
let app: App | undefined;
let fd: number | undefined;
afterAll(async () => {
  await app?.close();
  if (fd !== undefined) closeSync(fd);
  rmSync(base, { recursive: true, force: true });
});

describe('TICKET_DIR not writable at hand-off (file sink)', () => {
  it('the person is told our number at once; the ticket is written once when the folder is back; no password in the file or the log', async () => {
    const ticketDir = join(base, 'tickets');
    const logFile = join(base, 'app.log');
    fd = openSync(logFile, 'w');
    app = await startApp({
      env: testEnv({ LOG_LEVEL: 'info', TICKET_DIR: ticketDir }),
      logger: createLogger({ level: 'info', fd }),
      port: 0,
      host: '127.0.0.1',
    });
    expect(existsSync(ticketDir)).toBe(true);
    // The folder goes away after start-up: a file in its place.
    renameSync(ticketDir, `${ticketDir}.away`);
    writeFileSync(ticketDir, 'not a folder');

    const conversation = `td-${runId()}`;
    await post(`${app.url}/api/chat`, { conversation, text: '担当者と話したい', eventId: 't1' });
    const form = {
      conversation,
      text: 'iPhone 15、iOS 18.1、docomo、エラーは『サーバーに接続できません』、今朝9時から毎回です。パスワードはhunter2xyzです',
      eventId: 't2',
    };
    const filed = await post(`${app.url}/api/chat`, form);
    expect(filed.status).toBe(200);
    expect(filed.body.error).toBeUndefined();
    const ticket = expectTicketSaid(filed.body);

    // Not written while the folder is missing (at least one attempt failed), and waiting in the outbox.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(readdirSync(`${ticketDir}.away`)).toEqual([]);

    // The folder is back: the ticket is written, once.
    unlinkSync(ticketDir);
    renameSync(`${ticketDir}.away`, ticketDir);
    const path = join(ticketDir, `${ticket}.json`);
    await expect.poll(() => existsSync(path), { timeout: 20_000, interval: 200 }).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(readdirSync(ticketDir).filter((f) => f.endsWith('.json'))).toEqual([`${ticket}.json`]);
    const written = readFileSync(path, 'utf8');
    expect(written).toContain('サーバーに接続できません');
    expect(written).not.toContain('hunter2xyz');

    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toContain('hunter2xyz');
    // The failed attempts are visible to staff in the log (a retryable delivery failure naming the ticket).
    expect(log).toMatch(new RegExp(`${ticket}[^\\n]*(retry|fail)|(retry|fail)[^\\n]*${ticket}`, 'i'));
  }, 40_000);
});
