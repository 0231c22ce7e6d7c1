/**
 * Round 29 (staff-29): the symptom a conversation ended on, and the steps left by a correction of the symptom, through
 * the real transcript stores (memory and Redis).
 * - the summary's `symptom` is the FIRST symptom (a documented meaning, kept); `lastSymptom` (an addition) is the
 *   engine's branch after the latest turn: the corrected symptom after 「いや、全部のメールが届かないです」, the menu's
 *   choice after 「どれでもない」. The list's symptom filter and the analytics count it, each conversation once.
 * - the funnel's `rerouted` (an addition): conversations that left a step by correcting the symptom (rule `reroute`).
 * - the exports: JSON Lines' `lastSymptom` and each turn's `rule` and `symptom`; CSV columns `rule` and `symptom`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDialogs } from '../../src/data/load.js';
import type { DialogTree } from '../../src/data/schemas.js';
import { CSV_COLUMNS, loadConversations, toCsvRows, toJsonLine } from '../../src/transcripts/export.js';
import { analyticsSymptom, computeAnalytics, findConversations } from '../../src/transcripts/query.js';
import type { TranscriptStore } from '../../src/transcripts/types.js';
import { DAY, MIN, T0, textTurn as turn } from './fixtures.js';
import { transcriptStores } from './redis-connections.js';

const NOW = T0 + DAY;
const ctx = { nowMs: NOW, abandonAfterMs: 30 * MIN };
const tree = loadDialogs().tree as DialogTree;

/**
 *  e1  「一部のメールが届かない」 → junk-folder step → 「いや、全部のメールが届かないです」 (reroute) → fetch_scope → left
 *  e2  「Gmailが同期しない」 → 「…ということでしょうか？」 → [どれでもない] → menu → [通知が来ない] → push step → 解決
 *  e3  a correction, then a ticket for the corrected symptom
 *  e4  recorded before round 29: no turn `symptom` — the ticket's symptom counts, as before
 *  e5  「メールがおかしい」 (the symptom model reads error_cannot_fetch) → the menu (rule vague_first_message), then
 *      silence: the bot never acted on a symptom, so it counts under none
 *  e6  「Gmailが同期しない」 → 「…ということでしょうか？」 → [どれでもない] → the menu, then silence: not the guess turned down
 */
async function record(store: TranscriptStore): Promise<void> {
  for (const t of [
    turn('e1', T0, { text: '一部のメールが届かない', intent: 'mail_not_arriving', symptom: 'mail_not_arriving', rule: 'outside_conversation', node: 'arrive_junk' }),
    turn('e1', T0 + MIN, { text: 'いや、全部のメールが届かないです', intent: 'mail_not_arriving', symptom: 'error_cannot_fetch', rule: 'reroute', node: 'fetch_scope' }),
    turn('e2', T0 + 2 * MIN, { text: 'Gmailが同期しない', intent: 'error_cannot_fetch', rule: 'clarify_symptom', node: 'clarify_symptom' }),
    turn('e2', T0 + 3 * MIN, { text: undefined, action: 'clarify:none', intent: null, node: 'menu' }),
    turn('e2', T0 + 4 * MIN, { text: undefined, action: 'push', intent: null, symptom: 'error_push', node: 'push_manual' }),
    turn('e2', T0 + 5 * MIN, { text: undefined, action: 'resolved', intent: null, symptom: 'error_push', node: 'resolved', status: 'resolved' }),
    turn('e3', T0 + 6 * MIN, { text: '一部のメールが届かない', intent: 'mail_not_arriving', symptom: 'mail_not_arriving', node: 'arrive_junk' }),
    turn('e3', T0 + 7 * MIN, { text: 'いや、全部届かない', intent: 'mail_not_arriving', symptom: 'error_cannot_fetch', rule: 'reroute', node: 'fetch_scope' }),
    turn('e3', T0 + 8 * MIN, { text: '担当者と話したい', intent: 'request_human', symptom: 'error_cannot_fetch', rule: 'wants_person', node: 'handoff', status: 'escalated', events: [{ type: 'ticket', id: 'MM-3', intent: 'error_cannot_fetch' }] }),
    turn('e4', T0 + 9 * MIN, { text: '一部のメールが届かない', intent: 'mail_not_arriving', node: 'arrive_junk' }),
    turn('e4', T0 + 10 * MIN, { text: '担当者と話したい', intent: 'request_human', node: 'handoff', status: 'escalated', events: [{ type: 'ticket', id: 'MM-4', intent: 'error_send' }] }),
    turn('e5', T0 + 11 * MIN, { text: 'メールがおかしい', intent: 'error_cannot_fetch', rule: 'vague_first_message', node: 'menu' }),
    turn('e6', T0 + 12 * MIN, { text: 'Gmailが同期しない', intent: 'error_cannot_fetch', rule: 'clarify_symptom', node: '' }),
    turn('e6', T0 + 13 * MIN, { text: undefined, action: 'clarify:none', intent: null, node: 'menu' }),
  ])
    await store.append(t);
}

