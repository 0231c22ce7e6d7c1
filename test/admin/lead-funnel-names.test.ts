/**
 * Round 35 (staff-35), found walking /admin/analytics as a lead on a seeded store: eight device questions share one text
 * (「お使いの端末を教えてください（iPhone…」 / "Which device is it?": dev_device, net_device, chg_device …), so the funnel showed
 * the same line several times, told apart only by the small grey id. A name that several funnel rows share now says where
 * the node leads (「… → 端末の再起動」); a suffix that tells nothing apart is left off (real server, real Redis, loopback
 * HTTP; test wording). Round 36 replaced the 「→ where it leads」 suffix by the questions' own `title:` (lead-node-names).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-funnel-names-token-0123456789', 'leadfunnelnames', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

type Turn = { node: string; replies?: Array<{ choices?: Array<{ value: string }> }> };
/** The ask-back answered 「わかりません」, then the fetch branch's 「送信はできますか？」 answered with button `pick`, then the first buttons. */
async function walk(id: string, pick: number): Promise<void> {
  await say(id, { text: 'Gmailが同期しない' });
  let out = (await say(id, { text: 'わかりません' })) as unknown as Turn;
  for (const p of [pick, 0]) {
    const choices = (out.replies ?? []).flatMap((r) => r.choices ?? []);
    out = (await say(id, { action: choices[Math.min(p, choices.length - 1)]!.value })) as unknown as Turn;
  }
}

beforeAll(async () => {
  await lead.start();
  await walk('fn-1', 0);
  await walk('fn-2', 1);
  await lead.settled((all) => ['fn-1', 'fn-2'].every((id) => (all.find((s) => s.id === id)?.turns ?? 0) >= 4));
}, 90_000);
afterAll(() => lead.stop());

const rows = (html: string) => new Map([...html.matchAll(/class="rl"[^>]*>([^<]*)<\/text><text[^>]*class="rs"[^>]*>([^<]*)</g)].map((m) => [m[2]!, m[1]!]));

describe('the funnel tells nodes that share a text apart', () => {
  it('names each device question by its own title (ja, en); since round 36 no longer by where it leads', async () => {
    const reached = async (node: string) => ((await api(`/admin/api/conversations?node=${node}`)).body.items as Array<{ id: string }>).map((i) => i.id);
    expect([await reached('dev_device'), await reached('net_device')]).toEqual([['fn-1'], ['fn-2']]);
    const ja = rows(await page('/admin/analytics'));
    // Round 36 (staff-36): the questions carry a staff `title:`; a name still shared reads 「name · id」.
    expect(ja.get('dev_device')).toBe('端末は？（再起動などの基本の手順）');
    expect(ja.get('net_device')).toBe('端末は？（通信の手順）');
    const en = rows(await page('/admin/analytics?lang=en'));
    expect(en.get('dev_device')).toBe('Which device? (basic steps)');
    expect(en.get('net_device')).not.toBe(en.get('dev_device'));
    // A name no other row shares stays as it is.
    expect(ja.get('fetch_scope')).toBe('送信はできますか？');
  });
});
