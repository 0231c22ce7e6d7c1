/**
 * Round 31 (staff-31): "answer the waiting hand-offs … mark it handled". A hand-off staff took over, answered and handed
 * back — and marked 確認済み — stayed on 担当者を待っている引き継ぎ as 「未対応 n 分待ち」 / "Nobody yet": the only way off
 * the list was to assign it to someone. Now 確認済み with no turn of the person's since is `handled` (holderOf): off the
 * waiting list, 「対応済み · 名前」 in the holder column, back on the list when the person writes again
 * (real server, real Redis, loopback HTTP).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-handled-token-0123456789', 'leadhandled', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  for (const id of ['hd-done', 'hd-other']) {
    await say(id, { text: 'auのメールが送れない' });
    await say(id, { text: '担当者と話したい' });
    expect((await say(id, { text: 'iPhone 15、iOS 18.1、今朝9時から毎回です' })).status).toBe('escalated');
  }
  await lead.settled((all) => ['hd-done', 'hd-other'].every((id) => (all.find((s) => s.id === id)?.turns ?? 0) >= 3));
}, 90_000);
afterAll(() => lead.stop());

const waiting = async () => ((await api('/admin/api/conversations?status=escalated&holder=nobody')).body.items as Array<{ id: string }>).map((x) => x.id).sort();
const row = (html: string, id: string) => html.split('<tr').find((r) => r.includes(`/admin/conversations/${id}`)) ?? '';

describe('a waiting hand-off marked handled', () => {
  it('leaves the waiting list once staff answered it and marked it 確認済み, and says who handled it', async () => {
    expect(await waiting()).toEqual(['hd-done', 'hd-other']);
    const post = (action: string, body: unknown) => api(`/admin/api/conversations/hd-done/${action}`, { method: 'POST', body });
    expect((await post('takeover', { by: '佐藤' })).status).toBe(200);
    expect((await post('reply', { by: '佐藤', text: '送信サーバーの設定を確認しました。もう一度お試しください' })).status).toBe(200);
    expect((await post('handback', { by: '佐藤' })).status).toBe(200);
    // Handed back and not marked: still waiting (nothing says it is done).
    expect(await waiting()).toEqual(['hd-done', 'hd-other']);
    expect((await post('review', { by: '佐藤', state: 'reviewed' })).status).toBe(200);
    expect(await waiting()).toEqual(['hd-other']);
    expect((await api('/admin/api/conversations?status=escalated&holder=staff')).body.items.map((x: { id: string }) => x.id)).toContain('hd-done');
    const ja = await page('/admin?status=escalated');
    expect(row(ja, 'hd-done')).toMatch(/data-holder="handled">対応済み · 佐藤</);
    expect(row(ja, 'hd-done')).not.toContain('未対応');
    expect(row(ja, 'hd-other')).toContain('未対応');
    const en = await page('/admin?status=escalated&lang=en');
    expect(row(en, 'hd-done')).toMatch(/data-holder="handled">Handled · 佐藤</);
  });
  it('waits again when the person writes after it was marked, or staff set it back to 要確認', async () => {
    await say('hd-done', { text: 'まだ送れません' });
    await lead.settled((all) => (all.find((s) => s.id === 'hd-done')?.turns ?? 0) >= 4);
    expect(await waiting()).toEqual(['hd-done', 'hd-other']);
    const post = (state: string) => api('/admin/api/conversations/hd-other/review', { method: 'POST', body: { by: '田中', state } });
    expect((await post('reviewed')).status).toBe(200);
    expect(await waiting()).toEqual(['hd-done']);
    expect((await post('needs_review')).status).toBe(200);
    expect(await waiting()).toEqual(['hd-done', 'hd-other']);
  });
});
