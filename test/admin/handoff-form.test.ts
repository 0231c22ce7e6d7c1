/**
 * Round 18 (staff-18), a lead finding the hand-offs waiting for a person. Someone who asks for a person is told
 * 「ここからは担当者に引き継ぎます」 and asked the hand-off form; until the form is answered there is no ticket, and the
 * conversation was `active` — then, 30 minutes later, `abandoned`. So 担当者を待っている引き継ぎ (status=escalated,
 * holder=nobody) did not list them, the 担当 column said —, and nothing else (no ticket, no Slack/Teams notice) told the
 * desk: a person promised a person was seen by nobody. Now a conversation stopped at a hand-off node without a ticket
 * reads `escalated` (however long ago), in the list, its filters, the conversation page, the analytics' outcome (the
 * hand-off node's 「担当者へ引き継ぎ n（うちチケット起票 m）」 counts it in n, not in m) and `mailmedic transcripts`.
 * The password typed into the form stays masked everywhere. Real server, real Redis, loopback HTTP, the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handoffNodes, reviewStatus } from '../../src/transcripts/query.js';
import { childEnv, requireBuild, runCli } from '../channels/cli/spawn.js';
import { REDIS_URL } from '../redis.js';
import { leadServer } from './client.js';

const lead = leadServer('handoff-form-token-0123456789', 'handoffform');
const { say, page, api } = lead;
const SECRET = 'abc12345xy';

beforeAll(async () => {
  await lead.start();
  // Asked for a person; answered part of the form (with a password by mistake); no ticket yet.
  expect((await say('hf-form', { text: '担当者と話したい' })).node).toBe('handoff');
  const partial = await say('hf-form', { text: `iPhone 12、iOS 17.2、先週から毎回。パスワードは${SECRET}です` });
  expect(partial).toMatchObject({ node: 'handoff', status: 'active' });
  expect(partial.ticket).toBeUndefined();
  // Asked for a person and answered the whole form: a ticket.
  await say('hf-filed', { text: '担当者と話したい' });
  expect((await say('hf-filed', { text: 'iPhone 15、iOS 18.1、ドコモメール、「メールを取得できません」と出る、今朝9時から毎回です' })).status).toBe('escalated');
  // Still with the bot.
  await say('hf-active', { text: 'メールが届かない' });
  await lead.settled((all) => ['hf-form', 'hf-filed', 'hf-active'].every((id) => all.some((s) => s.id === id)) && (all.find((s) => s.id === 'hf-form')?.turns ?? 0) >= 2);
}, 90_000);
afterAll(() => lead.stop());

const ids = async (q: string) => ((await api(`/admin/api/conversations?${q}`)).body.items as Array<{ id: string }>).map((x) => x.id).sort();
const row = (html: string, id: string) => new RegExp(`<tr[^>]*data-id="${id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';

describe('a hand-off stopped at the form (no ticket yet)', () => {
  it('is among the hand-offs waiting for a person, on the API and the list page (ja and en)', async () => {
    expect(await ids('status=escalated&holder=nobody')).toEqual(['hf-filed', 'hf-form']);
    expect(await ids('status=active')).toEqual(['hf-active']);
    const ja = await page('/admin?status=escalated&holder=nobody');
    expect(row(ja, 'hf-form')).toMatch(/data-testid="holder"[\s\S]*未対応/);
    const en = await page('/admin?lang=en');
    expect(row(en, 'hf-form')).toContain('Nobody yet');
    expect((await api('/admin/api/conversations/hf-form')).body.summary.review).toBe('escalated');
    for (const text of [ja, en, await page('/admin/conversations/hf-form'), JSON.stringify((await api('/admin/api/conversations/hf-form')).body)]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it('stays waiting after the abandon time (it is not "abandoned"), and counts as handed over without a ticket', async () => {
    const summary = (await lead.app.core.transcripts.summary('hf-form'))!;
    const later = { nowMs: summary.updatedAtMs + 3 * 3_600_000, abandonAfterMs: 30 * 60_000 };
    expect(reviewStatus(summary, { ...later, handoffNodes: handoffNodes(lead.app.core.tree) })).toBe('escalated');
    const analytics = (await api('/admin/api/analytics')).body as { funnel: Array<{ node: string; handedOver: number; tickets: number }> };
    expect(analytics.funnel.find((r) => r.node === 'handoff')).toMatchObject({ handedOver: 2, tickets: 1 });
    expect((await api('/admin/api/analytics')).body.counts).toMatchObject({ escalated: 2, active: 1 });
  });

  it('is listed by `mailmedic transcripts list --status escalated --holder nobody`, password masked', async () => {
    requireBuild();
    const run = await runCli(['transcripts', 'list', '--status', 'escalated', '--holder', 'nobody'], '', childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix }));
    expect(run.stdout).toContain('hf-form');
    expect(run.stdout).toContain('hf-filed');
    expect(run.stdout).not.toContain('hf-active');
    const shown = await runCli(['transcripts', 'show', 'hf-form'], '', childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix }));
    expect(shown.stdout).toMatch(/^conversation hf-form {2}escalated/);
    expect(run.stdout + shown.stdout).not.toContain(SECRET);
  });
});
