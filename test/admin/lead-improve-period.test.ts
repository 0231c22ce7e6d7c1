/**
 * Round 35 (staff-35), found walking /admin/improve as a lead on a seeded store: the page had no way to choose the period it
 * reads — only `?days=` typed into the address, lost again by 絞り込む and by the 「1 件ずつ表示」 link, or from/to carried as
 * hidden fields from an analytics link — while its own note said 「期間を絞ると残りも表示されます」 and a bulk label (round 35)
 * covers the page's period. The form now has 期間 (last N days) and 開始日（から／まで）, its links keep them, and clearing
 * the node or the dates keeps the rest of the filter (real server, real Redis, loopback HTTP; test wording).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-period-token-0123456789', 'leadperiod', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page } = lead;

beforeAll(async () => {
  await lead.start();
  for (const id of ['pe-1', 'pe-2']) await say(id, { text: 'Gmailが同期しない' });
  await lead.settled((all) => ['pe-1', 'pe-2'].every((id) => all.some((s) => s.id === id)));
}, 90_000);
afterAll(() => lead.stop());

const attr = (html: string, testid: string) => new RegExp(`<[^>]*data-testid="${testid}"[^>]*>`).exec(html)?.[0] ?? '';
const link = (html: string, testid: string) => (/href="([^"]*)"/.exec(attr(html, testid))?.[1] ?? '').replace(/&amp;/g, '&');

describe('/admin/improve: the period is part of the form', () => {
  it('offers 期間 and 開始日, keeps the last-N-days choice in the form and the links', async () => {
    const html = await page('/admin/improve?days=7&below=0.6&reason=low_confidence&reason=clarification');
    expect(html).toMatch(/<select name="days" data-testid="improve-days">[\s\S]*?<option value="7" selected>直近 7 日<\/option>/);
    expect(attr(html, 'improve-from')).toContain('name="from" value=""');
    expect(attr(html, 'improve-to')).toContain('name="to" value=""');
    const toggle = new URL(link(html, 'improve-group-toggle'), 'http://x');
    expect(toggle.searchParams.get('days')).toBe('7');
    expect(toggle.searchParams.getAll('reason')).toEqual(['low_confidence', 'clarification']);
    // The bulk label covers that period.
    expect(JSON.parse(/data-filter="([^"]*)"/.exec(html)![1]!.replace(/&quot;/g, '"'))).toMatchObject({ days: '7', below: '0.6' });
    expect(await page('/admin/improve?lang=en&days=14')).toMatch(/Period \(when no dates are given\)<select name="days" data-testid="improve-days">[\s\S]*?<option value="14" selected>Last 14 days<\/option>/);
  });

  it('shows the dates as form values, and clearing them keeps the other filters', async () => {
    const html = await page('/admin/improve?from=2020-01-01&to=2020-01-31&below=0.7&reason=fallback&node=%28start%29');
    expect(attr(html, 'improve-from')).toContain('value="2020-01-01"');
    expect(attr(html, 'improve-to')).toContain('value="2020-01-31"');
    expect(html).toContain('data-testid="improve-empty"');
    const cleared = new URL(link(html, 'clear-range'), 'http://x');
    expect([cleared.searchParams.get('below'), cleared.searchParams.getAll('reason'), cleared.searchParams.get('node'), cleared.searchParams.get('from')]).toEqual(['0.7', ['fallback'], '(start)', null]);
    const noNode = new URL(link(html, 'clear-filter'), 'http://x');
    expect([noNode.searchParams.get('from'), noNode.searchParams.get('below'), noNode.searchParams.get('node')]).toEqual(['2020-01-01', '0.7', null]);
    // Without the dates the two conversations of today are listed again.
    expect(await page(link(html, 'clear-range').replace('reason=fallback', 'reason=low_confidence&reason=clarification').replace(/node=[^&]*&?/, ''))).toContain('同期しない');
  });
});
