/**
 * A Slack turn that failed with Redis down or stalled still reaches the person (lose-33). Slack does not redeliver an
 * event we acked, so before, the person saw only "try again shortly" and their message was lost unless retyped.
 * Real server on loopback, a PRIVATE redis-server (stopped and paused for real: SIGTERM, CLIENT PAUSE), the local
 * fake Slack Web API and the Zendesk stand-in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/bench/redis-proc.js';
import { slackParts, startApp, type App } from '../../../src/main.js';
import { DurableRedis } from '../../durable-redis.js';
import { runId, testEnv } from '../../http/helpers.js';
import { startFakeServer, type FakeServer } from '../../handoff/fake-server.js';
import { dmEvent, envelope, hasKey, keysOf, SECRET, sendEvent, startFakeSlack, uid, waitFor, type FakeSlack } from './fake-slack.js';

const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';
const FORM = 'iPhone 15、iOS 18.1、docomo、エラーは『サーバーに接続できません』、今朝9時から毎回です';
let slack: FakeSlack;
let zendesk: FakeServer;
let redis: DurableRedis;
let redisDir: string;
let app: App;
const prefix = `mmtest-lose33-${runId()}`;

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${url}/readyz`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the app did not become ready again');
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  slack = await startFakeSlack();
  zendesk = await startFakeServer();
  redisDir = mkdtempSync(join(tmpdir(), 'mm-lose33-redis-'));
  redis = new DurableRedis(await freePort(), redisDir);
  await redis.start();
  app = await startApp({
    env: testEnv({
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      REDIS_URL: redis.url,
      TICKET_SINK: 'zendesk',
      ZENDESK_URL: zendesk.url,
      ZENDESK_EMAIL: 'bot@example.com',
      ZENDESK_API_TOKEN: 'zd-token-123',
    }),
    port: 0,
    host: '127.0.0.1',
    storeOptions: { prefix, connectTimeoutMs: 200, commandTimeoutMs: 500, lockWaitMs: 300 },
    mounts: [(core) => slackParts(core, { recoveryDelaysMs: [500, 500, 1_000, 1_000, 2_000, 2_000, 2_000, 2_000] })],
  });
});
afterAll(async () => {
  await app?.close();
  await slack?.close();
  await zendesk?.close();
  await redis?.stop('SIGKILL');
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
});

function dm() {
  const team = `T${uid()}`;
  const channel = `D${uid()}`;
  const user = `U${uid()}`;
  const posts = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === channel);
  const say = (text: string) => sendEvent(app.url, envelope(team, dmEvent(team, channel, user, text)));
  /** The conversation's saved turn count (0: nothing saved). */
  const savedTurns = async () => {
    const { createClient } = await import('redis');
    const c = createClient({ url: redis.url });
    await c.connect();
    try {
      const raw = await c.get(`${prefix}:{c:slack:${team}:${channel}:dm}:state`);
      return raw ? (JSON.parse(raw) as { turn: number }).turn : 0;
    } finally {
      await c.close();
    }
  };
  /** Redis is back: the bot's own retry posts the real answer — once, and no "send it again". */
  const answeredOnce = async () => {
    await waitReady(app.url);
    await waitFor('the real answer', () => posts().find((p) => hasKey(p, 'tree.auth_entry.say')), 20_000);
    await sleep(2_500);
    expect(posts().filter((p) => hasKey(p, 'tree.auth_entry.say'))).toHaveLength(1);
    expect(posts().filter((p) => hasKey(p, 'pipeline.recovery_gave_up'))).toHaveLength(0);
  };
  return { posts, say, savedTurns, answeredOnce };
}

