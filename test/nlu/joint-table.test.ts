/**
 * The joint weight table (model.ts JointIndex): rows packed four int8 weights to a word and summed two 16-bit lanes at a
 * time, carried out every few hundred rows. Whatever the packing, a model reading through it must give exactly the
 * logits of its int8 weights added one by one — for small bags and for bags longer than a lane holds, and after the
 * table went through its binary file (as start-up reads it).
 */
import { describe, expect, it } from 'vitest';
import type { FeatureBag } from '../../src/nlu/features.js';
import { JointIndex, LinearModel, rng } from '../../src/nlu/model.js';

const rand = rng(26);
/** Feature ids of the models (hashes: the whole 32-bit range, above 2³¹ too), some shared between models. */
const pool = Array.from({ length: 3000 }, () => Math.floor(rand() * 0xffffffff) >>> 0);

/**
 * A model with random weights over a random part of the pool (labels: `k` of them); `extreme`: every feature of the pool, every
 * weight the largest (int8 127) — the most a 16-bit lane of packed sums must hold.
 */
function randomModel(k: number, extreme = false): LinearModel {
  const ids = Uint32Array.from(new Set(pool.filter(() => extreme || rand() < 0.6)));
  const weights = Float32Array.from({ length: ids.length * k }, () => (extreme ? 1 : (rand() - 0.5) * (rand() < 0.05 ? 8 : 1)));
  const bias = Float32Array.from({ length: k }, () => rand() - 0.5);
  return new LinearModel(Array.from({ length: k }, (_, i) => `l${i}`), ids, weights, bias);
}

/** The logits of a model's int8 weights (quantised as the table does), added weight by weight. */
function reference(m: LinearModel, bag: FeatureBag): number[] {
  const K = m.labels.length;
  let max = 0;
  for (const w of m.weights) max = Math.max(max, Math.abs(w));
  const scale = max > 0 ? max / 127 : 1;
  const inv = 1 / scale;
  const sums = new Array<number>(K).fill(0);
  const rowOf = new Map([...m.ids].map((id, f) => [id, f]));
  for (const id of bag.ids) {
    const f = rowOf.get(id) ?? -1;
    if (f >= 0) for (let k = 0; k < K; k++) sums[k]! += Math.round(m.weights[f * K + k]! * inv);
  }
  return sums.map((s, k) => m.bias[k]! + s * (scale * bag.value));
}

/** Bags of 1–900 features (a lane holds 256 rows), a few not known to any model. */
const bags: FeatureBag[] = Array.from({ length: 300 }, (_, i) => {
  const n = i < 20 ? 300 + i * 30 : 1 + Math.floor(rand() * 120);
  const ids = new Set<number>();
  while (ids.size < n) ids.add(rand() < 0.1 ? Math.floor(rand() * 0xffffffff) >>> 0 : pool[Math.floor(rand() * pool.length)]!);
  const arr = Uint32Array.from(ids);
  return { ids: arr, value: 1 / Math.sqrt(arr.length) };
});
const fresh = (b: FeatureBag): FeatureBag => ({ ids: b.ids, value: b.value });

describe('joint weight table', () => {
  // 25 + 2 + 23 labels as in the build: 50 weights a row, so the last word of a row is half padding; and a model whose
  // weights are all at the int8 limits.
  const models = [randomModel(25), randomModel(2), randomModel(23), randomModel(3, true)];
  JointIndex.of(models);

  it('gives every model the logits of its int8 weights added one by one, short bags and long ones', () => {
    for (const b of bags) {
      const bag = fresh(b);
      for (const m of models) expect([...m.logits(bag)]).toEqual(reference(m, bag));
    }
  });

  it('reads the same after its binary file is written and read back', () => {
    const { meta, bytes } = JointIndex.of(models).toBinary('model.bin');
    const loaded = models.map((m) => LinearModel.weightless(m.meta()));
    JointIndex.fromBinary(meta, new Uint8Array(bytes)).attach(loaded);
    for (const b of bags) {
      const bag = fresh(b);
      loaded.forEach((m, c) => expect([...m.logits(bag)]).toEqual(reference(models[c]!, bag)));
    }
  });
});
