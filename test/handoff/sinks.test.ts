import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { CodedError } from '../../src/core/index.js';
import {
  createFileSink,
  createJiraSink,
  createSink,
  createWebhookSink,
  createZendeskSink,
  DeliveryError,
  parseRetryAfter,
  verifySignature,
} from '../../src/handoff/sinks/index.js';
import { makeTicket } from './fixtures.js';
import { startFakeServer, type FakeServer } from './fake-server.js';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer();
});
afterAll(async () => {
  await fake.close();
});

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DeliveryError);
    return e as DeliveryError;
  }
  throw new Error('expected a DeliveryError');
}

describe('Zendesk sink', () => {
  // A time-out is asked for only where a test waits for one (sink(300) against a server that hangs): under a loaded
  // machine a plain request to the loopback fake can take longer than 300 ms.
  const sink = (timeoutMs = 5_000) => createZendeskSink({ url: fake.url, email: 'bot@example.com', apiToken: 'zd-token-123', timeoutMs });

  it('creates a ticket with basic token auth, an Idempotency-Key and the ticket fields', async () => {
    const before = fake.zendeskTickets.length;
    const got = await sink().deliver(makeTicket('MM-20261128-0101'), { attempt: 1 });
    expect(fake.zendeskTickets.length).toBe(before + 1);
    const req = fake.received.at(-1)!;
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('bot@example.com/token:zd-token-123').toString('base64')}`);
    expect(req.headers['idempotency-key']).toBe('MM-20261128-0101');
    const body = JSON.parse(req.raw);
    expect(body.ticket.external_id).toBe('MM-20261128-0101');
    expect(body.ticket.subject).toContain('MM-20261128-0101');
    expect(body.ticket.comment.body).toContain('エラー表示');
    expect(body.ticket.tags).toEqual(expect.arrayContaining(['mailmedic', 'error_auth', 'docomo', 'carrier_mail', 'iphone']));
    expect(got.externalRef).toBe(String(fake.zendeskTickets.at(-1)!.id));
    expect(got.url).toBe(`${fake.url}/agent/tickets/${got.externalRef}`);
  });

  it('answers a repeated delivery with the same Zendesk ticket', async () => {
    const t = makeTicket('MM-20261128-0102');
    const a = await sink().deliver(t, { attempt: 1 });
    const b = await sink().deliver(t, { attempt: 2 });
    expect(b.externalRef).toBe(a.externalRef);
    expect(fake.zendeskTickets.filter((x) => x.key === t.id)).toHaveLength(1);
  });

  it('classifies 429 (Retry-After seconds) as retryable and keeps the wait', async () => {
    fake.script('zendesk', { status: 429, headers: { 'retry-after': '7' }, body: { error: 'TooManyRequests' } });
    const e = await failure(sink().deliver(makeTicket('MM-20261128-0103'), { attempt: 1 }));
    expect(e).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000, reason: 'http_429' });
  });

  it('classifies 5xx and 409 (idempotent request in progress) as retryable', async () => {
    fake.script('zendesk', { status: 503 }, { status: 409 });
    expect((await failure(sink().deliver(makeTicket('MM-20261128-0104'), { attempt: 1 }))).retryable).toBe(true);
    expect((await failure(sink().deliver(makeTicket('MM-20261128-0104'), { attempt: 2 }))).retryable).toBe(true);
  });

  it('classifies 400, 401 and 422 as permanent', async () => {
    for (const status of [400, 401, 422]) {
      fake.script('zendesk', { status, body: { error: 'RecordInvalid' } });
      const e = await failure(sink().deliver(makeTicket('MM-20261128-0105'), { attempt: 1 }));
      expect(e).toMatchObject({ retryable: false, status, reason: `http_${status}` });
    }
  });

  it('classifies a time-out as retryable', async () => {
    fake.script('zendesk', { status: 201, hangMs: 2_000 });
    const e = await failure(sink(300).deliver(makeTicket('MM-20261128-0106'), { attempt: 1 }));
    expect(e).toMatchObject({ retryable: true, reason: 'timeout' });
  });

  it('classifies an unreachable server as retryable', async () => {
    const s = createZendeskSink({ url: 'http://127.0.0.1:1', email: 'a@b.c', apiToken: 't', timeoutMs: 1_000 });
    const e = await failure(s.deliver(makeTicket('MM-20261128-0107'), { attempt: 1 }));
    expect(e).toMatchObject({ retryable: true, reason: 'network' });
  });
});

describe('Jira Service Management sink', () => {
  const sink = (timeoutMs = 5_000) =>
    createJiraSink({ url: fake.url, email: 'bot@example.com', apiToken: 'jira-token', serviceDeskId: '4', requestTypeId: '25', timeoutMs });

  it('creates a customer request and returns the issue key', async () => {
    const got = await sink().deliver(makeTicket('MM-20261128-0201'), { attempt: 1 });
    const req = fake.received.at(-1)!;
    expect(req.path).toBe('/rest/servicedeskapi/request');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('bot@example.com:jira-token').toString('base64')}`);
    const body = JSON.parse(req.raw);
    expect(body).toMatchObject({ serviceDeskId: '4', requestTypeId: '25' });
    expect(body.requestFieldValues.summary.startsWith('[MM-20261128-0201] ')).toBe(true);
    expect(body.requestFieldValues.description).toContain('エラー表示');
    expect(got).toEqual({ externalRef: fake.jiraRequests.at(-1)!.issueKey, url: `${fake.url}/browse/${fake.jiraRequests.at(-1)!.issueKey}` });
  });

  it('finds the request a timed-out first attempt created instead of filing it twice', async () => {
    const t = makeTicket('MM-20261128-0202');
    fake.script('jira', { status: 201, hangMs: 2_000 });
    await failure(sink(300).deliver(t, { attempt: 1 }));
    const got = await sink().deliver(t, { attempt: 2 });
    const made = fake.jiraRequests.filter((r) => r.payload.requestFieldValues.summary.includes(t.id));
    expect(made).toHaveLength(1);
    expect(got.externalRef).toBe(made[0]!.issueKey);
  });

  it('files the request when the search is not allowed (403)', async () => {
    fake.script('jira-search', { status: 403 });
    const t = makeTicket('MM-20261128-0203');
    const got = await sink().deliver(t, { attempt: 2 });
    expect(got.externalRef).toMatch(/^HD-\d+$/);
  });

  it('classifies 400 as permanent and 500 as retryable', async () => {
    fake.script('jira', { status: 400, body: { errorMessage: 'bad field' } }, { status: 500 });
    expect((await failure(sink().deliver(makeTicket('MM-20261128-0204'), { attempt: 1 }))).retryable).toBe(false);
    expect((await failure(sink().deliver(makeTicket('MM-20261128-0204'), { attempt: 1 }))).retryable).toBe(true);
  });
});

