/**
 * Round 37 (staff-37), a lead working from /admin/improve and the failed tickets: round 36 gave a conversation opened from
 * a filtered list its way back (「← 絞り込んだ一覧へ」), but a conversation opened from the improve queue (a row's time, a
 * repeated line's occurrence), from a failed ticket, or from a 「戻ってきた」 flag still led to 「← 会話一覧へ」 — the whole
 * list: the queue's filter (node, reasons, period, view), the failed tickets page and the list the flag sat in were lost.
 * These links now carry where they came from (`back=` for the improve queue and the failed tickets, the list's query for
 * came-back flags), and the conversation page links back there (「← Bot の改善へ」 / "← Back to Improve the bot",
 * 「← 送信失敗チケットへ」). `back` is a path of those pages only (never a way off /admin).
 * Real server, real Redis, web chat over loopback HTTP. All chat lines are team-written (the opening of improve-node.test.ts,
 * the came-back conversations of lead-came-back.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { href, renderDeadLetters, type ViewContext } from '../../src/admin/pages.js';
import type { OutboxRecord } from '../../src/handoff/index.js';
import { leadServer } from './client.js';

const lead = leadServer('back-from-token-0123456789', 'backfrom');
const { page } = lead;

const say = lead.sayAs;

beforeAll(async () => {
  await lead.start();
  // The same line not understood at the same step in two conversations: a repeated line in the queue, with occurrences.
  for (const id of ['bf-1', 'bf-2']) {
    expect((await say(id, undefined, { text: 'it says cannot connect to server on my iphone' })).node).toBe('net_airplane');
    expect((await say(id, undefined, { action: 'not_resolved' })).node).toBe('net_switch');
    await say(id, undefined, { text: 'my cat is orange' });
  }
  // u1: fixed, then back the same day on the same symptom in a new conversation (a came-back pair).
  expect((await say('bf-fix', 'u1', { text: 'ドコモメールが届かない' })).node).toBe('arrive_junk');
  expect((await say('bf-fix', 'u1', { action: 'resolved' })).status).toBe('resolved');
  expect((await say('bf-ret', 'u1', { text: 'ドコモメールが届かない' })).node).toBe('arrive_junk');
  const want: Record<string, number> = { 'bf-1': 3, 'bf-2': 3, 'bf-fix': 2, 'bf-ret': 1 };
  await lead.settled((all) => Object.entries(want).every(([id, n]) => (all.find((s) => s.id === id)?.turns ?? 0) >= n));
}, 90_000);
afterAll(() => lead.stop());

const back = (html: string) => /<a href="([^"]*)" data-testid="back">([^<]*)<\/a>/.exec(html)?.slice(1) ?? [];
const unescape = (s: string) => s.replace(/&amp;/g, '&');
const row = (html: string, text: string) => [...html.matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes(text)) ?? '';

describe('a conversation opened from the improve queue', () => {
  it('goes back to the queue with its filter: node, reasons, period, view (ja)', async () => {
    const queue = '/admin/improve?below=0.6&days=30&node=net_switch&reason=fallback&reason=low_confidence';
    const html = await page(queue);
    const r = row(html, 'my cat is orange');
    expect(r).toContain('data-count="2"');
    // The row's time and both occurrences open a conversation at the turn, carrying the queue.
    const links = [...r.matchAll(/<a href="(\/admin\/conversations\/[^"]*)"/g)].map((m) => unescape(m[1]!));
    expect(links.length).toBe(3);
    for (const link of links) {
      const url = new URL(link, 'http://x');
      expect(url.hash).toMatch(/^#turn-\d+$/);
      expect(url.searchParams.get('back')).toBe('/admin/improve?below=0.6&days=30&node=net_switch&reason=fallback&reason=low_confidence');
    }
    const convo = await page(links[1]!.replace(/#.*/, ''));
    expect(back(convo).map(unescape)).toEqual(['/admin/improve?below=0.6&days=30&node=net_switch&reason=fallback&reason=low_confidence', '← Bot の改善へ']);
    // The grouped view switched off (group=0) and the language ride along too.
    const flat = row(await page('/admin/improve?group=0&lang=en'), 'my cat is orange');
    const link = unescape(/<a href="(\/admin\/conversations\/[^"]*)"/.exec(flat)![1]!).replace(/#.*/, '');
    const en = await page(link);
    expect(back(en).map(unescape)).toEqual(['/admin/improve?below=0.5&days=30&group=0&lang=en', '← Back to Improve the bot']);
  });

  it('takes no other page as the way back', async () => {
    for (const bad of ['https://evil.example/admin/improve', '//evil.example/admin/improve', '/admin/api/corrections', '/admin/improve/../../x', 'javascript:alert(1)']) {
      const html = await page(`/admin/conversations/bf-1?back=${encodeURIComponent(bad)}`);
      expect(back(html)).toEqual(['/admin', '← 会話一覧へ']);
    }
  });
});

describe('a conversation opened from a failed ticket', () => {
  it('links with the way back to the failed tickets, and the page goes there', async () => {
    const ctx = { i18n: lead.app.core.i18n, locale: 'en', defaultLocale: 'ja' } as unknown as ViewContext;
    const record = { id: 'MM-20261207-0001', ticket: { conversation: 'bf-1', summary: 'mail not syncing' }, attempts: 8, state: 'dead', deadAtMs: Date.now() } as unknown as OutboxRecord;
    const html = renderDeadLetters({ ...ctx, tree: lead.app.core.tree, nowMs: Date.now(), utcOffset: 0 } as ViewContext, [record]);
    const link = /<a href="([^"]*)" data-testid="dead-conversation">/.exec(html)?.[1];
    expect(link && unescape(link)).toBe(href(ctx, '/admin/conversations/bf-1', { back: '/admin/dead-letters?lang=en' }));
    expect(back(await page(unescape(link!)))).toEqual(['/admin/dead-letters?lang=en', '← Back to Failed tickets']);
    expect(back(await page('/admin/conversations/bf-1?back=%2Fadmin%2Fdead-letters'))).toEqual(['/admin/dead-letters', '← 送信失敗チケットへ']);
  });
});

describe('a came-back flag', () => {
  it('opens the other conversation with the same way back as the row it sits in', async () => {
    const list = await page('/admin?intent=mail_not_arriving');
    const flag = /<a class="flag err" href="([^"]*)" data-testid="list-came-back-in" data-id="bf-ret">/.exec(list)?.[1];
    expect(flag && unescape(flag)).toBe('/admin/conversations/bf-ret?intent=mail_not_arriving');
    expect(back(await page(unescape(flag!)))).toEqual(['/admin?intent=mail_not_arriving', '← 絞り込んだ一覧へ']);
    // On a conversation page, the flag passes on the page's own way back (here: the improve queue).
    const convo = await page(`/admin/conversations/bf-ret?back=${encodeURIComponent('/admin/improve?days=7')}`);
    const from = /<a class="flag" href="([^"]*)" data-testid="list-came-back-from" data-id="bf-fix">/.exec(convo)?.[1];
    expect(from && unescape(from)).toBe(`/admin/conversations/bf-fix?back=${encodeURIComponent('/admin/improve?days=7')}`);
  });
});
