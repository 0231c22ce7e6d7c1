/**
 * Fault walk (lose-35): the webhook receiver and Jira Service Management failing at the worst moment — the hand-off
 * form of a web chat conversation — then recovering. (Zendesk's 429/500 at hand-off: lose-nothing.test.ts; the file
 * sink: ticket-dir-fault.test.ts.) Real server on loopback, the ticket-system stand-in test/handoff/fake-server.ts,
 * memory store.
 *
 * The person hears the hand-off and our number at once; the ticket reaches the system once (a redelivery of the form
 * files nothing more); a password typed in the form reaches neither the system nor the log.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import { startFakeServer, type FakeServer } from '../handoff/fake-server.js';
import { expectTicketSaid, post, runId, testEnv } from './helpers.js';

let fake: FakeServer;
let base: string;
beforeAll(async () => {
  fake = await startFakeServer();
  base = mkdtempSync(join(tmpdir(), 'mm-lose35-sinks-'));
});
afterAll(async () => {
  await fake?.close();
  rmSync(base, { recursive: true, force: true });
});

const FORM = 'iPhone 15、iOS 18.1、docomo、エラーは『サーバーに接続できません』、今朝9時から毎回です。パスワードはhunter2xyzです';

const CASES = [
  {
    sink: 'webhook',
    env: () => ({ TICKET_SINK: 'webhook', TICKET_WEBHOOK_URL: `${fake.url}/hook`, TICKET_WEBHOOK_SECRET: 'whsec-lose35' }),
    fail: () => fake.script('webhook', { status: 500, body: { error: 'down' } }, { status: 429, headers: { 'retry-after': '1' }, body: {} }),
    tries: () => fake.received.filter((r) => r.method === 'POST' && r.path === '/hook').length,
    delivered: () => fake.webhookDeliveries.map((d) => d.raw),
  },
  {
    sink: 'jira',
    env: () => ({
      TICKET_SINK: 'jira',
      JIRA_URL: fake.url,
      JIRA_EMAIL: 'bot@example.com',
      JIRA_API_TOKEN: 'jt-lose35',
      JIRA_SERVICE_DESK_ID: '1',
      JIRA_REQUEST_TYPE_ID: '2',
    }),
    fail: () => fake.script('jira', { status: 503, body: { errorMessage: 'down' } }, { status: 500, body: { errorMessage: 'oops' } }),
    tries: () => fake.received.filter((r) => r.method === 'POST' && r.path === '/rest/servicedeskapi/request').length,
    delivered: () => fake.jiraRequests.map((r) => JSON.stringify(r.payload)),
  },
] as const;

describe('the ticket system failing at hand-off, through the web chat', () => {
  for (const c of CASES) {
    it(`${c.sink}: the person is told our number at once; the ticket arrives once after two failures; no password sent or logged`, async () => {
      const logFile = join(base, `${c.sink}.log`);
      const fd = openSync(logFile, 'w');
      const app = await startApp({ env: testEnv({ LOG_LEVEL: 'info', ...c.env() }), logger: createLogger({ level: 'info', fd }), port: 0, host: '127.0.0.1' });
      try {
        const before = c.delivered().length;
        c.fail();
        const conversation = `${c.sink}-${runId()}`;
        await post(`${app.url}/api/chat`, { conversation, text: '担当者と話したい', eventId: 'h1' });
        const form = { conversation, text: FORM, eventId: 'h2' };
        const filed = await post(`${app.url}/api/chat`, form);
        expect(filed.status).toBe(200);
        expect(filed.body.error).toBeUndefined();
        const ticket = expectTicketSaid(filed.body);
        expect((await post(`${app.url}/api/chat`, form)).body.duplicate).toBe(true);

        await expect.poll(() => c.delivered().length - before, { timeout: 20_000, interval: 200 }).toBe(1);
        await new Promise((r) => setTimeout(r, 1_500));
        const mine = c.delivered().slice(before);
        expect(mine).toHaveLength(1);
        expect(mine[0]).toContain(ticket);
        expect(mine[0]).not.toContain('hunter2xyz');
        expect(c.tries()).toBeGreaterThanOrEqual(3);
      } finally {
        await app.close();
        closeSync(fd);
      }
      expect(readFileSync(logFile, 'utf8')).not.toContain('hunter2xyz');
    }, 40_000);
  }
});
