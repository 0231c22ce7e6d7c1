/**
 * The exact requests the ticket sinks send to the real services' addresses — Zendesk, Jira Service Management and a
 * webhook receiver — answered by nock (the unit project refuses every other connection). Method, URL, auth
 * header, body shape, the idempotency key, the HMAC signature and Jira's search-before-retry, byte for byte as
 * the service would see them. Behaviour against a live HTTP peer (time-outs, Retry-After, a slow body) is
 * sinks.test.ts's, on the loopback fake server.
 */
import { createHmac } from 'node:crypto';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createJiraSink, createWebhookSink, createZendeskSink, jiraSummary, type DeliveryError } from '../../src/handoff/sinks/index.js';
import { makeTicket } from './fixtures.js';

/** One request as the service received it. */
interface Seen {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Records each request an interceptor answers, in order, across scopes. */
function recorder() {
  const seen: Seen[] = [];
  const record = (method: string) =>
    function (this: { req: { path: string; headers: Record<string, string | string[] | undefined> } }, _uri: string, body: unknown) {
      seen.push({ method, path: this.req.path, headers: this.req.headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    };
  return { seen, record };
}

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

describe('Zendesk sink requests', () => {
  const ZENDESK = 'https://acme.zendesk.com';
  const sink = (url = ZENDESK) => createZendeskSink({ url, email: 'bot@acme.jp', apiToken: 'zd-token-123' });

  it('an Idempotency-Key reused with another payload (400 IdempotentRequestError) is a conflict, not a success (issue 13)', async () => {
    const scope = nock(ZENDESK)
      .post('/api/v2/tickets.json')
      .reply(400, { error: 'IdempotentRequestError', description: 'Request parameters do not match the previous request with the same idempotency key' });
    const e = await sink()
      .deliver(makeTicket('MM-20261128-1109'), { attempt: 1 })
      .then(() => undefined, (x: DeliveryError) => x);
    scope.done();
    expect(e).toMatchObject({ reason: 'conflict', retryable: false, status: 400 });
  });

  it('POSTs /api/v2/tickets.json with token basic auth, the ticket id as Idempotency-Key and the ticket fields', async () => {
    const { seen, record } = recorder();
    const scope = nock(ZENDESK)
      .post('/api/v2/tickets.json')
      .reply(201, function (uri, body) {
        record('POST').call(this, uri, body);
        return { ticket: { id: 90_210 } };
      });
    const t = makeTicket('MM-20261128-1101');
    const got = await sink(`${ZENDESK}/`).deliver(t, { attempt: 1 });

    scope.done();
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.headers.authorization).toBe(basic('bot@acme.jp/token', 'zd-token-123'));
    expect(req.headers['idempotency-key']).toBe('MM-20261128-1101');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^mailmedic-handoff\//);
    expect(JSON.parse(req.body)).toEqual({
      ticket: {
        subject: `[MM-20261128-1101] ${t.summary}`,
        comment: { body: t.body },
        external_id: 'MM-20261128-1101',
        tags: expect.arrayContaining(['mailmedic', 'error_auth', 'cause_auth', 'channel_web', 'carrier_mail', 'docomo', 'iphone']),
        type: 'incident',
        priority: 'normal',
      },
    });
    expect(got).toEqual({ externalRef: '90210', url: `${ZENDESK}/agent/tickets/90210` });
  });

  it('sends a retry with the same Idempotency-Key and the same bytes, as Zendesk requires to answer it with the first ticket', async () => {
    const { seen, record } = recorder();
    const scope = nock(ZENDESK)
      .post('/api/v2/tickets.json')
      .reply(503, function (uri, body) {
        record('POST').call(this, uri, body);
        return '';
      })
      .post('/api/v2/tickets.json')
      .reply(201, function (uri, body) {
        record('POST').call(this, uri, body);
        return { ticket: { id: 77 } };
      });
    const t = makeTicket('MM-20261128-1102');
    await expect(sink().deliver(t, { attempt: 1 })).rejects.toMatchObject({ retryable: true, status: 503 });
    expect((await sink().deliver(t, { attempt: 2 })).externalRef).toBe('77');

    scope.done();
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual([t.id, t.id]);
    expect(seen[1]!.body).toBe(seen[0]!.body);
  });
});

describe('Jira Service Management sink requests', () => {
  const JIRA = 'https://acme.atlassian.net';
  const sink = () => createJiraSink({ url: JIRA, email: 'bot@acme.jp', apiToken: 'jira-token', serviceDeskId: '4', requestTypeId: '25' });
  const SEARCH = '/rest/servicedeskapi/request';
  const searchQuery = (id: string) => ({ serviceDeskId: '4', searchTerm: id, requestStatus: 'ALL_REQUESTS', limit: '50' });
  const found = (summary: string, key: string) => ({
    values: [{ issueKey: key, requestFieldValues: [{ fieldId: 'summary', value: summary }] }],
  });

  it('files a first attempt with one POST (no search): basic auth and the customer-request body', async () => {
    const { seen, record } = recorder();
    const scope = nock(JIRA)
      .post('/rest/servicedeskapi/request')
      .reply(201, function (uri, body) {
        record('POST').call(this, uri, body);
        return { issueKey: 'HD-12' };
      });
    const t = makeTicket('MM-20261128-1201');
    const got = await sink().deliver(t, { attempt: 1 });

    scope.done();
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /rest/servicedeskapi/request']);
    expect(seen[0]!.headers.authorization).toBe(basic('bot@acme.jp', 'jira-token'));
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body)).toEqual({
      serviceDeskId: '4',
      requestTypeId: '25',
      requestFieldValues: { summary: `[MM-20261128-1201] ${t.summary}`, description: t.body },
    });
    expect(got).toEqual({ externalRef: 'HD-12', url: `${JIRA}/browse/HD-12` });
  });

  it('searches the service desk for the ticket id before a retry, and returns the request found instead of filing it twice', async () => {
    const { seen, record } = recorder();
    const t = makeTicket('MM-20261128-1202');
    const scope = nock(JIRA)
      .get(SEARCH)
      .query(searchQuery(t.id))
      .reply(200, function (uri, body) {
        record('GET').call(this, uri, body);
        return found(jiraSummary(t), 'HD-34');
      });
    const got = await sink().deliver(t, { attempt: 2 });

    scope.done();
    // No POST was made: nock would have refused it (no interceptor), and the sink would have thrown.
    expect(seen.map((s) => s.method)).toEqual(['GET']);
    expect(seen[0]!.headers.authorization).toBe(basic('bot@acme.jp', 'jira-token'));
    expect(got).toEqual({ externalRef: 'HD-34', url: `${JIRA}/browse/HD-34` });
  });

  it('a request found under the ticket id with another summary is a conflict, never a success (issue 13)', async () => {
    const t = makeTicket('MM-20261128-1209');
    const scope = nock(JIRA).get(SEARCH).query(searchQuery(t.id)).reply(200, found(`[${t.id}] someone else's problem`, 'HD-35'));
    const e = await sink()
      .deliver(t, { attempt: 2 })
      .then(() => undefined, (x: DeliveryError) => x);
    scope.done();
    expect(e).toMatchObject({ reason: 'conflict', retryable: false });
  });

  it('files the retry when the search finds only requests of other tickets, searching first', async () => {
    const { seen, record } = recorder();
    const t = makeTicket('MM-20261128-1203');
    const scope = nock(JIRA)
      .get(SEARCH)
      .query(searchQuery(t.id))
      .reply(200, function (uri, body) {
        record('GET').call(this, uri, body);
        // A request that merely mentions the id in its text is not this ticket's.
        return { values: [{ issueKey: 'HD-1', requestFieldValues: [{ fieldId: 'summary', value: `see ${t.id}` }] }] };
      })
      .post('/rest/servicedeskapi/request')
      .reply(201, function (uri, body) {
        record('POST').call(this, uri, body);
        return { issueKey: 'HD-56' };
      });
    const got = await sink().deliver(t, { attempt: 3 });

    scope.done();
    expect(seen.map((s) => s.method)).toEqual(['GET', 'POST']);
    expect(got.externalRef).toBe('HD-56');
  });
});

