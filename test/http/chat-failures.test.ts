/**
 * Issue 13, /api/chat over real HTTP: a failed turn carries a machine-readable `error` beside the polite reply
 * (store down: a real private Redis killed), every answer carries `echo` — the server's redacted copy of what
 * was typed, which is what the page keeps — and the per-conversation and per-client limits answer 429 with
 * Retry-After.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../../src/bench/redis-proc.js';
import { startApp, type App } from '../../src/main.js';
import { post, runId, testEnv } from './helpers.js';

const chat = (app: App, body: unknown) =>
  fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('/api/chat machine-readable failures', () => {
  let redis: PrivateRedis;
  let app: App;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    app = await startApp({ env: testEnv({ REDIS_URL: redis.url }), port: 0, host: '127.0.0.1', storeOptions: { prefix: `mmcf${runId()}` } });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
  });

  it('store down: 200 with the polite reply and error "store_unavailable"; the echo is redacted', async () => {
    const conversation = `web-${runId()}`;
    const ok = await post(`${app.url}/api/chat`, { conversation, text: 'メールが届きません。パスワードは Pa55word!x です' });
    expect(ok.status).toBe(200);
    expect(ok.body.error).toBeUndefined();
    expect(ok.body.echo).toContain('メールが届きません');
    expect(ok.body.echo).not.toContain('Pa55word!x');
    await redis.kill();
    try {
      const down = await post(`${app.url}/api/chat`, { conversation, text: 'まだ届きません' });
      expect(down.status).toBe(200);
      expect(down.body.error).toBe('store_unavailable');
      expect(down.body.replies[0].text).toBeTruthy();
      expect(down.body.echo).toBe('まだ届きません');
    } finally {
      await redis.start();
    }
  });
});

describe('/api/chat rate limits', () => {
  it('per conversation: the burst passes, the next is 429 with Retry-After and error "rate_limited"; another conversation is not affected', async () => {
    const app = await startApp({
      env: testEnv({ RATE_LIMIT_CONVERSATION_PER_MINUTE: '1', RATE_LIMIT_CONVERSATION_BURST: '2' }),
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const conversation = `web-${runId()}`;
      expect((await chat(app, { conversation, text: 'メールが届きません' })).status).toBe(200);
      expect((await chat(app, { conversation, text: 'iPhoneです' })).status).toBe(200);
      const limited = await chat(app, { conversation, text: 'パスワードは Pa55word!x です' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = (await limited.json()) as { error: string; replies: Array<{ text: string }>; echo: string };
      expect(body.error).toBe('rate_limited');
      expect(body.replies[0]!.text).toMatch(/秒/);
      expect(body.echo).not.toContain('Pa55word!x');
      expect((await chat(app, { conversation: `web-${runId()}`, text: 'メールが届きません' })).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('per client: many conversations from one address are limited too; 0 disables', async () => {
    const app = await startApp({
      env: testEnv({ RATE_LIMIT_CLIENT_PER_MINUTE: '1', RATE_LIMIT_CLIENT_BURST: '3' }),
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await chat(app, { conversation: `web-${runId()}`, text: 'メールが届きません' })).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await app.close();
    }
    const open = await startApp({ env: testEnv(), port: 0, host: '127.0.0.1' });
    try {
      const conversation = `web-${runId()}`;
      for (let i = 0; i < 25; i++) expect((await chat(open, { conversation, text: 'メールが届きません' })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