describe('webhook sink', () => {
  const secret = 'whsec-0123456789';
  const sink = (timeoutMs = 5_000) => createWebhookSink({ url: `${fake.url}/hook`, secret, timeoutMs });

  it('signs the raw body with HMAC-SHA256 and names the delivery by ticket id', async () => {
    const t = makeTicket('MM-20261128-0301');
    const got = await sink().deliver(t, { attempt: 1 });
    const req = fake.received.at(-1)!;
    expect(req.headers['x-mailmedic-delivery']).toBe(t.id);
    expect(req.headers['idempotency-key']).toBe(t.id);
    expect(req.headers['x-mailmedic-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(req.raw, secret, req.headers['x-mailmedic-signature'] as string)).toBe(true);
    expect(JSON.parse(req.raw)).toEqual(t);
    expect(got.externalRef).toBe(`WH-${t.id}`);
  });

  it('produces a signature another secret does not verify', async () => {
    await sink().deliver(makeTicket('MM-20261128-0302'), { attempt: 1 });
    const req = fake.received.at(-1)!;
    expect(verifySignature(req.raw, 'another-secret', req.headers['x-mailmedic-signature'] as string)).toBe(false);
    expect(verifySignature(`${req.raw} `, secret, req.headers['x-mailmedic-signature'] as string)).toBe(false);
  });

  it('honours an HTTP-date Retry-After', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    fake.script('webhook', { status: 503, headers: { 'retry-after': at } });
    const e = await failure(sink().deliver(makeTicket('MM-20261128-0303'), { attempt: 1 }));
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBeGreaterThan(100_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(120_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates and ignores junk', () => {
    const now = Date.parse('2026-11-28T09:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 08:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('999999', now)).toBe(3_600_000);
  });
});

describe('file sink', () => {
  it('writes one JSON file per ticket, atomically, and never twice; another ticket under the same id is a conflict (issue 13)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-tickets-'));
    try {
      const sink = createFileSink({ dir: join(dir, 'nested') });
      await sink.init!();
      const t = makeTicket('MM-20261128-0401');
      const a = await sink.deliver(t, { attempt: 1 });
      const b = await sink.deliver(t, { attempt: 2 });
      // Before: "already delivered" for any file of that name, so a reused number silently lost the ticket.
      const e = await failure(sink.deliver({ ...t, summary: 'changed' }, { attempt: 1 }));
      expect(e).toMatchObject({ reason: 'conflict', retryable: false });
      expect(a.externalRef).toBe(join(dir, 'nested', 'MM-20261128-0401.json'));
      expect(b.externalRef).toBe(a.externalRef);
      expect(JSON.parse(await readFile(a.externalRef, 'utf8'))).toEqual(t);
      expect(await readdir(join(dir, 'nested'))).toEqual(['MM-20261128-0401.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an id that is not a safe file name, permanently', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-tickets-'));
    try {
      const e = await failure(createFileSink({ dir }).deliver(makeTicket('../../etc/passwd'), { attempt: 1 }));
      expect(e.retryable).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('createSink', () => {
  it('builds the sink TICKET_SINK names', () => {
    expect(createSink(loadConfig({})).name).toBe('file');
    expect(createSink(loadConfig({ TICKET_SINK: 'webhook', TICKET_WEBHOOK_URL: 'https://h.example/x', TICKET_WEBHOOK_SECRET: 's' })).name).toBe('webhook');
    expect(
      createSink(loadConfig({ TICKET_SINK: 'zendesk', ZENDESK_URL: 'https://acme.zendesk.com', ZENDESK_EMAIL: 'a@b.c', ZENDESK_API_TOKEN: 't' })).name,
    ).toBe('zendesk');
    expect(
      createSink(
        loadConfig({
          TICKET_SINK: 'jira',
          JIRA_URL: 'https://acme.atlassian.net',
          JIRA_EMAIL: 'a@b.c',
          JIRA_API_TOKEN: 't',
          JIRA_SERVICE_DESK_ID: '1',
          JIRA_REQUEST_TYPE_ID: '2',
        }),
      ).name,
    ).toBe('jira');
  });

  it('stops start-up naming the missing token', () => {
    expect(() => loadConfig({ TICKET_SINK: 'zendesk', ZENDESK_URL: 'https://acme.zendesk.com', ZENDESK_EMAIL: 'a@b.c' })).toThrow(/ZENDESK_API_TOKEN/);
    const config = loadConfig({});
    const handMade = { ...config, env: { ...config.env, TICKET_SINK: 'jira' as const } };
    expect(() => createSink(handMade)).toThrow(CodedError);
    expect(() => createSink(handMade)).toThrow(/JIRA_URL/);
  });

  it('refuses a TICKET_DIR it cannot write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mm-tickets-'));
    try {
      // A folder below a regular file can never be created, whoever runs the test (root included).
      await writeFile(join(dir, 'plain-file'), 'x');
      const sink = createSink(loadConfig({ TICKET_DIR: join(dir, 'plain-file', 'tickets') }));
      await expect(sink.init!()).rejects.toThrow(/TICKET_DIR/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
