/**
 * A nearest-neighbour vote over remembered lines (first-28): the k remembered feature bags most like a message (cosine
 * on the same binary, unit-length bags the linear model reads), each voting for its label with weight sim^power. The
 * vote is blended into the intent model's probabilities (NeighbourClassifier): p' = (1 − a)·p + a·vote, where
 * a = alpha, or alpha × the mean similarity of the k neighbours (`scaled`: a weak match votes weakly).
 * Measured with eval:dev `--knn=…` (intents/real/notes/first-28.md: no setting gained on both seeds; not in the build).
 */
import { extractBags, type FeatureBag } from '../features.js';
import { Classifier } from '../engine.js';

export interface NeighbourSettings {
  k: number;
  alpha: number;
  power: number;
  scaled: boolean;
}

export class Neighbours {
  /** Feature id → the remembered lines holding it. */
  private readonly postings = new Map<number, number[]>();
  private readonly values: Float64Array;
  private readonly labelIndex: Int32Array;
  private counts: Int32Array;

  constructor(
    readonly labels: readonly string[],
    bags: readonly FeatureBag[],
    lineLabels: readonly string[],
  ) {
    this.values = Float64Array.from(bags, (b) => b.value);
    this.labelIndex = Int32Array.from(lineLabels, (l) => labels.indexOf(l));
    bags.forEach((b, j) => {
      for (const id of b.ids) {
        const list = this.postings.get(id);
        if (list) list.push(j);
        else this.postings.set(id, [j]);
      }
    });
    this.counts = new Int32Array(bags.length);
  }

  get size(): number {
    return this.values.length;
  }

  /** The vote (sums to 1 over the labels; all 0 when nothing is shared) and the mean similarity of the k neighbours. */
  vote(bag: FeatureBag, s: NeighbourSettings): { q: Float64Array; meanSim: number } {
    const q = new Float64Array(this.labels.length);
    const counts = this.counts;
    counts.fill(0);
    const touched: number[] = [];
    for (const id of bag.ids) {
      const list = this.postings.get(id);
      if (!list) continue;
      for (const j of list) if (counts[j]!++ === 0) touched.push(j);
    }
    if (touched.length === 0) return { q, meanSim: 0 };
    const sim = (j: number) => counts[j]! * this.values[j]! * bag.value;
    const best: Array<{ j: number; s: number }> = [];
    for (const j of touched) {
      const x = sim(j);
      if (best.length < s.k) {
        best.push({ j, s: x });
        best.sort((a, b) => b.s - a.s);
      } else if (x > best[best.length - 1]!.s) {
        best[best.length - 1] = { j, s: x };
        best.sort((a, b) => b.s - a.s);
      }
    }
    let total = 0;
    let simSum = 0;
    for (const { j, s: x } of best) {
      const w = Math.pow(x, s.power);
      const k = this.labelIndex[j]!;
      if (k >= 0) {
        q[k]! += w;
        total += w;
      }
      simSum += x;
    }
    if (total > 0) for (let k = 0; k < q.length; k++) q[k]! /= total;
    return { q, meanSim: simSum / best.length };
  }

  /** The model's probabilities `p` with the vote blended in (in place). */
  blend(bag: FeatureBag, p: Float64Array, s: NeighbourSettings): Float64Array {
    const { q, meanSim } = this.vote(bag, s);
    const a = s.scaled ? s.alpha * Math.min(1, meanSim) : s.alpha;
    if (!(a > 0) || q.every((x) => x === 0)) return p;
    for (let k = 0; k < p.length; k++) p[k] = (1 - a) * p[k]! + a * q[k]!;
    return p;
  }
}

/** A classifier whose intent probabilities have a neighbour vote blended in (eval:dev --knn only). */
export class NeighbourClassifier extends Classifier {
  constructor(
    base: Classifier,
    readonly memory: Neighbours,
    readonly settings: NeighbourSettings,
  ) {
    super(base.tokenizer, base.model, base.oos, base.domain);
  }

  override probabilities(bag: FeatureBag): Float64Array {
    return this.memory.blend(bag, super.probabilities(bag), this.settings);
  }
}

/** How PartsClassifier reads a message's parts: which parts, how their probabilities combine, and their share. */
export interface PartsSettings {
  /** clauses: cut after 。！？!?、, and ". "; segments: sentences and contrast joints (features.ts extractBags). */
  parts: 'clauses' | 'segments';
  /** mean of the parts, the first part, the last part, or the per-label max (renormalised). */
  combine: 'mean' | 'first' | 'last' | 'max';
  beta: number;
}

/**
 * A classifier whose intent probabilities of a message of two or more parts are (1 − beta)·p(whole) + beta·combine(p(part))
 * (eval:dev --parts only): long narratives read part by part, the same fold model on each part.
 */
export class PartsClassifier extends Classifier {
  private parts: FeatureBag[] = [];

  constructor(
    base: Classifier,
    readonly settings: PartsSettings,
  ) {
    super(base.tokenizer, base.model, base.oos, base.domain);
  }

  override features(text: string): FeatureBag {
    const b = extractBags(this.tokenizer, text, this.settings.parts === 'clauses' ? { clauses: true } : { segments: true });
    this.parts = this.settings.parts === 'clauses' ? b.clauses : b.segments.map((s) => s.bag);
    return b.whole;
  }

  override probabilities(bag: FeatureBag): Float64Array {
    const p = super.probabilities(bag);
    const parts = this.parts;
    if (parts.length < 2 || !(this.settings.beta > 0)) return p;
    const ps = parts.map((x) => this.model.probabilities(x));
    const q = new Float64Array(p.length);
    const c = this.settings.combine;
    if (c === 'first' || c === 'last') q.set(ps[c === 'first' ? 0 : ps.length - 1]!);
    else {
      for (const x of ps) for (let k = 0; k < q.length; k++) q[k] = c === 'max' ? Math.max(q[k]!, x[k]!) : q[k]! + x[k]! / ps.length;
      const sum = q.reduce((a, b) => a + b, 0);
      for (let k = 0; k < q.length; k++) q[k]! /= sum;
    }
    const b = this.settings.beta;
    for (let k = 0; k < p.length; k++) p[k] = (1 - b) * p[k]! + b * q[k]!;
    return p;
  }
}
