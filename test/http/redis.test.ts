/**
 * The server on real Redis (127.0.0.1:6379, a unique key prefix per run, cleaned up after): state survives a
 * restart of the app; with Redis unreachable the server still starts, /readyz says not ready, and a turn gets a
 * polite "try again shortly" instead of an error or a hang.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/main.js';
import { allChoices, deleteKeys, expectTurnShape, post, REDIS_URL, runId, testEnv } from './helpers.js';

const prefix = `mmtest-${runId()}`;
afterAll(async () => {
  await deleteKeys(`${prefix}:*`);
});

describe('server with Redis state', () => {
  it('keeps a conversation across a restart of the app', async () => {
    const env = testEnv({ REDIS_URL });
    const a = await startApp({ env, port: 0, host: '127.0.0.1', storeOptions: { prefix } });
    const ready = await (await fetch(`${a.url}/readyz`)).json();
    expect(ready).toEqual({ status: 'ready', checks: { store: true, nlu: true } });
    const first = await post(`${a.url}/api/chat`, { conversation: 'r1', text: 'iPhoneでIMAPサーバーが応答しませんと出ます' });
    expectTurnShape(first.body);
    await a.close();

    const b = await startApp({ env, port: 0, host: '127.0.0.1', storeOptions: { prefix } });
    try {
      const second = await post(`${b.url}/api/chat`, { conversation: 'r1', action: allChoices(first.body)[0]!.value });
      expect(second.status).toBe(200);
      expectTurnShape(second.body);
      expect(second.body.node).not.toBe(first.body.node);
      expect(second.body.intent).toBeNull();
    } finally {
      await b.close();
    }
  });

  it('starts without Redis, reports not ready, and answers turns politely', async () => {
    // Port 1 on loopback: nothing listens, connections are refused at once.
    const app = await startApp({
      env: testEnv({ REDIS_URL: 'redis://127.0.0.1:1' }),
      port: 0,
      host: '127.0.0.1',
      storeOptions: { prefix, connectTimeoutMs: 200, commandTimeoutMs: 300 },
      redisWaitMs: 300,
    });
    try {
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not_ready', checks: { store: false } });
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);

      const r = await post(`${app.url}/api/chat`, { conversation: 'down1', text: 'メールを取得できません' });
      expect(r.status).toBe(200);
      expectTurnShape(r.body);
      expect(r.body.replies[0].text).toBe(app.core.i18n.t('pipeline.store_unavailable', undefined, 'ja'));
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toMatch(/^mailmedic_redis_errors_total\{[^}]*op="turn"[^}]*\} [1-9]\d*$/m);
    } finally {
      await app.close();
    }
  });
});