describe('webhook sink requests', () => {
  const HOOK = 'https://desk.acme.jp';
  const secret = 'whsec-0123456789';
  const sink = () => createWebhookSink({ url: `${HOOK}/hooks/mailmedic?team=support`, secret });

  it('409 from the receiver (it holds another ticket under this id) is a conflict, never delivered (issue 13)', async () => {
    const scope = nock(HOOK).post('/hooks/mailmedic').query({ team: 'support' }).reply(409, { error: 'conflict' });
    const e = await sink()
      .deliver(makeTicket('MM-20261128-1309'), { attempt: 1 })
      .then(() => undefined, (x: DeliveryError) => x);
    scope.done();
    expect(e).toMatchObject({ reason: 'conflict', retryable: false, status: 409 });
  });

  it('POSTs the ticket as JSON, signed with HMAC-SHA256 of the exact body, named by ticket id', async () => {
    const { seen, record } = recorder();
    const scope = nock(HOOK)
      .post('/hooks/mailmedic')
      .query({ team: 'support' })
      .reply(202, function (uri, body) {
        record('POST').call(this, uri, body);
        return { id: 'WH-9' };
      });
    const t = makeTicket('MM-20261128-1301');
    const got = await sink().deliver(t, { attempt: 1 });

    scope.done();
    const req = seen[0]!;
    // Recomputed here from the bytes received, as a receiver would before parsing the JSON.
    expect(req.headers['x-mailmedic-signature']).toBe(`sha256=${createHmac('sha256', secret).update(req.body, 'utf8').digest('hex')}`);
    expect(req.headers['x-mailmedic-delivery']).toBe(t.id);
    expect(req.headers['idempotency-key']).toBe(t.id);
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(req.body)).toEqual(t);
    expect(got).toEqual({ externalRef: 'WH-9' });
  });

  it('signs a retry identically, so the receiver can de-duplicate it', async () => {
    const { seen, record } = recorder();
    const scope = nock(HOOK)
      .post('/hooks/mailmedic')
      .query(true)
      .times(2)
      .reply(500, function (uri, body) {
        record('POST').call(this, uri, body);
        return '';
      });
    const t = makeTicket('MM-20261128-1302');
    for (const attempt of [1, 2]) {
      const e: DeliveryError = await sink().deliver(t, { attempt }).then(
        () => expect.unreachable('a 500 must fail the delivery'),
        (err: DeliveryError) => err,
      );
      expect(e).toMatchObject({ retryable: true, status: 500 });
    }

    scope.done();
    expect(seen).toHaveLength(2);
    expect(seen[1]!.headers['x-mailmedic-signature']).toBe(seen[0]!.headers['x-mailmedic-signature']);
    expect(seen[1]!.body).toBe(seen[0]!.body);
  });
});

describe('the unit project', () => {
  it('refuses a request nothing intercepts, loopback included, so no unit test reaches the network', async () => {
    for (const url of ['https://not-mocked.example/hook', 'http://127.0.0.1:9/hook']) {
      const e: DeliveryError = await createWebhookSink({ url, secret: 's' })
        .deliver(makeTicket('MM-20261128-1401'), { attempt: 1 })
        .then(
          () => expect.unreachable(`${url} must be refused`),
          (err: DeliveryError) => err,
        );
      expect(e).toMatchObject({ retryable: true, reason: 'network' });
      expect((e.cause as Error).name).toBe('NetConnectNotAllowedError');
    }
  });
});
