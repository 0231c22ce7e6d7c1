/**
 * /admin hardening over real loopback HTTP (issue 13): cross-site state changes are refused (with or without a
 * body), logout revokes the session, failed logins are limited (429 + Retry-After), impossible dates are 400 and
 * count no store error, a transcript can be erased or redacted again on request; and staff answers from /admin
 * through the API: take over, reply (in the transcript, redacted), hand back, notes, assign, review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import { testEnv } from '../http/helpers.js';

const TOKEN = 'admin-hardening-token-0123456789';
const bearer = { authorization: `Bearer ${TOKEN}` };
let app: App;

async function chat(conversation: string, text: string) {
  const r = await fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversation, text }) });
  expect(r.status).toBe(200);
  return (await r.json()) as { replies: unknown[] };
}
async function login(): Promise<string> {
  const r = await fetch(`${app.url}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ token: TOKEN }).toString(),
    redirect: 'manual',
  });
  expect(r.status).toBe(303);
  return (r.headers.get('set-cookie') ?? '').split(';')[0] as string;
}
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${app.url}/admin/api${path}`, { ...init, headers: { 'content-type': 'application/json', ...bearer, ...(init.headers ?? {}) } });

beforeAll(async () => {
  app = await startApp({ env: testEnv({ ADMIN_TOKEN: TOKEN, TICKET_DIR: '/tmp/mailmedic-admin-hardening-tickets' }), port: 0, host: '127.0.0.1' });
  await chat('hd-1', 'iPhoneでGmailが受信できない');
  await chat('hd-2', 'パスワードは Zx9!secret です、メールが送れない');
  for (let i = 0; i < 100 && (await app.core.transcripts.summaries()).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await app?.close();
});

describe('/admin hardening', () => {
  it('refuses cross-site state changes, bodiless ones included, and accepts same-origin ones', async () => {
    const cookie = await login();
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://evil.example' }] as Array<Record<string, string>>) {
      const r = await fetch(`${app.url}/admin/api/dead-letters/x/discard`, { method: 'POST', headers: { cookie, ...headers } });
      expect(r.status).toBe(403);
      const out = await fetch(`${app.url}/admin/logout`, { method: 'POST', headers: { cookie, ...headers }, redirect: 'manual' });
      expect(out.status).toBe(403);
    }
    const ok = await fetch(`${app.url}/admin/api/conversations/hd-1/review`, {
      method: 'POST',
      headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'needs_review' }),
    });
    expect(ok.status).toBe(200);
    expect((await app.core.transcripts.summary('hd-1'))?.staffReview).toBe('needs_review');
  });

  it('revokes the session on logout', async () => {
    const cookie = await login();
    expect((await fetch(`${app.url}/admin/api/conversations`, { headers: { cookie } })).status).toBe(200);
    const out = await fetch(`${app.url}/admin/logout`, { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin' }, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect((await fetch(`${app.url}/admin/api/conversations`, { headers: { cookie } })).status).toBe(401);
  });

  it('answers 400 to impossible dates, without counting a store error', async () => {
    const before = await (await fetch(`${app.url}/metrics`)).text();
    for (const q of ['from=2026-13-45', 'to=2026-02-30']) {
      expect((await api(`/conversations?${q}`)).status).toBe(400);
      expect((await api(`/analytics?${q}`)).status).toBe(400);
      expect((await api(`/export?${q}`)).status).toBe(400);
    }
    const after = await (await fetch(`${app.url}/metrics`)).text();
    const errors = (s: string) => s.split('\n').filter((l) => l.startsWith('mailmedic_redis_errors_total')).join('\n');
    expect(errors(after)).toBe(errors(before));
  });

  it('answers from /admin: take over, reply (redacted, in the transcript), hand back; notes, assign', async () => {
    expect((await api('/conversations/hd-1/reply', { method: 'POST', body: JSON.stringify({ text: 'hello' }) })).status).toBe(409);
    const take = await api('/conversations/hd-1/takeover', { method: 'POST', body: JSON.stringify({ by: 'Sato' }) });
    expect(take.status).toBe(200);
    expect((await chat('hd-1', 'まだ届きません')).replies).toEqual([]);
    const reply = await api('/conversations/hd-1/reply', { method: 'POST', body: JSON.stringify({ by: 'Sato', text: '仮のパスワードは Qw3rty!99x です' }) });
    expect(reply.status).toBe(200);
    expect(await api('/conversations/hd-1/notes', { method: 'POST', body: JSON.stringify({ text: 'iPad user', by: 'Sato' }) }).then((r) => r.status)).toBe(200);
    expect(await api('/conversations/hd-1/assign', { method: 'POST', body: JSON.stringify({ to: 'Sato' }) }).then((r) => r.status)).toBe(200);
    expect((await api('/conversations/hd-1/handback', { method: 'POST', body: JSON.stringify({ by: 'Sato' }) })).status).toBe(200);
    expect((await chat('hd-1', 'ありがとう')).replies.length).toBeGreaterThan(0);
    for (let i = 0; i < 100 && ((await app.core.transcripts.summary('hd-1'))?.staffMessages ?? 0) < 1; i++) await new Promise((r) => setTimeout(r, 20));
    const conv = (await api('/conversations/hd-1').then((r) => r.json())) as { summary: { assignee?: string; notes?: number }; turns: Array<{ events: Array<{ type: string; text?: string }> }> };
    const events = conv.turns.flatMap((t) => t.events);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['taken_over', 'sent', 'note', 'assigned', 'handed_back']));
    const staffLine = events.find((e) => e.type === 'sent' && e.text?.includes('Sato'));
    expect(staffLine?.text).not.toContain('Qw3rty!99x');
    expect(conv.summary.assignee).toBe('Sato');
    expect(conv.summary.notes).toBe(1);
  });

  it('erases a transcript on request (API), and redacts one again', async () => {
    expect((await api('/conversations/hd-2/redact', { method: 'POST' })).status).toBe(200);
    expect((await api('/conversations/hd-2', { method: 'DELETE', body: '{}' })).status).toBe(200);
    expect((await api('/conversations/hd-2')).status).toBe(404);
    expect(await app.core.transcripts.summary('hd-2')).toBeUndefined();
    expect((await api('/conversations/hd-2', { method: 'DELETE', body: '{}' })).status).toBe(404);
  });

  it('limits failed logins (429 with Retry-After)', async () => {
    let last = 0;
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${app.url}/admin/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: `guess-${i}` }).toString(),
        redirect: 'manual',
      });
      last = r.status;
      if (i < 10) expect(r.status).toBe(401);
      else expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(last).toBe(429);
  });
});
