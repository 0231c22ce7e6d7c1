/**
 * Round 29 second wave (staff-30: what staff-29 found and left). Conversations over POST /api/chat with real Redis,
 * then /admin over loopback HTTP and `mailmedic transcripts list` against the same Redis.
 * - Staff took over someone still at the hand-off form: no ticket is filed (staff hold it), yet the list's ticket cell
 *   showed the same 「—」 / 「なし」 as a conversation nobody handed over, and a lead believed a ticket existed somewhere.
 *   The list and the conversation page now say 「チケットなし（担当者が直接対応）」.
 * - `mailmedic transcripts list` had no `--funnel` although the page and the API filter by it (round 29).
 * - Errors answered before the admin routes (malformed JSON, an unknown path under /api) were in the default language
 *   whatever `?lang=` said.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, listedIds, requireBuild, runCli } from '../channels/cli/spawn.js';
import { REDIS_URL } from '../redis.js';
import { leadServer } from './client.js';

const lead = leadServer('staff-leftovers-token-0123456789ab', 'staff30', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

let answerReplies: string[] = [];

beforeAll(async () => {
  await lead.start();
  // At the hand-off form, taken over by staff before answering it; the person then answers (to staff).
  await say('s-form', { text: '一部のメールが届かない' });
  expect((await say('s-form', { text: '担当者と話したい' })).node).toBe('handoff');
  await say('s-form-en', { text: "some of my emails don't arrive" });
  expect((await say('s-form-en', { text: 'I want to talk to a person' })).node).toBe('handoff');
  // A hand-off with a ticket (the form skipped), then taken over: it has its ticket.
  await say('s-ticket', { text: '今障害起きてる？' });
  expect((await say('s-ticket', { text: '担当の人につないで' })).node).toBe('handoff');
  expect((await say('s-ticket', { action: 'skip' })).status).toBe('escalated');
  // A correction at the junk-folder step (the funnel's 前提の訂正で別の手順へ), and a give-up.
  expect((await say('s-reroute', { text: '一部のメールが届かない' })).node).toBe('arrive_junk');
  expect((await say('s-reroute', { text: 'いや、全部のメールが届かないです' })).node).toBe('fetch_scope');
  expect((await say('s-giveup', { text: 'auメールが送信できない' })).node).toBe('dev_device');
  expect((await say('s-giveup', { text: 'もういいです' })).status).toBe('ended');
  await lead.settled((all) => ['s-form', 's-form-en', 's-ticket', 's-reroute', 's-giveup'].every((id) => all.some((s) => s.id === id && s.turns >= 2)));
  for (const id of ['s-form', 's-form-en', 's-ticket']) {
    expect((await api(`/admin/api/conversations/${id}/takeover`, { method: 'POST', body: { by: '佐藤' } })).status).toBe(200);
  }
  const r = await fetch(`${lead.app.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ conversation: 's-form', text: 'iPhone 15、iOS 18.1、今朝9時からです' }),
  });
  answerReplies = (((await r.json()) as { replies?: Array<{ text?: string }> }).replies ?? []).map((m) => m.text ?? '');
  await lead.settled((all) => (all.find((s) => s.id === 's-form')?.turns ?? 0) >= 3);
}, 120_000);
afterAll(() => lead.stop());

const row = (html: string, id: string) => new RegExp(`<tr data-testid="conversation-row" data-id="${id}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';

describe('taken over at the hand-off form: no ticket, and the page says so', () => {
  it('the person was told staff took over, and their answer to the form went to staff: no ticket was filed', async () => {
    expect((await lead.mailbox('s-form')).join('\n')).toContain('担当者（佐藤）が会話を引き継ぎました');
    expect(answerReplies.join('\n')).not.toMatch(/チケット MM-/);
    const s = (await api('/admin/api/conversations/s-form')).body.summary;
    expect(s.ticketId).toBeUndefined();
    expect(s.takenOver.by).toBe('佐藤');
  });

  it('the list says 「チケットなし（担当者が直接対応）」 in the ticket column, not 「—」 (ja and en)', async () => {
    expect(row(await page('/admin'), 's-form')).toContain('チケットなし（担当者が直接対応）');
    expect(row(await page('/admin?lang=en'), 's-form-en')).toContain('No ticket (handled by staff directly)');
    // One with a ticket shows its ticket; one nobody took over still shows 「—」.
    const ja = await page('/admin');
    expect(row(ja, 's-ticket')).toMatch(/<code>MM-/);
    expect(row(ja, 's-ticket')).not.toContain('チケットなし');
    expect(row(ja, 's-reroute')).not.toContain('チケットなし');
  });

  it('the conversation page’s ticket field says nothing was filed because staff handle it (ja and en)', async () => {
    expect(await page('/admin/conversations/s-form')).toContain('data-testid="no-ticket-staff">なし（担当者が直接対応したため起票していません）');
    expect(await page('/admin/conversations/s-form-en?lang=en')).toContain('data-testid="no-ticket-staff">none (staff took it over and handled it directly; nothing was filed)');
    expect(await page('/admin/conversations/s-reroute')).not.toContain('no-ticket-staff');
  });
});

describe('mailmedic transcripts list --funnel', () => {
  it('lists the people behind one funnel count, at --node when given, as /admin?node=…&funnel=… does', async () => {
    requireBuild();
    const env = childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix });
    const listed = (...args: string[]) => listedIds(env, ...args);
    expect(await listed('--funnel', 'rerouted', '--node', 'arrive_junk')).toEqual(['s-reroute']);
    expect(await listed('--funnel', 'gave_up')).toEqual(['s-giveup']);
    expect(await listed('--funnel', 'gave_up', '--node', 'arrive_junk')).toEqual([]);
    const api = (await lead.api('/admin/api/conversations?funnel=gave_up')).body.items.map((x: { id: string }) => x.id);
    expect(api).toEqual(['s-giveup']);
    const bad = await runCli(['transcripts', 'list', '--funnel', 'lost'], '', env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--funnel must be one of left, gave_up, escalated, handed_over, resolved, ended, rerouted, finished');
    expect((await runCli(['transcripts', '--help'], '', env)).stderr).toContain('--funnel');
  }, 60_000);
});

describe('admin API errors in the language asked for', () => {
  const post = (path: string, body: string) =>
    fetch(`${lead.app.url}${path}`, { method: 'POST', headers: { ...lead.bearer, 'content-type': 'application/json' }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: string } }));

  it('malformed JSON to /admin/api answers in ?lang=en, and in Japanese without it', async () => {
    const en = await post('/admin/api/annotations?lang=en', '{"conversation": ');
    expect(en.status).toBe(400);
    expect(en.body.error).toBe('The body is not valid JSON');
    const ja = await post('/admin/api/annotations', '{"conversation": ');
    expect(ja.body.error).toBe('JSON として読めませんでした。書式を確認してください');
  });

  it('an unknown path under /api answers in ?lang=en; an unknown lang falls back to the default', async () => {
    const en = await fetch(`${lead.app.url}/api/nothing-here?lang=en`).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: string } }));
    expect(en).toEqual({ status: 404, body: { error: 'Not found' } });
    const xx = await fetch(`${lead.app.url}/api/nothing-here?lang=xx`).then(async (r) => (await r.json()) as { error: string });
    expect(xx.error).toBe('そのページは見つかりません');
    // The admin routes already did: kept so.
    expect((await fetch(`${lead.app.url}/admin/api/nothing?lang=en`, { headers: lead.bearer }).then((r) => r.json() as Promise<{ error: string }>)).error).toBe('Not found');
  });
});
