/**
 * The Slack Web API calls exactly as slack.com receives them: the real app (startApp, default MOUNTS, no
 * SLACK_API_URL — the production address https://slack.com/api/) answers signed events on loopback, and nock
 * stands in for slack.com. Every call is checked on the wire: host and method path, the bot token as a Bearer
 * header, the form encoding Slack's Web API takes (Block Kit and metadata as JSON strings), and the fields that
 * carry our meaning (channel, thread_ts, blocks, the reply key in metadata, ts of the updated message).
 * What the calls do to a conversation (order, 429s, the help desk) is events.test.ts's, on the fake Slack server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/main.js';
import { testEnv } from '../../http/helpers.js';
import { BOT_USER, clickPayload, dmEvent, envelope, SECRET, sendCommand, sendEvent, sendInteraction, uid, waitFor, type SlackCall } from './fake-slack.js';

const TOKEN = 'xoxb-nock-0123456789';

/** One Web API call as slack.com received it. */
interface WireCall extends SlackCall {
  path: string;
  contentType: string;
  /** The form fields as sent (strings, before any JSON decoding). */
  form: Record<string, string>;
}

const calls: WireCall[] = [];
let app: App;
let ticketDir: string;
let nextTs = 0;

/** What Slack answers, per method (enough for the app to go on). */
function answer(method: string, form: Record<string, string>): Record<string, unknown> {
  switch (method) {
    case 'auth.test':
      return { ok: true, user_id: BOT_USER, bot_id: 'BBOTMM', team_id: 'T0NOCK', user: 'mailmedic', team: 'nock' };
    case 'users.info':
      return { ok: true, user: { id: form.user, name: 'yamada', profile: { display_name: '山田' }, locale: 'ja-JP' } };
    case 'chat.getPermalink':
      return { ok: true, permalink: `https://acme.slack.com/archives/${form.channel}/p${(form.message_ts ?? '').replace('.', '')}` };
    case 'chat.postMessage':
      return { ok: true, channel: form.channel, ts: `1900000000.${String(++nextTs).padStart(6, '0')}` };
    case 'chat.update':
      return { ok: true, channel: form.channel, ts: form.ts };
    case 'conversations.open':
      return { ok: true, channel: { id: `D${form.users}` } };
    default:
      return { ok: false, error: 'unknown_method' };
  }
}

beforeAll(async () => {
  // Only the app's own loopback server may be reached for real; slack.com is nock's.
  nock.disableNetConnect();
  nock.enableNetConnect((host) => host.startsWith('127.0.0.1'));
  nock('https://slack.com')
    .persist()
    .post(/^\/api\/[a-zA-Z.]+$/)
    .reply(function (uri, body) {
      const method = uri.replace(/^\/api\//, '');
      const raw = typeof body === 'string' ? body : JSON.stringify(body);
      const form = Object.fromEntries(new URLSearchParams(raw));
      const args: Record<string, any> = { ...form };
      for (const k of ['blocks', 'metadata']) if (typeof args[k] === 'string') args[k] = JSON.parse(args[k]);
      const headers = this.req.headers as Record<string, string | undefined>;
      const reply = answer(method, form);
      calls.push({
        method,
        args,
        form,
        seq: calls.length,
        path: uri,
        contentType: headers['content-type'] ?? '',
        auth: headers.authorization,
        ts: typeof reply.ts === 'string' ? reply.ts : undefined,
      });
      return [200, reply, { 'content-type': 'application/json' }];
    });
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-slack-nock-'));
  app = await startApp({
    env: testEnv({ SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, TICKET_DIR: ticketDir }),
    port: 0,
    host: '127.0.0.1',
  });
});

afterAll(async () => {
  await app?.close();
  nock.cleanAll();
  nock.enableNetConnect();
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

const callsOf = (method: string, channel?: string) => calls.filter((c) => c.method === method && (channel === undefined || c.form.channel === channel));
const fresh = () => ({ team: `T${uid()}`, dm: `D${uid()}`, user: `U${uid()}` });
const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';

/** The reply with buttons the app posts for a symptom in a new DM. */
async function symptomInDm(c: ReturnType<typeof fresh>): Promise<WireCall> {
  const res = await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, SYMPTOM)));
  expect(res.status).toBe(200);
  return waitFor('a reply with buttons', () => callsOf('chat.postMessage', c.dm).find((p) => p.args.blocks?.some((b: { type: string }) => b.type === 'actions')));
}

