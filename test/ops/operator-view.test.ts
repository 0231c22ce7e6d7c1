/**
 * What the SRE sees of a Monday with mailmedic (sre-22), on a real server over loopback HTTP with the webhook sink
 * pointed at a local receiver that is down when the ticket is filed and comes back later:
 *  - the log has one info line per turn, findable by conversation id, with no text the person typed (a password
 *    least of all), and no stack trace for expected errors (bad JSON, a button that is not ours);
 *  - while the receiver is down, every failed attempt is one warn line naming the ticket AND the conversation and
 *    saying the ticket is kept for retry; /metrics shows the ticket pending and the failed attempts;
 *    /admin's conversation page (and its API) says the ticket is not in the ticket system yet, how often it failed,
 *    why, and when the next try is;
 *  - once it is back, the ticket arrives exactly once, and the log, /metrics and /admin say so.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startApp, type App } from '../../src/main.js';
import { post, runId, testEnv } from '../http/helpers.js';
import { freePort } from '../state/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-operator-'));
const logFile = join(dir, 'log.jsonl');
const fd = openSync(logFile, 'w');
let app: App;
const ADMIN_TOKEN = 'operator-view-admin-token';
const admin = (path: string) => fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
let hookPort: number;
let receiver: Server | undefined;
/** Deliveries the receiver accepted, by ticket id (X-Mailmedic-Delivery). */
const received = new Map<string, number>();

function startReceiver(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['x-mailmedic-delivery']);
      received.set(id, (received.get(id) ?? 0) + 1);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `EXT-${received.size}` }));
    });
  });
  return new Promise((resolve) => server.listen(hookPort, '127.0.0.1', () => resolve(server)));
}

type Line = Record<string, unknown> & { level: string; msg: string };
const lines = (): Line[] =>
  readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

async function scrape(name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function until(what: string, cond: () => boolean | Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`never happened: ${what}`);
}

beforeAll(async () => {
  hookPort = await freePort();
  app = await startApp({
    env: testEnv({
      LOG_LEVEL: 'info',
      TICKET_SINK: 'webhook',
      TICKET_WEBHOOK_URL: `http://127.0.0.1:${hookPort}/tickets`,
      TICKET_WEBHOOK_SECRET: 'operator-view-secret',
      ADMIN_TOKEN,
    }),
    logger: createLogger({ level: 'info', fd }),
    port: 0,
    host: '127.0.0.1',
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

describe('the operator view of a day with a ticket sink outage', () => {
  const conversation = `ops-${runId()}`;
  const password = 'Qz81hh2Lw!x';
  let ticketId = '';

  it('logs one line per turn by conversation id, no typed text, and no stack for expected errors', async () => {
    const say = (body: Record<string, unknown>) => post(`${app.url}/api/chat`, { conversation, ...body });
    await say({ text: 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる' });
    await say({ text: `パスワードを${password}に変えたのにダメ` });
    expect((await say({ action: 'not-our-button:xyz' })).status).toBe(200);
    expect((await post(`${app.url}/api/chat`, `{"conversation":"${conversation}", "text": `)).status).toBe(400);
    await say({ text: '担当の人につないで' });
    const filed = await say({ text: 'iPhone 15、iOS 18.1、今朝9時から毎回です' });
    expect(filed.body.status).toBe('escalated');
    ticketId = /MM-\d{8}-\d+/.exec(JSON.stringify(filed.body.replies))?.[0] ?? '';
    expect(ticketId).not.toBe('');

    await until('five turn lines', () => lines().filter((l) => l.msg === 'turn').length >= 5);
    const turns = lines().filter((l) => l.msg === 'turn' && l.conversation === conversation);
    expect(turns).toHaveLength(5);
    for (const t of turns) {
      expect(t.level).toBe('info');
      expect(t.channel).toBe('web');
      expect(typeof t.node).toBe('string');
      expect(typeof t.status).toBe('string');
      expect(typeof t.ms).toBe('number');
    }
    expect(turns.map((t) => t.input)).toEqual(['text', 'text', 'click', 'text', 'text']);
    expect(turns[0]!.intent).toBe('error_auth');
    expect(turns.at(-1)!.status).toBe('escalated');
    expect(turns.at(-1)!.ticket).toBe(ticketId);

    const log = readFileSync(logFile, 'utf8');
    expect(log).not.toContain(password);
    expect(log).not.toContain('IMAPアカウント');
    expect(log).not.toContain('not-our-button');
    expect(log).not.toMatch(/"stack"|\n\s+at /);
    expect(lines().some((l) => l.level === 'error')).toBe(false);
  });

  it('while the receiver is down: a warn line per failed attempt naming ticket and conversation, the ticket pending on /metrics', async () => {
    await until('two failed attempts', () => lines().filter((l) => l.ticket === ticketId && l.level === 'warn').length >= 2);
    const failed = lines().filter((l) => l.ticket === ticketId && l.level === 'warn');
    for (const l of failed) {
      expect(l.msg).toMatch(/kept in the outbox, will retry/);
      expect(l.conversation).toBe(conversation);
      expect(l.reason).toBe('network');
      expect(typeof l.nextAttemptAt).toBe('string');
    }
    expect(await scrape('mailmedic_ticket_outbox_depth', 'state="pending"')).toBe(1);
    expect(await scrape('mailmedic_ticket_failures_total', 'kind="attempt"')).toBeGreaterThanOrEqual(2);
    expect(await scrape('mailmedic_tickets_delivered_total')).toBe(0);
    expect(received.size).toBe(0);

    const api = (await (await admin(`/admin/api/conversations/${conversation}`)).json()) as any;
    expect(api.ticketDelivery.state).toBe('pending');
    expect(api.ticketDelivery.attempts).toBeGreaterThanOrEqual(2);
    expect(api.ticketDelivery.lastError.reason).toBe('network');
    expect(api.ticketDelivery.nextAttemptAtMs).toBeGreaterThan(0);
    const page = await (await admin(`/admin/conversations/${conversation}?lang=en`)).text();
    expect(page).toMatch(/data-testid="ticket-delivery" data-state="pending">not in the ticket system yet: \d+ failed attempts \(last: network\), next try /);
    const ja = await (await admin(`/admin/conversations/${conversation}`)).text();
    expect(ja).toContain('チケットシステムに未着');
  });

  it('once it is back: the ticket arrives exactly once, logged by conversation, and /metrics says delivered', async () => {
    receiver = await startReceiver();
    await until('the ticket delivered', async () => (await app.core.handoff.status(ticketId))?.state === 'delivered', 1200);
    expect([...received.entries()]).toEqual([[ticketId, 1]]);
    const delivered = lines().filter((l) => l.msg === 'ticket delivered');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.conversation).toBe(conversation);
    expect(await scrape('mailmedic_ticket_outbox_depth', 'state="pending"')).toBe(0);
    expect(await scrape('mailmedic_tickets_delivered_total')).toBe(1);
    expect(((await (await admin(`/admin/api/conversations/${conversation}`)).json()) as any).ticketDelivery.state).toBe('delivered');
    expect(await (await admin(`/admin/conversations/${conversation}?lang=en`)).text()).not.toContain('data-testid="ticket-delivery"');
  }, 90_000);
});
