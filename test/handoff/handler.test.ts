import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger, type Ticket } from '../../src/core/index.js';
import { loadLocales } from '../../src/data/load.js';
import {
  createTicketHandler,
  describeHandoffEvent,
  type HandoffEvent,
  type HandoffService,
  type OutboxRecord,
  type OutboxStore,
} from '../../src/handoff/index.js';
import { redisOutboxStore } from '../../src/handoff/outbox-redis.js';
import { createRedisConnection } from '../../src/state/redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { startFakeServer, type FakeServer } from './fake-server.js';
import { deleteKeys, rawClient, REDIS_URL } from '../redis.js';
import { captureLogger, makeTicket, uniquePrefix } from './fixtures.js';
import { until } from './outbox.contract.js';

const SECRET = 'Hunter2x9Q';
const tuning = { baseDelayMs: 20, maxDelayMs: 100, pollMs: 25, random: () => 0.5 };

let fake: FakeServer;
let dir: string;
beforeAll(async () => {
  fake = await startFakeServer();
  dir = await mkdtemp(join(tmpdir(), 'mm-handoff-'));
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const id = () => `MM-20261129-${String(++n).padStart(4, '0')}`;

interface Run {
  handler: HandoffService;
  lines: string[];
  events: HandoffEvent[];
  delivered: Array<{ ticket: Ticket; ref: string; url?: string }>;
  failed: OutboxRecord[];
}

function build(env: Record<string, string>, extra: { store?: OutboxStore } = {}): Run {
  const { logger, lines } = captureLogger();
  const events: HandoffEvent[] = [];
  const delivered: Run['delivered'] = [];
  const failed: OutboxRecord[] = [];
  const config = loadConfig(env);
  const handler = createTicketHandler(config, {
    logger,
    store: extra.store,
    notifier: { notify: async (e) => void events.push(e) },
    onDelivered: (ticket, ref, url) => void delivered.push({ ticket, ref, url }),
    onFailed: (_t, r) => void failed.push(r),
    sinkTimeoutMs: 500,
    outbox: tuning,
  });
  return { handler, lines, events, delivered, failed };
}

const SINKS: Array<[string, () => Record<string, string>, () => string[]]> = [
  ['file', () => ({ TICKET_DIR: dir }), () => []],
  [
    'webhook',
    () => ({ TICKET_SINK: 'webhook', TICKET_WEBHOOK_URL: `${fake.url}/hook`, TICKET_WEBHOOK_SECRET: 'whsec-1' }),
    () => fake.received.filter((r) => r.path === '/hook').map((r) => r.raw),
  ],
  [
    'zendesk',
    () => ({ TICKET_SINK: 'zendesk', ZENDESK_URL: fake.url, ZENDESK_EMAIL: 'bot@example.com', ZENDESK_API_TOKEN: 'zd' }),
    () => fake.received.filter((r) => r.path === '/api/v2/tickets.json').map((r) => r.raw),
  ],
  [
    'jira',
    () => ({
      TICKET_SINK: 'jira',
      JIRA_URL: fake.url,
      JIRA_EMAIL: 'bot@example.com',
      JIRA_API_TOKEN: 'jt',
      JIRA_SERVICE_DESK_ID: '1',
      JIRA_REQUEST_TYPE_ID: '2',
    }),
    () => fake.received.filter((r) => r.path === '/rest/servicedeskapi/request').map((r) => r.raw),
  ],
];

describe('createTicketHandler', () => {
  it.each(SINKS)('files a %s ticket once, tells the person and the help desk, and leaks no password', async (sinkName, env, payloads) => {
    const run = build(env());
    await run.handler.start();
    const t = makeTicket(id(), {}, SECRET);
    await run.handler.submit(t);
    await run.handler.submit(t); // a double click
    await until(() => run.delivered.length > 0);
    await run.handler.stop();

    expect(run.handler.sinkName).toBe(sinkName);
    expect(run.delivered).toHaveLength(1);
    expect(run.delivered[0]!.ticket.id).toBe(t.id);
    expect(run.events.map((e) => e.type)).toEqual(['escalated', 'delivered']);
    const status = await run.handler.status(t.id);
    expect(status).toMatchObject({ state: 'delivered', externalRef: run.delivered[0]!.ref });

    const sent = sinkName === 'file' ? [await readFile(run.delivered[0]!.ref, 'utf8')] : payloads();
    expect(sent.length).toBeGreaterThan(0);
    const everything = [...sent, ...run.lines, JSON.stringify(run.events), JSON.stringify(status), JSON.stringify(run.delivered)];
    for (const text of everything) expect(text).not.toContain(SECRET);
    // The redacted ticket still says what happened, with the mark where the password was.
    expect(sent.join('\n')).toContain('［伏字］');
    expect(sent.join('\n')).toContain('パスワードが正しくありません');
    expect(run.lines.some((l) => l.includes('ticket delivered'))).toBe(true);
    expect(run.lines.some((l) => l.includes('secrets redacted from ticket'))).toBe(true);
  });

  it('reports what submitTicket did', async () => {
    const run = build({ TICKET_DIR: dir });
    const t = makeTicket(id(), {}, SECRET);
    expect(await run.handler.submitTicket(t)).toEqual({ status: 'accepted', id: t.id, redacted: true });
    expect(await run.handler.submitTicket(t)).toEqual({ status: 'duplicate', id: t.id, of: t.id, redacted: true });
    const clean = makeTicket(id(), { conversation: 'other' });
    expect((await run.handler.submitTicket(clean)).redacted).toBe(false);
    expect(run.events.filter((e) => e.type === 'escalated')).toHaveLength(2);
    expect(await run.handler.counts()).toMatchObject({ pending: 2 });
  });

  it('tells the person and the help desk when a ticket finally fails', async () => {
    fake.script('zendesk', { status: 401, body: { error: 'Couldn\u2019t authenticate you' } });
    const run = build(SINKS[2]![1]());
    await run.handler.start();
    const t = makeTicket(id());
    await run.handler.submit(t);
    await until(() => run.failed.length > 0);
    await run.handler.stop();
    expect(run.failed[0]).toMatchObject({ id: t.id, state: 'dead', lastError: { status: 401, retryable: false } });
    expect(run.events.map((e) => e.type)).toEqual(['escalated', 'failed']);
    expect((await run.handler.deadLetters.list()).map((r) => r.id)).toEqual([t.id]);
    expect(run.handler.metrics).toMatchObject({ deadLettered: 1 });
  });

  it('keeps no password in Redis', async () => {
    // The outbox as the app builds it (src/state's connection); a raw client only to look at the keys.
    const client = await rawClient();
    const prefix = uniquePrefix('handler');
    const connection = createRedisConnection({ mode: 'single', url: REDIS_URL }, silentLogger, { prefix });
    await connection.waitReady(5_000);
    try {
      const run = build({ REDIS_URL, TICKET_DIR: dir }, { store: redisOutboxStore(connection) });
      const t = makeTicket(id(), {}, SECRET);
      await run.handler.submit(t); // not started: the ticket waits in Redis
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `{${prefix}:outbox}*`, COUNT: 100 })) keys.push(...batch);
      expect(keys.length).toBeGreaterThan(0);
      const stored = await client.hGetAll(`{${prefix}:outbox}:records`);
      expect(Object.keys(stored)).toEqual([t.id]);
      expect(JSON.stringify(stored)).not.toContain(SECRET);
      expect(JSON.stringify(stored)).toContain('［伏字］');
      await run.handler.start();
      await until(() => run.delivered.length > 0);
      await run.handler.stop();
    } finally {
      await deleteKeys(`{${prefix}:outbox}*`);
      await connection.close();
      await client.close();
    }
  });

  it('refuses to run on memory when Redis is configured but no Redis outbox store was given', () => {
    expect(() => createTicketHandler(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }), { logger: silentLogger })).toThrow(/Redis/);
  });

  it('refuses a lease shorter than three sink time limits', () => {
    expect(() =>
      createTicketHandler(loadConfig({}), { logger: silentLogger, sinkTimeoutMs: 10_000, outbox: { leaseMs: 20_000 } }),
    ).toThrow(/leaseMs/);
  });
});

describe('handoff locale strings', () => {
  const { messages } = loadLocales();
  const i18n = createI18n(messages);

  it('has the same handoff keys in ja and en', () => {
    const keys = (l: 'ja' | 'en') => [...messages[l].keys()].filter((k) => k.startsWith('handoff.')).sort();
    expect(keys('ja').length).toBeGreaterThan(0);
    expect(keys('ja')).toEqual(keys('en'));
  });

  it('describes every event for the help desk with no placeholder left', () => {
    const ticket = makeTicket('MM-20261129-9999');
    const events: HandoffEvent[] = [
      { type: 'escalated', ticket, sink: 'zendesk' },
      { type: 'delivered', ticket, sink: 'zendesk', externalRef: '1234', url: 'https://acme.zendesk.com/agent/tickets/1234', attempts: 1 },
      { type: 'failed', ticket, sink: 'jira', attempts: 20, reason: 'http_401', status: 401 },
    ];
    for (const locale of ['ja', 'en'] as const) {
      for (const e of events) {
        const text = describeHandoffEvent(e, i18n, locale);
        expect(text).toContain(ticket.id);
        expect(text).not.toMatch(/\{[a-z_]+\}/);
        expect(text).not.toMatch(/^handoff\./);
      }
    }
  });
});
