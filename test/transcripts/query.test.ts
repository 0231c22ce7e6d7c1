/** Filters, paging, analytics numbers and the funnel on a known set of conversations; exports and corrections. */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDialogs } from '../../src/data/load.js';
import type { DialogTree } from '../../src/data/schemas.js';
import { correctionsToIntents, csvField, csvHeader, loadConversations, toCsvRows, toJsonLine } from '../../src/transcripts/export.js';
import { MemoryTranscriptStore } from '../../src/transcripts/memory.js';
import { computeAnalytics, exitNode, findConversations, paginate } from '../../src/transcripts/query.js';
import { DAY, MIN, T0, textTurn } from './fixtures.js';

const ctx = { nowMs: T0 + 2 * DAY, abandonAfterMs: 30 * MIN };
let store: MemoryTranscriptStore;
let tree: DialogTree;

/**
 * Known set (node ids from the real tree):
 *  r1 day 0  error_auth docomo  triage → auth_reenter → resolved            resolved (exit auth_reenter)
 *  r2 day 0  error_auth au      triage → auth_reenter → handoff              escalated (exit auth_reenter)
 *  r3 day 1  error_send         triage → auth_reenter                         abandoned (left at auth_reenter)
 *  r4 day 1  greeting only      triage                                        ended (exit triage)
 *  r5 day 2  error_push softbank slack, still active (now − 1 min)            active
 */
beforeAll(async () => {
  tree = loadDialogs().tree as DialogTree;
  expect(tree.nodes.get('auth_reenter')?.kind).toBe('step');
  expect(tree.nodes.get('triage')).toBeDefined();
  store = new MemoryTranscriptStore({ clock: () => ctx.nowMs });
  const turn = textTurn;
  await store.append(turn('r1', T0, { intent: 'error_auth', node: 'triage', entities: { carrier: 'docomo' }, text: 'ドコモでパスワードエラー' }));
  await store.append(turn('r1', T0 + MIN, { intent: 'not_resolved', node: 'auth_reenter' }));
  await store.append(turn('r1', T0 + 2 * MIN, { text: undefined, action: 'resolved', intent: null, node: 'resolved', status: 'resolved' }));
  await store.append(turn('r2', T0 + 5 * MIN, { intent: 'error_auth', node: 'triage', entities: { carrier: 'au' } }));
  await store.append(turn('r2', T0 + 6 * MIN, { intent: 'not_resolved', node: 'auth_reenter' }));
  await store.append(turn('r2', T0 + 7 * MIN, { intent: 'request_human', node: 'handoff' }));
  await store.append(turn('r2', T0 + 8 * MIN, { intent: 'out_of_scope', node: 'handoff', status: 'escalated', events: [{ type: 'ticket', id: 'MM-20261120-0002' }] }));
  await store.append(turn('r3', T0 + DAY, { intent: 'error_send', node: 'triage', text: '送信できない IMAP' }));
  await store.append(turn('r3', T0 + DAY + MIN, { intent: 'not_resolved', node: 'auth_reenter' }));
  await store.append(turn('r4', T0 + DAY + 2 * MIN, { intent: 'greeting', node: 'triage', text: 'こんにちは' }));
  await store.append(turn('r4', T0 + DAY + 3 * MIN, { intent: 'goodbye', node: 'end', status: 'ended' }));
  await store.append(turn('r5', ctx.nowMs - MIN, { intent: 'error_push', node: 'triage', channel: 'slack', entities: { carrier: 'softbank' } }));
  await store.annotate({ conversation: 'r3', seq: 1, intent: 'error_auth', atMs: T0 + DAY });
});

const ids = async (filter: Parameters<typeof findConversations>[1]) => (await findConversations(store, filter, ctx)).map((s) => s.id).sort();

