/**
 * Round 14: what round 13's lead walkthrough left, through the real server with real Redis (web chat over HTTP →
 * transcripts in Redis → /admin): a symptom chosen with a menu button is the conversation's symptom (list, filter,
 * analytics, the ticket, the turn); the "ticket filed" message sits beside the turn that filed the ticket; the person
 * is told which number is whose; a take-over handed back reads as past, in ja and en.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-followup-token-0123456789', 'lead14');
const { say, page, api } = lead;
let ticketId = '';

/** What the web chat page polls: messages sent to the person after their turns. */
async function polled(conversation: string, until: (texts: string[]) => boolean): Promise<string[]> {
  let texts: string[] = [];
  for (let i = 0; i < 300; i++) {
    texts = await lead.mailbox(conversation);
    if (until(texts)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return texts;
}
const turnsOf = async (id: string) => (await api(`/admin/api/conversations/${id}`)).body.turns as Array<{ seq: number; events: Array<{ type: string; key?: string; id?: string }> }>;

beforeAll(async () => {
  await lead.start();
  // A greeting, the symptom chosen with the menu's [受信できない] button, a person asked for, the form answered.
  expect((await say('btn-recv', { text: 'こんにちは' })).node).toBe('menu');
  await say('btn-recv', { action: 'receive' });
  await say('btn-recv', { text: '担当者と話したい' });
  // 「エラー表示はなし」 inside the one-line answer answers the error field: filed at once, no re-ask.
  const r = await say('btn-recv', { text: 'iPhone 15、iOS 18.1、ドコモメール、エラー表示はなし、今朝9時から毎回です' });
  expect(r.status).toBe('escalated');
  ticketId = r.ticket?.id ?? '';
  expect(ticketId).toMatch(/^MM-\d{8}-\d{4,}$/);
  // In English: the how-to menu, then the app-password topic chosen with a button.
  await say('btn-howto', { text: 'hello' });
  await say('btn-howto', { action: 'howto' });
  await say('btn-howto', { action: 'app_password' });
  await lead.settled((all) => all.find((s) => s.id === 'btn-recv')?.status === 'escalated' && (all.find((s) => s.id === 'btn-howto')?.turns ?? 0) >= 3);
}, 60_000);
afterAll(() => lead.stop());

describe("a lead's follow-up on /admin", () => {
  it('a symptom chosen with a menu button is the conversation symptom: list, filter, analytics, the ticket and the turn', async () => {
    const list = await page('/admin');
    const row = /<tr[^>]*data-id="btn-recv"[\s\S]*?<\/tr>/.exec(list)?.[0] ?? '';
    expect(row).toContain('<td>メールを取得できない</td>');
    expect(row).not.toContain('（症状なし）');
    const howtoRow = /<tr[^>]*data-id="btn-howto"[\s\S]*?<\/tr>/.exec(await page('/admin?lang=en'))?.[0] ?? '';
    expect(howtoRow).not.toContain('(no symptom)');
    // The analytics' symptom link and the list's symptom filter find it.
    const bySymptom = await api('/admin/api/conversations?symptom=error_cannot_fetch');
    expect((bySymptom.body.items as Array<{ id: string }>).map((s) => s.id)).toContain('btn-recv');
    const analytics = await api('/admin/api/analytics');
    const rows = analytics.body.topSymptoms as Array<{ intent: string; count: number; escalated: number }>;
    expect(rows.find((x) => x.intent === 'error_cannot_fetch')).toMatchObject({ count: 1, escalated: 1 });
    expect(rows.find((x) => x.intent === 'howto_app_password')).toMatchObject({ count: 1 });
    // The ticket names it too (not 「担当者希望」).
    const files = readdirSync(lead.ticketDir).filter((f) => f.endsWith('.json'));
    const ticket = JSON.parse(readFileSync(join(lead.ticketDir, files.find((f) => f.includes(ticketId))!), 'utf8')) as { intent: string; summary: string; fields: { errorMessage?: string } };
    expect(ticket.intent).toBe('error_cannot_fetch');
    // The error field holds what the person said about it, not the whole line; the subject quotes no 「不明」.
    expect(ticket.fields.errorMessage).toBe('エラー表示はなし');
    expect(ticket.summary).not.toMatch(/「(不明|エラー表示はなし)」/);
    // The click that chose it says so on the conversation page.
    const ja = await page('/admin/conversations/btn-recv');
    const click = /<article[^>]*data-seq="2"[\s\S]*?<\/article>/.exec(ja)?.[0] ?? '';
    expect(click).toContain('ボタンで選んだ症状');
    expect(click).toContain('data-testid="turn-symptom" data-intent="error_cannot_fetch"');
    const en = await page('/admin/conversations/btn-howto?lang=en');
    expect(/<article[^>]*data-seq="3"[\s\S]*?<\/article>/.exec(en)?.[0]).toContain('Symptom chosen with the button');
  });

  it('the "ticket filed" message sits beside the turn that filed the ticket, and tells the person which number to quote', async () => {
    const texts = await polled('btn-recv', (t) => t.some((x) => x.includes(ticketId)));
    const notice = texts.find((x) => x.includes(ticketId)) ?? '';
    expect(notice).toBe(`チケット ${ticketId} を担当窓口に登録しました。お問い合わせの際はこの番号をお伝えください。担当者からこの会話で連絡します。`);
    expect(notice).not.toContain('窓口側の番号');
    let turns = await turnsOf('btn-recv');
    for (let i = 0; i < 200 && !turns.some((t) => t.events.some((e) => e.key === 'handoff.user.delivered')); i++) {
      await new Promise((r) => setTimeout(r, 20));
      turns = await turnsOf('btn-recv');
    }
    const filing = turns.find((t) => t.events.some((e) => e.type === 'ticket'))!;
    const sentAt = turns.filter((t) => t.events.some((e) => e.key === 'handoff.user.delivered')).map((t) => t.seq);
    expect(sentAt).toEqual([filing.seq]);
    // …after the ticket event of that turn, on the page too.
    const html = await page('/admin/conversations/btn-recv');
    const article = new RegExp(`<article[^>]*data-seq="${filing.seq}"[\\s\\S]*?</article>`).exec(html)?.[0] ?? '';
    expect(article).toContain('data-testid="sent-message"');
    expect(article).toContain('お問い合わせの際はこの番号をお伝えください');
  });

  it('the person hears both numbers, each named, when the ticket system has its own', () => {
    const en = lead.app.core.i18n.t('handoff.user.delivered_ref', { id: 'MM-20261205-0042', ref: '#4711' }, 'en');
    expect(en).toBe('Ticket MM-20261205-0042 (our reference) is now with the help desk; their own reference for it is #4711. Someone will get back to you in this conversation.');
    const ja = lead.app.core.i18n.t('handoff.user.delivered_ref', { id: 'MM-20261205-0042', ref: '#4711' }, 'ja');
    expect(ja).toContain('MM-20261205-0042（こちらの受付番号）');
    expect(ja).toContain('担当窓口での番号は #4711 です');
  });

  it('a take-over handed back reads as past in the header and the list, in ja and en', async () => {
    const desk = (action: string, body: unknown) => api(`/admin/api/conversations/btn-recv/${action}`, { method: 'POST', body });
    expect((await desk('takeover', { by: '佐藤' })).status).toBe(200);
    const held = await page('/admin/conversations/btn-recv');
    expect(/data-testid="taken-over" data-held="1">担当者が対応中（[^）]+） · 佐藤</.test(held)).toBe(true);
    expect(/<tr[^>]*data-id="btn-recv"[\s\S]*?<\/tr>/.exec(await page('/admin'))?.[0]).toContain('>担当者対応<');
    expect((await desk('handback', { by: '佐藤' })).status).toBe(200);
    const ja = await page('/admin/conversations/btn-recv');
    const flag = /data-testid="taken-over" data-held="0">([^<]*)</.exec(ja)?.[1] ?? '';
    expect(flag).toMatch(/^担当者が対応しました（.+ · 佐藤）→ ボットに戻しました（.+ · 佐藤）$/);
    expect(ja).not.toContain('担当者が対応中');
    const en = await page('/admin/conversations/btn-recv?lang=en');
    expect(/data-testid="taken-over" data-held="0">([^<]*)</.exec(en)?.[1]).toMatch(/^Was taken over by staff \(.+ · 佐藤\), handed back to the bot \(.+ · 佐藤\)$/);
    expect(/<tr[^>]*data-id="btn-recv"[\s\S]*?<\/tr>/.exec(await page('/admin'))?.[0]).toContain('>担当者対応済み<');
    // Taken over again: held again.
    expect((await desk('takeover', { by: '鈴木' })).status).toBe(200);
    expect(await page('/admin/conversations/btn-recv')).toMatch(/data-held="1">担当者が対応中（[^）]+） · 鈴木</);
    expect((await desk('handback', { by: '鈴木' })).status).toBe(200);
  });
});
