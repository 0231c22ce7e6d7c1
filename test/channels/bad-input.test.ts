/**
 * Bad input on the Slack and Teams channels (rob-22; the web chat's is in test/http/server.test.ts and
 * chat-failures.test.ts): one app on the real HTTP server with the real bolt app and the Bot Framework adapter, a
 * fake Slack Web API and a fake Bot Connector on loopback, and a private redis-server the test stops mid-conversation.
 * Nothing may crash or be dropped silently: every message gets a clear answer, and the bot answers the next one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../../src/bench/redis-proc.js';
import { startApp, type App } from '../../src/main.js';
import { runId } from '../http/helpers.js';
import { dmEvent, envelope, keysOf, sendEvent, slackEnv, startFakeSlack, uid, waitFor, type FakeSlack } from './slack/fake-slack.js';
import { activityId, activityText, messageActivity, postActivity, startFakeConnector, type FakeConnector } from './teams/connector.js';

let slack: FakeSlack;
let connector: FakeConnector;
let redis: PrivateRedis;
let app: App;
let ticketDir: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  connector = await startFakeConnector();
  redis = await startPrivateRedis();
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-bad-input-'));
  app = await startApp({ env: slackEnv(slack.url, ticketDir, { REDIS_URL: redis.url }), port: 0, host: '127.0.0.1', storeOptions: { prefix: `mmbad${runId()}` } });
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await connector?.close();
  await redis?.close();
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

const BAD: Array<[string, string]> = [
  // ~1 MB in UTF-8, just under the body limit (Slack caps a message at 40,000 characters, Teams at ~28 KB; a body over
  // 1 MB is refused with 413 before it is read, as /api/chat does).
  ['1 MB of text', 'メールが届かない。'.repeat(36_000)],
  ['NUL and other control bytes', '\u0000\u0001\u0002メール\u0000が\u0007届かない\u001b[0m'],
  ['binary read as text', Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x81, 0xc3, 0x28, 0xa0, 0xa1]).toString('latin1')],
  ['lone surrogates', 'メール\uD800が\uDC00届かない\uD83D'],
  ['200 emoji', '😭🙏📧'.repeat(67).slice(0, 400)],
  ['only control bytes', '\u0000\u0000\u0001'],
];

describe('Slack: bad input gets a clear answer', () => {
  const dm = async (text: string, c = { team: `T${uid()}`, dm: `D${uid()}`, user: `U${uid()}` }) => {
    const before = slack.calls('chat.postMessage').filter((p) => p.args.channel === c.dm).length;
    const res = await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, text)));
    const posts = res.status === 200 ? await waitFor('a reply', () => {
      const all = slack.calls('chat.postMessage').filter((p) => p.args.channel === c.dm);
      return all.length > before && all.slice(before);
    }) : [];
    return { status: res.status, posts, c };
  };

  for (const [what, text] of BAD) {
    it(`${what}: 200 and a reply`, async () => {
      const r = await dm(text);
      expect(r.status).toBe(200);
      expect(r.posts.length).toBeGreaterThan(0);
      expect(String(r.posts[0]!.args.text ?? '').length + JSON.stringify(r.posts[0]!.args.blocks ?? []).length).toBeGreaterThan(0);
    });
  }

  it('an empty message and one of control bytes only are answered as empty', async () => {
    for (const text of ['', '\u0000\u0000\u0001']) expect(keysOf((await dm(text)).posts[0]!)).toContain('pipeline.empty_text');
  });

  it('Redis stopped mid-conversation: the person is told, and the conversation goes on once it is back', async () => {
    const first = await dm('メールが届きません');
    expect(first.posts.length).toBeGreaterThan(0);
    await redis.kill();
    try {
      const down = await dm('まだ届きません', first.c);
      expect(down.posts.length).toBeGreaterThan(0);
      expect(keysOf(down.posts[0]!)).toContain('pipeline.store_unavailable');
    } finally {
      await redis.start();
    }
    const again = await waitFor('the bot answers again', async () => {
      const r = await dm('送信はできる', first.c);
      return !keysOf(r.posts[0]!).includes('pipeline.store_unavailable') && r;
    }, 20_000);
    expect(again.posts.length).toBeGreaterThan(0);
  });
});

describe('Teams: bad input gets a clear answer', () => {
  const repliesTo = (id: string) => connector.messages().filter((p) => p.replyToId === id);
  const send = async (text: string, conversationId = `emu-${activityId()}`) => {
    const a = messageActivity({ serviceUrl: connector.url, conversationId, text });
    const r = await postActivity(app.url, a);
    const replies = r.status === 200 ? await waitFor('a reply', () => repliesTo(a.id as string).length > 0 && repliesTo(a.id as string)) : [];
    return { status: r.status, replies, conversationId };
  };

  for (const [what, text] of BAD) {
    it(`${what}: 200 and a reply`, async () => {
      const r = await send(text);
      expect(r.status).toBe(200);
      expect(activityText(r.replies[0]?.activity).trim().length).toBeGreaterThan(0);
    });
  }

  it('a message of control bytes only is answered as an empty one', async () => {
    const r = await send('\u0000\u0000\u0001');
    expect(activityText(r.replies[0]?.activity)).toBe(app.core.i18n.t('pipeline.empty_text', undefined, 'ja'));
  });

  it('Redis stopped mid-conversation: the person is told, and the conversation goes on once it is back', async () => {
    const first = await send('メールが届きません');
    await redis.kill();
    try {
      const down = await send('まだ届きません', first.conversationId);
      expect(activityText(down.replies[0]?.activity)).toBe(app.core.i18n.t('pipeline.store_unavailable', undefined, 'ja'));
    } finally {
      await redis.start();
    }
    const again = await waitFor('the bot answers again', async () => {
      const r = await send('送信はできる', first.conversationId);
      const text = activityText(r.replies[0]?.activity);
      return text !== app.core.i18n.t('pipeline.store_unavailable', undefined, 'ja') && text;
    }, 20_000);
    expect(again.length).toBeGreaterThan(0);
  });
});
