/**
 * Round 31 (staff-31): "which step of the tree fails most this week and for whom — and compare with the week before".
 * /admin/analytics took a date range only: the funnel of docomo's people could not be read apart from au's, nor one
 * symptom's, and the week before was two dates typed by hand. Now `carrier` and `symptom` (the symptom the list's filter
 * reads) narrow the analytics page and GET /admin/api/analytics, every count's link carries them to the list, and
 * 「← 前の同じ長さの期間」 / "← The period before" opens the range of the same length just before. The English / 日本語 switch
 * kept no filter at all (`?lang=en`): it keeps the page's query now (real server, real Redis).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previousRange } from '../../src/admin/analytics.js';
import { leadServer } from './client.js';

const lead = leadServer('lead-forwhom-token-0123456789', 'leadforwhom', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  // Three docomo people at the junk-folder step (one fixed there), two au people who cannot send.
  for (const id of ['fw-d1', 'fw-d2', 'fw-d3']) expect((await say(id, { text: 'ドコモメールが届かない' })).node).toBe('arrive_junk');
  await say('fw-d3', { action: 'resolved' });
  for (const id of ['fw-a1', 'fw-a2']) await say(id, { text: 'auのメールが送れない' });
  await lead.settled((all) => all.length >= 5 && (all.find((s) => s.id === 'fw-d3')?.turns ?? 0) >= 2);
}, 90_000);
afterAll(() => lead.stop());

describe('the analytics for one carrier or one symptom', () => {
  it('counts only that carrier’s (or symptom’s) conversations, in the API and on the page', async () => {
    const all = (await api('/admin/api/analytics')).body;
    expect(all.total).toBe(5);
    const docomo = (await api('/admin/api/analytics?carrier=docomo')).body;
    expect(docomo.total).toBe(3);
    expect(docomo.carrier).toBe('docomo');
    expect(docomo.funnel.find((r: { node: string }) => r.node === 'arrive_junk').reached).toBe(3);
    const au = (await api('/admin/api/analytics?carrier=au')).body;
    expect(au.total).toBe(2);
    expect(au.funnel.find((r: { node: string }) => r.node === 'arrive_junk')).toBeUndefined();
    const send = (await api('/admin/api/analytics?symptom=error_send')).body;
    expect(send.total).toBe(2);
    expect(send.symptom).toBe('error_send');
    // An unknown carrier is no filter (as an unreadable date is the default range).
    expect((await api('/admin/api/analytics?carrier=nokia')).body.total).toBe(5);
  });
  it('keeps the choice in the form and carries it into every link to the list', async () => {
    const html = await page('/admin/analytics?carrier=docomo');
    expect(html).toMatch(/<select name="carrier" data-testid="a-carrier">[\s\S]*?<option value="docomo" selected>/);
    expect(html).toContain('data-testid="a-symptom"');
    // The funnel's count at the junk-folder step opens the docomo people behind it.
    const link = html.match(/href="([^"]*node=arrive_junk[^"]*)"/)![1]!.replace(/&amp;/g, '&');
    expect(link).toContain('carrier=docomo');
    const listed = await page(link);
    expect(listed).toContain('fw-d1');
    expect(listed).not.toContain('fw-a1');
    const en = await page('/admin/analytics?lang=en&symptom=error_send');
    expect(en).toMatch(/<option value="error_send" selected>/);
    expect(en).toContain('Any symptom');
  });
  it('opens the period of the same length just before: the week before a week', async () => {
    expect(previousRange({ from: '2026-11-30', to: '2026-12-06' })).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    expect(previousRange({ from: '2026-03-01', to: '2026-03-01' })).toEqual({ from: '2026-02-28', to: '2026-02-28' });
    const html = await page('/admin/analytics?from=2026-11-30&to=2026-12-06&carrier=au');
    const prev = html.match(/<a href="([^"]*)" data-testid="prev-range">([^<]*)</)!;
    expect(prev[1]!.replace(/&amp;/g, '&')).toMatch(/^\/admin\/analytics\?(?=.*from=2026-11-23)(?=.*to=2026-11-29)(?=.*carrier=au)/);
    expect(prev[2]).toBe('← 前の同じ長さの期間');
  });
  it('switches language without dropping the range, the carrier or the list’s filters', async () => {
    const lang = (html: string) => html.match(/<a class="lang" href="([^"]*)"/)![1]!.replace(/&amp;/g, '&');
    const a = lang(await page('/admin/analytics?from=2026-11-30&to=2026-12-06&carrier=au'));
    expect(a).toMatch(/^\?(?=.*from=2026-11-30)(?=.*to=2026-12-06)(?=.*carrier=au)(?=.*lang=en)/);
    const back = lang(await page('/admin?status=escalated&holder=nobody&lang=en'));
    expect(back).toMatch(/^\?(?=.*status=escalated)(?=.*holder=nobody)(?=.*lang=ja)/);
    expect(back.match(/lang=/g)).toHaveLength(1);
    // Search text never goes into a URL.
    expect(lang(await page('/admin?text=IMAP&carrier=au'))).not.toContain('IMAP');
  });
});
