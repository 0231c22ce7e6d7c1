/**
 * POST|GET /api/chat/messages on the real server over loopback: what reaches a web-chat person after the turn
 * (ticket delivered through the file sink, a proactive send) appears through the endpoint, once; two app instances on
 * one real Redis (unique key prefix, cleaned up after) share the mailbox; bad polls get a 400 JSON error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import { deleteKeys, post, REDIS_URL, runId, testEnv, type JsonResponse } from './helpers.js';

let app: App;
let ticketDir: string;
const prefix = `mmtest-${runId()}`;

beforeAll(async () => {
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-web-messages-'));
  app = await startApp({ env: testEnv({ TICKET_DIR: ticketDir }), port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
  await deleteKeys(`${prefix}:*`);
});

const poll = (base: string, conversation: string, after?: string) =>
  post(`${base}/api/chat/messages`, after === undefined ? { conversation } : { conversation, after });

/** Polls until a message satisfies `match`; returns every message seen on the way and the last cursor. */
async function pollUntil(base: string, conversation: string, match: (text: string) => boolean) {
  const seen: Array<{ id: string; text: string }> = [];
  let cursor: string | undefined;
  await expect
    .poll(
      async () => {
        const r = await poll(base, conversation, cursor);
        expect(r.status).toBe(200);
        seen.push(...r.body.messages);
        cursor = r.body.cursor;
        return seen.some((m) => match(m.text));
      },
      { timeout: 15_000, interval: 100 },
    )
    .toBe(true);
  return { seen, cursor: cursor! };
}

describe('GET|POST /api/chat/messages', () => {
  it('brings the "ticket delivered" message to a web-chat person whose conversation escalated (file sink)', async () => {
    const conversation = `web-${runId()}`;
    const chat = (text: string) => post(`${app.url}/api/chat`, { conversation, text, locale: 'ja' });
    await chat('担当者と話したい');
    let r: JsonResponse = await chat('iPhone 15、iOS 18.1、ドコモメール、「メールを取得できません」と出る、今朝9時から毎回です');
    // Whatever the hand-off still asks, "send as is" files the ticket.
    for (let i = 0; i < 3 && !r.body.ticket; i++) r = await post(`${app.url}/api/chat`, { conversation, action: 'skip' });
    expect(r.body.status).toBe('escalated');
    const ticketId: string = r.body.ticket.id;
    expect(ticketId).toMatch(/^MM-\d{8}-\d{4,}$/);

    const stem = app.core.i18n.t('handoff.user.delivered', { id: ticketId, ref: '\u0000' }, 'ja').split('\u0000')[0]!;
    const { seen, cursor } = await pollUntil(app.url, conversation, (text) => text.startsWith(stem));
    const delivered = seen.filter((m) => m.text.startsWith(stem));
    expect(delivered).toHaveLength(1);
    expect(Object.keys(delivered[0]!).sort()).toEqual(['id', 'text']);
    expect(delivered[0]!.text).toContain(ticketId);
    expect((await poll(app.url, conversation, cursor)).body).toEqual({ messages: [], cursor });
  });

  it('shows a proactive send exactly once across two polls, with its choices', async () => {
    const conversation = `web-${runId()}`;
    const empty = await poll(app.url, conversation);
    expect(empty.status).toBe(200);
    expect(empty.headers.get('cache-control')).toBe('no-store');
    expect(empty.body).toEqual({ messages: [], cursor: '0-0' });

    const sent = await app.core.sendProactive('web', conversation, [
      { key: 'test.staff', text: '担当者：設定画面を開いてください', choices: [{ label: '開きました', value: 'opened' }] },
    ]);
    expect(sent).toBe(true);
    const first = await poll(app.url, conversation, empty.body.cursor);
    expect(first.body.messages).toEqual([
      { id: first.body.cursor, text: '担当者：設定画面を開いてください', choices: [{ label: '開きました', value: 'opened' }] },
    ]);
    const second = await poll(app.url, conversation, first.body.cursor);
    expect(second.body).toEqual({ messages: [], cursor: first.body.cursor });

    // GET with the query answers the same (for clients that prefer it; the page POSTs).
    const q = new URLSearchParams({ conversation, after: '0-0' });
    const got = await fetch(`${app.url}/api/chat/messages?${q}`);
    expect(got.status).toBe(200);
    expect(((await got.json()) as { messages: Array<{ text: string }> }).messages.map((m) => m.text)).toEqual(['担当者：設定画面を開いてください']);
    // Another conversation sees none of it.
    expect((await poll(app.url, `web-${runId()}`)).body.messages).toEqual([]);
  });

  it('answers a bad poll with 400 and a JSON error in the page language', async () => {
    const t = (key: string, params?: Record<string, string>) => app.core.i18n.t(key, params, 'ja');
    const cases: Array<[unknown, string]> = [
      [{}, t('web.api.conversation_required')],
      [{ conversation: '' }, t('web.api.conversation_required')],
      [{ conversation: 42 }, t('web.api.not_string', { field: 'conversation' })],
      [{ conversation: 'x'.repeat(201) }, t('web.api.conversation_invalid', { max: '200' })],
      [{ conversation: 'c1', after: 'yesterday' }, t('web.api.cursor_invalid')],
      [{ conversation: 'c1', after: '1-2-3' }, t('web.api.cursor_invalid')],
      [{ conversation: 'c1', after: 7 }, t('web.api.not_string', { field: 'after' })],
      [['c1'], t('web.api.poll_not_object')],
    ];
    for (const [body, error] of cases) {
      const r = await post(`${app.url}/api/chat/messages`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.body).toEqual({ error });
    }
    const noConversation = await fetch(`${app.url}/api/chat/messages?after=0-0&lang=en`);
    expect(noConversation.status).toBe(400);
    expect(await noConversation.json()).toEqual({ error: app.core.i18n.t('web.api.conversation_required', undefined, 'en') });
    const badCursor = await fetch(`${app.url}/api/chat/messages?conversation=c1&after=%28123`);
    expect(badCursor.status).toBe(400);
    expect(await badCursor.json()).toEqual({ error: t('web.api.cursor_invalid') });
    expect((await post(`${app.url}/api/chat/messages`, 'conversation=c1', 'text/plain')).status).toBe(415);
    expect((await post(`${app.url}/api/chat/messages`, '{"conversation":', 'application/json')).status).toBe(400);
  });

  it('on one Redis, a message sent through one app instance is read through the other', async () => {
    const env = testEnv({ REDIS_URL });
    const a = await startApp({ env, port: 0, host: '127.0.0.1', storeOptions: { prefix } });
    const b = await startApp({ env, port: 0, host: '127.0.0.1', storeOptions: { prefix } });
    try {
      const conversation = `web-${runId()}`;
      expect(await a.core.sendProactive('web', conversation, [{ key: 'test.one', text: 'from replica A' }])).toBe(true);
      const first = await poll(b.url, conversation);
      expect(first.body.messages.map((m: { text: string }) => m.text)).toEqual(['from replica A']);
      expect((await poll(a.url, conversation, first.body.cursor)).body).toEqual({ messages: [], cursor: first.body.cursor });

      expect(await b.core.sendProactive('web', conversation, [{ key: 'test.two', text: 'from replica B' }])).toBe(true);
      const second = await poll(a.url, conversation, first.body.cursor);
      expect(second.body.messages.map((m: { text: string }) => m.text)).toEqual(['from replica B']);
      expect((await poll(b.url, conversation, second.body.cursor)).body.messages).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
