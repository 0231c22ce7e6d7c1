/**
 * SIGTERM in the middle of load, on a real `mailmedic serve` process with Redis: the turn in flight is finished and
 * answered (here: the turn that files a ticket, held in flight by holding its conversation lock in Redis), new work
 * is refused cleanly, the ticket is delivered or left safely in the Redis outbox for the next replica, and the
 * process exits 0 (the 10 s guard would exit 1).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { outboxKeys } from '../../src/handoff/outbox-redis.js';
import { createKeys } from '../../src/state/keys.js';
import { expectTurnShape } from '../http/helpers.js';
import { deletePrefix, rawClient, REDIS_URL, uniquePrefix } from '../state/helpers.js';
import { chat, startServer, type ServerProcess } from './servers.js';

const prefix = uniquePrefix('ops-shutdown');
const ticketDir = mkdtempSync(join(tmpdir(), 'mm-shutdown-'));
// Rate limits off: the load below is one client hammering a few conversations on purpose.
const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, TICKET_DIR: ticketDir, LOG_LEVEL: 'info', RATE_LIMIT_CONVERSATION_PER_MINUTE: '0', RATE_LIMIT_CLIENT_PER_MINUTE: '0', INCIDENT_THRESHOLD: '0' };
const spawned: ServerProcess[] = [];

afterAll(async () => {
  await Promise.all(spawned.map((s) => s.stop('SIGKILL')));
  await deletePrefix(prefix);
  // The outbox keys carry the prefix inside their hash tag ({<prefix>:outbox}:…).
  const c = await rawClient();
  try {
    for await (const batch of c.scanIterator({ MATCH: `{${prefix}:outbox}:*`, COUNT: 500 })) if (batch.length) await c.del(batch);
  } finally {
    await c.close();
  }
  rmSync(ticketDir, { recursive: true, force: true });
});

interface Outcome {
  status: number | 'network';
  body?: any;
  afterSigterm: boolean;
}

describe('SIGTERM under load', () => {
  it('answers the turn in flight, refuses new work cleanly, keeps the ticket, exits 0', async () => {
    const server = await startServer(env);
    spawned.push(server);
    const held = `ops-held-${Date.now().toString(36)}`;
    const say = (text: string, n: number) => chat(server.url, { conversation: held, text, eventId: `h${n}` });
    expect((await say('iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる', 1)).body.node).toBe('auth_reenter');
    expect((await say('まだダメ', 2)).body.node).toBe('dc_daccount');
    expect((await say('担当の人につないで', 3)).body.node).toBe('handoff');

    // Background load: 12 conversations sending turns back to back until the process is gone.
    let sigtermSent = false;
    let running = true;
    const outcomes: Outcome[] = [];
    const loops = Array.from({ length: 12 }, async (_, i) => {
      const texts = ['メールを取得できません', 'まだダメ', '最初から'];
      for (let n = 0; running; n++) {
        // Read when the answer is back, not when the request left: a request sent a moment before SIGTERM can
        // reach the server after it and be refused, which is correct (a 503 seen before SIGTERM still fails).
        try {
          const r = await chat(server.url, { conversation: `ops-load-${prefix}-${i}`, text: texts[n % texts.length] });
          outcomes.push({ status: r.status, body: r.body, afterSigterm: sigtermSent });
        } catch {
          outcomes.push({ status: 'network', afterSigterm: sigtermSent });
          await sleep(20);
        }
      }
    });
    while (outcomes.filter((o) => o.status === 200).length < 30) await sleep(20);

    // Hold the conversation's lock as another replica would, then send the turn that files the ticket: it is
    // accepted (its eventId claimed) and waits for the lock — a turn in flight.
    const keys = createKeys(prefix);
    const redis = await rawClient();
    await redis.set(keys.lock(held), 'held-by-test', { PX: 20_000 });
    const finalTurn = say('iPhone 15、iOS 18.1、今朝9時から毎回です', 4);
    const claim = keys.delivery({ conversationId: held, channel: 'web', eventId: 'h4' });
    for (let i = 0; i < 400 && !(await redis.exists(claim)); i++) await sleep(10);
    expect(await redis.exists(claim)).toBe(1);

    sigtermSent = true;
    server.child.kill('SIGTERM');
    await sleep(300);
    await redis.del(keys.lock(held));

    const answered = await finalTurn;
    const code = await server.exited;
    running = false;
    await Promise.all(loops);

    expect(code).toBe(0);
    expect(answered.status).toBe(200);
    expectTurnShape(answered.body);
    expect(answered.body.status).toBe('escalated');
    const ticketId: string = answered.body.ticket.id;

    // Before SIGTERM everything was answered; after it, requests were answered, refused with 503, or found the
    // port closed — never a 500, never a connection cut before SIGTERM.
    for (const o of outcomes) {
      if (o.status === 200) expectTurnShape(o.body);
      else if (o.status === 503) expect(o.afterSigterm).toBe(true);
      else {
        expect(o.status).toBe('network');
        expect(o.afterSigterm).toBe(true);
      }
    }
    expect(outcomes.filter((o) => o.status !== 200 && !o.afterSigterm)).toEqual([]);

    // Logs: JSON lines, a "stopped" line, and not one word of what the users typed.
    const logs = server.stderr().split('\n').filter((l) => l.startsWith('{'));
    expect(logs.some((l) => JSON.parse(l).msg === 'stopped')).toBe(true);
    for (const text of ['ドコモメール', 'まだダメ', 'iOS 18.1', 'メールを取得できません']) expect(server.stderr()).not.toContain(text);

    // The ticket is not lost: delivered before exit, or still in the shared outbox, which the next replica delivers.
    const files = () => readdirSync(ticketDir).filter((f) => f.endsWith('.json'));
    if (!files().includes(`${ticketId}.json`)) {
      expect(await redis.hExists(outboxKeys(prefix).records, ticketId)).toBe(1);
      const next = await startServer(env);
      spawned.push(next);
      for (let i = 0; i < 200 && !files().includes(`${ticketId}.json`); i++) await sleep(50);
      expect(await next.stop()).toBe(0);
    }
    expect(files()).toEqual([`${ticketId}.json`]);
    await redis.close();
  }, 120_000);
});
