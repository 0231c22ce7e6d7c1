/**
 * Analytics through the real pipeline and HTTP (web chat → transcripts → /admin): a conversation that reached
 * 解決しました and then said one more thing counts as resolved; the list API and page filter by outcome, symptom
 * and node (the analytics' links), and a bad filter value is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import { testEnv } from '../http/helpers.js';

const TOKEN = 'insights-admin-token-0123456789';
const bearer = { authorization: `Bearer ${TOKEN}` };
let app: App;

async function chat(conversation: string, text: string) {
  const r = await fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversation, text }) });
  expect(r.status).toBe(200);
}
const api = async (path: string) => {
  const r = await fetch(`${app.url}${path}`, { headers: bearer });
  return { status: r.status, body: (await r.json()) as any };
};

beforeAll(async () => {
  app = await startApp({ env: testEnv({ ADMIN_TOKEN: TOKEN, TICKET_DIR: '/tmp/mailmedic-insights-test-tickets' }), port: 0, host: '127.0.0.1' });
  await chat('in-fixed', 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」と出る');
  await chat('in-fixed', '直りました！');
  await chat('in-fixed', 'ありがとう、もうひとつ聞いてもいい？');
  await chat('in-miss', 'プリンターで印刷できない');
  for (let i = 0; i < 200; i++) {
    const all = await app.core.transcripts.summaries();
    if (all.length === 2 && all.reduce((n, s) => n + s.turns, 0) === 4) break;
    await new Promise((r) => setTimeout(r, 20));
  }
});
afterAll(async () => {
  await app?.close();
});

describe('analytics and its links, end to end', () => {
  it('resolved stays resolved after one more message; fallback at the start counted', async () => {
    const fixed = (await app.core.transcripts.summaries()).find((s) => s.id.endsWith('in-fixed'))!;
    expect(fixed.status).not.toBe('resolved'); // the last message reopened it…
    expect(fixed.resolvedAtMs).toBeDefined(); // …but it did reach 解決しました
    const { status, body } = await api('/admin/api/analytics');
    expect(status).toBe(200);
    expect(body.total).toBe(2);
    expect(body.outcomes.resolved).toBe(1);
    expect(body.rates.resolution).toBe(0.5);
    expect(body.perChannel).toEqual([expect.objectContaining({ channel: 'web', total: 2, resolved: 1 })]);
    expect(body.topSymptoms[0]).toMatchObject({ intent: 'error_auth', count: 1, resolved: 1 });
    expect(body.fallbackTotals.fallbacks).toBeGreaterThanOrEqual(1);
    expect(typeof body.medianResolutionMs).toBe('number');
  });

  it('the list API filters by outcome, symptom and node; bad values are refused', async () => {
    const ids = async (q: string) => ((await api(`/admin/api/conversations?${q}`)).body.items as Array<{ id: string }>).map((s) => s.id.replace(/^.*:/, '')).sort();
    expect(await ids('outcome=resolved')).toEqual(['in-fixed']);
    expect(await ids('symptom=error_auth')).toEqual(['in-fixed']);
    const fixed = (await app.core.transcripts.summaries()).find((s) => s.id.endsWith('in-fixed'))!;
    expect(await ids(`node=${fixed.path[0]}`)).toEqual(['in-fixed']);
    expect((await api('/admin/api/conversations?outcome=exploded')).status).toBe(400);
    expect((await api('/admin/api/conversations?symptom=greeting')).status).toBe(400);
  });

  it('the analytics page links its bars to the list, and the list shows the filter as a chip', async () => {
    const html = await (await fetch(`${app.url}/admin/analytics`, { headers: { ...bearer, accept: 'text/html' } })).text();
    expect(html).toMatch(/href="\/admin\?from=[\d-]+&amp;to=[\d-]+&amp;symptom=error_auth"/);
    expect(html).toMatch(/href="\/admin\?from=[\d-]+&amp;to=[\d-]+&amp;node=/);
    expect(html).toContain('data-testid="fallbacks"');
    const list = await (await fetch(`${app.url}/admin?symptom=error_auth&outcome=resolved`, { headers: { ...bearer, accept: 'text/html' } })).text();
    expect(list).toContain('data-testid="chip-symptom"');
    expect(list).toContain('data-testid="chip-outcome"');
    expect(list.match(/data-testid="conversation-row"/g)).toHaveLength(1);
  });
});
