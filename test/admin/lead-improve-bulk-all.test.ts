/**
 * Round 35 (staff-35): the bulk label of a repeated line (round 34) reached only the occurrences the improve queue read
 * (≤ 200 items, ≤ 300 conversations): with 205 conversations opening with the same line, 「すべて」 left some unlabelled.
 * POST /admin/api/annotations/bulk now takes one occurrence (`line`) and the queue's filter (`filter`) and labels every
 * occurrence the filter lists in its whole period; `dryRun` counts them (and the conversations, and those corrected
 * before) for the confirmation. Earlier corrections are skipped, DELETE …/bulk undoes every label given (real server, real
 * Redis, loopback HTTP; test wording reused from lead-improve-bulk).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-bulkall-token-0123456789', 'leadbulkall', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;
const N = 205;
const ids = Array.from({ length: N }, (_, i) => `ba-${String(i + 1).padStart(3, '0')}`);

beforeAll(async () => {
  await lead.start();
  for (let i = 0; i < ids.length; i += 15) await Promise.all(ids.slice(i, i + 15).map((id) => say(id, { text: 'Gmailが同期しない' })));
  await say('ba-other', { text: 'メールの調子が悪い気がする' });
  await lead.settled((all) => all.filter((s) => s.id.startsWith('ba-')).length >= N + 1);
}, 240_000);
afterAll(() => lead.stop());

type Group = { key: string; count: number; latest: { conversation: string; seq: number } };
const ours = async () => ((await api('/admin/api/annotations')).body.annotations as Array<{ conversation: string; intent: string; by?: string }>).filter((a) => a.conversation.startsWith('ba-'));
const bulk = (body: Record<string, unknown>) => api('/admin/api/annotations/bulk', { method: 'POST', body });

describe('labelling a repeated line labels every occurrence of the period, not only those the queue read', () => {
  it('counts, labels and undoes all 205, skipping an earlier correction', async () => {
    const g = ((await api('/admin/api/improve')).body.groups as Group[]).find((x) => x.key.includes('同期しない'))!;
    expect(g.count).toBeLessThan(N); // the queue reads at most 200 items
    const line = { conversation: g.latest.conversation, turn: g.latest.seq };
    expect((await api('/admin/api/annotations', { method: 'POST', body: { conversation: 'ba-007', turn: 1, intent: 'error_push', by: '田中' } })).status).toBe(201);

    const dry = await bulk({ line, filter: {}, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ occurrences: N, conversations: N, corrected: 1, toLabel: N - 1 });
    expect(await ours()).toHaveLength(1); // a dry run labels nothing

    const r = await bulk({ line, filter: {}, intent: 'mail_not_arriving', by: '佐藤' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ annotated: N - 1, skipped: 1, occurrences: N, conversations: N });
    const after = await ours();
    expect(after).toHaveLength(N);
    expect(after.find((a) => a.conversation === 'ba-007')).toMatchObject({ intent: 'error_push', by: '田中' });
    expect(after.filter((a) => a.by === '佐藤').every((a) => a.intent === 'mail_not_arriving')).toBe(true);
    expect(after.some((a) => a.conversation === 'ba-other')).toBe(false);

    const undo = await api('/admin/api/annotations/bulk', { method: 'DELETE', body: { items: r.body.items } });
    expect(undo.status).toBe(200);
    expect(undo.body.removed).toBe(N - 1);
    expect((await ours()).map((a) => a.conversation)).toEqual(['ba-007']);
  });

  it('keeps to the filter: another node or an earlier period holds none; a bad filter or both items and line is refused', async () => {
    const g = ((await api('/admin/api/improve')).body.groups as Group[]).find((x) => x.key.includes('同期しない'))!;
    const line = { conversation: g.latest.conversation, turn: g.latest.seq };
    expect((await bulk({ line, filter: { node: '(start)' }, dryRun: true })).body.occurrences).toBe(N);
    expect((await bulk({ line, filter: { node: 'fetch_scope' }, dryRun: true })).body.occurrences).toBe(0);
    expect((await bulk({ line, filter: { from: '2020-01-01', to: '2020-01-31' }, dryRun: true })).body.occurrences).toBe(0);
    expect((await bulk({ line, filter: { from: 'yesterday' }, dryRun: true })).status).toBe(400);
    expect((await bulk({ line, items: [{ conversation: 'ba-001', turn: 1 }], intent: 'mail_not_arriving' })).status).toBe(400);
    expect((await bulk({ line: { conversation: 'ba-001', turn: 9 }, intent: 'mail_not_arriving' })).status).toBe(404);
  });

  it('the page form carries the line and the page filter', async () => {
    const html = await page('/admin/improve?days=14&below=0.6');
    const row = [...html.matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes('同期しない'))!;
    const attr = (name: string) => JSON.parse(new RegExp(`data-${name}="([^"]*)"`).exec(row)![1]!.replace(/&quot;/g, '"'));
    expect(attr('line')).toMatchObject({ turn: 1 });
    expect(attr('filter')).toMatchObject({ days: '14', below: '0.6' });
  });
});
