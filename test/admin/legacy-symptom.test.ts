/**
 * Conversations recorded before a button recorded its symptom (no `symptom` on the turns nor on the summary): /admin
 * derives it at read time from what was stored — the node the click was made at and the button's value, read against
 * the tree's `symptom:` options — instead of showing "no symptom". Real server, transcripts in real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textTurn } from '../transcripts/fixtures.js';
import { leadServer } from './client.js';

const lead = leadServer('legacy-symptom-token-0123456789', 'legacy');
const { page, api } = lead;
const T = Date.now() - 60_000;

beforeAll(async () => {
  await lead.start();
  const append = (turn: Parameters<typeof lead.app.core.transcripts.append>[0]) => lead.app.core.transcripts.append(turn);
  // As recorded before the change: a greeting, the menu, then [受信できない] clicked (no symptom kept anywhere).
  const greeting = { text: 'こんにちは', intent: 'greeting' as const, node: 'menu', replies: [{ key: 'tree.menu.say', text: 'どんなことでお困りですか？', choices: [{ label: '受信できない', value: 'receive' }] }] };
  await append(textTurn('legacy-click', T, greeting));
  await append(textTurn('legacy-click', T + 1000, { text: undefined, intent: undefined, confidence: undefined, entities: undefined, action: 'receive', node: 'fetch_airplane' }));
  // A click that chose no symptom ([やり方を知りたい] opens a menu): still nothing to show.
  await append(textTurn('legacy-none', T, greeting));
  await append(textTurn('legacy-none', T + 1000, { text: undefined, intent: undefined, confidence: undefined, entities: undefined, action: 'howto', node: 'howto_menu' }));
}, 60_000);
afterAll(() => lead.stop());

describe('a conversation recorded before buttons kept their symptom', () => {
  it('shows the symptom the clicked menu button stands for, on the list, the conversation page and its API', async () => {
    const list = await page('/admin');
    const row = (id: string) => new RegExp(`data-id="${id}"[\\s\\S]*?</tr>`).exec(list)?.[0] ?? '';
    expect(row('legacy-click')).toContain('メールを取得できない');
    expect(row('legacy-click')).not.toContain('（症状なし）');
    const one = await page('/admin/conversations/legacy-click');
    expect(one).toMatch(/<dd>メールを取得できない<\/dd>/);
    const json = await api('/admin/api/conversations/legacy-click');
    expect(json.body.summary.symptom).toBe('error_cannot_fetch');
  });

  it('leaves a conversation whose buttons chose no symptom without one', async () => {
    const list = await page('/admin');
    const row = new RegExp(`data-id="legacy-none"[\\s\\S]*?</tr>`).exec(list)?.[0] ?? '';
    expect(row).toContain('（症状なし）');
    expect((await api('/admin/api/conversations/legacy-none')).body.summary.symptom).toBeUndefined();
  });
});
