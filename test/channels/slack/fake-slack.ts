/**
 * A local stand-in for the Slack Web API (SLACK_API_URL points here) and helpers that send signed requests to
 * POST /slack/events the way Slack does. The fake records every call; a test can queue raw responses for a
 * method (a 429 with Retry-After …) that are served before the normal answer.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testEnv } from '../../http/helpers.js';

export const SECRET = 'test-signing-secret-0123456789';
export const BOT_USER = 'UBOTMM';
export const DESK_CHANNEL_ID = 'CDESK01';

export interface SlackCall {
  method: string;
  args: Record<string, any>;
  /** Order of arrival (0-based). */
  seq: number;
  /** Never answered (`hold`): the caller cannot know whether it went through; not a message the person saw. */
  held?: boolean;
  /** The ts the fake gave a posted message. */
  ts?: string;
  /** The channel id the fake answered with (a name like #helpdesk becomes an id). */
  channel?: string;
  /** The Authorization header the call came with (`Bearer xoxb-…` or, for apps.connections.open, `Bearer xapp-…`). */
  auth?: string;
}

export interface FakeSlack {
  /** Base URL for SLACK_API_URL (ends in /api/). */
  url: string;
  calls(method?: string): SlackCall[];
  /**
   * Serves `responses` (in order) to the next calls of `method` — only calls whose `channel` argument is `channel`
   * when one is given, so a test's canned answer is never taken by another test's late post — before the normal answers.
   */
  queue(method: string, ...responses: Array<{ status: number; headers?: Record<string, string>; body?: unknown; channel?: string }>): void;
  /**
   * Calls of `method` for `channel` get no answer at all from now on (recorded with `held`, the connection left open:
   * Slack slow or hung) until `release(channel)` — a process killed meanwhile never learns whether they went through.
   */
  hold(method: string, channel: string): void;
  release(channel: string): void;
  /** The WebSocket URL apps.connections.open answers with (Socket Mode); until set, that method fails. */
  setSocketUrl(url: string): void;
  /** The locale users.info gives `user` (default ja-JP). */
  setLocale(user: string, locale: string): void;
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const queued = new Map<string, Array<{ status: number; headers?: Record<string, string>; body?: unknown; channel?: string }>>();
  let tsCounter = 0;
  let socketUrl: string | undefined;
  /** `<method> <channel>` of calls left unanswered. */
  const held = new Set<string>();
  /** users.info's locale per user (ja-JP unless a test sets one). */
  const userLocales = new Map<string, string>();
  const nextTs = () => `1800000000.${String(++tsCounter).padStart(6, '0')}`;

