/**
 * The keyed example order (TrainOptions.keyed, eval:dev `--keyed=1` / `--act-keyed=1`): each example's place in an
 * epoch comes from its own content, not from its position in the list, so adding a phrase does not reshuffle every
 * other one — the order of the training list no longer matters at all.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_OPTIONS, LinearModel, type TrainingExample } from '../../src/nlu/model.js';

const labels = ['a', 'b', 'c'];
/** Small synthetic bags: label k's examples share feature 100 + k, plus a few ids of their own. */
const examples: TrainingExample[] = Array.from({ length: 30 }, (_, i) => {
  const k = i % 3;
  const ids = Uint32Array.from([100 + k, 1000 + i, 2000 + ((i * 7) % 11)]);
  return { features: { ids, value: 1 / Math.sqrt(ids.length) }, label: labels[k]! };
});
const reversed = [...examples].reverse();
const weightsOf = (m: LinearModel) => new Map([...m.ids].map((id, f) => [id, [...m.weights.slice(f * 3, f * 3 + 3)]]));

describe('keyed training order', () => {
  it('trains the same model whatever the order of the training list', () => {
    const opts = { ...DEFAULT_TRAIN_OPTIONS, orders: 1, keyed: true };
    expect(weightsOf(LinearModel.train(reversed, labels, opts))).toEqual(weightsOf(LinearModel.train(examples, labels, opts)));
  });

  it('is what makes it so: the positional shuffle trains another model from the reversed list', () => {
    const opts = { ...DEFAULT_TRAIN_OPTIONS, orders: 1 };
    expect(weightsOf(LinearModel.train(reversed, labels, opts))).not.toEqual(weightsOf(LinearModel.train(examples, labels, opts)));
  });
});
