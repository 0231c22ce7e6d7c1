/**
 * At-least-once Teams activities, from the outside: POST /api/messages on the real server on loopback, the real
 * Redis (unique key prefix, cleaned up after) and the local fake Bot Connector. While another replica holds the
 * conversation's lock the person is told the bot is busy; the redelivery of the same activity (same id) once the
 * conversation is free is processed once, and a further redelivery gets no second answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/main.js';
import { createKeys } from '../../../src/state/keys.js';
import { deleteKeys, rawClient, REDIS_URL } from '../../redis.js';
import { runId, testEnv } from '../../http/helpers.js';
import { activityId, activityText, messageActivity, postActivity, startFakeConnector, type FakeConnector } from './connector.js';

const prefix = `mmtest-teams-retry-${runId()}`;
const keys = createKeys(prefix);
let connector: FakeConnector;
let app: App;
let ticketDir: string;

beforeAll(async () => {
  connector = await startFakeConnector();
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-teams-retry-'));
  app = await startApp({ env: testEnv({ REDIS_URL, TICKET_DIR: ticketDir }), port: 0, host: '127.0.0.1', storeOptions: { prefix, lockWaitMs: 300 } });
});

afterAll(async () => {
  await app?.close();
  await connector?.close();
  await deleteKeys(`${prefix}:*`);
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

describe('Teams activities, at least once', () => {
  it('tells the person the bot is busy, then answers the redelivered activity once', async () => {
    const conversationId = `emu-${activityId()}|livechat`;
    const key = `teams:${conversationId}`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: 'メールを取得できません' });
    const answers = () => connector.messages().filter((p) => p.replyToId === msg.id).map((p) => activityText(p.activity));
    const redis = await rawClient();
    try {
      await redis.set(keys.lock(key), 'another-replica', { PX: 20_000 });
      expect((await postActivity(app.url, msg)).status).toBe(200);
      expect(answers()).toEqual([app.core.i18n.t('pipeline.busy_later', undefined, 'ja')]);
      expect(await redis.exists(keys.state(key))).toBe(0);

      await redis.del(keys.lock(key));
      expect((await postActivity(app.url, msg)).status).toBe(200);
      const processed = answers().slice(1);
      expect(processed.length).toBeGreaterThan(0);
      expect(processed.join('\n')).not.toContain(app.core.i18n.t('pipeline.busy', undefined, 'ja'));
      expect(JSON.parse((await redis.get(keys.state(key))) ?? '{}').turn).toBe(1);

      expect((await postActivity(app.url, msg)).status).toBe(200);
      expect(answers()).toHaveLength(1 + processed.length);
      expect(JSON.parse((await redis.get(keys.state(key))) ?? '{}').turn).toBe(1);
    } finally {
      await redis.del(keys.lock(key));
      await redis.close();
    }
  });

  it('counts and logs a reply the Bot Connector refused, instead of dropping it silently', async () => {
    const metric = async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      const m = /^mailmedic_replies_undelivered_total\{channel="teams"[^}]*\} (\d+)/m.exec(text);
      return m ? Number(m[1]) : 0;
    };
    const before = await metric();
    // 403: the bot may no longer post there (removed from the conversation) — no retry can help.
    const msg = messageActivity({ serviceUrl: connector.url, conversationId: `emu-${activityId()}|livechat`, text: 'メールを取得できません' });
    const refusedBefore = connector.refused();
    connector.failNext(1, 403);
    expect((await postActivity(app.url, msg)).status).toBe(200);
    await expect.poll(metric, { timeout: 10_000 }).toBe(before + 1);
    expect(connector.refused() - refusedBefore).toBe(1);
    expect(connector.messages().filter((p) => p.replyToId === msg.id)).toHaveLength(0);
  });
});
