/**
 * Round 22 (staff-22: a help-desk lead's Monday morning). Twenty conversations over POST /api/chat with Redis, then
 * /admin, its API and exports. What stopped the lead, each held here (real server, real Redis, loopback HTTP):
 * - the CSV had no column for what a typed reply was read as: 「もういいです」 ended a conversation as a give-up, yet a
 *   sheet of the export could not tell it from a symptom. `act` follows the documented columns (the act the bot acted on).
 * - the API and the JSON Lines export gave a reply the bot answered with 「うまく読み取れませんでした」 a `reading`
 *   (give_up 0.52) as if the bot had understood it; `reading` is what the bot acted on, the unused guess is `readingNotActedOn`.
 * - /admin/improve showed a click by its raw value (`clarify:error_auth`) in the Japanese page, not the button's label.
 * - with more than 300 conversations, a node's not-understood count on the analytics (「理解できず 2」) opened a list with
 *   fewer rows (the queue read the newest 300 conversations, whatever they held): it now reads only conversations that
 *   can hold such a message, and says so when it still cannot read them all.
 * - "which node loses most people?": a give-up (「もういいです」 at 「お使いの端末を教えてください」) counted only as 終了
 *   (contained), so the funnel's drop ▼ at that step stayed empty. It counts as ここであきらめた / Gave up here, in the drop.
 * - staff confirming that unsure 「たぶんもういいです」 means give_up got a correction left out of training (the
 *   act model's unused guess counted as "what the bot read"), and the form came with that guess already selected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer, parseCsv } from './client.js';

const lead = leadServer('lead-monday-token-0123456789', 'leadmonday', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

/** Conversations after the two with a miss at net_switch: more than the improvement queue reads (300). */
const LATER = 305;

beforeAll(async () => {
  await lead.start();
  // Two misses at the Wi‑Fi ⇄ mobile step, recorded first (the oldest conversations).
  for (const id of ['lm-miss-1', 'lm-miss-2']) {
    expect((await say(id, { text: 'it says cannot connect to server on my iphone' })).node).toBe('net_airplane');
    expect((await say(id, { action: 'not_resolved' })).node).toBe('net_switch');
    expect((await say(id, { text: 'my cat is orange' })).node).toBe('net_switch');
  }
  // A give-up the bot acted on, and one it did not (too unsure: it said it could not read it).
  expect((await say('lm-giveup', { text: 'ソフトバンクのメールが受信できない' })).node).toBe('fetch_scope');
  expect((await say('lm-giveup', { action: 'receive' })).node).toBe('dev_device');
  expect((await say('lm-giveup', { text: 'もういいです' })).status).toBe('ended');
  expect((await say('lm-unsure', { text: 'auのメールが送れない' })).node).toBe('dev_device');
  expect((await say('lm-unsure', { text: 'たぶんもういいです' })).node).toBe('dev_device');
  // Then a busy morning: one understood first message each, four at a time.
  let next = 0;
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      while (next < LATER) await say(`lm-later-${next++}`, { text: '通知が来ない' });
    }),
  );
  // Last (among the newest the queue reads): a symptom chosen on a clarify question, by its button.
  await say('lm-click', { text: 'my iphone docomo mail error' });
  expect((await say('lm-click', { action: 'clarify:error_auth' })).node).toBe('auth_reenter');
  await lead.settled((all) => all.length >= LATER + 5 && (all.find((s) => s.id === 'lm-unsure')?.turns ?? 0) >= 2);
}, 180_000);
afterAll(() => lead.stop());

describe('the CSV export', () => {
  it('says what a typed reply was read as, in an `act` column after the documented ones', async () => {
    const csv = await fetch(`${lead.app.url}/admin/api/export?format=csv`, { headers: lead.bearer }).then((r) => r.text());
    const [header, ...rows] = parseCsv(csv);
    // The documented columns stay where they were; `act` comes after the last of them.
    expect(header!.slice(0, 3)).toEqual(['conversation', 'seq', 'at']);
    // (Round 29 added `rule` and `symptom` after it.)
    expect(header!.slice(header!.indexOf('staff_actions'), header!.indexOf('act') + 1)).toEqual(['staff_actions', 'at_local', 'utc_offset', 'act']);
    const col = (name: string) => header!.indexOf(name);
    const row = (text: string) => rows.find((r) => r[col('text')] === text)!;
    expect(row('もういいです')[col('act')]).toBe('give_up');
    // The bot said 「うまく読み取れませんでした」: it acted on no act, whatever the act model guessed.
    expect(row('たぶんもういいです')[col('act')]).toBe('');
    expect(row('ソフトバンクのメールが受信できない')[col('act')]).toBe('');
  });
});

