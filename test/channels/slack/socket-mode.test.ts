/**
 * The Slack channel in Socket Mode (SLACK_APP_TOKEN set), offline: the real bolt app and @slack/socket-mode client
 * ask the local fake Web API (SLACK_API_URL) for a connection with apps.connections.open, and the fake answers with
 * the URL of a local WebSocket server (ws, loopback, port 0) that plays Slack's side — `hello`, then `events_api`
 * and `interactive` envelopes — and records the client's acks. Replies still go out through the fake Web API.
 *
 * Envelope shapes follow Slack's Socket Mode docs and @slack/socket-mode 3.1's parser: a frame is
 * `{envelope_id, type, payload, accepts_response_payload, retry_attempt?, retry_reason?}`, `payload` being exactly the
 * body the HTTP endpoint would get (an event_callback or a block_actions payload); the ack is `{envelope_id, payload}`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/main.js';
import { testEnv } from '../../http/helpers.js';
import { buttonsOf, clickPayload, dmEvent, envelope, hasKey, keyOf, startFakeSlack, uid, waitFor, type FakeSlack, type SlackCall } from './fake-slack.js';

const APP_TOKEN = 'xapp-1-A0TEST-1-socketmodetest';
const BOT_TOKEN = 'xoxb-socket-test-token';
/** The same symptom as the HTTP tests (importing it from events.test.ts would run those tests here too). */
const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';

/** Slack's side of the socket: every connection the app opened, and every frame it sent back (parsed JSON). */
interface FakeSocketServer {
  url: string;
  connections: WebSocket[];
  received: Array<Record<string, any>>;
  close(): Promise<void>;
}

async function startSocketServer(): Promise<FakeSocketServer> {
  const server = new WebSocket.Server({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const connections: WebSocket[] = [];
  const received: Array<Record<string, any>> = [];
  server.on('connection', (ws) => {
    connections.push(ws);
    ws.on('message', (data) => received.push(JSON.parse(String(data))));
  });
  const { port } = server.address() as AddressInfo;
  return {
    // Slack's URLs carry a ticket in the query; the client must use the URL as given.
    url: `ws://127.0.0.1:${port}/link/?ticket=${uid()}&app_id=A0TEST`,
    connections,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of server.clients) ws.terminate();
        server.close(() => resolve());
      }),
  };
}

let slack: FakeSlack;
let socket: FakeSocketServer;
let app: App;
let ticketDir: string;
/** /readyz as seen after the WebSocket opened but before Slack's `hello`. */
let readyBeforeHello: { status: number; body: any };

const readyz = async () => {
  const res = await fetch(`${app.url}/readyz`);
  return { status: res.status, body: (await res.json()) as any };
};

