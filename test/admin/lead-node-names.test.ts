/**
 * Round 36 (staff-36), left from staff-35's walk of the review page: nine device questions share one text and steps share
 * a ticket title across branches (「VPN・プロキシを一時オフ」 ×8, 「端末の再起動」 ×4), so a funnel row, a node table or a
 * conversation's path named two nodes alike; and a repeated line's occurrences were bare times (twelve
 * 「2026-12-08 00:34」 in a burst). Now questions carry a staff `title:` (「端末は？（通信の手順）」), a name two nodes still
 * share reads 「name · id」 on every page, and each occurrence link says which conversation (channel, short id) and where
 * and after which question of the bot's it was said (real server, real Redis, loopback HTTP; test wording reused from
 * earlier rounds' tests, team-written).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const lead = leadServer('lead-node-names-token-0123456789', 'leadnodenames', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

type Turn = { node: string; replies?: Array<{ choices?: Array<{ value: string }> }> };
/** The ask-back answered 「わかりません」, then the fetch branch's 「送信はできますか？」 answered with button `pick`, then the first buttons. */
async function walk(id: string, pick: number, clicks = 3): Promise<void> {
  await say(id, { text: 'Gmailが同期しない' });
  let out = (await say(id, { text: 'わかりません' })) as unknown as Turn;
  for (const p of [pick, 0, 0].slice(0, clicks)) {
    const choices = (out.replies ?? []).flatMap((r) => r.choices ?? []);
    out = (await say(id, { action: choices[Math.min(p, choices.length - 1)]!.value })) as unknown as Turn;
  }
}

const LINE = 'うーん';
beforeAll(async () => {
  await lead.start();
  await walk('nn-1', 0);
  await walk('nn-2', 1);
  // One unclear line (not understood each time), said first (nothing asked yet), at the menu and at a step.
  await say('nn-first-0123456789abcdef', { text: LINE });
  await say('nn-4', { text: 'メールの調子が悪い気がする' });
  await say('nn-4', { text: LINE });
  await walk('nn-5', 0, 2);
  await say('nn-5', { text: LINE });
  const turns: Record<string, number> = { 'nn-1': 5, 'nn-2': 5, 'nn-first-0123456789abcdef': 1, 'nn-4': 2, 'nn-5': 5 };
  await lead.settled((all) => Object.entries(turns).every(([id, n]) => (all.find((s) => s.id === id)?.turns ?? 0) >= n));
}, 90_000);
afterAll(() => lead.stop());

const rows = (html: string) => new Map([...html.matchAll(/class="rl"[^>]*>([^<]*)<\/text><text[^>]*class="rs"[^>]*>([^<]*)</g)].map((m) => [m[2]!, m[1]!]));

describe('staff tell same-named nodes apart', () => {
  it('names each device question by its own title in the funnel and the node table (ja, en)', async () => {
    const reached = async (node: string) => ((await api(`/admin/api/conversations?node=${node}`)).body.items as Array<{ id: string }>).map((i) => i.id);
    expect([(await reached('dev_device')).sort(), await reached('net_device')]).toEqual([['nn-1', 'nn-5'], ['nn-2']]);
    const ja = await page('/admin/analytics');
    expect(rows(ja).get('dev_device')).toBe('端末は？（再起動などの基本の手順）');
    expect(rows(ja).get('net_device')).toBe('端末は？（通信の手順）');
    expect(ja).toMatch(/<tr data-node="net_device"><td><a [^>]*>端末は？（通信の手順）<\/a>/);
    const en = await page('/admin/analytics?lang=en');
    expect(rows(en).get('dev_device')).toBe('Which device? (basic steps)');
    expect(rows(en).get('net_device')).toBe('Which device? (connection steps)');
  });

  it('names a step whose ticket title other steps share with its id where no id is beside it, and only once where one is', async () => {
    const ja = await page('/admin/analytics');
    // The funnel chart and the tables print the id beside the name: not twice.
    expect(rows(ja).get('dev_restart')).toBe('端末の再起動');
    expect(ja).toMatch(/<tr data-node="dev_restart"><td><a [^>]*>端末の再起動<\/a> <code class="small">dev_restart<\/code>/);
    const conv = await page('/admin/conversations/nn-1');
    expect(conv).toMatch(/<li>端末の再起動 <code>dev_restart<\/code><\/li>/);
    // A name no other node has stays as it is.
    expect(ja).toMatch(/<tr data-node="fetch_scope"><td><a [^>]*>送信はできますか？<\/a>/);
  });
});

