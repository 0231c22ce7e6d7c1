/**
 * Round 33 (staff-33): "came back" across conversations. `again=came_back` (round 31) read one conversation: fixed, then
 * 「やっぱりまた届かない」 in the same one. The same person starting a new conversation on the same symptom two days after
 * 解決しました was two unrelated rows, the first counted a fix. Now a conversation closed as fixed whose person (channel user
 * id) comes back on the same symptom within 7 days is listed by `again=came_back`, its row links the new conversation
 * (「… 後に同じ症状で戻ってきた →」) and the new one's row links back; the API items carry `cameBackIn` / `cameBackFrom`
 * (real server, real Redis, loopback HTTP; one fix dated 10 days back written straight into the store).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-cameback-token-0123456789', 'leadcameback', { TIME_ZONE: 'Asia/Tokyo' });
const { page, api } = lead;

const say = lead.sayAs;

beforeAll(async () => {
  await lead.start();
  // u1: fixed at the junk-folder step, back the same day with the same symptom in a new conversation.
  expect((await say('cb-fix1', 'u1', { text: 'ドコモメールが届かない' })).node).toBe('arrive_junk');
  expect((await say('cb-fix1', 'u1', { action: 'resolved' })).status).toBe('resolved');
  expect((await say('cb-ret1', 'u1', { text: 'ドコモメールが届かない' })).node).toBe('arrive_junk');
  // u2: fixed, then a new conversation about something else (sending): not a return.
  await say('cb-fix2', 'u2', { text: 'ドコモメールが届かない' });
  await say('cb-fix2', 'u2', { action: 'resolved' });
  await say('cb-oth2', 'u2', { text: 'auのメールが送れない' });
  // No user id (the web chat's default: one per conversation): two people, never a return.
  await say('cb-anon1', undefined, { text: 'ドコモメールが届かない' });
  await say('cb-anon1', undefined, { action: 'resolved' });
  await say('cb-anon2', undefined, { text: 'ドコモメールが届かない' });
  // u3: fixed 10 days ago (written straight into the store), back today on the same symptom: past the 7 days.
  const old = Date.now() - 10 * 86_400_000;
  const base = { conversation: 'cb-old3', channel: 'web' as const, userId: 'u3', replies: [], durationMs: 5 };
  await lead.app.core.transcripts.append({ ...base, atMs: old, text: 'ドコモメールが届かない', intent: 'mail_not_arriving', symptom: 'mail_not_arriving', node: 'arrive_junk', status: 'active' });
  await lead.app.core.transcripts.append({ ...base, atMs: old + 60_000, action: 'resolved', symptom: 'mail_not_arriving', node: 'arrive_resolved', status: 'resolved' });
  await say('cb-ret3', 'u3', { text: 'ドコモメールが届かない' });
  // u4: fixed, then wrote again in the same conversation (round 31's came_back): its row says so too.
  await say('cb-in4', 'u4', { text: 'ドコモメールが届かない' });
  await say('cb-in4', 'u4', { action: 'resolved' });
  expect((await say('cb-in4', 'u4', { text: 'やっぱりまた届かなくなりました' })).status).toBe('active');
  const want: Record<string, number> = { 'cb-fix1': 2, 'cb-ret1': 1, 'cb-fix2': 2, 'cb-oth2': 1, 'cb-anon1': 2, 'cb-anon2': 1, 'cb-old3': 2, 'cb-ret3': 1, 'cb-in4': 3 };
  await lead.settled((all) => Object.entries(want).every(([id, n]) => (all.find((s) => s.id === id)?.turns ?? 0) >= n));
}, 90_000);
afterAll(() => lead.stop());

type Item = { id: string; cameBackIn?: Array<{ id: string }>; cameBackFrom?: { id: string } };
const items = async (q: string) => ((await api(`/admin/api/conversations?${q}`)).body.items as Item[]).filter((x) => x.id.startsWith('cb-'));
const row = (html: string, id: string) => html.split('<tr').find((r) => r.startsWith(` data-testid="conversation-row" data-id="${id}"`)) ?? '';

describe('came back in a new conversation', () => {
  it('lists the fix the same person came back from, on the same symptom within 7 days', async () => {
    expect((await items('again=came_back')).map((x) => x.id).sort()).toEqual(['cb-fix1', 'cb-in4']);
    const all = await items('');
    expect(all.find((x) => x.id === 'cb-fix1')?.cameBackIn?.map((x) => x.id)).toEqual(['cb-ret1']);
    expect(all.find((x) => x.id === 'cb-ret1')?.cameBackFrom?.id).toBe('cb-fix1');
    for (const id of ['cb-fix2', 'cb-oth2', 'cb-anon1', 'cb-anon2', 'cb-old3', 'cb-ret3']) {
      expect(all.find((x) => x.id === id)?.cameBackIn, id).toBeUndefined();
      expect(all.find((x) => x.id === id)?.cameBackFrom, id).toBeUndefined();
    }
    // A date range starting after the fix still links the return back to it.
    const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
    expect((await items(`from=${today}`)).find((x) => x.id === 'cb-ret1')?.cameBackFrom?.id).toBe('cb-fix1');
  });
  it('says it on both rows, each linking the other (ja and en)', async () => {
    const ja = await page('/admin');
    const fixed = row(ja, 'cb-fix1');
    expect(fixed).toMatch(/<a class="flag err" href="\/admin\/conversations\/cb-ret1" data-testid="list-came-back-in" data-id="cb-ret1">[^<]*後に同じ症状で戻ってきた →<\/a>/);
    expect(row(ja, 'cb-ret1')).toMatch(/href="\/admin\/conversations\/cb-fix1" data-testid="list-came-back-from" data-id="cb-fix1">[^<]*前の「直った」から戻ってきた →</);
    expect(row(ja, 'cb-fix2')).not.toContain('came-back');
    expect(row(ja, 'cb-in4')).toContain('<span class="flag err" data-testid="list-came-back">「直った」のあと戻ってきた</span>');
    const en = await page('/admin?again=came_back&lang=en');
    expect(row(en, 'cb-fix1')).toMatch(/Came back [^<]* later, same symptom →/);
  });
});
