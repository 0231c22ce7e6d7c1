/**
 * A multinomial logistic-regression model over sparse binary features, trained by Adagrad with L2, with a
 * softmax temperature for calibration. Chosen by measurement (see `npm run eval`): as accurate as an averaged
 * perceptron here, and its probabilities can be calibrated, which the out-of-scope threshold needs.
 */
import type { FeatureBag } from './features.js';

export interface TrainOptions {
  /** Passes over the data. */
  epochs: number;
  /** Adagrad base learning rate. */
  learningRate: number;
  /** L2 strength per update (applied to the active features only, the usual lazy approximation). */
  l2: number;
  /** Seed of the example order, so a build is reproducible. */
  seed: number;
  /**
   * Per-class loss weights are (median class size / class size)^power: 0 = none, 0.5 = square-root balancing.
   * Keeps the big out-of-scope corpus from drowning the 40-phrase intents.
   */
  balancePower: number;
  /**
   * Models trained on this many example orders (seed, seed+1, …) whose weights are averaged into one (no cost at
   * run time). One order's model moves dozens of items either way when a few hundred phrases are added (measured on
   * the validation folds: 51 Japanese hand-written items flipped when 297 English phrases were added, 22 with four
   * orders), which made every data change a coin flip at the hand-written floors.
   */
  orders?: number;
  /**
   * Loss weight of a real line (intents/real, train split) against a hand-written phrase (1): the callers that build
   * the examples read it (engine.ts, acts.ts) and set TrainingExample.weight.
   */
  realWeight?: number;
  /**
   * When set, each order's model is the mean of its weights at the end of every epoch from this one on (1-based;
   * iterate averaging), not the weights after the last example: the last few hundred examples of an order no longer
   * pull the model their way. Free at run time like `orders`.
   */
  averageFrom?: number;
  /**
   * Keyed example order: each epoch sorts the examples by a hash of (seed, epoch, the example's own feature ids and
   * label) instead of a Fisher–Yates shuffle of their positions. With a positional shuffle, adding one phrase moves
   * every other example to another place in every epoch; with keys, the others keep their relative order and only the
   * new one slots in. On for the act model (acts.ts ACT_TRAIN_OPTIONS), off for the intent models (eval:dev `--keyed=1`).
   */
  keyed?: boolean;
  /**
   * Domain detector only (engine.ts domainExamples): a near-domain negative enters once with loss weight NEAR_WEIGHT
   * instead of NEAR_WEIGHT copies. Off by default (measured with eval:dev `--near-weight=1`).
   */
  nearByWeight?: boolean;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { epochs: 12, learningRate: 0.4, l2: 3e-4, seed: 7, balancePower: 0.5, orders: 4 };

export interface TrainingExample {
  features: FeatureBag;
  label: string;
  /** Loss weight of this example (default 1), on top of its class weight. */
  weight?: number;
}

/**
 * A model as dist/nlu/model.json holds it: labels, bias and temperature. The weights of the models that run together
 * are in ONE binary sibling file, the joint table (JointIndex, see SerializedJoint) — read without parsing; an 8.9 MB
 * JSON with base64 weights once cost ~0.1 s of every start.
 */
export interface SerializedModel {
  labels: string[];
  bias: number[];
  temperature: number;
}

/** mulberry32 — a tiny deterministic PRNG for shuffling (and for seeding benchmarks). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit integer hash (murmur3's finaliser). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** An example's own key for the keyed order: its feature ids (hashes, independent of the other examples) and its label. */
function exampleKey(ex: TrainingExample): number {
  let h = 0x811c9dc5;
  for (const id of ex.features.ids) h = mix32(h ^ id);
  for (let i = 0; i < ex.label.length; i++) h = mix32(h ^ ex.label.charCodeAt(i));
  return h;
}

export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! / temperature - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

export class LinearModel {
  /** Softmax temperature fitted on a validation fold (1 = raw). */
  temperature = 1;

