/**
 * Round 31 (staff-31: can a help-desk lead act from the review page?). "Find every conversation where the bot closed as
 * fixed but the person came back, or was asked the same thing twice": the list had no way to. The outcome `resolved`
 * counts a conversation that reached 解決しました even when the person wrote again (「やっぱりまた届かない」), and nothing
 * said the person had to answer one step twice. Now `again=came_back|asked_twice` (list, API, CLI `--again`), a
 * 「戻ってきた・繰り返し」 / "Came back / repeated" select on the list (real server, real Redis, loopback HTTP, the built CLI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, listedIds, requireBuild, runCli } from '../channels/cli/spawn.js';
import { REDIS_URL } from '../redis.js';
import { leadServer } from './client.js';

const lead = leadServer('lead-again-token-0123456789', 'leadagain', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  // Fixed, then wrote again: the bot goes on with the next steps (status back to active).
  expect((await say('ag-back', { text: 'ドコモメールが届かない' })).node).toBe('arrive_junk');
  expect((await say('ag-back', { action: 'resolved' })).status).toBe('resolved');
  expect((await say('ag-back', { text: 'やっぱりまた届かなくなりました' })).status).toBe('active');
  // Fixed, then the resolve node's own buttons: the goodbye, the prevention checklist — not a return.
  await say('ag-done', { text: 'ドコモメールが届かない' });
  await say('ag-done', { action: 'resolved' });
  expect((await say('ag-done', { action: 'done' })).status).toBe('ended');
  await say('ag-prev', { text: 'ドコモメールが届かない' });
  await say('ag-prev', { action: 'resolved' });
  expect((await say('ag-prev', { action: 'prevention' })).status).toBe('ended');
  // The same step twice: 「やり方がわからない」, then 「わかりません」 — the bot said the same how-to again.
  await say('ag-twice', { text: 'ドコモメールが届かない' });
  expect((await say('ag-twice', { action: 'help' })).node).toBe('arrive_junk');
  expect((await say('ag-twice', { text: 'わかりません' })).node).toBe('arrive_junk');
  // Each step once.
  await say('ag-once', { text: 'ドコモメールが届かない' });
  expect((await say('ag-once', { action: 'not_resolved' })).node).not.toBe('arrive_junk');
  await lead.settled((all) => ['ag-back', 'ag-done', 'ag-prev', 'ag-twice', 'ag-once'].every((id) => (all.find((s) => s.id === id)?.turns ?? 0) >= 2) && (all.find((s) => s.id === 'ag-back')?.turns ?? 0) >= 3 && (all.find((s) => s.id === 'ag-twice')?.turns ?? 0) >= 3);
}, 90_000);
afterAll(() => lead.stop());

const ids = async (q: string) => ((await api(`/admin/api/conversations?${q}`)).body.items as Array<{ id: string }>).map((x) => x.id).filter((id) => id.startsWith('ag-')).sort();

describe('again=came_back | asked_twice', () => {
  it('lists the conversations fixed and then written to again — not the goodbye or the checklist after 直った', async () => {
    expect(await ids('again=came_back')).toEqual(['ag-back']);
    // The outcome alone cannot tell them apart: all three count as resolved.
    expect(await ids('outcome=resolved')).toEqual(['ag-back', 'ag-done', 'ag-prev']);
  });
  it('lists the conversations where the person answered the same step twice', async () => {
    expect(await ids('again=asked_twice')).toEqual(['ag-twice']);
    expect((await api('/admin/api/conversations?again=sometimes')).status).toBe(400);
  });
  it('offers the filter on the list page in Japanese and English, the choice kept', async () => {
    const ja = await page('/admin?again=came_back');
    expect(ja).toContain('data-testid="f-again"');
    // Since round 34 the option names the came-back window (CAME_BACK_DAYS, default 7).
    expect(ja).toMatch(/<option value="came_back" selected>「直った」のあと戻ってきた（7日以内の新しい会話も）<\/option>/);
    expect(ja).toContain('ag-back');
    expect(ja).not.toContain('ag-done');
    const en = await page('/admin?again=asked_twice&lang=en');
    expect(en).toContain('Came back / repeated');
    expect(en).toMatch(/<option value="asked_twice" selected>Answered the same step twice<\/option>/);
    expect(en).toContain('ag-twice');
    expect(en).not.toContain('ag-once');
  });
});

describe('mailmedic transcripts list --again', () => {
  it('lists the same from the command line, and refuses an unknown value naming the flag', async () => {
    requireBuild();
    const env = childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix });
    const listed = (...args: string[]) => listedIds(env, ...args);
    expect(await listed('--again', 'came_back')).toEqual(['ag-back']);
    expect(await listed('--again', 'asked_twice')).toEqual(['ag-twice']);
    const bad = await runCli(['transcripts', 'list', '--again', 'sometimes'], '', env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--again must be one of came_back, asked_twice');
  }, 60_000);
});
