/**
 * At-least-once Slack events, from the outside: signed events to the real server on loopback, the real Redis
 * (unique key prefix, cleaned up after) and the local fake Slack Web API. While another replica holds the
 * conversation's lock the person is told the bot is busy; Slack's redelivery of the same event_id (X-Slack-Retry-Num)
 * after the conversation is free is processed once, and a further redelivery is not answered again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/main.js';
import { createKeys } from '../../../src/state/keys.js';
import { deleteKeys, rawClient, REDIS_URL } from '../../redis.js';
import { runId, testEnv } from '../../http/helpers.js';
import { dmEvent, envelope, hasKey, keyOf, SECRET, sendEvent, startFakeSlack, uid, waitFor, type FakeSlack } from './fake-slack.js';

const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';
const prefix = `mmtest-slack-retry-${runId()}`;
const keys = createKeys(prefix);
let slack: FakeSlack;
let app: App;
let ticketDir: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-slack-retry-'));
  app = await startApp({
    env: testEnv({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, REDIS_URL, TICKET_DIR: ticketDir }),
    port: 0,
    host: '127.0.0.1',
    storeOptions: { prefix, lockWaitMs: 300 },
  });
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  await deleteKeys(`${prefix}:*`);
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

describe('Slack events, at least once', () => {
  it('tells the person the bot is busy, then answers Slack\'s redelivery of the same event once', async () => {
    const team = `T${uid()}`;
    const dm = `D${uid()}`;
    const user = `U${uid()}`;
    const conversation = `slack:${team}:${dm}:dm`;
    const posts = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === dm);
    const event = envelope(team, dmEvent(team, dm, user, SYMPTOM));
    const retry = { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } };
    const redis = await rawClient();
    try {
      await redis.set(keys.lock(conversation), 'another-replica', { PX: 20_000 });
      expect((await sendEvent(app.url, event)).status).toBe(200);
      await waitFor('the busy answer', () => posts().find((p) => hasKey(p, 'pipeline.busy_later')));
      expect(await redis.exists(keys.state(conversation))).toBe(0);

      await redis.del(keys.lock(conversation));
      expect((await sendEvent(app.url, event, retry)).status).toBe(200);
      await waitFor('the first step', () => posts().find((p) => hasKey(p, 'tree.auth_entry.say')));
      expect(JSON.parse((await redis.get(keys.state(conversation))) ?? '{}').turn).toBe(1);

      // Redelivered once more, then a new message: once the new one is answered, the redelivery was handled — unanswered.
      await sendEvent(app.url, event, { headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } });
      await sendEvent(app.url, envelope(team, dmEvent(team, dm, user, '最初から')));
      await waitFor('restart answered', () => posts().find((p) => hasKey(p, 'engine.restart', true)));
      expect(posts().filter((p) => hasKey(p, 'tree.auth_entry.say'))).toHaveLength(1);
      expect(posts().filter((p) => hasKey(p, 'pipeline.busy_later'))).toHaveLength(1);
      expect(JSON.parse((await redis.get(keys.state(conversation))) ?? '{}').turn).toBe(2);
    } finally {
      await redis.del(keys.lock(conversation));
      await redis.close();
    }
  });
});