  constructor(
    readonly labels: readonly string[],
    /** Feature id (hash, see features.ts) of each weight row. */
    readonly ids: Uint32Array,
    /** Feature-major: weights[f * K + k]. */
    readonly weights: Float32Array,
    readonly bias: Float32Array,
  ) {}

  /** The open-addressing table of this model's feature ids, built on first use (see rowOf). */
  private table?: { mask: number; slots: Uint32Array };

  /** Set by JointIndex: the models read together share one probe per feature (see logits). */
  joint?: { index: JointIndex; column: number };

  /** Number of features with a weight row. */
  get size(): number {
    return this.ids.length;
  }

  /** Weight row of a feature id, or -1 when the feature was never seen in training. */
  rowOf(id: number): number {
    // Key and row + 1 side by side in one array (0 = empty): a probe touches one cache line, not two.
    const t = (this.table ??= buildTable(this.ids));
    let at = id & t.mask;
    for (;;) {
      const row = t.slots[2 * at + 1]!;
      if (row === 0) return -1;
      if (t.slots[2 * at] === id) return row - 1;
      at = (at + 1) & t.mask;
    }
  }

  static train(examples: readonly TrainingExample[], labels: readonly string[], opts: TrainOptions = DEFAULT_TRAIN_OPTIONS): LinearModel {
    const K = labels.length;
    const labelIndex = new Map(labels.map((l, i) => [l, i]));
    const vocab = new Map<number, number>();
    const rows = examples.map((ex) => {
      const idx = new Int32Array(ex.features.ids.length);
      ex.features.ids.forEach((id, i) => {
        let f = vocab.get(id);
        if (f === undefined) {
          f = vocab.size;
          vocab.set(id, f);
        }
        idx[i] = f;
      });
      const y = labelIndex.get(ex.label);
      if (y === undefined) throw new Error(`unknown label ${ex.label}`);
      return { idx, v: ex.features.value, y, w: ex.weight ?? 1, key: opts.keyed ? exampleKey(ex) : 0 };
    });
    const counts = new Array<number>(K).fill(0);
    for (const r of rows) counts[r.y]!++;
    const present = counts.filter((c) => c > 0).sort((a, b) => a - b);
    const median = present[present.length >> 1] ?? 1;
    const classWeight = counts.map((c) => (c > 0 ? Math.pow(median / c, opts.balancePower) : 0));

    const orders = Math.max(1, opts.orders ?? 1);
    const W = new Float32Array(vocab.size * K);
    const b = new Float32Array(K);
    for (let o = 0; o < orders; o++) {
      const one = LinearModel.fit(rows, vocab.size, K, classWeight, { ...opts, seed: opts.seed + o });
      for (let i = 0; i < W.length; i++) W[i]! += one.W[i]! / orders;
      for (let k = 0; k < K; k++) b[k]! += one.b[k]! / orders;
    }
    return new LinearModel(labels, Uint32Array.from(vocab.keys()), W, b);
  }

