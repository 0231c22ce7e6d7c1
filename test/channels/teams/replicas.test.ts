/**
 * Two replicas of the server on one real Redis (127.0.0.1:6379, a unique key prefix, cleaned up after), both
 * behind one fake Bot Connector: a redelivered activity that lands on the other replica gets no second reply,
 * and a replica that never saw the conversation can still send the proactive "ticket filed" message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/main.js';
import { rawClient } from '../../redis.js';
import { startReplicas, type Replicas } from '../../replicas.js';
import { runId } from '../../http/helpers.js';
import { activityId, activityText, messageActivity, postActivity, startFakeConnector, type FakeConnector } from './connector.js';

const prefix = `mmtest-${runId()}`;
let connector: FakeConnector;
let a: App;
let b: App;
let replicas: Replicas;

beforeAll(async () => {
  connector = await startFakeConnector();
  replicas = await startReplicas(prefix, {});
  ({ a, b } = replicas);
});

afterAll(async () => {
  await replicas?.close();
  await connector?.close();
});

describe('Teams on two replicas sharing Redis', () => {
  it('answers an activity redelivered to the other replica only once', async () => {
    const conversationId = `r-${activityId()}|livechat`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: 'メールを取得できません' });
    const [ra, rb] = await Promise.all([postActivity(a.url, msg), postActivity(b.url, msg)]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    const replies = connector.messages().filter((p) => p.replyToId === msg.id);
    expect(replies.length).toBeGreaterThan(0);
    // One turn's worth of replies, not two: every reply text appears once.
    const texts = replies.map((r) => activityText(r.activity));
    expect(new Set(texts).size).toBe(texts.length);
    expect((await a.core.stores.store.get(`teams:${conversationId}`))?.turn).toBe(1);
  });

  it('sends a proactive message from a replica that never saw the conversation', async () => {
    const conversationId = `r-${activityId()}|livechat`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: 'こんにちは' });
    expect((await postActivity(a.url, msg)).status).toBe(200);
    const text = b.core.i18n.t('handoff.user.delivered', { id: 'MM-20261128-0042', ref: 'ZD-42' }, 'ja');
    expect(await b.core.sendProactive('teams', `teams:${conversationId}`, [{ key: 'handoff.user.delivered', text }])).toBe(true);
    await connector.waitFor((posted) => posted.some((p) => p.conversationId === conversationId && p.activity.text === text));
    // Nothing stored for an unknown conversation: nothing sent, and the caller is told.
    expect(await b.core.sendProactive('teams', 'teams:never-seen', [{ key: 'k', text: 'x' }])).toBe(false);
  });

  it('keeps the conversation reference under the conversation hash tag with an expiry', async () => {
    const conversationId = `r-${activityId()}`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: 'こんにちは' });
    expect((await postActivity(b.url, msg)).status).toBe(200);
    const client = await rawClient();
    try {
      const key = `${prefix}:{c:teams:${conversationId}}:teams:ref`;
      const stored = JSON.parse((await client.get(key)) ?? '{}');
      expect(stored.serviceUrl).toBe(connector.url);
      expect(stored.conversation.id).toBe(conversationId);
      expect(await client.ttl(key)).toBeGreaterThan(86_400);
    } finally {
      await client.quit();
    }
  });
});