describe('a reply the bot answered with a fallback, in the API and JSON Lines', () => {
  type Turn = { text?: string; reading?: { act: string }; readingNotActedOn?: { act: string; confidence: number } };
  it('carries no `reading` (what the bot understood) — the act model’s guess is `readingNotActedOn`', async () => {
    const turns = (await api('/admin/api/conversations/lm-unsure')).body.turns as Turn[];
    const unsure = turns.find((t) => t.text === 'たぶんもういいです')!;
    expect(unsure.reading).toBeUndefined();
    expect(unsure.readingNotActedOn?.act).toBe('give_up');
    // A reading the bot acted on stays where it was.
    const acted = ((await api('/admin/api/conversations/lm-giveup')).body.turns as Turn[]).find((t) => t.text === 'もういいです')!;
    expect(acted.reading?.act).toBe('give_up');
    expect(acted.readingNotActedOn).toBeUndefined();
  });

  it('is exported the same way as JSON Lines', async () => {
    const jsonl = await fetch(`${lead.app.url}/admin/api/export?format=jsonl`, { headers: lead.bearer }).then((r) => r.text());
    const lines = jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { conversation: string; turns: Turn[] });
    const unsure = lines.find((c) => c.conversation === 'lm-unsure')!.turns.find((t) => t.text === 'たぶんもういいです')!;
    expect(unsure.reading).toBeUndefined();
    expect(unsure.readingNotActedOn?.act).toBe('give_up');
    const acted = lines.find((c) => c.conversation === 'lm-giveup')!.turns.find((t) => t.text === 'もういいです')!;
    expect(acted.reading?.act).toBe('give_up');
  });
});

describe('/admin/improve', () => {
  it('names a click by the button the person pressed, not its value', async () => {
    const html = await page('/admin/improve?reason=clarification');
    const row = html.split('<tr data-testid="improve-row"').find((r) => /\/admin\/conversations\/lm-click\?back=[^"#]*#turn-2/.test(r)) ?? '';
    const text = /data-testid="improve-text">([\s\S]*?)<\/td>/.exec(row)?.[1] ?? '';
    expect(text).toContain('ボタン');
    expect(text).not.toContain('clarify:error_auth');
    expect(text.replace(/<[^>]+>/g, '').trim()).toMatch(/^ボタン \S/);
  });

  it('lists every message a node’s not-understood count on the analytics links to, with 300+ conversations', async () => {
    const analytics = (await api('/admin/api/analytics')).body as { fallbacks: Array<{ node: string; fallbacks: number }> };
    expect(analytics.fallbacks.find((r) => r.node === 'net_switch')?.fallbacks).toBe(2);
    const html = await page('/admin/analytics');
    const link = /href="(\/admin\/improve\?[^"]*node=net_switch[^"]*)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const listed = await page(link);
    // Repeated lines are one row with their count (round 33): the counts add up to the analytics' 2.
    const counts = [...listed.matchAll(/<tr data-testid="improve-row"[^>]*data-count="(\d+)"/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(listed).not.toContain('data-testid="improve-limited"');
  });

  it('says when it read only the newest conversations', async () => {
    const all = (await api('/admin/api/improve')).body as { limited?: { read: number; of: number } };
    expect(all.limited?.read).toBe(300);
    expect(all.limited?.of).toBeGreaterThanOrEqual(LATER + 5);
    expect(await page('/admin/improve')).toMatch(/data-testid="improve-limited">該当しうる会話 \d+ 件のうち、新しい順に 300 件だけを読みました/);
  });
});

describe('the funnel on the analytics', () => {
  it('counts a give-up at a step in that step’s drop (ここであきらめた), not only as ended', async () => {
    const a = (await api('/admin/api/analytics')).body as { funnel: Array<{ node: string; reached: number; ended: number; gaveUp: number }> };
    expect(a.funnel.find((r) => r.node === 'dev_device')).toMatchObject({ reached: 2, ended: 1, gaveUp: 1 });
    const html = await page('/admin/analytics');
    const funnel = html.slice(html.indexOf('data-testid="funnel-chart"'));
    expect(funnel).toMatch(/>dev_device<[\s\S]{0,300}?>2\s+▼1 \(50%\)</);
    expect(html).toContain('ここであきらめた 1');
    const en = await page('/admin/analytics?lang=en');
    expect(en).toContain('Gave up here 1');
  });
});

describe('correcting a reply the bot could not read', () => {
  it('trains the act staff give, and the form does not offer the act model’s unused guess as the bot’s reading', async () => {
    const html = await page('/admin/conversations/lm-unsure');
    const turn2 = /id="turn-2"[\s\S]*$/.exec(html)![0];
    const select = /data-testid="annotate-reply-act">([\s\S]*?)<\/select>/.exec(turn2)![1]!;
    expect(select).not.toContain(' selected');
    const r = await api('/admin/api/annotations', { method: 'POST', body: { conversation: 'lm-unsure', turn: 2, replyAct: 'give_up', by: 'lead' } });
    expect(r.status).toBe(201);
    expect(r.body.annotation).toMatchObject({ replyAct: 'give_up', predictedAct: null, train: true });
    const yaml = await fetch(`${lead.app.url}/admin/api/corrections`, { headers: lead.bearer }).then((x) => x.text());
    expect(yaml).toContain('たぶんもういいです');
  });
});