  /** One Adagrad run over `rows` in the example order of `opts.seed`. */
  private static fit(
    rows: ReadonlyArray<{ idx: Int32Array; v: number; y: number; w: number; key: number }>,
    features: number,
    K: number,
    classWeight: readonly number[],
    opts: TrainOptions,
  ): { W: Float32Array; b: Float32Array } {
    const W = new Float32Array(features * K);
    const G = new Float32Array(features * K);
    const b = new Float32Array(K);
    const Gb = new Float32Array(K);
    const z = new Float64Array(K);
    const order = rows.map((_, i) => i);
    const rand = rng(opts.seed);
    const eps = 1e-8;
    const from = opts.averageFrom !== undefined ? Math.min(Math.max(1, opts.averageFrom), opts.epochs) : opts.epochs;
    const Wsum = from < opts.epochs ? new Float64Array(W.length) : undefined;
    const bsum = new Float64Array(K);
    const sortKeys = opts.keyed ? new Uint32Array(rows.length) : undefined;
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      if (sortKeys) {
        const salt = mix32((opts.seed >>> 0) ^ Math.imul(epoch + 1, 0x9e3779b1));
        rows.forEach((r, i) => (sortKeys[i] = mix32(r.key ^ salt)));
        order.sort((a, b) => sortKeys[a]! - sortKeys[b]! || a - b);
      } else
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
      for (const ri of order) {
        const { idx, v, y, w } = rows[ri]!;
        for (let k = 0; k < K; k++) z[k] = b[k]!;
        for (let a = 0; a < idx.length; a++) {
          const base = idx[a]! * K;
          for (let k = 0; k < K; k++) z[k]! += W[base + k]! * v;
        }
        const p = softmax(z);
        const cw = classWeight[y]! * w;
        for (let k = 0; k < K; k++) {
          const g = (p[k]! - (k === y ? 1 : 0)) * cw;
          if (g === 0) continue;
          Gb[k]! += g * g;
          b[k]! -= (opts.learningRate * g) / Math.sqrt(Gb[k]! + eps);
          for (let a = 0; a < idx.length; a++) {
            const at = idx[a]! * K + k;
            const grad = g * v + opts.l2 * W[at]!;
            G[at]! += grad * grad;
            W[at]! -= (opts.learningRate * grad) / Math.sqrt(G[at]! + eps);
          }
        }
      }
      if (Wsum && epoch + 1 >= from) {
        for (let i = 0; i < W.length; i++) Wsum[i]! += W[i]!;
        for (let k = 0; k < K; k++) bsum[k]! += b[k]!;
      }
    }
    if (!Wsum) return { W, b };
    const n = opts.epochs - from + 1;
    return { W: Float32Array.from(Wsum, (x) => x / n), b: Float32Array.from(bsum, (x) => x / n) };
  }

  /** Raw scores (before temperature) of every label. Unknown features are ignored. */
  logits(bag: FeatureBag): Float64Array {
    return this.logitsInto(bag, new Float64Array(this.labels.length));
  }

  /** logits() written into `z` (length: the labels). */
  private logitsInto(bag: FeatureBag, z: Float64Array): Float64Array {
    const K = this.labels.length;
    const ids = bag.ids;
    if (this.joint) {
      // One joint row per feature holds every joined model's weights (int8), found in one probe and kept on the bag; the
      // rows' integer sums for every column are taken in one pass and kept on the bag too (index.sums), so the models
      // that read the same bag share it. Integer sums are exact, so this is the same value as adding row by row.
      const { index, column } = this.joint;
      const sums = index.sums(bag);
      const off = index.offsets[column]!;
      const f = index.scales[column]! * bag.value;
      for (let k = 0; k < K; k++) z[k] = this.bias[k]! + sums[off + k]! * f;
      return z;
    }
    for (let k = 0; k < K; k++) z[k] = this.bias[k]!;
    for (let i = 0; i < ids.length; i++) {
      const f = this.rowOf(ids[i]!);
      if (f < 0) continue;
      const base = f * K;
      for (let k = 0; k < K; k++) z[k]! += this.weights[base + k]! * bag.value;
    }
    return z;
  }

  /** Calibrated probabilities of every label (softmax of logits / temperature). */
  probabilities(bag: FeatureBag): Float64Array {
    // The logits are a scratch array reused from call to call (softmax writes a new one): one allocation less per call.
    return softmax(this.logitsInto(bag, (this.scratch ??= new Float64Array(this.labels.length))), this.temperature);
  }

  private scratch?: Float64Array;

  /** Labels, bias and temperature (the weights go to the joint table, JointIndex.toBinary). */
  meta(): SerializedModel {
    return { labels: [...this.labels], bias: [...this.bias], temperature: this.temperature };
  }

  /** A model whose weights live only in a joint table (as loaded at start-up); JointIndex.attach joins it. */
  static weightless(meta: SerializedModel): LinearModel {
    const m = new LinearModel(meta.labels, new Uint32Array(0), new Float32Array(0), Float32Array.from(meta.bias));
    m.temperature = meta.temperature;
    return m;
  }
}

