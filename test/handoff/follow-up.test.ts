/**
 * Follow-ups to a filed ticket (「直った」, new details after filing) go through the same outbox as tickets: held in
 * real Redis, delivered to local stand-ins for Zendesk, Jira Service Management and a webhook receiver (or files), once
 * — a replayed turn, a retry after the ticket system was down, or a lost answer adds nothing twice.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger, type TicketFollowUp } from '../../src/core/index.js';
import { createTicketHandler, redisOutboxStore, type HandoffService } from '../../src/handoff/index.js';
import { FOLLOW_UP_TAGS, verifySignature } from '../../src/handoff/sinks/index.js';
import { createRedisConnection, type RedisConnection } from '../../src/state/redis.js';
import { deleteKeys, REDIS_URL } from '../redis.js';
import { startFakeServer, type FakeServer } from './fake-server.js';
import { captureLogger, makeTicket, uniquePrefix } from './fixtures.js';
import { until } from './outbox.contract.js';

const SECRET = 'Hunter2x9Q';
const tuning = { baseDelayMs: 20, maxDelayMs: 100, pollMs: 25, random: () => 0.5 };

let fake: FakeServer;
let dir: string;
let connection: RedisConnection;
let prefix: string;
beforeAll(async () => {
  fake = await startFakeServer();
  dir = await mkdtemp(join(tmpdir(), 'mm-followup-'));
  prefix = uniquePrefix('followup');
  connection = createRedisConnection({ mode: 'single', url: REDIS_URL }, silentLogger, { prefix });
  await connection.waitReady(5_000);
});
afterAll(async () => {
  await deleteKeys(`{${prefix}:outbox}*`);
  await connection.close();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const nextId = () => `MM-20261206-${String(++n).padStart(4, '0')}`;

function build(env: Record<string, string>): { handler: HandoffService; lines: string[] } {
  const { logger, lines } = captureLogger();
  const handler = createTicketHandler(loadConfig({ REDIS_URL, ...env }), {
    logger,
    store: redisOutboxStore(connection),
    sinkTimeoutMs: 300,
    outbox: tuning,
    acceptWaitMs: 0,
  });
  return { handler, lines };
}

function followUpOf(ticket: string, kind: TicketFollowUp['kind'], seq: number, text?: string): TicketFollowUp {
  return {
    id: `${ticket}-f${seq}`,
    ticket,
    conversation: `conv-${ticket}`,
    createdAt: '2026-12-06T10:00:00.000Z',
    locale: 'ja',
    kind,
    ...(text ? { text } : {}),
    fields: text ? { errorMessage: text } : {},
    body: `[${ticket}-f${seq}] 依頼者から連絡がありました。${text ? `\n依頼者のことば：${text}` : ''}`,
    transcriptUrl: `http://localhost:3978/admin/c/conv-${ticket}`,
  };
}

const ENVS = {
  file: () => ({ TICKET_DIR: dir }),
  webhook: () => ({ TICKET_SINK: 'webhook', TICKET_WEBHOOK_URL: `${fake.url}/hook`, TICKET_WEBHOOK_SECRET: 'whsec-1' }),
  zendesk: () => ({ TICKET_SINK: 'zendesk', ZENDESK_URL: fake.url, ZENDESK_EMAIL: 'bot@example.com', ZENDESK_API_TOKEN: 'zd' }),
  jira: () => ({
    TICKET_SINK: 'jira',
    JIRA_URL: fake.url,
    JIRA_EMAIL: 'bot@example.com',
    JIRA_API_TOKEN: 'jt',
    JIRA_SERVICE_DESK_ID: '1',
    JIRA_REQUEST_TYPE_ID: '2',
  }),
};

/** Files a ticket and waits until the ticket system has it. */
async function filed(handler: HandoffService): Promise<string> {
  const t = makeTicket(nextId());
  await handler.submit(t);
  await until(async () => (await handler.status(t.id))?.state === 'delivered');
  return t.id;
}

