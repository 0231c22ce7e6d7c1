/**
 * Lose nothing, duplicate nothing — from the outside (helper lose-32): the real server on loopback and a PRIVATE
 * redis-server on its own port (never the shared 127.0.0.1:6379), stopped and started while a conversation runs.
 *
 * - Redis stopped mid-conversation (a clean stop: the append-only file keeps the data) and started again: the turn
 *   sent while it was down gets the polite "try again shortly" (error store_unavailable); its retry with the same
 *   eventId is processed once — the conversation goes on where it was, one transcript turn; a further retry is a
 *   duplicate.
 * - Redis killed (data gone) mid-conversation: the next click is answered, never an error page or a hang.
 * - Two different messages at once in one conversation: one is processed, the other is answered busy and is
 *   processed once when retried with its eventId; nothing is merged or lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bench/redis-proc.js';
import { startApp, type App } from '../../src/main.js';
import { DurableRedis } from '../durable-redis.js';
import { allChoices, expectTicketSaid, expectTurnShape, post, runId, testEnv } from './helpers.js';

let redis: DurableRedis;
let redisDir: string;
let ticketDir: string;
let app: App;
const prefix = `mmtest-lose-${runId()}`;

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${url}/readyz`);
    if (r.status === 200) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the app did not become ready again');
}

beforeAll(async () => {
  redisDir = mkdtempSync(join(tmpdir(), 'mm-lose32-redis-'));
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-lose32-tickets-'));
  redis = new DurableRedis(await freePort(), redisDir);
  await redis.start();
  app = await startApp({
    env: testEnv({ REDIS_URL: redis.url, TICKET_DIR: ticketDir }),
    port: 0,
    host: '127.0.0.1',
    storeOptions: { prefix, connectTimeoutMs: 200, commandTimeoutMs: 500, lockWaitMs: 300 },
  });
});
afterAll(async () => {
  await app?.close();
  await redis?.stop('SIGKILL');
  for (const d of [redisDir, ticketDir]) if (d) rmSync(d, { recursive: true, force: true });
});

const texts = (body: any): string[] => body.replies.map((r: { text: string }) => r.text);
const FIRST = 'iPhoneでIMAPサーバーが応答しませんと出ます';

describe('Redis stopped and started mid-conversation (private redis-server, append-only file)', () => {
  it('the turn sent while Redis is down is answered "try again shortly"; its retry is processed once, the conversation goes on', async () => {
    // The same two turns without a fault: what the person should end up with.
    const ref = `ref-${runId()}`;
    const r1 = await post(`${app.url}/api/chat`, { conversation: ref, text: FIRST, eventId: 'e1' });
    const click = allChoices(r1.body)[0]!.value;
    const r2 = await post(`${app.url}/api/chat`, { conversation: ref, action: click, eventId: 'e2' });
    expect(r2.body.error).toBeUndefined();

    const conversation = `down-${runId()}`;
    const t1 = await post(`${app.url}/api/chat`, { conversation, text: FIRST, eventId: 'e1' });
    expect(t1.body.node).toBe(r1.body.node);

    await redis.stop();
    const failed = await post(`${app.url}/api/chat`, { conversation, action: click, eventId: 'e2' });
    expect(failed.status).toBe(200);
    expectTurnShape(failed.body);
    expect(failed.body.error).toBe('store_unavailable');
    expect(texts(failed.body)).toEqual([app.core.i18n.t('pipeline.store_unavailable', undefined, 'ja')]);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503);

    await redis.start();
    await waitReady(app.url);
    const retried = await post(`${app.url}/api/chat`, { conversation, action: click, eventId: 'e2' });
    expectTurnShape(retried.body);
    expect(retried.body.error).toBeUndefined();
    // Not lost: the click moved the conversation exactly as it did without the fault.
    expect(retried.body.node).toBe(r2.body.node);
    expect(texts(retried.body)).toEqual(texts(r2.body));

    // Not replayed: the same delivery again is a duplicate, the conversation stays where it is.
    const again = await post(`${app.url}/api/chat`, { conversation, action: click, eventId: 'e2' });
    expect(again.body.duplicate).toBe(true);
    // The same answer again (the person may have missed it), not a second run: the transcript keeps 2 turns.
    expect(again.body.replies).toEqual(retried.body.replies);
    const turns = await app.core.transcripts.turns(conversation);
    expect(turns.length).toBe(2);
  });

  it('Redis killed with its data gone: the next click is answered (not an error, not a hang), and a new message starts afresh', async () => {
    const conversation = `wiped-${runId()}`;
    const t1 = await post(`${app.url}/api/chat`, { conversation, text: FIRST, eventId: 'w1' });
    const click = allChoices(t1.body)[0]!.value;
    await redis.wipe();
    await redis.start();
    await waitReady(app.url);
    const after = await post(`${app.url}/api/chat`, { conversation, action: click, eventId: 'w2' });
    expect(after.status).toBe(200);
    expectTurnShape(after.body);
    expect(after.body.error).toBeUndefined();
    const fresh = await post(`${app.url}/api/chat`, { conversation, text: FIRST, eventId: 'w3' });
    expectTurnShape(fresh.body);
    expect(fresh.body.error).toBeUndefined();
    expect(fresh.body.intent).toBe('error_server_timeout');
  });
});

describe('two different messages at once in one conversation', () => {
  it('one is processed, the other is answered busy (or waits its turn); a retry of the busy one is processed once', async () => {
    const conversation = `pair-${runId()}`;
    const t1 = await post(`${app.url}/api/chat`, { conversation, text: FIRST, eventId: 'p1' });
    const click = allChoices(t1.body)[0]!.value;
    const [a, b] = await Promise.all([
      post(`${app.url}/api/chat`, { conversation, action: click, eventId: 'p2' }),
      post(`${app.url}/api/chat`, { conversation, text: 'iOS 18.1です', eventId: 'p3' }),
    ]);
    for (const r of [a, b]) {
      expect(r.status).toBe(200);
      expectTurnShape(r.body);
    }
    const busy = [a, b].filter((r) => r.body.error === 'busy');
    const done = [a, b].filter((r) => r.body.error === undefined);
    // Either both ran one after the other, or one was refused as busy; never an error or a merged answer.
    expect(busy.length + done.length).toBe(2);
    for (const r of busy) {
      const original = r === a ? { action: click, eventId: 'p2' } : { text: 'iOS 18.1です', eventId: 'p3' };
      const retried = await post(`${app.url}/api/chat`, { conversation, ...original });
      expect(retried.body.error).toBeUndefined();
      expect(retried.body.duplicate).toBeUndefined();
      const again = await post(`${app.url}/api/chat`, { conversation, ...original });
      expect(again.body.duplicate).toBe(true);
    }
    // Each of the three messages is in the transcript once (observers are not awaited by the turn: the last write may
    // land just after its answer — when neither was busy there is no retry round trip before this check).
    await expect.poll(async () => (await app.core.transcripts.turns(conversation)).length, { timeout: 5_000 }).toBe(3);
    await new Promise((r) => setTimeout(r, 300));
    expect((await app.core.transcripts.turns(conversation)).length).toBe(3);
  });
});

describe('the Zendesk sink failing (429 with Retry-After, then 500) and recovering, through the web chat', () => {
  it('the person is told our number at once; the ticket reaches Zendesk exactly once; Zendesk\'s number follows once', async () => {
    const { startFakeServer } = await import('../handoff/fake-server.js');
    const fake = await startFakeServer();
    const zPrefix = `mmtest-lose-zd-${runId()}`;
    const zd = await startApp({
      env: testEnv({ REDIS_URL: redis.url, TICKET_SINK: 'zendesk', ZENDESK_URL: fake.url, ZENDESK_EMAIL: 'bot@example.com', ZENDESK_API_TOKEN: 'zd-token-123' }),
      port: 0,
      host: '127.0.0.1',
      storeOptions: { prefix: zPrefix },
    });
    try {
      fake.script('zendesk', { status: 429, headers: { 'retry-after': '1' }, body: { error: 'TooManyRequests' } }, { status: 500, body: { error: 'oops' } });
      const conversation = `zd-${runId()}`;
      await post(`${zd.url}/api/chat`, { conversation, text: '担当者と話したい', eventId: 'z1' });
      const form = { conversation, text: 'iPhone 15、iOS 18.1、docomo、エラーは『サーバーに接続できません』、今朝9時から毎回です', eventId: 'z2' };
      const filed = await post(`${zd.url}/api/chat`, form);
      const ticket = expectTicketSaid(filed.body);
      // A redelivery of the form (the page retrying after a lost answer) files nothing more.
      const replay = await post(`${zd.url}/api/chat`, form);
      expect(replay.body.duplicate).toBe(true);

      let messages: Array<{ id: string; text: string }> = [];
      for (let i = 0; i < 400 && fake.zendeskTickets.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 200; i++) {
        messages = (await post(`${zd.url}/api/chat/messages`, { conversation })).body.messages;
        if (messages.some((m) => m.text.includes('1001'))) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const creates = fake.received.filter((r) => r.method === 'POST' && r.path === '/api/v2/tickets.json');
      expect(creates.length).toBe(3); // 429, 500, 201
      expect(new Set(creates.map((r) => r.headers['idempotency-key'])).size).toBe(1);
      // The second try waited the Retry-After (1 s) at least.
      expect(creates[1]!.atMs - creates[0]!.atMs).toBeGreaterThanOrEqual(950);
      expect(fake.zendeskTickets.length).toBe(1);
      expect((fake.zendeskTickets[0]!.payload as any).ticket.external_id).toBe(ticket);
      expect(messages.filter((m) => m.text.includes('1001')).length).toBe(1);
    } finally {
      await zd.close();
      await fake.close();
    }
  }, 30_000);
});

describe('the save applied but its reply lost (Redis stalls writes during the save) — lose-32 fix', () => {
  it('the person told to retry gets the processed turn\'s answer (the hand-off and the ticket number) on the retry, once', async () => {
    const { startFakeServer } = await import('../handoff/fake-server.js');
    const { createClient } = await import('redis');
    const fake = await startFakeServer();
    const zd = await startApp({
      env: testEnv({ REDIS_URL: redis.url, TICKET_SINK: 'zendesk', ZENDESK_URL: fake.url, ZENDESK_EMAIL: 'bot@example.com', ZENDESK_API_TOKEN: 'zd-token-123' }),
      port: 0,
      host: '127.0.0.1',
      storeOptions: { prefix: `mmtest-lose-stall-${runId()}`, connectTimeoutMs: 200, commandTimeoutMs: 500, lockWaitMs: 300 },
    });
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      const conversation = `stall-${runId()}`;
      await post(`${zd.url}/api/chat`, { conversation, text: '担当者と話したい', eventId: 's1' });
      // Zendesk takes 2.5 s: the turn waits its 3 s for it in `effects`; meanwhile Redis stops taking writes, so the
      // turn's save is sent, times out on our side, and is applied when the pause ends (its reply is lost).
      fake.script('zendesk', { status: 201, hangMs: 2_500 });
      const form = { conversation, text: 'iPhone 15、iOS 18.1、docomo、エラーは『サーバーに接続できません』、今朝9時から毎回です', eventId: 's2' };
      const pending = post(`${zd.url}/api/chat`, form);
      await new Promise((r) => setTimeout(r, 1_500));
      await admin.sendCommand(['CLIENT', 'PAUSE', '2500', 'WRITE']);
      const first = await pending;
      expect(first.body.error).toBe('store_unavailable');
      await new Promise((r) => setTimeout(r, 2_500));
      await waitReady(zd.url);

      const retried = await post(`${zd.url}/api/chat`, form);
      expect(retried.body.duplicate).toBe(true);
      expect(retried.body.status).toBe('escalated');
      const said = texts(retried.body).join('\n');
      expect(said).toContain(zd.core.i18n.t('pipeline.ticket_created', { id: '' }, 'ja').slice(0, 5));
      expect(said).toMatch(/MM-\d{8}-\d+/);
      // Processed once: one ticket, the transcript's turn not doubled by the retry.
      for (let i = 0; i < 200 && fake.zendeskTickets.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(fake.zendeskTickets.length).toBe(1);
      expect(said).toContain((fake.zendeskTickets[0]!.payload as any).ticket.external_id);
    } finally {
      await admin.close();
      await zd.close();
      await fake.close();
    }
  }, 30_000);
});