/** Mean negative log-likelihood of the true labels under a temperature (for calibration). */
export function nll(logits: readonly Float64Array[], gold: readonly number[], temperature: number): number {
  let sum = 0;
  logits.forEach((z, i) => {
    const p = softmax(z, temperature)[gold[i]!]!;
    sum -= Math.log(Math.max(p, 1e-12));
  });
  return sum / Math.max(1, logits.length);
}

/** The temperature minimising validation NLL, by a coarse-then-fine grid (robust, no gradient needed). */
export function fitTemperature(logits: readonly Float64Array[], gold: readonly number[]): number {
  if (logits.length === 0) return 1;
  let best = 1;
  let bestLoss = Infinity;
  for (let t = 0.1; t <= 5.0001; t += 0.1) {
    const l = nll(logits, gold, t);
    if (l < bestLoss) [best, bestLoss] = [t, l];
  }
  const lo = Math.max(0.02, best - 0.1);
  for (let t = lo; t <= best + 0.1; t += 0.01) {
    const l = nll(logits, gold, t);
    if (l < bestLoss) [best, bestLoss] = [t, l];
  }
  return Math.round(best * 100) / 100;
}

/**
 * Open addressing over typed arrays, feature id and row + 1 side by side (0 = empty). (A Map with 60k uint32 keys —
 * heap numbers, not small ints — was once the single biggest cost per message.)
 */
function buildTable(ids: Uint32Array): { mask: number; slots: Uint32Array } {
  let size = 1;
  while (size < ids.length * 2) size <<= 1;
  const mask = size - 1;
  const slots = new Uint32Array(size * 2);
  for (let row = 0; row < ids.length; row++) {
    const id = ids[row]!;
    let at = id & mask;
    while (slots[2 * at + 1] !== 0) at = (at + 1) & mask;
    slots[2 * at] = id;
    slots[2 * at + 1] = row + 1;
  }
  return { mask, slots };
}

/**
 * Several models read over the same feature bags (the intent model, the domain detector, the act model): one table of
 * the union of their feature ids, and for each feature ONE joint row holding every model's weights, quantised to int8
 * with a scale per model. A message then costs one hash probe and about one cache line per feature, instead of a probe
 * and one or two lines per feature and model — those cache misses into 13 MB of float32 weights were the biggest cost
 * above kuromoji (profile). The int8 step is at most 1/254 of a model's largest weight; `npm run eval` reads through
 * it, so its figures are the quantised model's. The column sums of a bag are kept on it (FeatureBag.joint).
 */
/** dist/nlu/model.json's description of the joint table's binary file (JointIndex.toBinary). */
export interface SerializedJoint {
  file: string;
  /** Slots of the hash table (a power of two). */
  size: number;
  /** Joint rows (features known to any model). */
  rows: number;
  /** Weights (columns) per row: every joined model's labels. */
  stride: number;
  /** 32-bit words per row: the row's weights packed four to a word (JointIndex.words). */
  words: number;
  offsets: number[];
  scales: number[];
}

/** Rows added into the packed 16-bit lanes before they are carried out: 256 × 255 fits in a lane (see JointIndex.sums). */
const LANE_ROWS = 256;
/** What each packed weight byte holds above its int8 value, so a byte is never negative (JointIndex.words). */
const BYTE_BIAS = 128;

export class JointIndex {
  private constructor(
    private readonly mask: number,
    /** Per slot: feature id, joint row + 1 (0 = empty). */
    private readonly slots: Uint32Array,
    /**
     * Joint rows, `width` 32-bit words each: weight k of a row (int8, model m's labels from offsets[m]) is byte k & 3 of
     * word k >> 2, stored as weight + BYTE_BIAS (0–255; the padding bytes of the last word hold BYTE_BIAS, weight 0).
     */
    readonly words: Int32Array,
    /** Weights (columns) per row. */
    readonly stride: number,
    readonly offsets: readonly number[],
    /** Per model: weight = int8 × scale. */
    readonly scales: Float64Array,
  ) {
    this.width = Math.ceil(stride / 4);
    this.lanes = new Int32Array(2 * this.width);
  }

