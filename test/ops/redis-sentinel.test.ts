/**
 * The whole app behind Redis Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_MASTER): a private master and one sentinel
 * on free loopback ports; a conversation through the HTTP server to one delivered ticket. The store contract on
 * Sentinel is test/state/redis-sentinel.test.ts.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import { expectTurnShape, post } from '../http/helpers.js';
import { PrivateSentinel, uniquePrefix } from '../state/helpers.js';

const sentinel = new PrivateSentinel('mmops');
let app: App;
const ticketDir = mkdtempSync(join(tmpdir(), 'mm-sentinel-tickets-'));

beforeAll(async () => {
  await sentinel.start();
  app = await startApp({
    env: {
      LOG_LEVEL: 'silent',
      REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      REDIS_SENTINEL_MASTER: 'mmops',
      REDIS_KEY_PREFIX: uniquePrefix('ops-sentinel'),
      TICKET_DIR: ticketDir,
    },
    port: 0,
    host: '127.0.0.1',
    redisWaitMs: 15_000,
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await sentinel.stop();
  rmSync(ticketDir, { recursive: true, force: true });
});

describe('the app behind Redis Sentinel', () => {
  it('is ready and carries a conversation to exactly one delivered ticket', async () => {
    expect(app.core.stores.kind).toBe('redis-sentinel');
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    const conversation = `sentinel-${Date.now().toString(36)}`;
    const say = (text: string, n: number) => post(`${app.url}/api/chat`, { conversation, text, eventId: `s${n}` });
    expect((await say('iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる', 1)).body.node).toBe('auth_reenter');
    const [a, b] = await Promise.all([say('担当の人につないで', 2), say('担当の人につないで', 2)]);
    expect([a, b].filter((r) => r.body.duplicate === true)).toHaveLength(1);
    const filed = await say('iPhone 15、iOS 18.1、今朝9時から毎回です', 3);
    expectTurnShape(filed.body);
    expect(filed.body.status).toBe('escalated');
    const id: string = filed.body.ticket.id;
    for (let i = 0; i < 200 && !readdirSync(ticketDir).includes(`${id}.json`); i++) await sleep(50);
    expect(readdirSync(ticketDir)).toEqual([`${id}.json`]);
  }, 60_000);
});
