/**
 * Round 31 (staff-32): a lead answering the waiting hand-offs had to open each conversation to see what the person had
 * already tried (試した手順と結果 was only on the conversation page). Now the summary keeps the engine's list (`steps`) and
 * each row of the list says it under the first message, with the symptom in its own cell — 「試した手順: iPhoneの再起動
 * （まだダメ）…」 (real server, real Redis, loopback HTTP).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-tried-token-0123456789ab', 'leadtried', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  // Tried two steps, then asked for a person.
  await say('tr-steps', { text: 'auのメールが送れない' });
  await say('tr-steps', { action: 'iphone' });
  await say('tr-steps', { action: 'not_resolved' });
  await say('tr-steps', { action: 'not_resolved' });
  await say('tr-steps', { text: '担当者と話したい' });
  expect((await say('tr-steps', { text: 'iPhone 15、iOS 18.1、今朝9時から毎回です' })).status).toBe('escalated');
  // Asked for a person straight away: nothing tried.
  await say('tr-none', { text: 'auのメールが送れない' });
  await say('tr-none', { text: '担当者と話したい' });
  expect((await say('tr-none', { text: 'iPhone 15、iOS 18.1、今朝9時から毎回です' })).status).toBe('escalated');
  await lead.settled((all) => (all.find((s) => s.id === 'tr-steps')?.turns ?? 0) >= 6 && (all.find((s) => s.id === 'tr-none')?.turns ?? 0) >= 3);
}, 90_000);
afterAll(() => lead.stop());

const row = (html: string, id: string) => html.split('<tr').find((r) => r.includes(`/admin/conversations/${id}`)) ?? '';
const text = (html: string) => html.replace(/<[^>]+>/g, '');

describe('a waiting hand-off says what the person already tried', () => {
  it('lists the steps and their results in the row, with the symptom (ja and en)', async () => {
    const ja = await page('/admin?status=escalated&holder=nobody');
    const r = row(ja, 'tr-steps');
    expect(r).toContain('data-testid="list-tried"');
    const tried = text(r.split('data-testid="list-tried"')[1] ?? '');
    expect(tried).toMatch(/^>試した手順: iPhoneの再起動（まだダメ）、メールアプリの強制終了（まだダメ）/);
    expect(text(r)).toContain('送信できない');
    expect(row(ja, 'tr-none')).not.toContain('list-tried');
    const en = text(row(await page('/admin?status=escalated&holder=nobody&lang=en'), 'tr-steps'));
    expect(en).toMatch(/Tried: Restart your iPhone \(still broken\); /);
  });
  it('gives the steps in the API as an addition to the summary', async () => {
    const items = (await api('/admin/api/conversations?status=escalated&holder=nobody')).body.items as Array<{ id: string; steps?: Array<{ node: string; result: string }> }>;
    const s = items.find((x) => x.id === 'tr-steps');
    expect(s?.steps?.slice(0, 2)).toEqual([
      { node: 'dev_restart', result: 'not_resolved' },
      { node: 'dev_force_quit', result: 'not_resolved' },
    ]);
    expect(items.find((x) => x.id === 'tr-none')?.steps).toBeUndefined();
  });
});
