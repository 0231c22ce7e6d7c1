/**
 * Round 36 (back-36), a lead working through the funnel: the analytics' count at 「Wi‑Fi とモバイルデータの切り替え」 opens
 * /admin?node=net_switch; a conversation opened from that list showed it from the top, and its 「← 会話一覧へ」 went to
 * /admin — the whole list, the node filter (and the period, the status…) lost. The conversation link now carries the
 * list's query (all filters but the free text, and the page), the back link returns to that same list (「← 絞り込んだ一覧へ」
 * / "← Back to the filtered list"), and a list filtered by a node opens the conversation at the turn that reached it
 * (#reached, highlighted). ja and en. Real server, real Redis, web chat over loopback HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('back-list-token-0123456789', 'backlist');
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  // Team-written lines (the same opening as improve-node.test.ts).
  expect((await say('bl-1', { text: 'it says cannot connect to server on my iphone' })).node).toBe('net_airplane');
  expect((await say('bl-1', { action: 'not_resolved' })).node).toBe('net_switch');
  await say('bl-1', { text: 'my cat is orange' });
  await say('bl-2', { text: 'my cat is orange' });
  await lead.settled((all) => (all.find((s) => s.id === 'bl-1')?.turns ?? 0) >= 3 && all.some((s) => s.id === 'bl-2'));
}, 60_000);
afterAll(() => lead.stop());

const links = (html: string) => [...html.matchAll(/<a href="([^"]*)" data-testid="conversation-link">/g)].map((m) => m[1]);
const back = (html: string) => /<a href="([^"]*)" data-testid="back">([^<]*)<\/a>/.exec(html)?.slice(1) ?? [];
const articles = (html: string) => [...html.matchAll(/<article class="turn[^"]*"[\s\S]*?<\/article>/g)].map((m) => m[0]);
const wentTo = (article: string) => /data-testid="turn-node">[\s\S]*?<\/b> <code>([^<]*)<\/code>/.exec(article)?.[1];

describe('a conversation opened from a filtered list', () => {
  it('links carry the list query and open at the node (ja)', async () => {
    expect(links(await page('/admin?node=net_switch'))).toEqual(['/admin/conversations/bl-1?node=net_switch#reached']);
    const html = await page('/admin/conversations/bl-1?node=net_switch');
    expect(back(html)).toEqual(['/admin?node=net_switch', '← 絞り込んだ一覧へ']);
    const turns = articles(html);
    const at = turns.findIndex((a) => a.includes('data-reached="1"'));
    // The first turn that went to net_switch, and only it, is marked, with the anchor the list's link opens.
    expect(at).toBe(turns.findIndex((a) => wentTo(a) === 'net_switch'));
    expect(at).toBeGreaterThan(0);
    expect(turns.filter((a) => a.includes('data-reached'))).toHaveLength(1);
    expect(turns[at]).toMatch(/^<article class="turn[^"]* reached"/);
    expect(turns[at]).toContain('<a id="reached"></a>');
    expect(turns[at]).toMatch(/data-testid="reached-flag">ここで「[^」]*」に着いた（一覧の絞り込み）/);
  });

  it('keeps the period, the labels and the page, and the language (en)', async () => {
    const q = 'from=2000-01-01&to=2099-12-31&channel=web&node=net_switch&lang=en';
    expect(links(await page(`/admin?${q}`))).toEqual(['/admin/conversations/bl-1?from=2000-01-01&amp;to=2099-12-31&amp;channel=web&amp;node=net_switch&amp;lang=en#reached']);
    const html = await page(`/admin/conversations/bl-1?${q}`);
    expect(back(html)).toEqual(['/admin?from=2000-01-01&amp;to=2099-12-31&amp;channel=web&amp;node=net_switch&amp;lang=en', '← Back to the filtered list']);
    expect(html).toMatch(/data-testid="reached-flag">Reached “[^”]*” here/);
    // A status filter without a node: back to it, no turn marked; the page after the first rides along.
    const byStatus = await api('/admin/api/conversations/search', { method: 'POST', body: { status: 'active', text: 'cat', page: 2, pageSize: 1 } });
    expect(byStatus.status).toBe(200);
    const link = links(byStatus.body.html)[0];
    // The free text is never put in a URL.
    expect(link).toMatch(/^\/admin\/conversations\/bl-[12]\?status=active&amp;page=2$/);
    const shown = await page(link!.replace(/&amp;/g, '&'));
    expect(back(shown)).toEqual(['/admin?status=active&amp;page=2', '← 絞り込んだ一覧へ']);
    expect(shown).not.toContain('data-reached');
  });

  it('from the whole list, the back link is the whole list as before', async () => {
    expect(links(await page('/admin')).sort()).toEqual(['/admin/conversations/bl-1', '/admin/conversations/bl-2']);
    expect(back(await page('/admin/conversations/bl-1'))).toEqual(['/admin', '← 会話一覧へ']);
    expect(back(await page('/admin/conversations/bl-1?lang=en'))).toEqual(['/admin?lang=en', '← All conversations']);
    // A query that is no list's (an unknown status) is no list: the whole list.
    expect(back(await page('/admin/conversations/bl-1?status=nope'))).toEqual(['/admin', '← 会話一覧へ']);
  });
});
