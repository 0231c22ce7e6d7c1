/**
 * A local stand-in for Zendesk, Jira Service Management and a webhook receiver, on loopback (port 0).
 * It behaves like the real services where it matters here: Zendesk answers a repeated Idempotency-Key with the
 * ticket it already made; a "timeout" script entry creates the ticket but answers too late (the answer is lost);
 * Jira finds requests by a search term in the summary.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Process the request (create the ticket) but answer only after this many ms: the client times out. */
  hangMs?: number;
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  atMs: number;
}

export interface FakeServer {
  url: string;
  received: Received[];
  /** Tickets/requests/deliveries actually created, by service. */
  zendeskTickets: Array<{ id: number; key?: string; payload: unknown }>;
  jiraRequests: Array<{ issueKey: string; payload: any }>;
  webhookDeliveries: Array<{ id: string; raw: string; headers: IncomingMessage['headers'] }>;
  /** Comments added to Zendesk tickets (PUT /api/v2/tickets/{id}.json with a comment) and to Jira requests. */
  zendeskComments: Array<{ ticket: string; payload: any }>;
  jiraComments: Array<{ issueKey: string; payload: any }>;
  /** Responses to give, in order, per route ('zendesk' | 'jira' | 'jira-search' | 'webhook'); then the normal answer. */
  script(route: Route, ...responses: Scripted[]): void;
  close(): Promise<void>;
}

type Route = 'zendesk' | 'jira' | 'jira-search' | 'webhook' | 'zendesk-update' | 'zendesk-comments' | 'jira-comment' | 'jira-comments';

export async function startFakeServer(): Promise<FakeServer> {
  const scripts: Record<Route, Scripted[]> = {
    zendesk: [],
    jira: [],
    'jira-search': [],
    webhook: [],
    'zendesk-update': [],
    'zendesk-comments': [],
    'jira-comment': [],
    'jira-comments': [],
  };
  const zendeskComments: FakeServer['zendeskComments'] = [];
  const jiraComments: FakeServer['jiraComments'] = [];
  const received: Received[] = [];
  const zendeskTickets: FakeServer['zendeskTickets'] = [];
  const jiraRequests: FakeServer['jiraRequests'] = [];
  const webhookDeliveries: FakeServer['webhookDeliveries'] = [];
  const sockets = new Set<import('node:net').Socket>();

  const send = (res: ServerResponse, s: Scripted) => {
    const write = () => {
      if (res.destroyed) return;
      res.writeHead(s.status, { 'content-type': 'application/json', ...(s.headers ?? {}) });
      res.end(s.body === undefined ? '' : JSON.stringify(s.body));
    };
    if (s.hangMs) setTimeout(write, s.hangMs).unref();
    else write();
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://x');
    received.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, raw, atMs: Date.now() });
    const route: Route | undefined =
      req.method === 'POST' && url.pathname === '/api/v2/tickets.json'
        ? 'zendesk'
        : req.method === 'POST' && url.pathname === '/rest/servicedeskapi/request'
          ? 'jira'
          : req.method === 'GET' && url.pathname === '/rest/servicedeskapi/request'
            ? 'jira-search'
            : req.method === 'POST' && url.pathname === '/hook'
              ? 'webhook'
              : req.method === 'PUT' && /^\/api\/v2\/tickets\/[^/]+\.json$/.test(url.pathname)
                ? 'zendesk-update'
                : req.method === 'GET' && /^\/api\/v2\/tickets\/[^/]+\/comments\.json$/.test(url.pathname)
                  ? 'zendesk-comments'
                  : req.method === 'POST' && /^\/rest\/servicedeskapi\/request\/[^/]+\/comment$/.test(url.pathname)
                    ? 'jira-comment'
                    : req.method === 'GET' && /^\/rest\/servicedeskapi\/request\/[^/]+\/comment$/.test(url.pathname)
                      ? 'jira-comments'
                      : undefined;
    // /api/v2/tickets/{id}.json, /api/v2/tickets/{id}/comments.json, /rest/servicedeskapi/request/{key}/comment
    const target = url.pathname.split('/')[4]?.replace(/\.json$/, '') ?? '';
    if (!route) return send(res, { status: 404, body: { error: 'not found' } });
    const next = scripts[route].shift();
    if (next && !next.hangMs) return send(res, next);

    // The normal behaviour of each service (also what a "hanging" entry does before answering late).
    let answer: Scripted;
    if (route === 'zendesk') {
      const key = req.headers['idempotency-key'] as string | undefined;
      const existing = key ? zendeskTickets.find((t) => t.key === key) : undefined;
      if (existing) {
        answer = { status: 201, headers: { 'x-idempotency-lookup': 'hit' }, body: { ticket: { id: existing.id } } };
      } else {
        const id = 1000 + zendeskTickets.length + 1;
        zendeskTickets.push({ id, key, payload: JSON.parse(raw) });
        answer = { status: 201, headers: { 'x-idempotency-lookup': 'miss' }, body: { ticket: { id } } };
      }
    } else if (route === 'jira') {
      const payload = JSON.parse(raw);
      const issueKey = `HD-${jiraRequests.length + 1}`;
      jiraRequests.push({ issueKey, payload });
      answer = { status: 201, body: { issueId: String(jiraRequests.length), issueKey } };
    } else if (route === 'jira-search') {
      const term = url.searchParams.get('searchTerm') ?? '';
      const values = jiraRequests
        .filter((r) => String(r.payload.requestFieldValues.summary).includes(term))
        .map((r) => ({ issueKey: r.issueKey, requestFieldValues: [{ fieldId: 'summary', value: r.payload.requestFieldValues.summary }] }));
      answer = { status: 200, body: { values, isLastPage: true } };
    } else if (route === 'zendesk-update') {
      // Zendesk keeps no idempotency for updates: every PUT with a comment adds one.
      zendeskComments.push({ ticket: target, payload: JSON.parse(raw) });
      answer = { status: 200, body: { ticket: { id: Number(target) } } };
    } else if (route === 'zendesk-comments') {
      const comments = zendeskComments.filter((c) => c.ticket === target).map((c) => ({ body: c.payload.ticket.comment.body, public: c.payload.ticket.comment.public }));
      answer = { status: 200, body: { comments } };
    } else if (route === 'jira-comment') {
      jiraComments.push({ issueKey: target, payload: JSON.parse(raw) });
      answer = { status: 201, body: { id: String(jiraComments.length), body: JSON.parse(raw).body } };
    } else if (route === 'jira-comments') {
      const values = jiraComments.filter((c) => c.issueKey === target).map((c) => ({ body: c.payload.body, public: c.payload.public }));
      answer = { status: 200, body: { values, isLastPage: true } };
    } else {
      const id = String(req.headers['x-mailmedic-delivery']);
      if (!webhookDeliveries.some((d) => d.id === id)) webhookDeliveries.push({ id, raw, headers: req.headers });
      answer = { status: 200, body: { id: `WH-${id}` } };
    }
    send(res, next?.hangMs ? { ...answer, hangMs: next.hangMs } : answer);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    zendeskTickets,
    jiraRequests,
    webhookDeliveries,
    zendeskComments,
    jiraComments,
    script(route, ...responses) {
      scripts[route].push(...responses);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
