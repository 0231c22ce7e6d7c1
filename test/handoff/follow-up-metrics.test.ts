/**
 * Follow-ups on /metrics (handoff-25): `mailmedic_ticket_follow_ups_total{kind, outcome}` counts what became of each
 * follow-up — queued, delivered, retried, dead_lettered — scraped over loopback HTTP from a real server (`startApp`,
 * outbox in real Redis) whose webhook sink points at a local receiver. The receiver takes the ticket, answers the
 * first 「直った」 follow-up 503 (then takes it), takes details, and refuses 「まだダメ」 with 400 (a dead letter).
 */
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import { post, REDIS_URL, deleteKeys, runId, testEnv } from '../http/helpers.js';
import { freePort, uniquePrefix } from '../state/helpers.js';

let app: App;
let receiver: Server;
const prefix = uniquePrefix('fumetrics');
/** Requests the receiver got, by event and follow-up kind. */
const got: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  let resolvedRefused = false;
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const event = String(req.headers['x-mailmedic-event']);
      const kind = event === 'ticket_follow_up' ? (JSON.parse(body) as { kind: string }).kind : '';
      got.push(`${event}:${kind}`);
      const answer = (status: number) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `EXT-${got.length}` }));
      if (kind === 'still_broken') return answer(400);
      if (kind === 'user_resolved' && !resolvedRefused) {
        resolvedRefused = true;
        return answer(503);
      }
      answer(201);
    });
  });
  await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
  app = await startApp({
    env: testEnv({
      TICKET_SINK: 'webhook',
      TICKET_WEBHOOK_URL: `http://127.0.0.1:${port}/tickets`,
      TICKET_WEBHOOK_SECRET: 'follow-up-metrics-secret',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    }),
    port: 0,
    host: '127.0.0.1',
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await new Promise((r) => receiver?.close(r));
  await deleteKeys(`${prefix}*`);
  await deleteKeys(`{${prefix}*`);
});

/** The metric's samples as `kind/outcome → value`. */
async function followUps(): Promise<Map<string, number>> {
  const res = await fetch(`${app.url}/metrics`);
  expect(res.status).toBe(200);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('mailmedic_ticket_follow_ups_total{')) continue;
    const kind = /kind="([^"]+)"/.exec(line)?.[1];
    const outcome = /outcome="([^"]+)"/.exec(line)?.[1];
    out.set(`${kind}/${outcome}`, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

async function until(what: string, cond: () => Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`never happened: ${what}`);
}

describe('mailmedic_ticket_follow_ups_total on /metrics', () => {
  it('is documented on /metrics with every kind and outcome at 0 before any follow-up', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toContain('# TYPE mailmedic_ticket_follow_ups_total counter');
    const m = await followUps();
    for (const kind of ['user_resolved', 'still_broken', 'details'])
      for (const outcome of ['queued', 'delivered', 'retried', 'dead_lettered']) expect(m.get(`${kind}/${outcome}`), `${kind}/${outcome}`).toBe(0);
  });

  it('counts follow-ups queued, delivered, retried and dead-lettered, by kind', async () => {
    const conversation = `fum-${runId()}`;
    const say = async (text: string) => (await post(`${app.url}/api/chat`, { conversation, text })).body;
    await say('iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる');
    await say('担当者と話したい');
    const filed = await say('iPhone 15、iOS 18.1、今朝9時から毎回です');
    expect(filed.status).toBe('escalated');
    await say('直りました！');
    await say('iOSは18.2です');
    await say('まだダメです');

    await until('every follow-up settled', async () => {
      const m = await followUps();
      return m.get('user_resolved/delivered') === 1 && m.get('details/delivered') === 1 && m.get('still_broken/dead_lettered') === 1;
    });
    const m = await followUps();
    expect(m.get('user_resolved/queued')).toBe(1);
    expect(m.get('details/queued')).toBe(1);
    expect(m.get('still_broken/queued')).toBe(1);
    // The 503 was retried once; a follow-up that reached the receiver before its ticket did may have waited (retried) too.
    expect(m.get('user_resolved/retried')).toBeGreaterThanOrEqual(1);
    expect(m.get('still_broken/delivered')).toBe(0);
    expect(m.get('details/dead_lettered')).toBe(0);
    expect(m.get('user_resolved/dead_lettered')).toBe(0);
    expect(got.filter((g) => g === 'ticket_follow_up:user_resolved')).toHaveLength(2);
    expect(got.filter((g) => g === 'ticket_follow_up:details')).toHaveLength(1);
  });
});
