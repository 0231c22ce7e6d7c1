/**
 * What an SRE scrapes: /metrics in Prometheus text with turns by channel and intent, the latency histogram,
 * fallbacks, escalations, the ticket outbox's depth and delivery counters, and Redis errors by operation; /readyz
 * following Redis down and back. Runs on a private redis-server the test stops and restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import { post } from '../http/helpers.js';
import { freePort, PrivateRedis, uniquePrefix } from '../state/helpers.js';

let redis: PrivateRedis;
let app: App;
const ticketDir = mkdtempSync(join(tmpdir(), 'mm-metrics-'));

beforeAll(async () => {
  redis = new PrivateRedis(await freePort());
  await redis.start();
  app = await startApp({
    env: { LOG_LEVEL: 'silent', REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniquePrefix('ops-metrics'), TICKET_DIR: ticketDir },
    port: 0,
    host: '127.0.0.1',
    storeOptions: { commandTimeoutMs: 500, maxReconnectDelayMs: 200 },
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await redis?.stop();
  rmSync(ticketDir, { recursive: true, force: true });
});

/** Samples of one metric as {labels → value}. */
async function scrape(): Promise<string> {
  const res = await fetch(`${app.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('/metrics and /readyz for operators', () => {
  it('counts turns by channel and intent, latency, fallbacks, escalations and ticket deliveries', async () => {
    const conversation = `metrics-${Date.now().toString(36)}`;
    const say = (text: string) => post(`${app.url}/api/chat`, { conversation, text });
    await say('iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる');
    await say('プリンターで印刷できない');
    await say('担当の人につないで');
    const filed = await say('iPhone 15、iOS 18.1、今朝9時から毎回です');
    expect(filed.body.status).toBe('escalated');
    for (let i = 0; i < 200 && (await app.core.handoff.status(filed.body.ticket.id))?.state !== 'delivered'; i++) await sleep(50);

    const text = await scrape();
    expect(sample(text, 'mailmedic_turns_total', { channel: 'web', intent: 'error_auth' })).toBe(1);
    expect(sample(text, 'mailmedic_turns_total', { channel: 'web', intent: 'request_human' })).toBe(1);
    expect(sample(text, 'mailmedic_turn_duration_seconds_count', { channel: 'web' })).toBe(4);
    expect(sample(text, 'mailmedic_turn_duration_seconds_bucket', { channel: 'web', le: '+Inf' })).toBe(4);
    expect(sample(text, 'mailmedic_fallbacks_total', { channel: 'web' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'mailmedic_escalations_total', { channel: 'web' })).toBe(1);
    expect(sample(text, 'mailmedic_tickets_delivered_total')).toBe(1);
    expect(sample(text, 'mailmedic_ticket_failures_total', { kind: 'attempt' })).toBe(0);
    expect(sample(text, 'mailmedic_ticket_failures_total', { kind: 'dead_letter' })).toBe(0);
    for (const state of ['pending', 'processing', 'dead']) expect(sample(text, 'mailmedic_ticket_outbox_depth', { state })).toBe(0);
    expect(sample(text, 'mailmedic_turns_in_flight')).toBe(0);
    expect(sample(text, 'mailmedic_process_resident_memory_bytes')).toBeGreaterThan(0);
    // Labels are bounded: never a conversation id or user text in a metric.
    expect(text).not.toContain(conversation);
    expect(text).not.toContain('プリンター');
  }, 60_000);

  it('reports Redis errors by operation and turns not-ready while Redis is down, then ready again', async () => {
    await redis.stop();
    const down = await post(`${app.url}/api/chat`, { conversation: `metrics-down-${Date.now()}`, text: 'メールを取得できません' });
    // Answered politely, not an HTTP error.
    expect(down.status).toBe(200);
    expect(down.body.replies.length).toBeGreaterThan(0);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
    const text = await scrape();
    const redisErrors = text.split('\n').filter((l) => l.startsWith('mailmedic_redis_errors_total{'));
    expect(redisErrors.length).toBeGreaterThan(0);
    expect(redisErrors.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)).toBeGreaterThan(0);
    expect(sample(text, 'mailmedic_turn_errors_total', { channel: 'web', kind: 'store_unavailable' })).toBeGreaterThanOrEqual(1);

    await redis.start();
    let ready = 0;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      ready = (await fetch(`${app.url}/readyz`)).status;
      if (ready !== 200) await sleep(100);
    }
    expect(ready).toBe(200);
  }, 60_000);
});
