/**
 * The nearest-neighbour vote of eval:dev `--knn` (src/nlu/eval/neighbours.ts): cosine on the binary unit-length bags,
 * the k most similar remembered lines voting for their label, blended into the model's probabilities.
 */
import { describe, expect, it } from 'vitest';
import { Neighbours } from '../../src/nlu/eval/neighbours.js';
import type { FeatureBag } from '../../src/nlu/features.js';

const bag = (...ids: number[]): FeatureBag => ({ ids: Uint32Array.from(ids), value: 1 / Math.sqrt(ids.length) });
const labels = ['a', 'b', 'c'];
const memory = new Neighbours(labels, [bag(1, 2, 3), bag(1, 2, 4), bag(7, 8, 9), bag(7, 8, 10, 11)], ['a', 'a', 'b', 'c']);

describe('neighbour vote', () => {
  it('votes for the label of the most similar lines', () => {
    const { q, meanSim } = memory.vote(bag(1, 2, 5), { k: 2, alpha: 1, power: 1, scaled: false });
    expect([...q]).toEqual([1, 0, 0]);
    expect(meanSim).toBeCloseTo(2 / 3);
  });

  it('weighs each neighbour by its cosine', () => {
    // bag(7, 8, 9) shares 2 of 3 features (cos 2/3), bag(7, 8, 10, 11) 2 of 4 (cos 2/√12).
    const { q } = memory.vote(bag(7, 8, 12), { k: 2, alpha: 1, power: 1, scaled: false });
    const b = 2 / 3;
    const c = 2 / Math.sqrt(12);
    expect(q[1]).toBeCloseTo(b / (b + c));
    expect(q[2]).toBeCloseTo(c / (b + c));
  });

  it('blends the vote into the probabilities, and leaves them alone when nothing is shared', () => {
    const p = memory.blend(bag(1, 2, 3), Float64Array.from([0, 1, 0]), { k: 1, alpha: 0.25, power: 1, scaled: false });
    expect([...p]).toEqual([0.25, 0.75, 0]);
    expect([...memory.blend(bag(42), Float64Array.from([0.2, 0.3, 0.5]), { k: 3, alpha: 0.5, power: 1, scaled: false })]).toEqual([0.2, 0.3, 0.5]);
  });
});
