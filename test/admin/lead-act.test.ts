/**
 * Round 29 (staff-29: can a help-desk lead act from the review page?). Conversations over POST /api/chat with real Redis,
 * then /admin over loopback HTTP. What kept a lead from acting, each held here:
 * - a correction without a ticket ("some of my emails don't arrive" → "no, none of my emails arrive at all") was listed,
 *   filtered and counted under the opening symptom (some mail never arrives), and a guess turned down with
 *   「どれでもない」 under the guess: the symptom filter, the list cell and the analytics now use the symptom the
 *   conversation ended on (summary `lastSymptom`, an addition; `symptom` stays the first).
 * - the funnel did not say how many people left a step by correcting its premise (`rerouted`).
 * - the exports carried no turn's `rule` (the page's 動いたルール) nor the symptom it ended on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer, parseCsv } from './client.js';

const lead = leadServer('lead-act-token-0123456789abcdef', 'leadact', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page } = lead;

const PASSWORD = 'Blue!Sky77';

beforeAll(async () => {
  await lead.start();
  // A correction, no ticket (en), then silence.
  expect((await say('la-reroute-en', { text: "some of my emails don't arrive" })).node).toBe('arrive_junk');
  expect((await say('la-reroute-en', { text: 'no, none of my emails arrive at all' })).node).toBe('fetch_scope');
  // The same in Japanese, with a password typed on the way.
  expect((await say('la-reroute', { text: '一部のメールが届かない' })).node).toBe('arrive_junk');
  expect((await say('la-reroute', { text: 'いや、全部のメールが届かないです' })).node).toBe('fetch_scope');
  await say('la-reroute', { text: `パスワードは${PASSWORD}です` });
  // A guess turned down, left at the menu.
  await say('la-none', { text: 'Gmailが同期しない' });
  expect((await say('la-none', { action: 'clarify:none' })).node).toBe('menu');
  // Two hand-offs waiting for a person: the first asked a while before the second (at the form, no ticket yet).
  await say('la-wait-first', { text: '一部のメールが届かない' });
  expect((await say('la-wait-first', { text: '担当者と話したい' })).node).toBe('handoff');
  await new Promise((r) => setTimeout(r, 1_100));
  await say('la-wait-second', { text: 'some of my emails don\'t arrive' });
  expect((await say('la-wait-second', { text: 'I want to talk to a person' })).node).toBe('handoff');
  // Fixed at the password step.
  expect((await say('la-fixed', { text: '『アカウントが無効です』って出るんだけど、どうすればいいの?' })).node).toBe('auth_device');
  expect((await say('la-fixed', { action: 'iphone' })).node).toBe('auth_reenter');
  expect((await say('la-fixed', { action: 'resolved' })).status).toBe('resolved');
  // A give-up at a question.
  expect((await say('la-giveup', { text: 'auメールが送信できない' })).node).toBe('dev_device');
  expect((await say('la-giveup', { text: 'もういいです' })).status).toBe('ended');
  await lead.settled(
    (all) =>
      all.length >= 3 &&
      (all.find((s) => s.id === 'la-reroute')?.turns ?? 0) >= 3 &&
      (all.find((s) => s.id === 'la-reroute-en')?.turns ?? 0) >= 2 &&
      (all.find((s) => s.id === 'la-none')?.turns ?? 0) >= 2 &&
      (all.find((s) => s.id === 'la-giveup')?.status ?? '') === 'ended' &&
      (all.find((s) => s.id === 'la-wait-second')?.turns ?? 0) >= 2 &&
      (all.find((s) => s.id === 'la-fixed')?.status ?? '') === 'resolved',
  );
}, 120_000);
afterAll(() => lead.stop());

const ids = (html: string) => [...html.matchAll(/data-testid="conversation-row" data-id="([^"]+)"/g)].map((m) => m[1]).sort();
const row = (html: string, id: string) => new RegExp(`<tr data-testid="conversation-row" data-id="${id}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';

describe('the symptom a conversation ended on', () => {
  it('the symptom filter lists a correction without a ticket under the corrected symptom, not the opening one', async () => {
    expect(ids(await page('/admin?symptom=error_cannot_fetch'))).toEqual(['la-reroute', 'la-reroute-en']);
    // Those that stayed on it are listed under it.
    expect(ids(await page('/admin?symptom=mail_not_arriving'))).toEqual(['la-wait-first', 'la-wait-second']);
    const cell = /data-testid="list-symptom" data-intent="error_cannot_fetch">([\s\S]*?)<\/td>/.exec(row(await page('/admin?lang=en'), 'la-reroute-en'))?.[1] ?? '';
    expect(cell).toMatch(/^cannot get mail</);
    expect(cell).toContain('at first: some mail never arrives');
  });

  it('a guess turned down with 「どれでもない」 is not the conversation’s symptom', async () => {
    expect(ids(await page('/admin?symptom=error_cannot_fetch'))).not.toContain('la-none');
    expect(row(await page('/admin'), 'la-none')).toContain('（症状なし）');
  });

  it('the analytics count each conversation once, under the symptom it ended on', async () => {
    const a = (await lead.api('/admin/api/analytics')).body;
    const counts = Object.fromEntries(a.topSymptoms.map((r: { intent: string; count: number }) => [r.intent, r.count]));
    expect(counts).toEqual({ error_auth: 1, error_cannot_fetch: 2, error_send: 1, mail_not_arriving: 2 });
    expect(a.noSymptom).toBe(1);
  });
});

describe('the funnel', () => {
  it('counts the people who left a step by correcting its premise (ja, en)', async () => {
    const a = (await lead.api('/admin/api/analytics')).body;
    expect(a.funnel.find((r: { node: string }) => r.node === 'arrive_junk')).toMatchObject({ reached: 4, rerouted: 2 });
    const ja = await page('/admin/analytics');
    const junk = /<tr data-node="arrive_junk">([\s\S]*?)<\/tr>/.exec(/data-testid="funnel-table">([\s\S]*?)<\/table>/.exec(ja)?.[1] ?? '')?.[1] ?? '';
    expect(junk).toMatch(/<td class="num" data-col="rerouted"><a href="[^"]*">2<\/a><\/td>/);
    expect(ja).toContain('前提の訂正で別の手順へ 2');
    expect(await page('/admin/analytics?lang=en')).toContain('Left by a correction 2');
  });

  it('each count of the table opens the conversations behind it, not all that reached the step', async () => {
    const ja = await page('/admin/analytics');
    const table = /data-testid="funnel-table">([\s\S]*?)<\/table>/.exec(ja)?.[1] ?? '';
    const link = (node: string, col: string) => {
      const tr = new RegExp(`<tr data-node="${node}">([\\s\\S]*?)</tr>`).exec(table)?.[1] ?? '';
      return (new RegExp(`<td class="num" data-col="${col}"><a href="([^"]*)">`).exec(tr)?.[1] ?? '').replace(/&amp;/g, '&');
    };
    const rerouted = link('arrive_junk', 'rerouted');
    expect(rerouted).toContain('funnel=rerouted');
    expect(ids(await page(rerouted))).toEqual(['la-reroute', 'la-reroute-en']);
    const gaveUp = link('dev_device', 'gave_up');
    expect(gaveUp).toContain('funnel=gave_up');
    const list = await page(gaveUp);
    expect(ids(list)).toEqual(['la-giveup']);
    expect(list).toMatch(/data-testid="chip-funnel">ファネル: ここであきらめた</);
    // A step reached and left by a correction is no give-up; nobody ended there otherwise.
    expect(ids(await page('/admin?node=arrive_junk&funnel=gave_up'))).toEqual([]);
    expect(ids(await page('/admin?node=dev_device&funnel=ended'))).toEqual([]);
    // The API takes the same filter.
    const api = (await lead.api('/admin/api/conversations?node=arrive_junk&funnel=rerouted')).body;
    expect(api.items.map((x: { id: string }) => x.id).sort()).toEqual(['la-reroute', 'la-reroute-en']);
  });
});

describe('the funnel’s resolve and end nodes', () => {
  it('say the people who finished there, not that they went on (ja, en)', async () => {
    const a = (await lead.api('/admin/api/analytics')).body;
    expect(a.funnel.find((r: { node: string }) => r.node === 'resolved')).toMatchObject({ reached: 1, finished: 1 });
    expect(a.funnel.find((r: { node: string }) => r.node === 'end')).toMatchObject({ reached: 1, finished: 1 });
    // The fix and the give-up still count at the step before.
    expect(a.funnel.find((r: { node: string }) => r.node === 'auth_reenter')).toMatchObject({ resolved: 1 });
    expect(a.funnel.find((r: { node: string }) => r.node === 'dev_device')).toMatchObject({ gaveUp: 1 });
    const ja = await page('/admin/analytics');
    const bar = /<title>[^<]*\(resolved\)[^<]*<\/title>/.exec(ja)?.[0] ?? '';
    expect(bar).toContain('ここで会話を終えた 1');
    expect(bar).toContain('次へ進んだ 0');
    const en = await page('/admin/analytics?lang=en');
    expect(/<title>[^<]*\(end\)[^<]*<\/title>/.exec(en)?.[0]).toContain('Finished here 1, Went on 0');
    expect(ids(await page('/admin?node=resolved&funnel=finished'))).toEqual(['la-fixed']);
  });
});

describe('the hand-offs waiting for a person', () => {
  it('are listed longest waiting first, each with how long it has waited (ja, en)', async () => {
    const html = await page('/admin?status=escalated&holder=nobody');
    const order = [...html.matchAll(/data-testid="conversation-row" data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['la-wait-first', 'la-wait-second']);
    expect(row(html, 'la-wait-first')).toMatch(/data-testid="waiting-for">\d+ (秒|分)待ち</);
    expect(row(await page('/admin?status=escalated&holder=nobody&lang=en'), 'la-wait-second')).toMatch(/data-testid="waiting-for">waiting \d+ (s|min)/);
    // Every other list: most recent activity first.
    const all = [...(await page('/admin')).matchAll(/data-testid="conversation-row" data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(all.indexOf('la-wait-second')).toBeLessThan(all.indexOf('la-wait-first'));
  });
});

describe('the exports', () => {
  it('JSON Lines: the symptom it ended on beside the first, each turn’s rule and symptom; no typed password', async () => {
    const r = await fetch(`${lead.app.url}/admin/api/export?format=jsonl`, { headers: lead.bearer });
    const text = await r.text();
    expect(text).not.toContain(PASSWORD);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    const en = lines.find((l) => l.conversation === 'la-reroute-en');
    expect(en).toMatchObject({ symptom: 'mail_not_arriving', lastSymptom: 'error_cannot_fetch' });
    expect(en.turns[1]).toMatchObject({ rule: 'reroute', symptom: 'error_cannot_fetch' });
    expect(lines.find((l) => l.conversation === 'la-none')).toMatchObject({ symptom: 'error_cannot_fetch', lastSymptom: null });
    expect(lines.find((l) => l.conversation === 'la-none').turns[0].rule).toBe('clarify_symptom');
  });

  it('CSV: `rule` and `symptom` columns; no typed password', async () => {
    const r = await fetch(`${lead.app.url}/admin/api/export?format=csv`, { headers: lead.bearer });
    const text = await r.text();
    expect(text).not.toContain(PASSWORD);
    const [head, ...rows] = parseCsv(text);
    const col = (name: string) => head!.indexOf(name);
    expect(col('rule')).toBeGreaterThan(0);
    const turn2 = rows.find((x) => x[col('conversation')] === 'la-reroute' && x[col('seq')] === '2');
    expect([turn2?.[col('rule')], turn2?.[col('symptom')]]).toEqual(['reroute', 'error_cannot_fetch']);
  });
});
