/**
 * /admin over real loopback HTTP: nothing answers without the token, wrong tokens and forged cookies are refused,
 * the login form sets a HttpOnly SameSite=Strict cookie, the API works with a bearer token, search text stays out
 * of logs, and without ADMIN_TOKEN /admin does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/index.js';
import type { AppLogger } from '../../src/log.js';
import { startApp, type App } from '../../src/main.js';
import { testEnv } from '../http/helpers.js';

const TOKEN = 'admin-token-for-tests-0123456789';
const lines: string[] = [];
const recording: AppLogger = (() => {
  const make = (bindings: Record<string, unknown>): Logger => {
    const rec = (level: string) => (obj: object, msg?: string) => void lines.push(JSON.stringify({ level, ...bindings, ...obj, msg }));
    return { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: (b) => make({ ...bindings, ...b }) };
  };
  return Object.assign(make({}), { level: 'debug' });
})();

let app: App;
let off: App;
const bearer = { authorization: `Bearer ${TOKEN}` };

async function chat(conversation: string, text: string) {
  const r = await fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversation, text }) });
  expect(r.status).toBe(200);
}

beforeAll(async () => {
  app = await startApp({ env: testEnv({ ADMIN_TOKEN: TOKEN, TICKET_DIR: '/tmp/mailmedic-admin-test-tickets' }), port: 0, host: '127.0.0.1', logger: recording });
  off = await startApp({ env: testEnv({ TICKET_DIR: '/tmp/mailmedic-admin-test-tickets' }), port: 0, host: '127.0.0.1', logger: recording });
  await chat('cv-alpha', 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」と出る。パスワードは Zx9!secret です');
  await chat('cv-beta', 'プリンターで印刷できない');
  // Transcripts are written off the reply path: wait until both are in.
  for (let i = 0; i < 100 && (await app.core.transcripts.summaries()).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await app?.close();
  await off?.close();
});

const PATHS: Array<[string, string]> = [
  ['GET', '/admin'],
  ['GET', '/admin/'],
  ['POST', '/admin'],
  ['GET', '/admin/conversations/cv-alpha'],
  ['GET', '/admin/analytics'],
  ['GET', '/admin/dead-letters'],
  ['GET', '/admin/anything/else'],
  ['POST', '/admin/logout'],
  ['POST', '/admin/export?format=csv'],
  ['GET', '/admin/api/conversations'],
  ['POST', '/admin/api/conversations/search'],
  ['GET', '/admin/api/conversations/cv-alpha'],
  ['GET', '/admin/api/analytics'],
  ['GET', '/admin/api/annotations'],
  ['POST', '/admin/api/annotations'],
  ['DELETE', '/admin/api/annotations'],
  ['GET', '/admin/api/dead-letters'],
  ['GET', '/admin/api/export?format=jsonl'],
  ['GET', '/admin/api/no-such-thing'],
];

/** Response JSON, untyped (tests read fields directly). */
const json = async (r: Response | Promise<Response>): Promise<any> => (await r).json();