describe('a Slack turn that failed with the store down or stalled (Slack does not redeliver it)', () => {
  it('Redis down: the person is told the answer will follow, and once Redis is back the real answer is posted in the DM, once', async () => {
    const { posts, say, answeredOnce } = dm();
    await redis.stop();
    try {
      expect((await say(SYMPTOM)).status).toBe(200);
      const apology = await waitFor('the apology', () => posts().find((p) => hasKey(p, 'pipeline.store_unavailable', true)), 10_000);
      // It says the answer will follow here (no need to retype), not "send it again".
      expect(keysOf(apology)).toEqual(['pipeline.store_unavailable_later']);
      expect(posts().some((p) => hasKey(p, 'tree.auth_entry.say'))).toBe(false);
    } finally {
      await redis.start();
    }
    await answeredOnce();
  }, 40_000);

  it('the same words sent again while Redis is still down are not a second turn: told again, then answered once', async () => {
    const { posts, say, savedTurns, answeredOnce } = dm();
    await redis.stop();
    try {
      await say(SYMPTOM);
      await waitFor('the apology', () => posts().find((p) => hasKey(p, 'pipeline.store_unavailable_later')), 10_000);
      await say(SYMPTOM);
      await waitFor('the apology again', () => posts().filter((p) => hasKey(p, 'pipeline.store_unavailable_later')).length === 2, 10_000);
    } finally {
      await redis.start();
    }
    await answeredOnce();
    // One turn saved: the resend was not processed as a second message.
    expect(await savedTurns()).toBe(1);
  }, 40_000);

  it('one message Slack sends twice with different event_ids (no retry header: slackapi/node-slack-sdk#2141) is answered once', async () => {
    const team = `T${uid()}`;
    const channel = `D${uid()}`;
    const user = `U${uid()}`;
    const event = dmEvent(team, channel, user, SYMPTOM);
    const mine = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === channel);
    expect((await sendEvent(app.url, envelope(team, event, `Ev${uid()}`))).status).toBe(200);
    await waitFor('the answer', () => mine().find((p) => hasKey(p, 'tree.auth_entry.say')), 15_000);
    const answered = mine().length;
    expect((await sendEvent(app.url, envelope(team, event, `Ev${uid()}`))).status).toBe(200);
    // A different message after it: once it is answered, the replay was handled — with no post of its own.
    await sendEvent(app.url, envelope(team, dmEvent(team, channel, user, '最初から')));
    await waitFor('restart answered', () => mine().find((p) => hasKey(p, 'engine.restart', true)), 15_000);
    expect(mine()).toHaveLength(answered + 1);
  }, 40_000);

  it('the save stalled (CLIENT PAUSE WRITE while the hand-off turn saves): the hand-off answer with the ticket number is posted after all, once', async () => {
    const { createClient } = await import('redis');
    const { posts, say } = dm();
    await say('担当者と話したい');
    await waitFor('the hand-off form', () => posts().length >= 1, 15_000);
    const before = posts().length;
    // Zendesk takes 2.5 s: the turn waits for it in `effects`; meanwhile Redis stops taking writes, so the turn's
    // save times out on our side (500 ms) and is applied when the pause ends — its answer was never posted.
    zendesk.script('zendesk', { status: 201, hangMs: 2_500 });
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await say(FORM);
      await sleep(1_500);
      await admin.sendCommand(['CLIENT', 'PAUSE', '2500', 'WRITE']);
      await waitFor('the apology', () => posts().find((p) => hasKey(p, 'pipeline.store_unavailable_later')), 10_000);
    } finally {
      await admin.close();
    }
    const answered = await waitFor('the hand-off answer', () => posts().find((p) => p.seq > posts()[before]!.seq && /MM-\d{8}-\d+/.test(String(p.args.text))), 20_000);
    await sleep(2_500);
    const withNumber = posts().filter((p) => keysOf(p).includes('pipeline.ticket_created') || hasKey(p, 'tree.handoff', true));
    expect(withNumber.filter((p) => p.seq >= answered.seq && /MM-\d{8}-\d+/.test(String(p.args.text)))).toHaveLength(1);
    expect(zendesk.zendeskTickets.length).toBe(1);
  }, 40_000);
});
