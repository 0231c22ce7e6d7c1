/**
 * The reply-act model (issue 12): what a reply to the bot's own question does — fixed, still broken, does not apply,
 * not yet, already tried, done without a result, how do I do that, how long, I don't know, never mind, a
 * correction, a person please … (domain.yaml `acts`, phrases in intents/<locale>/acts/*.yaml). The same features as
 * the intent model (features.ts) and the same linear model (model.ts), trained at `npm run build` next to it.
 *
 * The model reads the whole text and, when the text has several sentences, each sentence: an act that holds
 * anywhere (a person, never mind, a correction) said in one sentence counts even when the rest gives details
 * (「担当者と話したい。iPhone 14、iOS 17.5 …」). Which acts count at a node is the engine's choice
 * (src/nlu/replies.ts, with the node's answer group); this module only ranks.
 */
import { ACT_DEFS, ACTS, type Act, type ActPrior } from '../core/index.js';
import { extractBags, extractFeatures, type FeatureBags } from './features.js';
import { DEFAULT_TRAIN_OPTIONS, LinearModel, fitTemperature, type TrainOptions } from './model.js';
import type { KuromojiTokenizer } from './tokenizer.js';

export interface LabelledAct {
  text: string;
  act: Act;
  locale: string;
  /** A real reply (intents/real/replies-*.tsv, train split): weighs TrainOptions.realWeight in the loss. */
  real?: boolean;
}

/** Acts that go along with content rather than replace it (「解決しました。ありがとうございました」 is "fixed"). */
export const SOCIAL: ReadonlySet<Act> = new Set(['other', 'thanks', 'greeting', 'goodbye']);

/**
 * Acts read clause by clause as well as on the whole text: those that hold anywhere (a person, never mind, a
 * correction) and the facts about steps a first message may carry (「…、再起動と機内モードはもうやりました」,
 * 「VPN使ってないんですが、…」).
 */
export const CLAUSE_ACTS: ReadonlySet<Act> = new Set([...ACTS.filter((a) => ACT_DEFS[a].anywhere && !SOCIAL.has(a)), 'already_tried', 'not_applicable']);

export class ActModel {
  constructor(
    readonly tokenizer: KuromojiTokenizer,
    readonly model: LinearModel,
    /** Acts counted per node kind in the real replies (src/nlu/act-prior.ts), handed on in NluResult.actPrior. */
    public prior?: ActPrior,
  ) {}

  /** Per label: one of CLAUSE_ACTS (built on first use). */
  private clauseMask?: boolean[];

  /**
   * Every act with its probability, best first: the whole text's reading, raised by any clause that carries one of
   * CLAUSE_ACTS. `bags` are the text's features (src/nlu/features.ts extractBags) when the caller has them — the
   * intent model's, shared: no second tokenisation, not even for the clauses.
   */
  rank(text: string, bags: FeatureBags = extractBags(this.tokenizer, text)): Array<{ act: Act; confidence: number }> {
    const labels = this.model.labels as readonly Act[];
    const out = this.model.probabilities(bags.whole);
    if (bags.clauses.length > 1) {
      const clauseAct = (this.clauseMask ??= labels.map((a) => CLAUSE_ACTS.has(a)));
      let raised = 0;
      for (const bag of bags.clauses) {
        const p = this.model.probabilities(bag);
        for (let k = 0; k < labels.length; k++) {
          if (clauseAct[k] && p[k]! > out[k]!) {
            out[k] = p[k]!;
            raised = Math.max(raised, p[k]!);
          }
        }
      }
      // A clause that surely carries an act means the message is not "no act" (`other`) as a whole either.
      const other = labels.indexOf('other');
      if (raised >= 0.5 && other >= 0) out[other] = Math.min(out[other]!, 1 - raised);
    }
    return rankedOf(labels, out);
  }

  /**
   * Every segment's own reading (a sentence, or a part of one before / after a contrast joint — features.ts
   * extractBags `segments`), in order; empty when the text is one segment. Which segment counts is decided in the
   * node's context (src/nlu/replies.ts, CLAUSE_RULE). From the same bags: no second tokenisation.
   */
  rankSegments(bags: FeatureBags): Array<{ contrast: boolean; acts: Array<{ act: Act; confidence: number }> }> {
    const labels = this.model.labels as readonly Act[];
    return bags.segments.map(({ bag, contrast }) => ({ contrast, acts: rankedOf(labels, this.model.probabilities(bag)) }));
  }
}

function rankedOf(labels: readonly Act[], p: ArrayLike<number>): Array<{ act: Act; confidence: number }> {
  const ranked = new Array<{ act: Act; confidence: number }>(labels.length);
  for (let k = 0; k < labels.length; k++) ranked[k] = { act: labels[k]!, confidence: Math.round(p[k]! * 1e4) / 1e4 };
  return ranked.sort((a, b) => b.confidence - a.confidence);
}

