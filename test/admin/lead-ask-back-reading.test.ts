/**
 * Round 35 (staff-35): a reply typed at the opening ask-back 「「…」ということでしょうか？」 (the two-stage fallback, before any
 * node) had no recorded reading — the transcript kept the reply act only for replies at a node's question — so the improve
 * queue and the conversation page showed the symptom model's intent for 「わかりません」: 「肯定 0.94」. The engine now records
 * the reply act it read there like at steps (StepOutput.reading), and both pages show it (real server, real Redis, loopback
 * HTTP; test wording from earlier rounds' tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-askback-token-0123456789', 'leadaskback', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;
const REPLIES: Record<string, string> = { 'ab-1': 'わかりません', 'ab-2': 'はい', 'ab-3': 'いいえ' };

beforeAll(async () => {
  await lead.start();
  for (const [id, reply] of Object.entries(REPLIES)) {
    await say(id, { text: 'Gmailが同期しない' });
    await say(id, { text: reply });
  }
  await lead.settled((all) => Object.keys(REPLIES).every((id) => (all.find((s) => s.id === id)?.turns ?? 0) >= 2));
}, 90_000);
afterAll(() => lead.stop());

const turnBlock = (html: string, seq: number) => html.split(`id="turn-${seq}"`)[1]?.split(/id="turn-\d+"/)[0] ?? '';
type Item = { conversation: string; seq: number; act?: string; intent?: string; text?: string };

describe('a reply at the opening ask-back keeps the reading the bot used', () => {
  it('records the reply act of 「わかりません」, 「はい」, 「いいえ」 (not of the first message)', async () => {
    const acts: Record<string, string | undefined> = {};
    for (const id of Object.keys(REPLIES)) {
      const { body } = await api(`/admin/api/conversations/${id}`);
      expect(body.turns[0].reading).toBeUndefined();
      acts[id] = body.turns[1].reading?.act;
    }
    expect(acts).toEqual({ 'ab-1': 'dont_know', 'ab-2': 'affirm', 'ab-3': 'deny' });
  });

  it('shows it on the conversation page and the improve queue instead of 肯定', async () => {
    const html = await page('/admin/conversations/ab-1');
    expect(turnBlock(html, 2)).toMatch(/data-testid="turn-reading" data-act="dont_know"/);
    const improve = await api('/admin/api/improve?group=0');
    const item = (improve.body.items as Item[]).find((x) => x.conversation === 'ab-1' && x.seq === 2);
    expect(item?.act).toBe('dont_know');
    const rows = [...(await page('/admin/improve')).matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    const row = rows.find((r) => r.includes('わかりません'));
    expect(row).toBeDefined();
    {
      expect(row).toContain('data-act="dont_know"');
      expect(row).not.toMatch(/data-testid="improve-reading"[^>]*>肯定/);
    }
  });
});

/**
 * Found on the walk (item 3): the node line of the turn asked back, and of the reply to it, read 「（開始） → （開始）」 and
 * 「（開始） → 送信はできますか？」 — as if the bot had not moved. Both pages now name the ask-back (improve items carry
 * `askedBack`).
 */
describe('the ask-back is named where the node line said （開始）', () => {
  const asked = '「メールを取得できない」ということでしょうか？（確認）';
  it('on the conversation page and the improve queue (ja, en)', async () => {
    const html = await page('/admin/conversations/ab-1');
    const line = (seq: number) => /data-testid="turn-node">([^<]*)<b>([^<]*)<\/b>/.exec(turnBlock(html, seq))?.slice(1, 3).join('') ?? '';
    expect(line(1)).toBe(`（開始） → ${asked}`);
    expect(line(2)).toBe(`${asked} → 送信はできますか？`);
    const improve = await api('/admin/api/improve?group=0');
    const items = improve.body.items as Array<Item & { askedBack?: { before?: string; after?: string } }>;
    expect(items.find((x) => x.conversation === 'ab-1' && x.seq === 2)?.askedBack).toEqual({ before: 'error_cannot_fetch' });
    expect(items.find((x) => x.conversation === 'ab-1' && x.seq === 1)?.askedBack).toEqual({ after: 'error_cannot_fetch' });
    const rows = [...(await page('/admin/improve')).matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    // Since round 36 the place links to the queue at that node (first messages: node=(start)).
    expect(rows.find((r) => r.includes('同期しない'))).toMatch(new RegExp(`data-testid="improve-node-filter"[^>]*>（開始）</a> → <b>${asked.replace(/[?？()（）「」]/g, '.')}</b>`));
    expect(await page('/admin/conversations/ab-1?lang=en')).toContain('“cannot get mail?” (asking back)');
  });
});