  /** 32-bit words per row. */
  readonly width: number;
  /** The packed sums of JointIndex.sums (reused: one message at a time). */
  private readonly lanes: Int32Array;

  /** Joins trained models (float weights): builds the table and the int8 rows, and attaches the models. */
  static of(models: readonly LinearModel[]): JointIndex {
    // Sized for the union of the models' features (they share most of them): half the slots of a table sized for the sum,
    // so more of it stays in cache.
    const union = new Set<number>();
    for (const m of models) for (const id of m.ids) union.add(id);
    const n = union.size;
    let size = 1;
    while (size < n * 2) size <<= 1;
    const mask = size - 1;
    const slots = new Uint32Array(size * 2);
    const offsets: number[] = [];
    let stride = 0;
    for (const m of models) {
      offsets.push(stride);
      stride += m.labels.length;
    }
    // Joint row of every model row, in first-seen order.
    const jointOf = models.map((m) => new Int32Array(m.ids.length));
    let rows = 0;
    for (let c = 0; c < models.length; c++) {
      const ids = models[c]!.ids;
      const mine = jointOf[c]!;
      for (let r = 0; r < ids.length; r++) {
        const id = ids[r]!;
        let at = id & mask;
        for (;;) {
          const row = slots[2 * at + 1]!;
          if (row === 0) {
            slots[2 * at] = id;
            slots[2 * at + 1] = ++rows;
            mine[r] = rows - 1;
            break;
          }
          if (slots[2 * at] === id) {
            mine[r] = row - 1;
            break;
          }
          at = (at + 1) & mask;
        }
      }
    }
    const weights = new Int8Array(rows * stride);
    const scales = new Float64Array(models.length);
    for (let c = 0; c < models.length; c++) {
      const m = models[c]!;
      const K = m.labels.length;
      let max = 0;
      for (let i = 0; i < m.weights.length; i++) max = Math.max(max, Math.abs(m.weights[i]!));
      const scale = max > 0 ? max / 127 : 1;
      scales[c] = scale;
      const inv = 1 / scale;
      const off = offsets[c]!;
      const mine = jointOf[c]!;
      for (let r = 0; r < mine.length; r++) {
        const base = mine[r]! * stride + off;
        for (let k = 0; k < K; k++) weights[base + k] = Math.round(m.weights[r * K + k]! * inv);
      }
    }
    const width = Math.ceil(stride / 4);
    const words = new Int32Array(rows * width);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < width * 4; k++) {
        const byte = (k < stride ? weights[r * stride + k]! : 0) + BYTE_BIAS;
        words[r * width + (k >> 2)]! |= byte << (8 * (k & 3));
      }
    }
    const index = new JointIndex(mask, slots, words, stride, offsets, scales);
    index.attach(models);
    return index;
  }

  /** Makes the models read through this table (column = their order when it was built). */
  attach(models: readonly LinearModel[]): void {
    if (models.length !== this.offsets.length) throw new Error(`joint table of ${this.offsets.length} models, ${models.length} given`);
    models.forEach((m, column) => (m.joint = { index: this, column }));
  }

  /** The binary file: the slots (uint32) then the packed rows (int32 words); the rest goes to model.json. */
  toBinary(file: string): { meta: SerializedJoint; bytes: Buffer } {
    const slots = Buffer.from(this.slots.buffer, this.slots.byteOffset, this.slots.byteLength);
    const w = Buffer.from(this.words.buffer, this.words.byteOffset, this.words.byteLength);
    return {
      meta: { file, size: this.slots.length / 2, rows: this.words.length / this.width, stride: this.stride, words: this.width, offsets: [...this.offsets], scales: [...this.scales] },
      bytes: Buffer.concat([slots, w]),
    };
  }

  static fromBinary(meta: SerializedJoint, bytes: Uint8Array): JointIndex {
    const slotBytes = meta.size * 2 * 4;
    if (meta.words !== Math.ceil(meta.stride / 4) || bytes.byteLength !== slotBytes + meta.rows * meta.words * 4) throw new Error('joint table binary does not match its description');
    // Own, aligned copy: a Buffer from readFile may sit at any offset of a shared pool.
    const buf = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(buf).set(bytes);
    const slots = new Uint32Array(buf, 0, meta.size * 2);
    const words = new Int32Array(buf, slotBytes, meta.rows * meta.words);
    return new JointIndex(meta.size - 1, slots, words, meta.stride, meta.offsets, Float64Array.from(meta.scales));
  }

  /**
   * Per column of the joint table, the sum of the int8 weights of the bag's known features (kept on the bag): every
   * model's logits before scale and bias. Int32 sums of int8 are exact (≤ 2²³ features), as float sums of them were.
   * Four weights are added per word, two 16-bit lanes at a time (the even bytes, then the odd ones): a lane holds at
   * most LANE_ROWS × 255, so the lanes are carried out, less the bias, every LANE_ROWS rows — the same integers as
   * adding weight by weight, at about half the cost (this loop was the biggest cost of a message above kuromoji).
   */
  sums(bag: FeatureBag): number[] {
    if (bag.joint?.index === this) return bag.joint.sums;
    const W = this.width;
    const q = this.words;
    const lanes = this.lanes;
    const ids = bag.ids;
    // Three tight passes instead of one loop doing it all: the table is far bigger than the caches, and a short loop lets
    // the processor wait for many rows at once (measured: about half the time of one loop, right after kuromoji ran).
    // 1. the joint row of each feature, one probe each (features no model knows are left out);
    if (this.bases.length < ids.length) this.bases = new Int32Array(Math.max(ids.length, 2 * this.bases.length));
    const bases = this.bases;
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      let at = id & this.mask;
      for (;;) {
        const row = this.slots[2 * at + 1]!;
        if (row === 0) break;
        if (this.slots[2 * at] === id) {
          bases[n++] = (row - 1) * W;
          break;
        }
        at = (at + 1) & this.mask;
      }
    }
    // 2. the first and last word of each row read once, so every row is on its way to the cache before it is added;
    let touched = 0;
    for (let r = 0; r < n; r++) touched ^= q[bases[r]!]! ^ q[bases[r]! + W - 1]!;
    this.touched = touched;
    // 3. the rows added. A plain array: small typed arrays are allocated outside the heap, at a cost per message.
    const out = new Array<number>(this.stride).fill(0);
    let inLanes = 0;
    for (let r = 0; r < n; r++) {
      const base = bases[r]!;
      for (let w = 0; w < W; w++) {
        const x = q[base + w]!;
        lanes[2 * w]! += x & 0x00ff00ff;
        lanes[2 * w + 1]! += (x >>> 8) & 0x00ff00ff;
      }
      if (++inLanes === LANE_ROWS) {
        this.carry(out, inLanes);
        inLanes = 0;
      }
    }
    if (inLanes > 0) this.carry(out, inLanes);
    bag.joint = { index: this, sums: out };
    return out;
  }

  /** Row offsets of the bag being summed (reused: one bag at a time). */
  private bases = new Int32Array(1024);
  /** What pass 2 of sums() read, kept so that the reads are not optimised away. */
  private touched = 0;

  /** Adds the packed lanes of `n` rows into `out` (less their bias) and clears them. */
  private carry(out: number[], n: number): void {
    const lanes = this.lanes;
    const S = this.stride;
    const bias = BYTE_BIAS * n;
    for (let w = 0; w < this.width; w++) {
      const even = lanes[2 * w]!;
      const odd = lanes[2 * w + 1]!;
      const k = 4 * w;
      out[k]! += (even & 0xffff) - bias;
      if (k + 1 < S) out[k + 1]! += (odd & 0xffff) - bias;
      if (k + 2 < S) out[k + 2]! += (even >>> 16) - bias;
      if (k + 3 < S) out[k + 3]! += (odd >>> 16) - bias;
      lanes[2 * w] = 0;
      lanes[2 * w + 1] = 0;
    }
  }
}