/**
 * The intent model's settings with full class balancing: the background act `other` (every symptom phrase) would
 * otherwise outweigh the 10–60 phrases of each reply act. One example order (orders: 1): the act model is not at a
 * knife-edge floor, and four orders would quadruple its training in every build and eval:dev fold. The keyed order
 * (TrainOptions.keyed): a phrase added to intents/<locale>/acts/ slots in without reshuffling every other example, so it moves
 * the readings it is about (18–20 dev lines for a 46-phrase batch) instead of ~50 at random (round 15, nlu-15 notes) — the
 * conversation scripts stay readable under phrase changes. Level with the positional order on dev (one run: keyed
 * 59.8 / 60.2 % vs positional 60.7 / 59.4 % at seeds 7 / 8, `node dist/nlu/eval/dev.js --only=replies [--act-keyed=0]`).
 */
export const ACT_TRAIN_OPTIONS = { ...DEFAULT_TRAIN_OPTIONS, balancePower: 1, orders: 1, keyed: true };

/** Trains the act model: temperature fitted on every 5th phrase of each act, then the final model on everything. */
export function trainActModel(tokenizer: KuromojiTokenizer, items: readonly LabelledAct[], opts: TrainOptions = ACT_TRAIN_OPTIONS): ActModel {
  const labels = [...ACTS];
  const bags = (xs: readonly LabelledAct[]) =>
    xs.map((x) => ({ features: extractFeatures(tokenizer, x.text), label: x.act, weight: x.real ? (opts.realWeight ?? 1) : 1 }));
  const seen = new Map<string, number>();
  const fit: LabelledAct[] = [];
  const val: LabelledAct[] = [];
  for (const it of items) {
    const key = `${it.locale}/${it.act}`;
    const i = seen.get(key) ?? 0;
    seen.set(key, i + 1);
    (i % 5 === 4 ? val : fit).push(it);
  }
  const all = bags(items);
  const fitModel = LinearModel.train(bags(fit), labels, opts);
  const valBags = bags(val);
  const temperature = fitTemperature(
    valBags.map((b) => fitModel.logits(b.features)),
    val.map((v) => labels.indexOf(v.act)),
  );
  const model = LinearModel.train(all, labels, opts);
  model.temperature = temperature;
  return new ActModel(tokenizer, model);
}

/** 「X じゃなくて Y」「X ではなく Y」: Y. */
const JA_NOT_BUT = /(?:じゃなくて|じゃなく|ではなくて|ではなく|でなくて|じゃないです|じゃない)[、,\s]*(.+)$/u;
/** "not X, Y" / "not X but Y" / "it's not X, it's Y": Y; "Y, not X": Y. */
const EN_NOT_BUT = /^(?:no,?\s*|wait,?\s*|sorry,?\s*|actually,?\s*)*(?:(?:it'?s|it is|that'?s|that is|i meant|i mean)\s+)?not\s+[^,]+?(?:,\s*|\s+but\s+)(.+)$/iu;
const EN_BUT_NOT = /^(.+?),?\s+not\s+[^,]+$/iu;
/**
 * A reply opened by "no" / 「いや」 with more after it ("no, all of it", 「いや、全部来ない」): the rest. Only a shape — it
 * corrects something only where the act model reads the reply as a correction (repair reroute). Not "actually" /
 * 「実は」: "Actually, can we switch to English? Sending fails" corrects nothing.
 */
const JA_NO_THEN = /^(?:いや|いえ|いいえ|違います|ちがいます|違う|ちがう)(?:[、,。\s]+|(?=[^\s、,。]))(.+)$/u;
const EN_NO_THEN = /^(?:no|nope|nah)\b[,.!]?\s*(.+)$/iu;
/** A word every "not X but Y" shape above holds (most messages hold none). */
const NOT_WORD = /じゃな|ではな|でなく|not/iu;

/**
 * The part a "not X but Y" reply corrects to (Y), or undefined when the reply has no such shape. A shape check only:
 * what Y means is read by the models (Classifier.analyse → NluResult.corrected).
 */
export function correctedPart(text: string): string | undefined {
  const t = text.normalize('NFKC').trim();
  const notBut = NOT_WORD.test(t) ? (JA_NOT_BUT.exec(t)?.[1] ?? EN_NOT_BUT.exec(t)?.[1] ?? EN_BUT_NOT.exec(t)?.[1]) : undefined;
  const y = notBut ?? JA_NO_THEN.exec(t)?.[1] ?? EN_NO_THEN.exec(t)?.[1];
  const out = y?.replace(/^(?:i meant|it'?s|its)\s+/i, '').trim();
  return out && /[\p{L}\p{N}]/u.test(out) && out !== t ? out : undefined;
}