  const answer = (method: string, args: Record<string, any>): unknown => {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: BOT_USER, bot_id: 'BBOTMM', team_id: 'T0TEST', user: 'mailmedic', team: 'test' };
      case 'chat.postMessage':
        return { ok: true, channel: args.channel === '#helpdesk' ? DESK_CHANNEL_ID : args.channel, ts: nextTs(), message: {} };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'users.info':
        return {
          ok: true,
          user: { id: args.user, name: `name-${args.user}`, real_name: `Real ${args.user}`, profile: { display_name: `disp-${args.user}` }, locale: userLocales.get(args.user) ?? 'ja-JP' },
        };
      case 'chat.getPermalink':
        return { ok: true, permalink: `https://test.slack.com/archives/${args.channel}/p${String(args.message_ts).replace('.', '')}` };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${args.users}` } };
      case 'apps.connections.open':
        return socketUrl ? { ok: true, url: socketUrl } : { ok: false, error: 'unknown_method' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const raw = Buffer.concat(chunks).toString();
      let args: Record<string, any> = {};
      if ((req.headers['content-type'] ?? '').includes('json')) args = raw ? JSON.parse(raw) : {};
      else for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
      for (const k of ['blocks', 'attachments', 'metadata']) if (typeof args[k] === 'string') args[k] = JSON.parse(args[k]);
      const call: SlackCall = { method, args, seq: calls.length };
      if (req.headers.authorization) call.auth = req.headers.authorization;
      calls.push(call);
      if (held.has(`${method} ${args.channel}`)) {
        call.held = true;
        return;
      }
      const q = queued.get(method) ?? [];
      const at = q.findIndex((r) => r.channel === undefined || r.channel === args.channel);
      const canned = at >= 0 ? q.splice(at, 1)[0] : undefined;
      if (canned) {
        res.writeHead(canned.status, { 'content-type': 'application/json', ...canned.headers });
        res.end(JSON.stringify(canned.body ?? { ok: false, error: 'ratelimited' }));
        return;
      }
      const body = answer(method, args) as { ts?: string; channel?: unknown };
      if (method === 'chat.postMessage') [call.ts, call.channel] = [body.ts, body.channel as string];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls: (method) => calls.filter((c) => !method || c.method === method),
    queue(method, ...responses) {
      queued.set(method, [...(queued.get(method) ?? []), ...responses]);
    },
    hold(method, channel) {
      held.add(`${method} ${channel}`);
    },
    release(channel) {
      for (const k of [...held]) if (k.endsWith(` ${channel}`)) held.delete(k);
    },
    setSocketUrl(url) {
      socketUrl = url;
    },
    setLocale(user, locale) {
      userLocales.set(user, locale);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The headers Slack signs a request with (v0, HMAC-SHA256 over `v0:<ts>:<body>`). */
export function signedHeaders(body: string, contentType: string, opts: { secret?: string; timestampSec?: number } = {}): Record<string, string> {
  const ts = String(opts.timestampSec ?? Math.floor(Date.now() / 1000));
  const sig = `v0=${createHmac('sha256', opts.secret ?? SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { 'content-type': contentType, 'x-slack-request-timestamp': ts, 'x-slack-signature': sig };
}

export interface SendOptions {
  secret?: string;
  timestampSec?: number;
  headers?: Record<string, string>;
}

/** POSTs an Events API envelope, signed. */
export async function sendEvent(appUrl: string, envelope: Record<string, unknown>, opts: SendOptions = {}): Promise<Response> {
  const body = JSON.stringify(envelope);
  return fetch(`${appUrl}/slack/events`, { method: 'POST', headers: { ...signedHeaders(body, 'application/json', opts), ...opts.headers }, body });
}

/** POSTs an interactivity payload (form-encoded `payload=`), signed. */
export async function sendInteraction(appUrl: string, payload: Record<string, unknown>, opts: SendOptions = {}): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return fetch(`${appUrl}/slack/events`, {
    method: 'POST',
    headers: { ...signedHeaders(body, 'application/x-www-form-urlencoded', opts), ...opts.headers },
    body,
  });
}

/** POSTs a slash command (form-encoded), signed. */
export async function sendCommand(appUrl: string, fields: Record<string, string>, opts: SendOptions = {}): Promise<Response> {
  const body = new URLSearchParams(fields).toString();
  return fetch(`${appUrl}/slack/events`, {
    method: 'POST',
    headers: { ...signedHeaders(body, 'application/x-www-form-urlencoded', opts), ...opts.headers },
    body,
  });
}

let seq = 0;
/** A unique id fragment for events, ts values and ids within one test run. */
export const uid = () => `${Date.now().toString(36)}${(++seq).toString(36)}`;
export const tsOf = () => `${1_700_000_000 + (++seq)}.${String(seq).padStart(6, '0')}`;

/** An Events API envelope around `event`. */
export function envelope(team: string, event: Record<string, unknown>, eventId = `Ev${uid()}`): Record<string, unknown> {
  return { token: 'legacy', team_id: team, api_app_id: 'A0TEST', type: 'event_callback', event_id: eventId, event_time: Math.floor(Date.now() / 1000), event };
}

export function dmEvent(team: string, channel: string, user: string, text: string, extra: Record<string, unknown> = {}) {
  return { type: 'message', channel, channel_type: 'im', user, text, ts: tsOf(), team, ...extra };
}

/** Waits until `check` returns a truthy value (polling); throws after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The locale key of the message's last reply (message metadata): the question or step it shows. */
export const keyOf = (call: SlackCall): string | undefined => call.args.metadata?.event_payload?.key;
/** Every locale key of the message (one message per turn holds all the turn's replies). */
export const keysOf = (call: SlackCall): string[] => (call.args.metadata?.event_payload?.keys as string | undefined)?.split(' ').filter(Boolean) ?? (keyOf(call) ? [keyOf(call) as string] : []);
/** True when the message holds a reply rendered from `key` (or, with `prefix`, from a key starting with it). */
export const hasKey = (call: SlackCall, key: string, prefix = false): boolean => keysOf(call).some((k) => (prefix ? k.startsWith(key) : k === key));

/** Buttons of a recorded chat.postMessage (Block Kit actions blocks). */
export function buttonsOf(call: SlackCall): Array<{ action_id: string; value: string; block_id: string; label: string }> {
  const blocks = (call.args.blocks ?? []) as Array<Record<string, any>>;
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as Array<Record<string, any>>).map((e) => ({ action_id: e.action_id, value: e.value, block_id: b.block_id, label: e.text.text })));
}

/** A block_actions payload for clicking `button` on the message `call` posted (answered with `ts`). */
export function clickPayload(opts: {
  team: string;
  user: string;
  channel: string;
  messageTs: string;
  message: SlackCall;
  button: { action_id: string; value: string; block_id: string; label: string };
}): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: opts.team, domain: 'test' },
    user: { id: opts.user, team_id: opts.team, name: 'u' },
    api_app_id: 'A0TEST',
    token: 'legacy',
    trigger_id: `trig-${uid()}`,
    container: { type: 'message', message_ts: opts.messageTs, channel_id: opts.channel, is_ephemeral: false },
    channel: { id: opts.channel, name: 'x' },
    message: { type: 'message', ts: opts.messageTs, text: opts.message.args.text, blocks: opts.message.args.blocks, ...(opts.message.args.thread_ts ? { thread_ts: opts.message.args.thread_ts } : {}) },
    actions: [
      { type: 'button', action_id: opts.button.action_id, block_id: opts.button.block_id, value: opts.button.value, text: { type: 'plain_text', text: opts.button.label }, action_ts: `${Date.now() / 1000}` },
    ],
  };
}

/** The env of an app with the Slack channel pointed at the fake Slack (`slackUrl`), tickets into `dir`. */
export function slackEnv(slackUrl: string, dir: string, extra: Record<string, string> = {}) {
  return testEnv({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slackUrl,
    SLACK_HELPDESK_CHANNEL: '#helpdesk',
    TICKET_DIR: dir,
    ...extra,
  });
}