describe('conversation filters', () => {
  it('filter by status, including abandoned (active but idle past the limit)', async () => {
    expect(await ids({ status: 'resolved' })).toEqual(['r1']);
    expect(await ids({ status: 'escalated' })).toEqual(['r2']);
    expect(await ids({ status: 'abandoned' })).toEqual(['r3']);
    expect(await ids({ status: 'ended' })).toEqual(['r4']);
    expect(await ids({ status: 'active' })).toEqual(['r5']);
  });

  it('filter by intent (symptom or any intent seen), carrier, channel, date range, annotated', async () => {
    expect(await ids({ intent: 'error_auth' })).toEqual(['r1', 'r2']);
    expect(await ids({ intent: 'request_human' })).toEqual(['r2']);
    expect(await ids({ carrier: 'docomo' })).toEqual(['r1']);
    expect(await ids({ channel: 'slack' })).toEqual(['r5']);
    expect(await ids({ fromMs: T0 + DAY - 1, toMs: T0 + DAY + DAY / 2 })).toEqual(['r3', 'r4']);
    expect(await ids({ annotated: true })).toEqual(['r3']);
    expect(await ids({ intent: 'error_auth', carrier: 'au', status: 'escalated' })).toEqual(['r2']);
  });

  it('text search looks in user and bot texts, ids and ticket numbers (NFKC, case-insensitive)', async () => {
    expect(await ids({ text: 'imap' })).toEqual(['r3']);
    expect(await ids({ text: 'ＩＭＡＰ' })).toEqual(['r3']);
    expect(await ids({ text: '機内モード' })).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(await ids({ text: 'MM-20261120-0002' })).toEqual(['r2']);
    expect(await ids({ text: 'nothing like this' })).toEqual([]);
  });

  it('pages most recent first and clamps the page', async () => {
    const all = await findConversations(store, {}, ctx);
    expect(all.map((s) => s.id)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    const p2 = paginate(all, 2, 2);
    expect(p2).toMatchObject({ total: 5, page: 2, pageSize: 2, pages: 3 });
    expect(p2.items.map((s) => s.id)).toEqual(['r3', 'r2']);
    expect(paginate(all, 99, 2).page).toBe(3);
    expect(paginate([], 1, 25)).toMatchObject({ total: 0, page: 1, pages: 1, items: [] });
  });
});

describe('analytics', () => {
  it('counts, rates, per-day, top symptoms and the per-node funnel of the known set', async () => {
    const a = computeAnalytics(await store.summaries(), { ...ctx, tree, utcOffset: 540, fromMs: T0 - 9 * 3_600_000, toMs: T0 + 3 * DAY });
    expect(a.total).toBe(5);
    expect(a.counts).toEqual({ active: 1, resolved: 1, escalated: 1, ended: 1, abandoned: 1 });
    expect(a.rates).toEqual({ resolution: 0.2, escalation: 0.2, abandonment: 0.2, containment: 0.4 });
    expect(a.perDay.map((d) => [d.day, d.total])).toEqual([
      ['2026-11-20', 2],
      ['2026-11-21', 2],
      ['2026-11-22', 1],
      ['2026-11-23', 0],
    ]);
    expect(a.perDay[0]).toMatchObject({ resolved: 1, escalated: 1 });
    expect(a.topSymptoms).toEqual([
      { intent: 'error_auth', count: 2, resolved: 1, escalated: 1, abandoned: 0, contained: 0, active: 0 },
      { intent: 'error_push', count: 1, resolved: 0, escalated: 0, abandoned: 0, contained: 0, active: 1 },
      { intent: 'error_send', count: 1, resolved: 0, escalated: 0, abandoned: 1, contained: 0, active: 0 },
    ]);
    expect(a.noSymptom).toBe(1);
    expect(a.meanTurns).toBe(12 / 5);
    expect(a.withMisses).toBe(1);
    expect(a.annotated).toBe(1);
    const row = (node: string) => a.funnel.find((r) => r.node === node);
    expect(row('triage')).toMatchObject({ reached: 5, left: 0, escalated: 0, resolved: 0, ended: 1 });
    // The step where people gave up, asked for a person, or were helped — not the hand-off or resolve node.
    expect(row('auth_reenter')).toMatchObject({ kind: 'step', reached: 3, left: 1, escalated: 1, resolved: 1, ended: 0 });
    expect(row('handoff')).toMatchObject({ reached: 1, left: 0, escalated: 0 });
    expect(a.funnel[0]?.node).toBe('triage');
  });

  it('exit node: last non-terminal node for finished conversations, last node when abandoned', () => {
    const base = { path: ['triage', 'auth_reenter', 'handoff'] } as Parameters<typeof exitNode>[0];
    expect(exitNode(base, 'escalated', tree)).toBe('auth_reenter');
    expect(exitNode(base, 'abandoned', tree)).toBe('handoff');
    expect(exitNode(base, 'active', tree)).toBeUndefined();
  });

  it('an empty period has zero rates, not NaN', () => {
    const a = computeAnalytics([], { ...ctx, utcOffset: 0 });
    expect(a.total).toBe(0);
    expect(a.rates).toEqual({ resolution: 0, escalation: 0, abandonment: 0, containment: 0 });
    expect(a.perDay).toEqual([]);
  });
});

describe('exports', () => {
  it('JSON lines: one conversation a line with turns, click labels and corrections', async () => {
    const [c] = await loadConversations(store, [(await store.summary('r1'))!]);
    const line = JSON.parse(toJsonLine(c!));
    expect(line).toMatchObject({ conversation: 'r1', status: 'resolved', symptom: 'error_auth', carrier: 'docomo' });
    expect(line.turns).toHaveLength(3);
    expect(line.turns[2]).toMatchObject({ action: 'resolved', actionLabel: '直った', intent: null });
    const [c3] = await loadConversations(store, [(await store.summary('r3'))!]);
    expect(JSON.parse(toJsonLine(c3!)).turns[0].correction).toEqual({ intent: 'error_auth' });
  });

  it('CSV: a header, one row per turn, quoting and no formula injection', async () => {
    expect(csvHeader().startsWith('conversation,seq,at,')).toBe(true);
    const [c] = await loadConversations(store, [(await store.summary('r2'))!]);
    const rows = toCsvRows(c!, 540).trimEnd().split('\r\n');
    expect(rows).toHaveLength(4);
    expect(rows[3]).toContain('MM-20261120-0002');
    expect(csvField('a,"b"\nc')).toBe('"a,""b""\nc"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1+2')).toBe("'-1+2");
  });

  it('corrections become intents/ files, skipping masked text, duplicates and phrases already trained', () => {
    const a = (text: string, intent: 'error_send' | 'error_auth', locale: 'ja' | 'en' = 'ja', seq = 1) => ({ conversation: 'x', seq, intent, text, locale, atMs: T0 });
    const result = correctionsToIntents(
      [
        a('送信トレイに残る', 'error_send'),
        a('送信トレイに残る ', 'error_send', 'ja', 2),
        a('パスワードは ［伏字］ です', 'error_auth'),
        a('送信だけできない', 'error_send'),
        a('mail stuck in outbox', 'error_send', 'en'),
        a('メールを取得できません', 'error_auth'),
      ],
      [
        { intent: 'error_send', locale: 'ja', examples: ['送信だけできない'] },
        { intent: 'error_cannot_fetch', locale: 'ja', examples: ['メールを取得できません'] },
      ],
    );
    expect(result.files).toEqual([
      { intent: 'error_send', locale: 'en', examples: ['mail stuck in outbox'] },
      { intent: 'error_auth', locale: 'ja', examples: ['メールを取得できません'] },
      { intent: 'error_send', locale: 'ja', examples: ['送信トレイに残る'] },
    ]);
    expect(result.skipped.map((s) => s.reason).sort()).toEqual(['already_trained', 'duplicate', 'redacted']);
    expect(result.conflicts).toEqual([{ text: 'メールを取得できません', locale: 'ja', intent: 'error_auth', trainedAs: 'error_cannot_fetch' }]);
  });
});
