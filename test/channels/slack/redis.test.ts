/**
 * The Slack channel on real Redis (127.0.0.1:6379, a unique key prefix per run, cleaned up after), two replicas
 * behind one Slack app: the conversation's state lives in Redis, so a click answered by the other replica goes
 * on from where the first left off, and an event delivered to both replicas is answered once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/main.js';
import { rawClient } from '../../redis.js';
import { startReplicas, type Replicas } from '../../replicas.js';
import { runId } from '../../http/helpers.js';
import { buttonsOf, clickPayload, dmEvent, envelope, hasKey, keyOf, SECRET, sendEvent, sendInteraction, startFakeSlack, uid, waitFor, type FakeSlack } from './fake-slack.js';

const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';
const prefix = `mmtest-slack-${runId()}`;
let slack: FakeSlack;
let a: App;
let b: App;
let replicas: Replicas;

beforeAll(async () => {
  slack = await startFakeSlack();
  replicas = await startReplicas(prefix, { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url });
  ({ a, b } = replicas);
});

afterAll(async () => {
  await replicas?.close();
  await slack?.close();
});

describe('Slack on Redis with two replicas', () => {
  it('keeps the conversation state in Redis: a click on the other replica advances the dialog', async () => {
    const team = `T${uid()}`;
    const dm = `D${uid()}`;
    const user = `U${uid()}`;
    await sendEvent(a.url, envelope(team, dmEvent(team, dm, user, SYMPTOM)));
    const posts = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === dm);
    const msg = await waitFor('buttons', () => posts().find((p) => buttonsOf(p).length > 0));

    const redis = await rawClient();
    try {
      const state = await redis.get(`${prefix}:{c:slack:${team}:${dm}:dm}:state`);
      expect(state).toBeTruthy();
      expect(JSON.parse(state!).channel).toBe('slack');
    } finally {
      await redis.quit();
    }

    const notResolved = buttonsOf(msg).find((x) => x.value === 'not_resolved')!;
    await sendInteraction(b.url, clickPayload({ team, user, channel: dm, messageTs: msg.ts!, message: msg, button: notResolved }));
    const next = await waitFor('next step on replica b', () => posts().find((p) => p.seq > msg.seq && buttonsOf(p).length > 0));
    expect(keyOf(next)).not.toBe(keyOf(msg));
    expect(keyOf(next)).not.toBe('engine.stale_choice');
  });

  it('answers an event delivered to both replicas (a retry landing elsewhere) once', async () => {
    const team = `T${uid()}`;
    const dm = `D${uid()}`;
    const user = `U${uid()}`;
    const event = envelope(team, dmEvent(team, dm, user, SYMPTOM));
    await Promise.all([sendEvent(a.url, event), sendEvent(b.url, event, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })]);
    // A later turn in the same conversation, through replica a: once it is answered, both deliveries were handled.
    await sendEvent(a.url, envelope(team, dmEvent(team, dm, user, '最初から')));
    const posts = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === dm);
    await waitFor('restart answered', () => posts().find((p) => hasKey(p, 'engine.restart', true)));
    expect(posts().filter((p) => hasKey(p, 'tree.auth_entry.say'))).toHaveLength(1);
  });
});