/** Polls /readyz until it answers `status`; throws after `timeoutMs`. */
async function readyzIs(status: number, what: string, timeoutMs = 15_000) {
  for (const end = Date.now() + timeoutMs; ; ) {
    const r = await readyz();
    if (r.status === status) return r;
    if (Date.now() > end) throw new Error(`timed out waiting for /readyz ${status} (${what})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Slack's first frame on a new connection; the client is connected only once it arrives. */
const hello = () =>
  JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'applink-test', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0TEST' } });

beforeAll(async () => {
  slack = await startFakeSlack();
  socket = await startSocketServer();
  slack.setSocketUrl(socket.url);
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-slack-sm-'));
  app = await startApp({
    env: testEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: slack.url, TICKET_DIR: ticketDir }),
    port: 0,
    host: '127.0.0.1',
  });
  const ws = await waitFor('the WebSocket connection', () => socket.connections[0]);
  readyBeforeHello = await readyz();
  ws.send(hello());
  await readyzIs(200, 'ready after hello');
});

afterAll(async () => {
  await app?.close();
  await socket?.close();
  await slack?.close();
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

const postsIn = (channel: string) => slack.calls('chat.postMessage').filter((c) => c.args.channel === channel);
const fresh = () => ({ team: `T${uid()}`, dm: `D${uid()}`, user: `U${uid()}` });

/** Sends one envelope down the (latest) socket and waits for the client's ack of it; returns the ack frame. */
async function deliver(type: 'events_api' | 'interactive', payload: Record<string, unknown>, retry?: { attempt: number; reason: string }) {
  const envelopeId = randomUUID();
  const frame = {
    envelope_id: envelopeId,
    type,
    payload,
    accepts_response_payload: false,
    ...(retry ? { retry_attempt: retry.attempt, retry_reason: retry.reason } : type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
  };
  socket.connections.at(-1)!.send(JSON.stringify(frame));
  return waitFor(`ack of ${envelopeId}`, () => socket.received.find((m) => m.envelope_id === envelopeId));
}

/** Sends a DM as an events_api envelope; waits for the ack and for a reply with buttons after it. */
async function dm(c: { team: string; dm: string; user: string }, text: string, body = envelope(c.team, dmEvent(c.team, c.dm, c.user, text))) {
  const mark = postsIn(c.dm).at(-1)?.seq ?? -1;
  const ack = await deliver('events_api', body);
  const withButtons = await waitFor('a reply with buttons', () => postsIn(c.dm).find((p) => p.seq > mark && buttonsOf(p).length > 0));
  return { ack, body, withButtons };
}

describe('Slack in Socket Mode', () => {
  it('opens the connection with the app-level token through SLACK_API_URL and is ready only after hello', () => {
    const opens = slack.calls('apps.connections.open');
    expect(opens.length).toBeGreaterThanOrEqual(1);
    expect(opens[0]!.auth).toBe(`Bearer ${APP_TOKEN}`);
    expect(readyBeforeHello.status).toBe(503);
    expect(readyBeforeHello.body.checks['mount:slack']).toBe(false);
    // One connection: the app did not reconnect or open a second socket.
    expect(socket.connections).toHaveLength(1);
  });

  it('does not mount the HTTP events endpoint', async () => {
    const res = await fetch(`${app.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
  });

  it('acks an events_api DM envelope and answers it through the Web API with Block Kit buttons', async () => {
    const c = fresh();
    const { ack, withButtons } = await dm(c, SYMPTOM);
    expect(ack).toEqual({ envelope_id: expect.any(String), payload: {} });
    expect(buttonsOf(withButtons).map((b) => b.value)).toEqual(expect.arrayContaining(['resolved', 'not_resolved']));
    expect(buttonsOf(withButtons)[0]!.block_id).toMatch(/^mm\|\d+\|ja\|dm$/);
    expect(withButtons.args.thread_ts).toBeUndefined();
    // Replies are posted with the bot token, never the app-level one.
    expect(postsIn(c.dm).every((p) => p.auth === `Bearer ${BOT_TOKEN}`)).toBe(true);
    expect(slack.calls('users.info').some((u) => u.args.user === c.user)).toBe(true);
  });

  it('advances the dialog on an interactive (block_actions) envelope and updates the clicked message', async () => {
    const c = fresh();
    const { withButtons: msg } = await dm(c, SYMPTOM);
    const notResolved = buttonsOf(msg).find((b) => b.value === 'not_resolved')!;
    const mark = postsIn(c.dm).at(-1)!.seq;
    const ack = await deliver('interactive', clickPayload({ team: c.team, user: c.user, channel: c.dm, messageTs: msg.ts!, message: msg, button: notResolved }));
    expect(ack.envelope_id).toEqual(expect.any(String));
    const update = await waitFor('chat.update', () => slack.calls('chat.update').find((u) => u.args.ts === msg.ts));
    expect((update.args.blocks as Array<{ type: string }>).some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(update.args.blocks)).toContain(notResolved.label);
    const next: SlackCall = await waitFor('next step', () => postsIn(c.dm).find((p) => p.seq > mark && buttonsOf(p).length > 0));
    expect(keyOf(next)).not.toBe(keyOf(msg));
    expect(buttonsOf(next)[0]!.block_id).not.toBe(notResolved.block_id);
  });

  it('acks a redelivered envelope (same event_id, retry_attempt 1) and gives no second reply', async () => {
    const c = fresh();
    const first = await dm(c, SYMPTOM);
    const mark = postsIn(c.dm).at(-1)!.seq;
    const again = await deliver('events_api', first.body, { attempt: 1, reason: 'timeout' });
    expect(again.envelope_id).not.toBe(first.ack.envelope_id);
    // Turns of one conversation run in order: once the restart is answered, the redelivery was handled before it.
    await deliver('events_api', envelope(c.team, dmEvent(c.team, c.dm, c.user, '最初から')));
    const restart = await waitFor('restart answered', () => postsIn(c.dm).find((p) => p.seq > mark && hasKey(p, 'engine.restart', true)));
    expect(postsIn(c.dm).filter((p) => p.seq > mark && p.seq < restart.seq)).toHaveLength(0);
    expect(postsIn(c.dm).filter((p) => hasKey(p, 'tree.auth_entry.say'))).toHaveLength(1);
  });

  // Slack asks every connection to refresh from time to time (a `disconnect` frame); the app must come back on a new
  // one even when apps.connections.open fails once on the way, and must not call itself ready while it is away.
  it('reconnects after a disconnect frame through a failing apps.connections.open, not ready until the new hello', async () => {
    const first = socket.connections[0]!;
    const opensBefore = slack.calls('apps.connections.open').length;
    slack.queue('apps.connections.open', { status: 503, body: { ok: false, error: 'service_unavailable' } });
    first.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'applink-test' } }));
    await waitFor('the old socket closed', () => first.readyState === WebSocket.CLOSED);
    await readyzIs(503, 'not ready after the disconnect');
    // The client waits a few seconds before reconnecting (socket-mode's back-off), then retries the failed call.
    const second = await waitFor('a new connection', () => socket.connections[1], 25_000);
    expect(slack.calls('apps.connections.open').length).toBeGreaterThanOrEqual(opensBefore + 2);
    const beforeHello = await readyz();
    expect(beforeHello.status).toBe(503);
    expect(beforeHello.body.checks['mount:slack']).toBe(false);
    second.send(hello());
    await readyzIs(200, 'ready after the new hello');
    expect(socket.connections).toHaveLength(2);
    // Events on the new connection are answered.
    const { withButtons } = await dm(fresh(), SYMPTOM);
    expect(buttonsOf(withButtons).length).toBeGreaterThan(0);
  });
});