const stores = transcriptStores('ended-symptom', () => NOW);

describe.each(stores)('the symptom a conversation ended on (%s store)', (_name, make) => {
  let store: TranscriptStore;
  beforeAll(async () => {
    store = await make();
    await record(store);
  });
  const ids = async (symptom: Parameters<typeof findConversations>[1]['symptom']) => (await findConversations(store, { symptom }, ctx)).map((s) => s.id).sort();

  it('the summary keeps the first symptom and adds the one it ended on', async () => {
    expect(await store.summary('e1')).toMatchObject({ symptom: 'mail_not_arriving', lastSymptom: 'error_cannot_fetch' });
    // The guess turned down with 「どれでもない」 is the first symptom intent; the menu's choice is where it ended.
    expect(await store.summary('e2')).toMatchObject({ symptom: 'error_cannot_fetch', lastSymptom: 'error_push' });
    expect(await store.summary('e5')).toMatchObject({ symptom: 'error_cannot_fetch', lastSymptom: null });
    expect(await store.summary('e6')).toMatchObject({ symptom: 'error_cannot_fetch', lastSymptom: null });
  });

  it('the symptom filter lists a conversation under the symptom it ended on, not the opening one', async () => {
    expect(await ids('error_cannot_fetch')).toEqual(['e1', 'e3']);
    expect(await ids('mail_not_arriving')).toEqual([]);
    expect(await ids('error_push')).toEqual(['e2']);
    // A ticket's symptom counts when the engine's branch does not say (e4's turns carry none).
    expect(await ids('error_send')).toEqual(['e4']);
  });

  it('a summary with no lastSymptom (stored before round 29) still counts its ticket’s, else its first symptom', () => {
    const old = { symptom: 'mail_not_arriving', ticketSymptom: undefined } as const;
    expect(analyticsSymptom(old)).toBe('mail_not_arriving');
    expect(analyticsSymptom({ ...old, ticketSymptom: 'error_send' })).toBe('error_send');
    // Recorded since: the symptom model's unconfirmed reading (e5) is no symptom.
    expect(analyticsSymptom({ ...old, lastSymptom: null })).toBeUndefined();
  });

  it('analytics count each conversation once, under the symptom it ended on', async () => {
    const a = computeAnalytics(await store.summaries(), { ...ctx, tree, utcOffset: 540 });
    expect(a.topSymptoms.map((r) => [r.intent, r.count])).toEqual([
      ['error_cannot_fetch', 2],
      ['error_push', 1],
      ['error_send', 1],
    ]);
    // 「メールがおかしい」 left at the menu, a guess turned down: the bot never acted on a symptom.
    expect(a.noSymptom).toBe(2);
    expect(a.topSymptoms.reduce((n, r) => n + r.count, 0) + a.noSymptom).toBe(a.total);
  });

  it('the funnel counts the steps left by a correction of the symptom (the opening walk stays visible)', async () => {
    const a = computeAnalytics(await store.summaries(), { ...ctx, tree, utcOffset: 540 });
    const row = (node: string) => a.funnel.find((r) => r.node === node);
    expect(row('arrive_junk')).toMatchObject({ reached: 3, rerouted: 2, left: 0 });
    expect(row('fetch_scope')).toMatchObject({ reached: 2, rerouted: 0 });
    expect(row('menu')).toMatchObject({ rerouted: 0 });
  });

  it('JSON Lines: the symptom it ended on beside the first, and each turn’s rule and symptom', async () => {
    const [c] = await loadConversations(store, [(await store.summary('e1'))!]);
    const line = JSON.parse(toJsonLine(c!));
    expect(line).toMatchObject({ symptom: 'mail_not_arriving', lastSymptom: 'error_cannot_fetch' });
    expect(line.turns[1]).toMatchObject({ rule: 'reroute', symptom: 'error_cannot_fetch', intent: 'mail_not_arriving' });
    const [old] = await loadConversations(store, [(await store.summary('e4'))!]);
    const oldLine = JSON.parse(toJsonLine(old!));
    expect(oldLine.lastSymptom).toBe('error_send');
    expect(oldLine.turns[0].rule).toBeUndefined();
  });

  it('CSV: `rule` and `symptom` columns after the older ones', async () => {
    expect(CSV_COLUMNS.slice(-2)).toEqual(['rule', 'symptom']);
    const [c] = await loadConversations(store, [(await store.summary('e1'))!]);
    const rows = toCsvRows(c!, 540).trimEnd().split('\r\n').map((r) => r.split(','));
    expect(rows[1]?.slice(-2)).toEqual(['reroute', 'error_cannot_fetch']);
    expect(rows[0]?.slice(-2)).toEqual(['outside_conversation', 'mail_not_arriving']);
  });
});
