/**
 * Round 37 (staff-37), the walk: 「Gmailが同期しない」 was asked back 「「メールを取得できない」ということでしょうか？」, the person
 * answered 「うーん」 twice. The improve queue placed the first 「うーん」 at the ask-back, the second at 「（開始）」 with
 * 「すみません、どれに近いかを下から選んでください。」 — the second miss was answered at the same ask-back (asked again without a
 * new offer recorded). Both now read where they were said. Real server, real Redis, loopback HTTP; team-written lines
 * (「Gmailが同期しない」 from earlier rounds' tests, 「うーん」 from round 36's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('ask-back-again-token-0123456789', 'askbackagain');
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  expect((await say('aa-1', { text: 'Gmailが同期しない' })).node).toBe('');
  expect((await say('aa-1', { text: 'うーん' })).node).toBe('');
  expect((await say('aa-1', { text: 'うーん' })).node).toBe('');
  await lead.settled((all) => (all.find((s) => s.id === 'aa-1')?.turns ?? 0) >= 3);
}, 60_000);
afterAll(() => lead.stop());

describe('a second miss at the ask-back', () => {
  it('is placed at the ask-back like the first (API and page)', async () => {
    const items = ((await api('/admin/api/improve')).body.items as Array<{ seq: number; text?: string; askedBack?: { before?: string } }>).filter((i) => i.text === 'うーん');
    expect(items.map((i) => [i.seq, i.askedBack?.before]).sort()).toEqual([[2, 'error_cannot_fetch'], [3, 'error_cannot_fetch']]);
    const where = [...(await page('/admin/improve')).matchAll(/data-testid="improve-occurrence-where"[^>]*>([^<]*)</g)].map((m) => m[1]!);
    expect(where).toHaveLength(2);
    for (const w of where) expect(w).toMatch(/^「メールを取得できない」ということでしょうか？（確認） で/);
  });
});