describe('Slack Web API requests (nock as slack.com)', () => {
  it('posts a DM reply to https://slack.com/api/chat.postMessage: Bearer bot token, form-encoded, Block Kit and the reply key as JSON', async () => {
    const c = fresh();
    const post = await symptomInDm(c);

    expect(post.path).toBe('/api/chat.postMessage');
    expect(post.auth).toBe(`Bearer ${TOKEN}`);
    expect(post.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(post.form.channel).toBe(c.dm);
    // A DM is answered at the top level, not in a thread.
    expect(post.form.thread_ts).toBeUndefined();
    expect(post.form.text).toMatch(/\S/);
    expect(() => JSON.parse(post.form.blocks!)).not.toThrow();
    const buttons = post.args.blocks.filter((b: { type: string }) => b.type === 'actions').flatMap((b: { elements: unknown[] }) => b.elements);
    expect(buttons.length).toBeGreaterThan(0);
    for (const b of buttons) expect(b).toMatchObject({ type: 'button', action_id: expect.any(String), value: expect.any(String), text: { type: 'plain_text' } });
    expect(post.args.metadata).toEqual({ event_type: 'mailmedic_reply', event_payload: { key: expect.stringMatching(/^[\w-]+(\.[\w-]+)+$/), keys: expect.stringMatching(/^[\w-]+(\.[\w-]+)+( [\w-]+(\.[\w-]+)+)*$/) } });

    // Before the turn: who wrote (users.info with the locale) and a link to the message (chat.getPermalink).
    const info = callsOf('users.info').find((x) => x.form.user === c.user);
    expect(info).toMatchObject({ path: '/api/users.info', auth: `Bearer ${TOKEN}`, form: { user: c.user, include_locale: 'true' } });
    expect(callsOf('chat.getPermalink', c.dm)[0]).toMatchObject({ auth: `Bearer ${TOKEN}`, form: { channel: c.dm, message_ts: expect.any(String) } });
    // Every call went to slack.com with the bot token.
    for (const x of calls) expect(x.auth).toBe(`Bearer ${TOKEN}`);
  });

  it('updates the clicked message with chat.update (its channel and ts, buttons gone) and posts the next step', async () => {
    const c = fresh();
    const post = await symptomInDm(c);
    const block = post.args.blocks.find((b: { type: string }) => b.type === 'actions');
    const el = block.elements[0];
    const before = callsOf('chat.postMessage', c.dm).length;
    const res = await sendInteraction(
      app.url,
      clickPayload({
        team: c.team,
        user: c.user,
        channel: c.dm,
        messageTs: post.ts!,
        message: post,
        button: { action_id: el.action_id, value: el.value, block_id: block.block_id, label: el.text.text },
      }),
    );
    expect(res.status).toBe(200);

    const update = await waitFor('chat.update', () => callsOf('chat.update', c.dm)[0]);
    expect(update).toMatchObject({ path: '/api/chat.update', auth: `Bearer ${TOKEN}`, form: { channel: c.dm, ts: post.ts } });
    expect(update.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(update.args.blocks.some((b: { type: string }) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(update.args.blocks)).toContain(el.text.text);
    await waitFor('the next step', () => callsOf('chat.postMessage', c.dm).length > before);
  });

  it('opens the DM with conversations.open for /mailmedic and posts the welcome there', async () => {
    const c = fresh();
    const res = await sendCommand(app.url, {
      command: '/mailmedic',
      text: '',
      team_id: c.team,
      user_id: c.user,
      channel_id: `C${uid()}`,
      trigger_id: `trig-${uid()}`,
      response_url: 'https://hooks.slack.com/commands/x',
    });
    expect(res.status).toBe(200);

    const open = await waitFor('conversations.open', () => callsOf('conversations.open').find((x) => x.form.users === c.user));
    expect(open).toMatchObject({ path: '/api/conversations.open', auth: `Bearer ${TOKEN}` });
    const welcome = await waitFor('the welcome', () => callsOf('chat.postMessage', `D${c.user}`)[0]);
    expect(welcome.args.metadata).toEqual({ event_type: 'mailmedic_reply', event_payload: { key: 'slack.command.welcome', keys: 'slack.command.welcome' } });
  });
});
