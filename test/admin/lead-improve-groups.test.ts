/**
 * Round 33 (staff-33): /admin/improve listed one line as many rows as it was said (staff-31 saw 「Gmailが同期しない」 0.16
 * dozens of times at 300 conversations), so the most frequent misreading was not the first thing a lead saw. Now the queue
 * groups repeated lines — the same text once normalised (NFKC, lower case, spaces, end punctuation) → one row with how often,
 * in how many conversations and a link to each — most frequent first; `group=0` is the one-row-per-message list, and
 * GET /admin/api/improve adds `groups` (real server, real Redis, loopback HTTP; test wording reused from lead-review).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupImprove, improveKey } from '../../src/admin/improve.js';
import { leadServer } from './client.js';

const lead = leadServer('lead-groups-token-0123456789', 'leadgroups', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  // The same low-confidence line from four people (one wrote it with a space, full stop and full-width letters), then one
  // other line once, said last (the newest row of a flat list).
  for (const id of ['ig-1', 'ig-2', 'ig-3']) await say(id, { text: 'Gmailが同期しない' });
  await say('ig-4', { text: 'Ｇｍａｉｌ が同期しない。' });
  await say('ig-5', { text: 'メールの調子が悪い気がする' });
  await lead.settled((all) => ['ig-1', 'ig-2', 'ig-3', 'ig-4', 'ig-5'].every((id) => all.some((s) => s.id === id)));
}, 90_000);
afterAll(() => lead.stop());

describe('repeated lines on /admin/improve', () => {
  it('normalises the text it groups by', () => {
    expect(improveKey({ text: 'Ｇｍａｉｌ が同期しない。', nodeBefore: '' })).toBe('gmailが同期しない');
    expect(improveKey({ text: 'Gmail  が 同期しない！', nodeBefore: '' })).toBe('gmailが同期しない');
    expect(improveKey({ text: 'Mail  not syncing!', nodeBefore: '' })).toBe('mail not syncing');
    expect(improveKey({ action: 'resolved', nodeBefore: 'arrive_junk' })).toBe('click:arrive_junk:resolved');
    const base = { nodeBefore: '', node: 'x', reasons: ['fallback' as const], corrected: false, intent: null };
    const groups = groupImprove([
      { ...base, conversation: 'a', seq: 1, atMs: 1, text: 'もういいです' },
      { ...base, conversation: 'b', seq: 2, atMs: 3, text: 'もういいです。' },
      { ...base, conversation: 'c', seq: 1, atMs: 5, text: 'ほかの話' },
    ]);
    expect(groups.map((g) => [g.count, g.latest.conversation])).toEqual([[2, 'b'], [1, 'c']]);
  });

  it('gives one row per repeated line, most frequent first, with the count and a link to each occurrence (ja, en)', async () => {
    const { body } = await api('/admin/api/improve');
    const gmail = (body.groups as Array<{ key: string; count: number; conversations: number; items: Array<{ conversation: string }> }>).find((g) => g.key.includes('同期しない'))!;
    expect(gmail.count).toBe(4);
    expect(gmail.conversations).toBe(4);
    expect(gmail.items.map((x) => x.conversation).sort()).toEqual(['ig-1', 'ig-2', 'ig-3', 'ig-4']);
    expect(body.groups[0].key).toBe(gmail.key);
    // The flat items stay as they were (an addition, not a change).
    expect((body.items as Array<{ text?: string }>).filter((x) => x.text?.includes('同期しない'))).toHaveLength(4);

    const html = await page('/admin/improve');
    const rows = [...html.matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    expect(rows.filter((r) => r.includes('同期しない'))).toHaveLength(1);
    expect(rows[0]).toContain('data-count="4"');
    expect(rows[0]).toMatch(/data-testid="improve-count"><b>4 回<\/b><div class="small muted">4 件の会話<\/div>/);
    for (const id of ['ig-1', 'ig-2', 'ig-3', 'ig-4']) expect(rows[0]).toMatch(new RegExp(`href="/admin/conversations/${id}\\?back=[^"#]*#turn-1" data-testid="improve-occurrence"`));
    const en = await page('/admin/improve?lang=en');
    expect(en).toMatch(/<b>4×<\/b><div class="small muted">in 4 conversations<\/div>/);
    expect(en).toContain('Show each message');
  });

  it('keeps the one-row-per-message list behind 「1 件ずつ表示」 (group=0)', async () => {
    const html = await page('/admin/improve');
    const toggle = /<a href="([^"]*)" data-testid="improve-group-toggle">1 件ずつ表示<\/a>/.exec(html)![1]!.replace(/&amp;/g, '&');
    expect(toggle).toContain('group=0');
    const flat = await page(toggle);
    const rows = [...flat.matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    expect(rows.filter((r) => r.includes('同期しない'))).toHaveLength(4);
    expect(flat).not.toContain('data-testid="improve-count"');
    expect(flat).toContain('同じ文をまとめて表示');
  });
});
