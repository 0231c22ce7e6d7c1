/**
 * The node kind as context of a reply act (src/nlu/act-prior.ts): when the act model is torn between two readings,
 * the one people more often mean at that kind of node wins; the prior never lets in an act the node does not accept.
 */
import { describe, expect, it } from 'vitest';
import type { Act, ActPrior, NluResult } from '../../src/core/index.js';
import { countActPrior, weighActs } from '../../src/nlu/act-prior.js';
import { readReply } from '../../src/nlu/replies.js';

const nlu = (acts: Array<[Act, number]>, actPrior?: ActPrior): NluResult => ({
  intent: 'out_of_scope',
  confidence: 0.1,
  entities: {},
  locale: 'ja',
  ranking: [],
  acts: acts.map(([act, confidence]) => ({ act, confidence })),
  ...(actPrior ? { actPrior } : {}),
});

// After a step, "it's fixed" is said far more often than "yes"; at a yes/no choice, the other way round.
const prior = countActPrior([
  ...Array.from({ length: 40 }, () => ({ kind: 'step', act: 'fixed' as Act })),
  ...Array.from({ length: 4 }, () => ({ kind: 'step', act: 'affirm' as Act })),
  ...Array.from({ length: 30 }, () => ({ kind: 'choice', act: 'affirm' as Act })),
  ...Array.from({ length: 2 }, () => ({ kind: 'choice', act: 'fixed' as Act })),
]);
const torn: Array<[Act, number]> = [
  ['affirm', 0.45],
  ['fixed', 0.4],
  ['other', 0.15],
];

describe('the node-kind prior of reply acts', () => {
  it('reads a reply torn between two acts as the one more common at that kind of node', () => {
    expect(readReply('x', nlu(torn, prior), { kind: 'step', accepts: ['fixed', 'affirm', 'still_broken'] }).act).toBe('fixed');
    expect(readReply('x', nlu(torn, prior), { kind: 'choice', accepts: ['fixed', 'affirm', 'deny'] }).act).toBe('affirm');
  });

  it('changes nothing without counts for the kind, or without a node', () => {
    expect(readReply('x', nlu(torn, prior), { kind: 'info', accepts: ['fixed', 'affirm'] }).act).toBe('affirm');
    expect(readReply('x', nlu(torn), { kind: 'step', accepts: ['fixed', 'affirm'] }).act).toBe('affirm');
    const acts = nlu(torn, prior).acts!;
    expect(weighActs(acts, prior, undefined)).toBe(acts);
  });

  it('never lets in an act the node does not accept', () => {
    expect(readReply('x', nlu(torn, prior), { kind: 'step', accepts: ['affirm', 'still_broken'] }).act).not.toBe('fixed');
  });

  it('keeps the readings a probability distribution, best first', () => {
    const w = weighActs(nlu(torn, prior).acts!, prior, 'step');
    expect(w.reduce((s, a) => s + a.confidence, 0)).toBeCloseTo(1, 9);
    expect(w[0]!.act).toBe('fixed');
  });
});