describe('a repeated line says which conversation each occurrence is', () => {
  it('links each occurrence with the channel and short id, the place and the question it answered (ja, en)', async () => {
    const { body } = await api('/admin/api/improve');
    const group = (body.groups as Array<{ key: string; count: number; items: Array<Record<string, unknown>> }>).find((g) => g.key === LINE)!;
    expect(group.count).toBe(3);
    const byId = new Map(group.items.map((x) => [x.conversation as string, x]));
    expect(byId.get('nn-first-0123456789abcdef')).toMatchObject({ channel: 'web', nodeBefore: '' });
    expect(byId.get('nn-first-0123456789abcdef')!.question).toBeUndefined();
    expect(byId.get('nn-4')).toMatchObject({ channel: 'web', nodeBefore: 'menu', question: 'どんなふうにおかしいですか？' });
    expect(byId.get('nn-5')).toMatchObject({ channel: 'web', nodeBefore: 'dev_restart', question: 'iPhoneを再起動してください。' });

    const occurrences = (html: string) => {
      const row = [...html.matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes('data-count="3"'))!;
      const found = [...row.matchAll(/data-testid="improve-occurrence" title="([^"]*)">([^<]*)<\/a> <span class="muted" data-testid="improve-occurrence-where"[^>]*>([^<]*)</g)];
      return new Map(found.map((m) => [m[1]!, { link: m[2]!, where: m[3]! }]));
    };
    const ja = occurrences(await page('/admin/improve'));
    expect(ja.size).toBe(3);
    expect(ja.get('nn-first-0123456789abcdef')).toEqual({ link: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} · Web チャット · …89abcdef$/), where: '（開始） で' });
    expect(ja.get('nn-4')!.link).toMatch(/ · Web チャット · nn-4$/);
    // The menu (「どんなことでお困りですか？」) asked it in other words after an unclear first message: both are said.
    expect(ja.get('nn-4')!.where).toBe('どんなことでお困りですか？ で「どんなふうにおかしいですか？」への返事');
    // At a step: which step (told apart from the other 「端末の再起動」 steps) and what the bot had just asked.
    expect(ja.get('nn-5')!.where).toBe('端末の再起動 · dev_restart で「iPhoneを再起動してください。」への返事');
    // The row's node column (no id beside it) names the step the same way.
    expect(await page('/admin/improve')).toMatch(/data-testid="improve-node" data-node-before="dev_restart" data-node="dev_restart"><a [^>]*>端末の再起動 · dev_restart<\/a> → <b>端末の再起動 · dev_restart<\/b>/);
    const en = occurrences(await page('/admin/improve?lang=en'));
    expect(en.get('nn-first-0123456789abcdef')).toEqual({ link: expect.stringMatching(/ · Web chat · …89abcdef$/), where: 'at (start)' });
    expect(en.get('nn-5')!.where).toMatch(/^at Restart your device · dev_restart, answering “.+”$/);
  });
});

describe('from a row to the other messages at its node', () => {
  it('links where the line was said to the queue at that node, the filter kept (ja, en)', async () => {
    const html = await page('/admin/improve?reason=fallback&days=14');
    const row = [...html.matchAll(/<tr data-testid="improve-row"[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes('data-count="3"'))!;
    const link = /<a href="([^"]*)" data-testid="improve-node-filter"[^>]*>端末の再起動 · dev_restart<\/a>/.exec(row)?.[1]?.replaceAll('&amp;', '&');
    expect(link).toBe('/admin/improve?below=0.5&days=14&node=dev_restart&reason=fallback');
    const at = await page(link!);
    expect(at).toMatch(/data-testid="chip-node">発言したノード: 端末の再起動 \(dev_restart\)/);
    const rows = [...at.matchAll(/data-testid="improve-node" data-node-before="([^"]*)"/g)].map((m) => m[1]);
    expect(rows).toEqual(['dev_restart']);
    // Already filtered there: the place is not a link to itself.
    expect(at).not.toContain('data-testid="improve-node-filter"');
    // A first message opens the queue of first messages.
    const links = [...html.matchAll(/href="([^"]*)" data-testid="improve-node-filter"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(links).toContain('/admin/improve?below=0.5&days=14&node=%28start%29&reason=fallback');
    const en = [...(await page('/admin/improve?reason=fallback&days=14&lang=en')).matchAll(/href="([^"]*)" data-testid="improve-node-filter" title="Show only the messages written here">Restart your device · dev_restart</g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(en[0]).toBe('/admin/improve?below=0.5&days=14&node=dev_restart&lang=en&reason=fallback');
  });
});