describe('follow-ups to a filed ticket', () => {
  it('adds 「直った」 to a Zendesk ticket once, as an internal note with the mailmedic_user_resolved tag, and never solves it', async () => {
    const { handler } = build(ENVS.zendesk());
    await handler.start();
    const ticket = await filed(handler);
    const ref = (await handler.status(ticket))!.externalRef!;
    const f = followUpOf(ticket, 'user_resolved', 1, `直りました パスワードは ${SECRET} でした`);
    await handler.followUp(f);
    await handler.followUp(f); // the same turn replayed
    await until(async () => (await handler.status(f.id))?.state === 'delivered');
    await handler.stop();

    const mine = fake.zendeskComments.filter((c) => c.ticket === ref);
    expect(mine).toHaveLength(1);
    const sent = mine[0]!.payload.ticket;
    expect(sent.comment.public).toBe(false);
    expect(sent.comment.body.startsWith(`[${f.id}]`)).toBe(true);
    expect(sent.additional_tags).toEqual([FOLLOW_UP_TAGS.any, FOLLOW_UP_TAGS.user_resolved]);
    expect(sent.status).toBeUndefined();
    expect(JSON.stringify(mine)).not.toContain(SECRET);
    expect(await handler.status(f.id)).toMatchObject({ state: 'delivered', externalRef: ref, followUp: { id: f.id, kind: 'user_resolved' } });
  });

  it('keeps a follow-up while Zendesk is down and adds it once it answers; 「まだダメ」 takes the resolved tag off', async () => {
    const { handler } = build(ENVS.zendesk());
    await handler.start();
    const ticket = await filed(handler);
    const ref = (await handler.status(ticket))!.externalRef!;
    fake.script('zendesk-update', { status: 503, headers: { 'retry-after': '0' } }, { status: 503 });
    const f = followUpOf(ticket, 'still_broken', 1);
    await handler.followUp(f);
    await until(async () => (await handler.status(f.id))?.state === 'delivered');
    await handler.stop();
    const rec = await handler.status(f.id);
    expect(rec!.attempts).toBe(3);
    const mine = fake.zendeskComments.filter((c) => c.ticket === ref);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.payload.ticket.remove_tags).toEqual([FOLLOW_UP_TAGS.user_resolved]);
  });

  it('does not add a Zendesk note twice when the answer to the first attempt was lost', async () => {
    const { handler } = build(ENVS.zendesk());
    await handler.start();
    const ticket = await filed(handler);
    const ref = (await handler.status(ticket))!.externalRef!;
    fake.script('zendesk-update', { status: 200, hangMs: 1_000 }); // added, but the answer comes after the time limit
    const f = followUpOf(ticket, 'details', 1, 'サーバーに接続できません');
    await handler.followUp(f);
    await until(async () => (await handler.status(f.id))?.state === 'delivered');
    await handler.stop();
    expect((await handler.status(f.id))!.attempts).toBeGreaterThan(1);
    expect(fake.zendeskComments.filter((c) => c.ticket === ref)).toHaveLength(1);
  });

  it('waits for the ticket itself: a follow-up queued before the ticket reached Jira is commented after it, once, internal', async () => {
    const { handler } = build(ENVS.jira());
    fake.script('jira', { status: 503 });
    await handler.start();
    const t = makeTicket(nextId());
    await handler.submit(t);
    const f = followUpOf(t.id, 'details', 1, 'iOS 18.2');
    await handler.followUp(f);
    await until(async () => (await handler.status(f.id))?.state === 'delivered');
    await handler.stop();
    const key = (await handler.status(t.id))!.externalRef!;
    const mine = fake.jiraComments.filter((c) => c.issueKey === key);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.payload).toEqual({ body: f.body, public: false });
    expect((await handler.status(f.id))!.history.some((a) => a.reason === 'ticket_pending')).toBe(true);
  });

  it('sends a webhook follow-up as a second signed POST with its event type, keyed by the follow-up id', async () => {
    const { handler } = build(ENVS.webhook());
    await handler.start();
    const ticket = await filed(handler);
    const f = followUpOf(ticket, 'user_resolved', 1);
    await handler.followUp(f);
    await until(async () => (await handler.status(f.id))?.state === 'delivered');
    await handler.stop();
    const posts = fake.received.filter((r) => r.path === '/hook' && r.headers['x-mailmedic-delivery'] === f.id);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers['x-mailmedic-event']).toBe('ticket_follow_up');
    expect(posts[0]!.headers['idempotency-key']).toBe(f.id);
    expect(verifySignature(posts[0]!.raw, 'whsec-1', posts[0]!.headers['x-mailmedic-signature'] as string)).toBe(true);
    expect(JSON.parse(posts[0]!.raw)).toEqual({ type: 'ticket_follow_up', ...f, externalRef: `WH-${ticket}` });
    const created = fake.received.find((r) => r.path === '/hook' && r.headers['x-mailmedic-delivery'] === ticket);
    expect(created!.headers['x-mailmedic-event']).toBe('ticket_created');
    expect(JSON.parse(created!.raw).id).toBe(ticket); // the ticket object itself, unchanged
  });

  it('writes a file follow-up next to the ticket file', async () => {
    const { handler } = build(ENVS.file());
    await handler.start();
    const ticket = await filed(handler);
    const f = followUpOf(ticket, 'details', 1, 'サーバーに接続できません');
    await handler.followUp(f);
    await until(async () => (await handler.status(f.id))?.state === 'delivered');
    await handler.stop();
    const written = JSON.parse(await readFile(join(dir, `${f.id}.json`), 'utf8'));
    expect(written).toMatchObject({ type: 'ticket_follow_up', id: f.id, ticket, kind: 'details', externalRef: join(dir, `${ticket}.json`) });
  });

  it('refuses a follow-up to a ticket the outbox never held (the person is not told it was added)', async () => {
    const { handler } = build(ENVS.file());
    await expect(handler.followUp(followUpOf('MM-20261206-9999', 'details', 1, 'x'))).rejects.toThrow(/not in the outbox/);
  });
});
