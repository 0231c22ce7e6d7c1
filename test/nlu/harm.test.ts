/**
 * The eval row "what the bot does with a real reply" (src/nlu/eval/harm.ts): a conversation put at the reply's node,
 * one turn of the real dialog engine with the built NLU, the outcome classified and judged by the harm table. The
 * replies here are the team's own phrasing, not corpus lines.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDialogs, loadLocales } from '../../src/data/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { HARM, isHarmful, placeAt, runHarm, scoreHarm } from '../../src/nlu/eval/harm.js';
import type { RealReply } from '../../src/nlu/data.js';
import { createNlu, type LoadedNlu } from '../../src/nlu/index.js';

let nlu: LoadedNlu;
beforeAll(async () => {
  nlu = await createNlu();
});
const { tree } = loadDialogs();
const i18n = createI18n(loadLocales().messages);
const reply = (node: string, text: string, label: string, locale: 'ja' | 'en' = 'ja'): RealReply => ({ node, text, label, split: 'train', url: 'https://example.invalid/team', locale });

describe('placeAt()', () => {
  it('waits at a step of the corpus column, active, in the walk that reaches it', () => {
    const s = placeAt(tree!, i18n, 'dev_restart', 'ja')!;
    expect(s).toMatchObject({ node: 'dev_restart', status: 'active' });
    expect(s.intent).not.toBeNull();
  });

  it('reads ask:<slot>, resolve and handoff as the tree has them', () => {
    expect(placeAt(tree!, i18n, 'ask:device', 'ja')!.node).toBe([...tree!.nodes.values()].find((n) => n.kind === 'ask' && n.slot === 'device')!.id);
    expect(placeAt(tree!, i18n, 'resolve', 'en')).toMatchObject({ node: tree!.globals.resolved, status: 'resolved' });
    expect(placeAt(tree!, i18n, 'handoff', 'ja')!.pending?.length).toBeGreaterThan(0);
    expect(placeAt(tree!, i18n, 'no_such_node', 'ja')).toBeUndefined();
  });
});

describe('the harm table', () => {
  it('closing as resolved hurts every label but fixed', () => {
    for (const [label, harmful] of Object.entries(HARM)) expect(harmful.has('closed')).toBe(label !== 'fixed');
  });

  it('a step not done recorded as tried hurts; moving on after "still broken" does not', () => {
    expect(isHarmful('not_yet', 'moved_on', false)).toBe(true);
    expect(isHarmful('still_broken', 'moved_on', false)).toBe(false);
    expect(isHarmful('fixed', 'moved_on', false)).toBe(false);
  });

  it('a request for a person that offers none hurts, whatever else the turn did', () => {
    expect(isHarmful('wants_human', 'did_it', false)).toBe(true);
    expect(isHarmful('wants_human', 'handed_over', true)).toBe(false);
  });

  it('the out-of-scope answer hurts every label but other', () => {
    expect(isHarmful('other', 'out_of_scope', false)).toBe(false);
    expect(isHarmful('new_symptom', 'out_of_scope', false)).toBe(true);
  });
});

describe('runHarm()', () => {
  it('a still-broken reply at a step moves on (not harm); the same words labelled fixed are a nuisance, not harm', () => {
    const [broken, fixedLabel] = runHarm(nlu.classifier, tree!, i18n, [reply('dev_restart', '再起動したけど、まだ受信できません', 'still_broken'), reply('dev_restart', '再起動したけど、まだ受信できません', 'fixed')]);
    expect(broken).toMatchObject({ outcome: 'moved_on', harmful: false });
    expect(fixedLabel).toMatchObject({ outcome: 'moved_on', harmful: false });
  });

  it('"fixed" at a step closes the conversation: right for fixed, harm for still_broken', () => {
    const rows = runHarm(nlu.classifier, tree!, i18n, [reply('dev_restart', 'it works now, thanks!', 'fixed', 'en'), reply('dev_restart', 'it works now, thanks!', 'still_broken', 'en')]);
    expect(rows.map((x) => [x.outcome, x.harmful])).toEqual([
      ['closed', false],
      ['closed', true],
    ]);
    expect(scoreHarm(rows).all).toMatchObject({ correct: 1, total: 2 });
  });

  it('a request for a person at a step hands over', () => {
    const [row] = runHarm(nlu.classifier, tree!, i18n, [reply('dev_restart', '担当の人と直接話したいです', 'wants_human')]);
    expect(row).toMatchObject({ outcome: 'handed_over', person: true, harmful: false });
  });
});
