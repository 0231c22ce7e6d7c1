/**
 * Round 34 (staff-34): "came back" as a lead counts it.
 * - The window was a constant (7 days, query.ts CAME_BACK_DAYS): now CAME_BACK_DAYS in the environment (zod-checked at
 *   start, the variable named on a bad value), and the list's 戻り・繰り返し option says the window it uses.
 * - The analytics did not count returns: /admin/analytics, GET /admin/api/analytics (`cameBack`) and
 *   `mailmedic transcripts came-back` now give the fixed conversations and how many came back — in total, by symptom, by
 *   the step that fixed it and by device — counted as the list's `again=came_back` (each count opens those conversations).
 * Real server with CAME_BACK_DAYS=14, real Redis, loopback HTTP; one fix dated 10 days back written straight into the store
 * (inside 14 days, outside the default 7). Test wording reused from lead-came-back (staff-33).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { REDIS_URL } from '../redis.js';
import { childEnv, requireBuild, runCli } from '../channels/cli/spawn.js';
import { leadServer } from './client.js';

const lead = leadServer('lead-cbcount-token-0123456789', 'leadcbcount', { TIME_ZONE: 'Asia/Tokyo', CAME_BACK_DAYS: '14' });
const { page, api } = lead;

const say = lead.sayAs;

beforeAll(async () => {
  await lead.start();
  // u1 (iPhone): fixed, back the same day on the same symptom in a new conversation.
  await say('cc-fix1', 'u1', { text: 'iPhoneでドコモメールが届かない' });
  expect((await say('cc-fix1', 'u1', { action: 'resolved' })).status).toBe('resolved');
  await say('cc-ret1', 'u1', { text: 'ドコモメールが届かない' });
  // u2: fixed, never back.
  await say('cc-fix2', 'u2', { text: 'ドコモメールが届かない' });
  await say('cc-fix2', 'u2', { action: 'resolved' });
  // u3: fixed 10 days ago (inside CAME_BACK_DAYS=14, outside the default 7), back today.
  const old = Date.now() - 10 * 86_400_000;
  const base = { conversation: 'cc-old3', channel: 'web' as const, userId: 'u3', replies: [], durationMs: 5 };
  await lead.app.core.transcripts.append({ ...base, atMs: old, text: 'ドコモメールが届かない', intent: 'mail_not_arriving', symptom: 'mail_not_arriving', node: 'arrive_junk', status: 'active' });
  await lead.app.core.transcripts.append({ ...base, atMs: old + 60_000, action: 'resolved', symptom: 'mail_not_arriving', node: 'arrive_resolved', status: 'resolved' });
  await say('cc-ret3', 'u3', { text: 'ドコモメールが届かない' });
  // u4: fixed, then wrote again in the same conversation.
  await say('cc-in4', 'u4', { text: 'ドコモメールが届かない' });
  await say('cc-in4', 'u4', { action: 'resolved' });
  expect((await say('cc-in4', 'u4', { text: 'やっぱりまた届かなくなりました' })).status).toBe('active');
  const want: Record<string, number> = { 'cc-fix1': 2, 'cc-ret1': 1, 'cc-fix2': 2, 'cc-old3': 2, 'cc-ret3': 1, 'cc-in4': 3 };
  await lead.settled((all) => Object.entries(want).every(([id, n]) => (all.find((s) => s.id === id)?.turns ?? 0) >= n));
}, 90_000);
afterAll(() => lead.stop());

type Row = { fixed: number; cameBack: number; inNewConversation: number };
type Counts = Row & { days: number; bySymptom: Array<Row & { intent: string }>; byNode: Array<Row & { node: string }>; byDevice: Array<Row & { device: string }> };

describe('CAME_BACK_DAYS', () => {
  it('is 7 unless set, and a bad value stops the start naming the variable', () => {
    expect(loadConfig({}).env.CAME_BACK_DAYS).toBe(7);
    expect(loadConfig({ CAME_BACK_DAYS: '14' }).env.CAME_BACK_DAYS).toBe(14);
    for (const bad of ['0', 'a week', '1.5', '400']) expect(() => loadConfig({ CAME_BACK_DAYS: bad }), bad).toThrow(/CAME_BACK_DAYS/);
  });

  it('decides what the list calls came back, and the list says the window (ja, en)', async () => {
    const ids = ((await api('/admin/api/conversations?again=came_back')).body.items as Array<{ id: string; cameBackIn?: Array<{ id: string }> }>).filter((x) => x.id.startsWith('cc-'));
    expect(ids.map((x) => x.id).sort()).toEqual(['cc-fix1', 'cc-in4', 'cc-old3']);
    expect(ids.find((x) => x.id === 'cc-old3')?.cameBackIn?.map((x) => x.id)).toEqual(['cc-ret3']);
    expect(await page('/admin')).toContain('<option value="came_back">「直った」のあと戻ってきた（14日以内の新しい会話も）</option>');
    expect(await page('/admin?lang=en')).toContain('(or a new conversation within 14 days)</option>');
  });
});

describe('came back on the conversation page', () => {
  it('says it where a lead answers: the fix this person came back from, and the return after a fix', async () => {
    const block = (html: string) => /<div class="flags" data-testid="conversation-came-back">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(block(await page('/admin/conversations/cc-ret3'))).toMatch(/href="\/admin\/conversations\/cc-old3" data-testid="list-came-back-from" data-id="cc-old3">[^<]*前の「直った」から戻ってきた →/);
    expect(block(await page('/admin/conversations/cc-old3'))).toMatch(/href="\/admin\/conversations\/cc-ret3" data-testid="list-came-back-in" data-id="cc-ret3">[^<]*後に同じ症状で戻ってきた →/);
    expect(block(await page('/admin/conversations/cc-in4'))).toContain('「直った」のあと戻ってきた');
    expect(await page('/admin/conversations/cc-fix2')).not.toContain('data-testid="conversation-came-back"');
    expect(block(await page('/admin/conversations/cc-ret1?lang=en'))).toMatch(/after a “fixed” conversation →/);
  });
});

describe('came back in the analytics', () => {
  it('counts the fixes and the returns, by symptom, fixing step and device, as the list lists them (JSON API)', async () => {
    const { body } = await api('/admin/api/analytics');
    const c = body.cameBack as Counts;
    expect(c.days).toBe(14);
    expect([c.fixed, c.cameBack, c.inNewConversation]).toEqual([4, 3, 2]);
    expect(c.bySymptom).toEqual([{ intent: 'mail_not_arriving', fixed: 4, cameBack: 3, inNewConversation: 2 }]);
    expect(c.byDevice.find((r) => r.device === 'iphone')).toEqual({ device: 'iphone', fixed: 1, cameBack: 1, inNewConversation: 1 });
    expect(c.byNode.reduce((n, r) => n + r.fixed, 0)).toBe(4);
    // The same number the list gives for the same range and filter.
    const listed = await api(`/admin/api/conversations?again=came_back&from=${body.from}&to=${body.to}`);
    expect(listed.body.total).toBe(c.cameBack);
    // Narrowed to iPhone: cc-ret1 named no device, yet it is still cc-fix1's return (returns are found over every conversation).
    const iphone = (await api('/admin/api/analytics?device=iphone')).body.cameBack as Counts;
    expect([iphone.fixed, iphone.cameBack, iphone.inNewConversation]).toEqual([1, 1, 1]);
    // Every fixing step's came-back count opens exactly its conversations.
    for (const r of c.byNode.filter((x) => x.cameBack > 0)) {
      const at = await api(`/admin/api/conversations?again=came_back&node=${r.node}&funnel=resolved&from=${body.from}&to=${body.to}`);
      expect(at.body.total, r.node).toBe(r.cameBack);
    }
  });

  it('shows them on the page with links into the list, and the window (ja, en)', async () => {
    const ja = await page('/admin/analytics');
    expect(ja).toMatch(/data-testid="kpi-came-back"><span class="kv-label">戻ってきた（14日以内）<\/span><b><a href="\/admin\?[^"]*again=came_back[^"]*">3<\/a><\/b>/);
    expect(ja).toContain('<h2>「直った」のあと戻ってきた（14日以内）</h2>');
    const symptomRow = /<table class="list" data-testid="came-back-symptoms">[\s\S]*?<tr data-key="mail_not_arriving">([\s\S]*?)<\/tr>/.exec(ja)?.[1] ?? '';
    expect(symptomRow).toMatch(/data-col="fixed"><a href="[^"]*outcome=resolved[^"]*">4<\/a>/);
    expect(symptomRow).toMatch(/data-col="came_back"><a href="[^"]*symptom=mail_not_arriving[^"]*again=came_back[^"]*">3<\/a>/);
    expect(symptomRow).toContain('data-col="in_new">2<');
    expect(symptomRow).toContain('data-col="rate">75.0%<');
    expect(ja).toMatch(/data-testid="came-back-devices">[\s\S]*<tr data-key="iphone"><td>iPhone<\/td>/);
    const en = await page('/admin/analytics?lang=en');
    expect(en).toContain('Came back (within 14 days)');
    expect(en).toContain('<h2>Came back after “fixed” (within 14 days)</h2>');
  });

  it('gives the same numbers in the terminal: mailmedic transcripts came-back', async () => {
    requireBuild();
    const env = childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix, TIME_ZONE: 'Asia/Tokyo', CAME_BACK_DAYS: '14' });
    const json = await runCli(['transcripts', 'came-back', '--json'], '', env);
    expect(json.code, json.stderr).toBe(0);
    const c = JSON.parse(json.stdout) as Counts;
    expect([c.days, c.fixed, c.cameBack, c.inNewConversation]).toEqual([14, 4, 3, 2]);
    expect(c.bySymptom[0]).toEqual({ intent: 'mail_not_arriving', fixed: 4, cameBack: 3, inNewConversation: 2 });
    const text = await runCli(['transcripts', 'came-back', '--device', 'iphone'], '', env);
    expect(text.stdout).toContain('came back within 14 days');
    expect(text.stdout).toMatch(/all\s+fixed\s+1\s+came back\s+1\s+\(new conversation 1\)\s+100\.0%/);
    const bad = await runCli(['transcripts', 'came-back', '--device', 'pc'], '', env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--device');
  });
});
