/**
 * Round 34 (staff-34): /admin/improve groups a repeated line (round 33) but a lead still labelled each occurrence on its own
 * conversation page. Now a group's row labels every occurrence in one action — POST /admin/api/annotations/bulk, each turn
 * through the single form's own path (merge with an earlier correction, the training file corrections.yaml, note redaction,
 * the `turn annotated` review log) — refuses turns that are not the same line, leaves turns staff corrected already as they
 * are, and DELETE /admin/api/annotations/bulk undoes exactly the turns it labelled (real server, real Redis, loopback HTTP;
 * test wording reused from lead-improve-groups).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-bulk-token-0123456789ab', 'leadbulk', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  for (const id of ['ib-1', 'ib-2', 'ib-3']) await say(id, { text: 'Gmailが同期しない' });
  await say('ib-4', { text: 'Ｇｍａｉｌ が同期しない。' });
  await say('ib-5', { text: 'メールの調子が悪い気がする' });
  await lead.settled((all) => ['ib-1', 'ib-2', 'ib-3', 'ib-4', 'ib-5'].every((id) => all.some((s) => s.id === id)));
}, 90_000);
afterAll(() => lead.stop());

type Group = { key: string; count: number; items: Array<{ conversation: string; seq: number }> };
const gmailGroup = async () => ((await api('/admin/api/improve')).body.groups as Group[]).find((g) => g.key.includes('同期しない'))!;
const corrections = async () => (await fetch(`${lead.app.url}/admin/api/corrections`, { headers: lead.bearer })).text();
const notes = async () => ((await api('/admin/api/annotations')).body.annotations as Array<{ conversation: string; intent: string; by?: string; train?: boolean; note?: string }>).filter((a) => a.conversation.startsWith('ib-'));

describe('labelling a repeated line in one action', () => {
  it('offers it on the group row, with the count (ja, en)', async () => {
    const html = await page('/admin/improve');
    const row = [...html.matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes('同期しない'))!;
    expect(row).toContain('<summary data-testid="bulk-open">4 件すべてにラベルを付ける</summary>');
    const items = JSON.parse(/data-items="([^"]*)"/.exec(row)![1]!.replace(/&quot;/g, '"')) as Array<{ conversation: string; turn: number }>;
    expect(items.map((i) => i.conversation).sort()).toEqual(['ib-1', 'ib-2', 'ib-3', 'ib-4']);
    expect(row).toContain('4 件すべてに付ける');
    // A line said once has nothing to label in bulk.
    const once = [...html.matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes('調子が悪い'))!;
    expect(once).not.toContain('data-testid="bulk"');
    expect(await page('/admin/improve?lang=en')).toContain('<summary data-testid="bulk-open">Label all 4</summary>');
  });

  it('labels every occurrence as the single form would, keeps an earlier correction, and undoes what it did', async () => {
    const g = await gmailGroup();
    const items = g.items.map((x) => ({ conversation: x.conversation, turn: x.seq }));
    expect(await corrections()).not.toContain('Gmailが同期しない');
    // One occurrence corrected earlier on its own page (with a note): the bulk label leaves it as staff said.
    expect((await api('/admin/api/annotations', { method: 'POST', body: { conversation: 'ib-2', turn: 1, intent: 'mail_not_arriving', note: 'iPhoneのGmail', by: '田中' } })).status).toBe(201);

    const r = await api('/admin/api/annotations/bulk', { method: 'POST', body: { items, intent: 'mail_not_arriving', train: true, by: '佐藤' } });
    expect(r.status).toBe(201);
    expect([r.body.annotated, r.body.skipped]).toEqual([3, 1]);
    expect((r.body.items as Array<{ conversation: string }>).map((i) => i.conversation).sort()).toEqual(['ib-1', 'ib-3', 'ib-4']);
    const after = await notes();
    expect(after.filter((a) => a.by === '佐藤').map((a) => a.conversation).sort()).toEqual(['ib-1', 'ib-3', 'ib-4']);
    expect(after.find((a) => a.conversation === 'ib-2')).toMatchObject({ by: '田中', note: 'iPhoneのGmail' });
    expect(after.every((a) => a.intent === 'mail_not_arriving' && a.train === true)).toBe(true);
    // The training file the page downloads now holds the line under the intent given.
    expect(await corrections()).toMatch(/mail_not_arriving[\s\S]*Gmailが同期しない/);
    // The conversation page shows the label where the single form's would be.
    expect(await page('/admin/conversations/ib-3')).toContain('data-testid="annotation" data-intent="mail_not_arriving"');
    // The list counts them as annotated.
    expect((await api('/admin/api/conversations?annotated=1')).body.items.map((x: { id: string }) => x.id).filter((id: string) => id.startsWith('ib-')).sort()).toEqual(['ib-1', 'ib-2', 'ib-3', 'ib-4']);

    const undo = await api('/admin/api/annotations/bulk', { method: 'DELETE', body: { items: r.body.items } });
    expect(undo.status).toBe(200);
    expect(undo.body.removed).toBe(3);
    expect((await notes()).map((a) => [a.conversation, a.by])).toEqual([['ib-2', '田中']]);
  });

  it('refuses turns that are not the same line, and turns that do not exist', async () => {
    const g = await gmailGroup();
    const other = ((await api('/admin/api/improve')).body.items as Array<{ conversation: string; seq: number; text?: string }>).find((i) => i.text?.includes('調子が悪い'))!;
    const mixed = [{ conversation: g.items[0]!.conversation, turn: g.items[0]!.seq }, { conversation: other.conversation, turn: other.seq }];
    const r = await api('/admin/api/annotations/bulk', { method: 'POST', body: { items: mixed, intent: 'mail_not_arriving' } });
    expect(r.status).toBe(400);
    expect(r.body.error).toContain('not the same line');
    expect((await api('/admin/api/annotations/bulk', { method: 'POST', body: { items: [{ conversation: 'ib-1', turn: 9 }], intent: 'mail_not_arriving' } })).status).toBe(404);
    expect((await api('/admin/api/annotations/bulk', { method: 'POST', body: { items: [], intent: 'mail_not_arriving' } })).status).toBe(400);
    expect((await notes()).map((a) => a.conversation)).toEqual(['ib-2']);
  });
});
