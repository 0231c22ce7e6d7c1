/**
 * After the ticket, on a real server over loopback HTTP (memory state, the webhook sink pointed at a local receiver
 * that is down at first): 「直りました」 reaches the ticket as a second signed POST once the receiver answers, the
 * person is told it was added to ticket <id>, and the review page and the transcript API show the follow-up with its
 * delivery state, like the ticket's.
 */
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/handoff/sinks/index.js';
import { startApp, type App } from '../../src/main.js';
import { post, runId, testEnv } from '../http/helpers.js';
import { freePort } from '../state/helpers.js';

const ADMIN_TOKEN = 'after-filing-admin-token';
const SECRET = 'after-filing-secret';
let app: App;
let hookPort: number;
let receiver: Server | undefined;
const posts: Array<{ event: string; delivery: string; raw: string; signature: string }> = [];
const admin = (path: string) => fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

function startReceiver(): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const h = (k: string) => String(req.headers[k] ?? '');
      posts.push({ event: h('x-mailmedic-event'), delivery: h('x-mailmedic-delivery'), raw: Buffer.concat(chunks).toString('utf8'), signature: h('x-mailmedic-signature') });
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `EXT-${posts.length}` }));
    });
  });
  return new Promise((resolve) => server.listen(hookPort, '127.0.0.1', () => resolve(server)));
}

async function until(what: string, cond: () => boolean | Promise<boolean>, tries = 1200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`never happened: ${what}`);
}

beforeAll(async () => {
  hookPort = await freePort();
  app = await startApp({
    env: testEnv({ TICKET_SINK: 'webhook', TICKET_WEBHOOK_URL: `http://127.0.0.1:${hookPort}/tickets`, TICKET_WEBHOOK_SECRET: SECRET, ADMIN_TOKEN }),
    port: 0,
    host: '127.0.0.1',
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
});

describe('after the ticket: what the person says next reaches it', () => {
  const conversation = `after-${runId()}`;
  const say = (text: string) => post(`${app.url}/api/chat`, { conversation, text });
  let ticketId = '';

  it('tells the person 「直った」 was added to the ticket, and the review page shows it waiting while the receiver is down', async () => {
    await say('iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる');
    await say('担当の人につないで');
    const filed = await say('iPhone 15、iOS 18.1、今朝9時から毎回です');
    ticketId = /MM-\d{8}-\d+/.exec(JSON.stringify(filed.body.replies))?.[0] ?? '';
    expect(ticketId).not.toBe('');
    const fixed = await say('直りました！');
    expect(fixed.body.status).toBe('escalated');
    expect(JSON.stringify(fixed.body.replies)).toContain(`チケット ${ticketId} に「直った」と追記`);

    const api = (await (await admin(`/admin/api/conversations/${conversation}`)).json()) as any;
    expect(api.followUps).toEqual([expect.objectContaining({ id: `${ticketId}-f1`, ticket: ticketId, kind: 'user_resolved', state: 'pending' })]);
    const page = await (await admin(`/admin/conversations/${conversation}?lang=en`)).text();
    expect(page).toContain(`data-testid="follow-up" data-id="${ticketId}-f1" data-state="pending"`);
    expect(page).toContain('data-testid="event-follow-up"');
  });

  it('once the receiver answers: the ticket, then one signed follow-up POST; the API and the page say it was added', async () => {
    receiver = await startReceiver();
    await until('the follow-up delivered', async () => (await app.core.handoff.status(`${ticketId}-f1`))?.state === 'delivered');
    expect(posts.map((p) => [p.event, p.delivery])).toEqual([
      ['ticket_created', ticketId],
      ['ticket_follow_up', `${ticketId}-f1`],
    ]);
    const followUp = posts[1]!;
    expect(verifySignature(followUp.raw, SECRET, followUp.signature)).toBe(true);
    expect(JSON.parse(followUp.raw)).toMatchObject({ type: 'ticket_follow_up', ticket: ticketId, kind: 'user_resolved', conversation, externalRef: 'EXT-1' });
    const api = (await (await admin(`/admin/api/conversations/${conversation}`)).json()) as any;
    expect(api.followUps).toEqual([expect.objectContaining({ id: `${ticketId}-f1`, state: 'delivered', attempts: expect.any(Number) })]);
    const page = await (await admin(`/admin/conversations/${conversation}?lang=en`)).text();
    expect(page).toContain(`data-state="delivered"><code>${ticketId}-f1</code> it works now · added to the ticket`);
  }, 90_000);
});
