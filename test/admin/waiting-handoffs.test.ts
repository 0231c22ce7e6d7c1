/**
 * Round 17 (staff-17): a lead's first question every morning — "which hand-offs are waiting for a person?" — answered by the
 * /admin list, and the funnel telling "asked for a person here" (the step where they asked) apart from "handed over / ticket
 * filed" (the hand-off node). Real server, real Redis, web chat over HTTP on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, listedIds, requireBuild, runCli } from '../channels/cli/spawn.js';
import { REDIS_URL } from '../redis.js';
import { leadServer } from './client.js';

const lead = leadServer('waiting-handoffs-token-0123456789', 'lead17');
const { say, page, api } = lead;

/** Asks whether there is an outage, asks for a person there, and skips the form: a ticket, status escalated. */
async function escalateAtOutage(id: string): Promise<void> {
  await say(id, { text: '今障害起きてる？' });
  expect((await say(id, { text: '担当の人につないで' })).node).toBe('handoff');
  expect((await say(id, { action: 'skip' })).status).toBe('escalated');
}

const ESCALATED = ['w-waiting', 'w-assigned', 'w-taken'];

beforeAll(async () => {
  await lead.start();
  for (const id of ESCALATED) await escalateAtOutage(id);
  // The docomo password steps, two fail, then a person: asked at dc_reenter, one answer fills the ticket.
  await say('w-auth', { text: 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる' });
  await say('w-auth', { text: 'まだダメ' });
  await say('w-auth', { text: 'まだダメです' });
  expect((await say('w-auth', { text: '担当の人につないで' })).node).toBe('handoff');
  expect((await say('w-auth', { text: 'iPhone 15、iOS 18.1、今朝9時から毎回です' })).status).toBe('escalated');
  // Not escalated: the list's "waiting" must not show it.
  await say('w-active', { text: 'メールが届かない' });
  await lead.settled((all) => ['w-auth', 'w-active', ...ESCALATED].every((id) => all.some((s) => s.id === id && s.turns >= 1)) && all.filter((s) => s.status === 'escalated').length >= 4);
  expect((await api('/admin/api/conversations/w-assigned/assign', { method: 'POST', body: { by: '田中', to: '田中' } })).status).toBe(200);
  expect((await api('/admin/api/conversations/w-taken/takeover', { method: 'POST', body: { by: '佐藤' } })).status).toBe(200);
}, 90_000);
afterAll(() => lead.stop());

const ids = async (q: string) => ((await api(`/admin/api/conversations?${q}`)).body.items as Array<{ id: string }>).map((x) => x.id).sort();
const row = (html: string, id: string) => new RegExp(`<tr[^>]*data-id="${id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';

describe('escalations nobody holds', () => {
  it('the API lists escalated conversations nobody assigned or took over (holder=nobody), and those someone holds', async () => {
    expect(await ids('status=escalated')).toEqual(['w-assigned', 'w-auth', 'w-taken', 'w-waiting']);
    expect(await ids('status=escalated&holder=nobody')).toEqual(['w-auth', 'w-waiting']);
    expect(await ids('status=escalated&holder=staff')).toEqual(['w-assigned', 'w-taken']);
    // Handed back to the bot and nobody assigned: waiting again.
    expect((await api('/admin/api/conversations/w-taken/handback', { method: 'POST', body: { by: '佐藤' } })).status).toBe(200);
    expect(await ids('status=escalated&holder=nobody')).toEqual(['w-auth', 'w-taken', 'w-waiting']);
    expect((await api('/admin/api/conversations/w-taken/takeover', { method: 'POST', body: { by: '佐藤' } })).status).toBe(200);
    expect((await api('/admin/api/conversations?holder=someone')).status).toBe(400);
  });

  it('the list page offers the filter and shows who holds each conversation in its own column (ja and en)', async () => {
    const ja = await page('/admin?status=escalated&holder=nobody');
    expect(ja).toContain('担当者なし');
    expect(ja).toContain('data-testid="f-holder"');
    expect(row(ja, 'w-waiting')).toContain('data-testid="conversation-row"');
    expect(row(ja, 'w-assigned')).toBe('');
    const all = await page('/admin?status=escalated');
    expect(row(all, 'w-assigned')).toMatch(/data-testid="holder"[\s\S]*田中/);
    expect(row(all, 'w-taken')).toMatch(/data-testid="holder"[\s\S]*佐藤/);
    expect(row(all, 'w-waiting')).toMatch(/data-testid="holder"[\s\S]*未対応/);
    const en = await page('/admin?status=escalated&lang=en');
    expect(en).toContain('Holder');
    expect(row(en, 'w-waiting')).toContain('Nobody yet');
    expect(row(en, 'w-taken')).toMatch(/Taken over[\s\S]*佐藤/);
  });
});

describe('mailmedic transcripts list --holder', () => {
  it('lists the hand-offs waiting for a person from the command line, and refuses an unknown holder naming the flag', async () => {
    requireBuild();
    const env = childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix });
    const listed = (...args: string[]) => listedIds(env, ...args);
    const waiting = await listed('--outcome', 'escalated', '--holder', 'nobody');
    expect(waiting).toContain('w-waiting');
    expect(waiting).not.toContain('w-assigned');
    expect(await listed('--outcome', 'escalated', '--holder', 'staff')).toContain('w-assigned');
    const bad = await runCli(['transcripts', 'list', '--holder', 'someone'], '', env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--holder must be one of nobody, staff');
  }, 60_000);
});

describe('the funnel at the hand-off node', () => {
  it('counts "asked for a person" where they asked and "handed over / tickets" at the hand-off node, not "went on"', async () => {
    const a = (await api('/admin/api/analytics')).body;
    const at = (node: string) => (a.funnel as Array<Record<string, number | string>>).find((r) => r.node === node)!;
    expect(at('outage_status').escalated).toBe(3);
    expect(at('dc_reenter').escalated).toBe(1);
    const handoff = at('handoff');
    expect(handoff.reached).toBe(4);
    expect(handoff.escalated).toBe(0);
    expect(handoff.handedOver).toBe(4);
    expect(handoff.tickets).toBe(4);

    const html = await page('/admin/analytics');
    // (Since round 29 a count is a link to the conversations behind it: compared without the link.)
    const tableRow = (/<tr data-node="handoff">[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '').replace(/<a [^>]*>(\d+)<\/a>/g, '$1');
    expect(tableRow).toContain('<td class="num" data-col="handed_over">4</td>');
    expect(tableRow).toContain('<td class="num" data-col="tickets">4</td>');
    expect(html).toContain('ここで担当者を希望');
    // The hand-off bar's tooltip says what happened there, and nobody "went on".
    const bar = /<title>[^<]*\(handoff\)[^<]*<\/title>/.exec(html)?.[0] ?? '';
    expect(bar).toContain('担当者へ引き継ぎ 4');
    expect(bar).toContain('次へ進んだ 0');
    const en = await page('/admin/analytics?lang=en');
    expect(en).toContain('Asked for a person here');
    expect(/<title>[^<]*\(handoff\)[^<]*<\/title>/.exec(en)?.[0]).toContain('Handed to a person 4');
  });
});
