/**
 * Round 34 (staff-34), found walking /admin/improve as a lead: a reply to the ask-back 「「…」ということでしょうか？」 at the
 * start (「わかりません」 after 「Gmailが同期しない」) is listed as 「肯定 0.94」 — the symptom model's intent; the bot asks it before
 * any node, so the turn's nodeBefore is '' and neither the conversation page's 誤認識としてマーク nor the improve row offered
 * 返答の意味 (the reply act): the lead could only file 「わかりません」 under an intent. Both now offer it for such a reply
 * (improve items carry `reply: true`), and a label given there goes to intents/<locale>/acts/<act>.yaml (real server, real
 * Redis, loopback HTTP; test wording).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-clarify-token-0123456789', 'leadclarify', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  for (const id of ['cr-1', 'cr-2']) {
    await say(id, { text: 'Gmailが同期しない' });
    await say(id, { text: 'わかりません' });
  }
  await lead.settled((all) => ['cr-1', 'cr-2'].every((id) => (all.find((s) => s.id === id)?.turns ?? 0) >= 2));
}, 90_000);
afterAll(() => lead.stop());

const turnBlock = (html: string, seq: number) => html.split(`id="turn-${seq}"`)[1]?.split(/id="turn-\d+"/)[0] ?? '';

describe('a reply to 「…ということでしょうか？」 is corrected as a reply', () => {
  it('offers 返答の意味 for it on the conversation page and on the improve row, not for the first message', async () => {
    const { body } = await api('/admin/api/conversations/cr-1');
    expect(body.turns[1].nodeBefore).toBe('');
    const html = await page('/admin/conversations/cr-1');
    expect(turnBlock(html, 2)).toContain('data-testid="annotate-reply-act"');
    expect(turnBlock(html, 1)).not.toContain('data-testid="annotate-reply-act"');
    const improve = await api('/admin/api/improve');
    const reply = (improve.body.items as Array<{ conversation: string; seq: number; reply?: boolean }>).find((x) => x.conversation === 'cr-1' && x.seq === 2);
    expect(reply?.reply).toBe(true);
    const first = (improve.body.items as Array<{ conversation: string; seq: number; reply?: boolean }>).find((x) => x.conversation === 'cr-1' && x.seq === 1);
    expect(first?.reply).toBeUndefined();
    const rows = [...(await page('/admin/improve')).matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    expect(rows.find((r) => r.includes('わかりません'))).toContain('data-testid="bulk-reply-act"');
    expect(rows.find((r) => r.includes('同期しない'))).not.toContain('data-testid="bulk-reply-act"');
  });

  it('files the label given there under the reply act', async () => {
    // Since round 35 the bot's own reading there is recorded (dont_know): confirming it trains when staff say so, as at a step.
    expect((await api('/admin/api/annotations', { method: 'POST', body: { conversation: 'cr-1', turn: 2, replyAct: 'dont_know', train: true } })).status).toBe(201);
    expect(await page('/admin/conversations/cr-1')).toContain('<code data-testid="annotation-file">intents/ja/acts/dont_know.yaml</code>');
  });
});