async function req(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  return fetch(`${app.url}${path}`, {
    method,
    redirect: 'manual',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('/admin authentication', () => {
  it('answers 401 to every path without a token, and reveals no transcript', async () => {
    for (const [method, path] of PATHS) {
      const r = await req(method, path, {}, method === 'GET' ? undefined : {});
      const text = await r.text();
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(text).not.toContain('IMAP');
      // (The login form may echo the path the person asked for, never anything stored.)
      if (!path.includes('cv-alpha')) expect(text).not.toContain('cv-alpha');
      expect(text).not.toContain('cv-beta');
    }
  });

  it('answers 401 to a wrong bearer token and to a forged or expired cookie', async () => {
    for (const [method, path] of PATHS) {
      const r = await req(method, path, { authorization: `Bearer ${TOKEN}x` }, method === 'GET' ? undefined : {});
      expect(r.status, `${method} ${path}`).toBe(401);
    }
    for (const cookie of ['mm_admin=9999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'mm_admin=1.abc', 'mm_admin=']) {
      expect((await req('GET', '/admin/api/conversations', { cookie })).status).toBe(401);
      expect((await req('GET', '/admin', { cookie })).status).toBe(401);
    }
  });

  it('shows the login form (401) to a browser and logs in with the right token only', async () => {
    const page = await req('GET', '/admin', { accept: 'text/html' });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('name="token"');

    const form = (token: string) =>
      fetch(`${app.url}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, next: '/admin/analytics' }).toString(),
      });
    const bad = await form('not-the-token-at-all');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();

    const good = await form(TOKEN);
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/admin/analytics');
    const cookie = good.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^mm_admin=\d+\.[A-Za-z0-9_-]+; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0] as string;
    const r = await req('GET', '/admin', { cookie: session });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(await r.text()).toContain('data-testid="conversation-row"');
    const out = await req('POST', '/admin/logout', { cookie: session });
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
  });

  it('serves every page and the API with the right bearer token', async () => {
    for (const path of ['/admin', '/admin/conversations/cv-alpha', '/admin/analytics', '/admin/dead-letters', '/admin/api/conversations', '/admin/api/analytics']) {
      expect((await req('GET', path, bearer)).status, path).toBe(200);
    }
    const conv = await json(req('GET', '/admin/api/conversations/cv-alpha', bearer));
    expect(conv.turns[0].text).toContain('［伏字］');
    expect(JSON.stringify(conv)).not.toContain('Zx9!secret');
    expect(conv.turns[0].intent).toBe('error_auth');
    expect(conv.turns[0].entities).toMatchObject({ carrier: 'docomo' });
    expect((await req('GET', '/admin/api/conversations/nope', bearer)).status).toBe(404);
    expect((await req('GET', '/admin/nope', bearer)).status).toBe(404);
  });

  it('annotates over the API (201), refuses bad input (400) and non-JSON bodies (415)', async () => {
    const ok = await req('POST', '/admin/api/annotations', bearer, { conversation: 'cv-beta', turn: 1, intent: 'error_send', note: 'test' });
    expect(ok.status).toBe(201);
    expect((await json(ok)).annotation).toMatchObject({ intent: 'error_send', text: 'プリンターで印刷できない' });
    expect((await req('POST', '/admin/api/annotations', bearer, { conversation: 'cv-beta', turn: 1, intent: 'printer' })).status).toBe(400);
    expect((await req('POST', '/admin/api/annotations', bearer, { conversation: 'cv-beta', turn: 7, intent: 'error_send' })).status).toBe(404);
    const form = await fetch(`${app.url}/admin/api/annotations`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, body: 'conversation=h2&turn=1&intent=error_send' });
    expect(form.status).toBe(415);
    const all = await json(req('GET', '/admin/api/annotations', bearer));
    expect(all.annotations).toHaveLength(1);
  });

  it('searches by text in a POST body and keeps the text out of URLs and logs', async () => {
    const needle = 'ひみつの検索語IMAP';
    lines.length = 0;
    const r = await req('POST', '/admin/api/conversations/search', bearer, { text: needle });
    expect(r.status).toBe(200);
    expect((await json(r)).total).toBe(0);
    const hit = await json(req('POST', '/admin/api/conversations/search', bearer, { text: 'imap' }));
    expect(hit.items.map((s: { id: string }) => s.id)).toEqual(['cv-alpha']);
    expect(hit.html).toContain('data-id="cv-alpha"');
    expect(lines.join('\n')).not.toContain(needle);
    // The GET list API has no text filter: a text in the query string is ignored, never searched (or logged).
    const viaUrl = await json(req('GET', `/admin/api/conversations?text=${encodeURIComponent('imap')}`, bearer));
    expect(viaUrl.total).toBe(2);
  });

  it('exports JSON lines and CSV (with a BOM for Excel) over the API', async () => {
    const jsonl = await (await req('GET', '/admin/api/export?format=jsonl', bearer)).text();
    expect(jsonl.trim().split('\n').map((l) => JSON.parse(l).conversation).sort()).toEqual(['cv-alpha', 'cv-beta']);
    const csv = await req('GET', '/admin/api/export?format=csv', bearer);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const body = await csv.text();
    expect(body.startsWith('conversation,seq,at,') || body.startsWith('\uFEFFconversation')).toBe(true);
    expect(body).not.toContain('Zx9!secret');
  });

  it('is off without ADMIN_TOKEN: 404 for every /admin path, and one log line says so', async () => {
    for (const [method, path] of PATHS) {
      const r = await fetch(`${off.url}${path}`, { method, headers: bearer });
      expect(r.status, `${method} ${path}`).toBe(404);
    }
  });
});
