/**
 * Training and decision logic shared by the build (src/nlu/train.ts), start-up (src/nlu/index.ts) and `npm run eval`.
 *
 * Decision, in order:
 *  1. no letters or digits at all (empty, emoji only, binary junk) → out_of_scope (confidence 0 when empty);
 *  2. the linear model ranks every intent (calibrated softmax);
 *  3. an in-scope top intent with probability below `threshold`, or less than `margin` ahead of the runner-up,
 *     becomes out_of_scope (both tuned on the validation fold, never on held-out data). When the top two are both
 *     symptoms (「メールが届かない」 split between cannot-fetch and not-arriving), their summed probability is what
 *     meets the threshold: doubt about WHICH mail problem is not doubt about being a mail problem;
 *  4. an error string of the guide that is (nearly) the whole message — or any error string in a message the model
 *     put out of scope — lands on the intent the guide gives it (ERROR_INTENT, data-driven, not per sentence);
 *  5. the DOMAIN DETECTOR (a second, binary model on the same features: symptom phrases vs out-of-scope lines)
 *     gives `aboutMail`, "is this about mail at all", apart from "which symptom". A symptom the classifier picked
 *     in a message the detector finds clearly not about mail (aboutMail < `veto`) is out_of_scope; a message the
 *     classifier put out of scope that the detector finds about mail (aboutMail ≥ `rescue`) is NOT turned away:
 *     it keeps its likeliest symptom and `clarify` lists the 2–3 likeliest symptoms for the bot to ask 「〜という
 *     ことでしょうか？」 (two-stage fallback); so does a symptom chosen with less
 *     confidence than `clarify.below` or less than `clarify.margin` ahead of the next symptom (OosRule.clarify, per
 *     language, set from CLARIFY).
 *     `veto` and `rescue` are set (DOMAIN_VETO, DOMAIN_RESCUE); threshold and margin are tuned as before;
 *  6. a message that is nothing but carrier / service / device / OS facts (「ドコモです」, an answer to the bot's
 *     question) is out_of_scope: it names no intent, and brand names alone must not read as yes/no/fixed.
 */
import { INTENTS, SYMPTOM_INTENTS, type Entities, type Intent, type Locale, type NluResult, type ActPrior, type ErrorMessageKind } from '../core/index.js';
import { extractEntities, errorResidue, errorIntent, isFactOnly } from './entities.js';
import { extractBags, extractFeatures, type FeatureBag } from './features.js';
import { CLAUSE_RULE } from './replies.js';
import { JointIndex, LinearModel, DEFAULT_TRAIN_OPTIONS, fitTemperature, softmax, type SerializedJoint, type SerializedModel, type TrainOptions } from './model.js';
import { detectLocale as detectLanguage, romajiAsKana } from './locale.js';
import type { KuromojiTokenizer } from './tokenizer.js';
import { correctedPart, type ActModel } from './acts.js';
import { validationSplit, type LabelledText } from './corpus.js';

/** Bump when features or the file layout change, so an old dist/nlu/model.json is retrained, not misread. */
export const MODEL_FORMAT = 15;


export interface OosRule {
  /** Minimum calibrated probability of an in-scope top intent (0–1). */
  threshold: number;
  /** Minimum lead of the top intent over the runner-up (probability points, 0–1). */
  margin: number;
  /** aboutMail at or above which a message the classifier put out of scope keeps its likeliest symptom (and is clarified). */
  rescue: number;
  /** aboutMail below which a symptom the classifier picked is out of scope after all (near-domain: 「LINEが送れない」). */
  veto: number;
  /**
   * Per language, when a symptom the model picked is not walked but asked about: 「〜ということでしょうか？」 with the
   * likeliest symptoms as buttons (`clarify`, the two-stage fallback). Set, not tuned (CLARIFY).
   */
  clarify: Record<Locale, ClarifyRule>;
}

/** Folds the temperature and the out-of-scope rule are tuned over (trainClassifier). */
export const TUNING_FOLDS = 5;
/** When a symptom the model picked is asked about instead of walked (OosRule.clarify, per language). */
export interface ClarifyRule {
  /** Its probability is below this … */
  below: number;
  /** … or it is less than this many probability points ahead of the next likeliest symptom (0: no margin rule). */
  margin: number;
}

/**
 * The two-stage fallback's rule per language, written into dist/nlu/model.json's `oos` rule by the build (like rescue
 * and veto) and read from there at start-up. Chosen on the train folds (intents/real/notes/ask-25.md: `eval:dev --
 * --only=first --fast --clarify=…`, seeds 7 and 8) by the rule: the widest whose right walks turned into a question
 * are at most twice the wrong walks turned into a question with the right symptom among the buttons.
 */
export const CLARIFY: Readonly<Record<Locale, ClarifyRule>> = { ja: { below: 0.45, margin: 0.4 }, en: { below: 0.45, margin: 0.1 } };
/** A symptom is offered in `clarify` when its probability is at least this (the first two always are). */
const CLARIFY_MIN = 0.08;
/** aboutMail from which a message the classifier put out of scope keeps its likeliest symptom (and is clarified). */
export const DOMAIN_RESCUE = 0.75;
/** aboutMail below which a symptom the classifier picked is out of scope after all. */
export const DOMAIN_VETO = 0.02;
/** Labels of the domain detector. */
export const DOMAIN_LABELS = ['mail', 'other'] as const;

/** dist/nlu/model.json (the weights are in the binary file `joint.file` next to it). */
export interface ModelFile {
  format: number;
  /** trainingDataHash() of the data it was trained on. */
  dataHash: string;
  model: SerializedModel;
  /** The domain detector (binary: mail / other). */
  domain: SerializedModel;
  oos: OosRule;
  /** The reply-act model (src/nlu/acts.ts). */
  acts?: SerializedModel;
  /** Reply acts counted per node kind in the real replies' train split (src/nlu/act-prior.ts). */
  actPrior?: ActPrior;
  /** The three models' weights: one int8 joint table in its own binary file (model.ts JointIndex). */
  joint: SerializedJoint;
  /** Figures measured on the validation fold while tuning (for the curious; eval prints the real ones). */
  validation: { items: number; inScopeAccuracy: number; oosRecall: { far: number; near: number }; temperature: number };
}

/** Residue (letters/digits besides the error string) up to which an error string counts as the whole message. */
const ERROR_RESIDUE_MAX = 12;
const NOT_CONTENT = /[^\p{L}\p{N}]/gu;
/** Characters of binary junk read as text (control characters, U+FFFD). */
const BROKEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/;
const BROKEN_ALL = new RegExp(BROKEN.source, 'g');

export interface Decision {
  bag: FeatureBag;
  intent: Intent;
  confidence: number;
  ranking: Array<{ intent: Intent; confidence: number }>;
  /** The domain detector's probability that the message is about mail (0–1). */
  aboutMail: number;
  /** The likeliest symptoms when the message is about mail but the symptom is uncertain (best first, 2–3). */
  clarify?: Intent[];
  /** `clarify` is there only for the margin rule: the symptom is sure enough, but close to the next one. */
  clarifyByMargin?: true;
}

export class Classifier {
  constructor(
    readonly tokenizer: KuromojiTokenizer,
    readonly model: LinearModel,
    readonly oos: OosRule,
    readonly domain: LinearModel,
    /** The reply-act model; without it `analyse` gives no `acts`. */
    readonly acts?: ActModel,
  ) {
    // One hash probe per feature for the models that read every message (model.ts JointIndex): the table loaded
    // with them, or built here from trained weights.
    const joined = model.joint?.index;
    if (!joined || domain.joint?.index !== joined || (acts && acts.model.joint?.index !== joined)) JointIndex.of([model, domain, ...(acts ? [acts.model] : [])]);
    this.oosIndex = model.labels.indexOf('out_of_scope');
    this.symptomIndex = model.labels.flatMap((l, k) => (SYMPTOM_INTENTS.has(l as Intent) ? [k] : []));
    this.symptomMask = model.labels.map((l) => SYMPTOM_INTENTS.has(l as Intent));
  }

  private readonly symptomMask: boolean[];

  private readonly oosIndex: number;
  private readonly symptomIndex: number[];

  /** The domain detector's probability that a feature bag is about mail. */
  aboutMail(bag: FeatureBag): number {
    return this.domain.probabilities(bag)[0] ?? 0;
  }

  /** The likeliest symptoms, best first: the first two always, a third when it is likely enough. */
  private symptomsOf(p: Float64Array): Intent[] {
    const order = [...this.symptomIndex].sort((a, b) => p[b]! - p[a]!);
    return order.slice(0, 3).filter((k, i) => i < 2 || p[k]! >= CLARIFY_MIN).map((k) => this.model.labels[k] as Intent);
  }

  /**
   * Why a symptom read with probability `pTop` is asked about (OosRule.clarify of the message's language), not walked:
   * below the rule's level, or less than its margin ahead of the next symptom; undefined: walked.
   */
  private unsure(p: Float64Array, pTop: number, locale: Locale): 'below' | 'margin' | undefined {
    const rule = this.oos.clarify?.[locale] ?? CLARIFY[locale];
    if (pTop < rule.below) return 'below';
    if (!(rule.margin > 0)) return undefined;
    let first = -1;
    let second = -1;
    for (const k of this.symptomIndex) {
      if (first < 0 || p[k]! > p[first]!) {
        second = first;
        first = k;
      } else if (second < 0 || p[k]! > p[second]!) second = k;
    }
    return second >= 0 && pTop - p[second]! < rule.margin ? 'margin' : undefined;
  }

  features(text: string): FeatureBag {
    return extractFeatures(this.tokenizer, text);
  }

  /** The intent probabilities the decision reads (the model's; eval:dev --knn blends a neighbour vote in, eval/neighbours.ts). */
  probabilities(bag: FeatureBag): Float64Array {
    return this.model.probabilities(bag);
  }

  /** Steps 2–3 and 5 on a feature bag: the model's ranking, the out-of-scope rule and the domain detector. */
  decideBag(bag: FeatureBag, locale: Locale = 'ja'): Decision {
    const p = this.probabilities(bag);
    const aboutMail = this.aboutMail(bag);
    // Top five by selection: sorting all 25 labels per message is measurable at this scale.
    const picked: number[] = [];
    const taken = new Uint8Array(p.length);
    for (let r = 0; r < Math.min(5, p.length); r++) {
      let best = -1;
      for (let k = 0; k < p.length; k++) if (!taken[k] && (best < 0 || p[k]! > p[best]!)) best = k;
      taken[best] = 1;
      picked.push(best);
    }
    const ranking = picked.map((k) => ({ intent: this.model.labels[k] as Intent, confidence: p[k]! }));
    const out = (d: Omit<Decision, 'bag' | 'ranking' | 'aboutMail'>): Decision => ({ bag, ranking, aboutMail, ...d });
    const how = decideIndex(p, aboutMail, this.oos, this.symptomMask, this.oosIndex);
    if (how.rescued) {
      const clarify = this.symptomsOf(p);
      return out({ intent: clarify[0]!, confidence: p[this.model.labels.indexOf(clarify[0]!)]!, clarify });
    }
    const top = ranking[0]!;
    if (how.k === this.oosIndex) {
      return out({ intent: 'out_of_scope', confidence: top.intent === 'out_of_scope' ? top.confidence : Math.max(p[this.oosIndex] ?? 0, 1 - top.confidence, 1 - aboutMail) });
    }
    const why = SYMPTOM_INTENTS.has(top.intent) ? this.unsure(p, top.confidence, locale) : undefined;
    if (why) return out({ intent: top.intent, confidence: top.confidence, clarify: this.symptomsOf(p), ...(why === 'margin' ? { clarifyByMargin: true as const } : {}) });
    return out({ intent: top.intent, confidence: top.confidence });
  }

  /** Whether analyse() reads a reply's segments (NluResult.segmentActs): on when the clause rule uses them. */
  readSegments: boolean = CLAUSE_RULE !== 'whole';

  analyse(text: string, hint?: Locale): NluResult {
    // Romaji Japanese (「meeru ga todokanai」) is read in kana, as if typed with an IME.
    return this.analyseIntent(romajiAsKana(text) ?? text, hint, true);
  }

  /** The intent reading (and, with `withActs`, the reply acts). */
  private analyseIntent(text: string, hint?: Locale, withActs = false): NluResult {
    const locale = detectLocale(text, hint);
    const content = text.slice(0, 4000).replace(NOT_CONTENT, '');
    if (content === '') {
      return { intent: 'out_of_scope', confidence: text.trim() === '' ? 0 : 1, entities: {}, locale, ranking: [], aboutMail: 0 };
    }
    const match = extractEntities(text);
    const { entities, error, text: light } = match;
    // Junk (binary bytes read as UTF-8, mostly symbols) has too little language to classify.
    // Counted only when the message may be junk: with no broken character and content at least 0.3 of all characters
    // (visible ones are fewer), neither test below can hold.
    const head = text.slice(0, 4000);
    const broken = BROKEN.test(head) ? (head.match(BROKEN_ALL) ?? []).length : 0;
    if (broken > 0 || content.length / head.length < 0.3) {
      const visible = head.replace(/\s/g, '').length;
      if (visible > 0 && (content.length / visible < 0.3 || broken / visible > 0.05)) {
        return { intent: 'out_of_scope', confidence: 1, entities: {}, locale, ranking: [], aboutMail: 0 };
      }
    }
    // With acts, the clauses' bags come from the same pass (the act model reads a reply clause by clause); the
    // segments only when the clause rule uses them (CLAUSE_RULE).
    const bags = this.acts && withActs ? extractBags(this.tokenizer, text, { clauses: true, segments: this.readSegments, light }) : undefined;
    const d = this.decideBag(bags?.whole ?? this.features(text), locale);
    let { intent, confidence } = d;
    let clarify = d.clarify;
    if (error) {
      const target = errorIntent(error.kind);
      // An error text the domain knows, quoted as the screen shows it (「…「不正なパスワード」と表示され…」), settles a
      // clarification between its symptom and others: the rest of the message is the circumstance, the quote the symptom.
      const quotedSettles = !!target && !!clarify?.includes(target) && quotesError(text, error.kind);
      if (errorResidue(light).length <= ERROR_RESIDUE_MAX || intent === 'out_of_scope' || quotedSettles) {
        if (target && (intent !== target || quotedSettles)) {
          intent = target;
          clarify = undefined;
          confidence = Math.max(this.probabilities(d.bag)[this.model.labels.indexOf(target)] ?? 0, 0.9);
        }
      }
    }
    if (isFactOnly(match)) {
      intent = 'out_of_scope';
      clarify = undefined;
      confidence = Math.max(this.probabilities(d.bag)[this.oosIndex] ?? 0, 0.9);
    }
    const result: NluResult = {
      intent,
      confidence: round(confidence),
      entities: clean(entities),
      locale,
      ranking: d.ranking.map((r) => ({ intent: r.intent, confidence: round(r.confidence) })),
      aboutMail: round(d.aboutMail),
    };
    if (clarify && clarify.length > 1 && SYMPTOM_INTENTS.has(intent)) {
      result.clarify = clarify;
      if (d.clarifyByMargin) result.clarifyByMargin = true;
    }
    if (this.acts && withActs) {
      result.acts = this.acts.rank(text.slice(0, 4000), bags);
      if (bags?.segments.length) result.segmentActs = this.acts.rankSegments(bags);
      if (this.acts.prior) result.actPrior = this.acts.prior;
      const part = correctedPart(text.slice(0, 4000));
      if (part) {
        const y = this.analyseIntent(part, hint);
        result.corrected = { text: part, intent: y.intent, confidence: y.confidence, entities: y.entities };
      }
    }
    return result;
  }
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** Quoted passages (「…」『…』"…" “…”): where a person copies what the screen says. */
const QUOTED = /[「『"“]([^「」『』"“”]{2,120})[」』"”]/g;

/** Whether one quoted passage of the text is (nearly) nothing but an error string of this kind. */
function quotesError(text: string, kind: ErrorMessageKind): boolean {
  for (const m of text.matchAll(QUOTED)) {
    const inner = extractEntities(m[1]!);
    if (inner.error?.kind === kind && errorResidue(inner.text).length <= ERROR_RESIDUE_MAX) return true;
  }
  return false;
}

function clean(e: Entities): Entities {
  const out: Entities = {};
  for (const [k, v] of Object.entries(e)) if (v !== undefined) (out as Record<string, string>)[k] = v;
  return out;
}

/**
 * The locale of an analysed text: the one detector (src/nlu/locale.ts), with the caller's hint (the
 * conversation's language) when the text does not tell, else Japanese.
 */
export function detectLocale(text: string, hint?: Locale): Locale {
  return detectLanguage(text, hint, hint ?? 'ja');
}

/** Progress and figures while training (stderr in the build; silent in tests). */
export type TrainLog = (msg: string) => void;

function bags(tokenizer: KuromojiTokenizer, items: readonly LabelledText[], opts: TrainOptions) {
  return items.map((it) => ({ features: extractFeatures(tokenizer, it.text), label: it.intent, weight: weightOf(it, opts) }));
}

/** The intent model's examples: every item's bag but the domain detector's own (LabelledText.aboutMailOnly). */
function intentBags<T>(items: readonly LabelledText[], itemBags: readonly T[]): T[] {
  return items.some((it) => it.aboutMailOnly) ? itemBags.filter((_, i) => !items[i]!.aboutMailOnly) : [...itemBags];
}

/** Loss weight of a training item: TrainOptions.realWeight for a real line, 1 for a hand-written phrase. */
function weightOf(it: LabelledText, opts: TrainOptions): number {
  return it.real ? (opts.realWeight ?? 1) : 1;
}

/**
 * The domain detector's examples: symptom phrases are mail, out-of-scope lines are not; other intents sit out.
 * Near-domain negatives (the out_of_scope phrases of intents/: other IT, other apps) count NEAR_WEIGHT times, so
 * the big chit-chat corpus does not teach "technical = mail".
 */
const NEAR_WEIGHT = 3;
function domainExamples(items: readonly LabelledText[], features: readonly FeatureBag[], opts: TrainOptions) {
  return items.flatMap((it, i) => {
    if (SYMPTOM_INTENTS.has(it.intent)) return [{ features: features[i]!, label: 'mail', weight: weightOf(it, opts) }];
    if (it.intent !== 'out_of_scope') return [];
    const ex = { features: features[i]!, label: 'other' };
    if (it.corpus) return [ex];
    return opts.nearByWeight ? [{ ...ex, weight: NEAR_WEIGHT }] : Array.from({ length: NEAR_WEIGHT }, () => ex);
  });
}

/**
 * Trains a classifier: fit the intent model and the domain detector on 4/5 of the training data, fit the
 * temperature and the decision rule (out-of-scope threshold, margin, rescue, veto) on the other fifth, then train
 * the final models on everything with those settings.
 */
export function trainClassifier(
  tokenizer: KuromojiTokenizer,
  items: readonly LabelledText[],
  opts: TrainOptions = DEFAULT_TRAIN_OPTIONS,
  log: TrainLog = () => {},
  fixed?: { temperature: number; rule: OosRule },
): { classifier: Classifier; validation: ModelFile['validation'] } {
  const labels = [...INTENTS];
  const t0 = Date.now();
  if (fixed) {
    // eval:dev --fast: no tuning folds — the rule and temperature given (the build's), one model and one detector.
    const allBags = bags(tokenizer, items, opts);
    const model = LinearModel.train(intentBags(items, allBags), labels, opts);
    model.temperature = fixed.temperature;
    const domain = LinearModel.train(domainExamples(items, allBags.map((b) => b.features), opts), DOMAIN_LABELS, opts);
    return { classifier: new Classifier(tokenizer, model, fixed.rule, domain), validation: { items: 0, inScopeAccuracy: NaN, oosRecall: { far: NaN, near: NaN }, temperature: fixed.temperature } };
  }
  // Every item is validated once, by models fitted on the other folds (TUNING_FOLDS-fold cross-validation): the
  // temperature and the rule are tuned on ~5× the items one fold gave, so adding a few training lines no longer
  // swings them (one fold's rule moved a hand-written split by a point with any retraining).
  const allBags = bags(tokenizer, items, opts);
  const logits: Float64Array[] = [];
  const gold: number[] = [];
  const about: number[] = [];
  const near: boolean[] = [];
  const at = new Map(items.map((it, i) => [it, i]));
  for (let fold = 0; fold < TUNING_FOLDS; fold++) {
    const { fit, validation } = validationSplit(items, fold);
    const fitBags = fit.map((it) => allBags[at.get(it)!]!);
    const fitModel = LinearModel.train(intentBags(fit, fitBags), labels, opts);
    const fitDomain = LinearModel.train(domainExamples(fit, fitBags.map((b) => b.features), opts), DOMAIN_LABELS, opts);
    for (const v of validation) {
      const bag = allBags[at.get(v)!]!.features;
      logits.push(fitModel.logits(bag));
      about.push(fitDomain.probabilities(bag)[0]!);
      gold.push(labels.indexOf(v.intent));
      near.push(!v.corpus);
    }
  }
  const temperature = fitTemperature(logits, gold);
  const probs = logits.map((z) => softmax(z, temperature));
  const oos = tuneOos(probs, gold, labels.indexOf('out_of_scope'), near, labels, about);
  log(`validation (${TUNING_FOLDS} folds): ${gold.length} items, T=${temperature}, threshold=${oos.rule.threshold}, margin=${oos.rule.margin}, rescue=${oos.rule.rescue}, veto=${oos.rule.veto}, in-scope acc=${oos.inScopeAccuracy.toFixed(3)}, oos recall far=${oos.farRecall.toFixed(3)} near=${oos.nearRecall.toFixed(3)} (${Date.now() - t0} ms)`);
  const model = LinearModel.train(intentBags(items, allBags), labels, opts);
  model.temperature = temperature;
  const domain = LinearModel.train(domainExamples(items, allBags.map((b) => b.features), opts), DOMAIN_LABELS, opts);
  return {
    classifier: new Classifier(tokenizer, model, oos.rule, domain),
    validation: { items: gold.length, inScopeAccuracy: oos.inScopeAccuracy, oosRecall: { far: oos.farRecall, near: oos.nearRecall }, temperature },
  };
}

/**
 * The decision of steps 3 and 5 on probabilities: the label index, and whether a message the classifier put out of
 * scope was kept because it is about mail (then the caller offers the likeliest symptoms). Shared by the classifier
 * and the tuning, so what is tuned is what runs.
 */
export function decideIndex(
  p: ArrayLike<number>,
  aboutMail: number,
  rule: OosRule,
  symptom: readonly boolean[],
  oosIndex: number,
): { k: number; rescued: boolean } {
  let top = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[top]!) top = k;
  if (symptom[top]) return aboutMail < rule.veto ? { k: oosIndex, rescued: false } : { k: top, rescued: false };
  let second = -1;
  for (let k = 0; k < p.length; k++) if (k !== top && (second < 0 || p[k]! > p[second]!)) second = k;
  const lead = p[top]! - (second >= 0 ? p[second]! : 0);
  if (top === oosIndex || p[top]! < rule.threshold || lead < rule.margin) {
    if (aboutMail >= rule.rescue) {
      let best = -1;
      for (let k = 0; k < p.length; k++) if (symptom[k] && (best < 0 || p[k]! > p[best]!)) best = k;
      return { k: best, rescued: true };
    }
    return { k: oosIndex, rescued: false };
  }
  return { k: top, rescued: false };
}

/**
 * Out-of-scope recall the tuned rule must keep on the validation folds: far off-topic lines only. Near-domain lines
 * (the out_of_scope phrases of intents/) count like every other item in what the rule gets right, but are no hard
 * floor: every rule of the grid scored 0.78–0.81 near recall on the ~500 near items, so a 0.80 floor made the choice
 * a coin flip (two grid points feasible, then none after a few more phrases) and moved the hand-written splits by
 * a point or two with any data change. The judged near figure is the held-out one (eval: ≥ 85 %).
 */
export const OOS_FLOORS = { far: 0.97 } as const;

/**
 * Grid search of the decision rule (threshold × margin for non-symptom intents; rescue and veto of the domain
 * detector are set) on the validation folds. A person with a mail problem must not be turned away, so the rule
 * keeps as many validation messages right as it can (in-scope, far and near out-of-scope alike) while far
 * out-of-scope recall stays at its floor (OOS_FLOORS), then takes the gentlest rule within one standard error of
 * that (no margin before a margin, then the lowest threshold). Only when no rule meets the floor does it fall back
 * to the best mean of the three rates.
 */
export function tuneOos(
  probs: readonly Float64Array[],
  gold: readonly number[],
  oosIndex: number,
  near: readonly boolean[],
  labels: readonly string[] = [],
  about: readonly number[] = probs.map(() => 0),
) {
  const symptom = labels.map((l) => SYMPTOM_INTENTS.has(l as Intent));
  if (symptom.length === 0) for (let k = 0; k < (probs[0]?.length ?? 0); k++) symptom.push(false);
  let best = { rule: { threshold: 0, margin: 0, rescue: 1.01, veto: 0, clarify: CLARIFY } as OosRule, score: -1, right: 0, inScopeAccuracy: 0, farRecall: 0, nearRecall: 0 };
  const feasibleRules: Array<typeof best> = [];
  let bestFeasible = false;
  // rescue and veto are set, not tuned: the fold's near-domain part (~1.5 points a line) swung a tuned rescue
  // between 0.6 and "never" as a handful of phrases were added. The detector's scores are well apart (eval prints
  // the effect: in-domain → out_of_scope, near recall).
  const rescues = [DOMAIN_RESCUE];
  const vetoes = [DOMAIN_VETO];
  // decideIndex per item depends only on these, so the grid costs O(1) per item and rule.
  const pre = probs.map((p) => {
    let top = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[top]!) top = k;
    let second = -1;
    let sym = -1;
    for (let k = 0; k < p.length; k++) {
      if (k !== top && (second < 0 || p[k]! > p[second]!)) second = k;
      if (symptom[k] && (sym < 0 || p[k]! > p[sym]!)) sym = k;
    }
    return { top, pTop: p[top]!, lead: p[top]! - (second >= 0 ? p[second]! : 0), sym };
  });
  for (const rescue of rescues) {
    for (const veto of vetoes) {
      // The non-symptom rule stays gentle (an unsure 「いや違う」 must not become out of scope): threshold ≤ 0.4, margin ≤ 0.1.
      for (let ti = 0; ti <= 8; ti++) {
        for (let mi = 0; mi <= 2; mi++) {
          const rule: OosRule = { threshold: Math.round(ti * 5) / 100, margin: Math.round(mi * 5) / 100, rescue, veto, clarify: CLARIFY };
          const n = { inOk: 0, inN: 0, farOk: 0, farN: 0, nearOk: 0, nearN: 0 };
          for (let i = 0; i < pre.length; i++) {
            const x = pre[i]!;
            const a = about[i]!;
            let pred: number;
            if (symptom[x.top]) pred = a < veto ? oosIndex : x.top;
            else if (x.top === oosIndex || x.pTop < rule.threshold || x.lead < rule.margin) pred = a >= rescue && x.sym >= 0 ? x.sym : oosIndex;
            else pred = x.top;
            if (gold[i] !== oosIndex) {
              n.inN++;
              if (pred === gold[i]) n.inOk++;
            } else if (near[i]) {
              n.nearN++;
              if (pred === oosIndex) n.nearOk++;
            } else {
              n.farN++;
              if (pred === oosIndex) n.farOk++;
            }
          }
          const inAcc = n.inN ? n.inOk / n.inN : 1;
          const far = n.farN ? n.farOk / n.farN : 1;
          const nearR = n.nearN ? n.nearOk / n.nearN : 1;
          const score = (inAcc + far + nearR) / 3;
          const feasible = far >= OOS_FLOORS.far;
          // Among rules meeting the floors: the most validation items right (a rescued near-domain line costs as
          // much as a lost in-scope one).
          const right = n.inOk + n.farOk + n.nearOk;
          const better = feasible !== bestFeasible ? feasible : feasible ? right > best.right : score > best.score + 1e-9;
          const row = { rule, score, right, inScopeAccuracy: inAcc, farRecall: far, nearRecall: nearR };
          if (feasible) feasibleRules.push(row);
          if (best.score < 0 || better) {
            best = row;
            bestFeasible = feasible;
          }
        }
      }
    }
  }
  // The one-standard-error rule: the gentlest feasible rule (no margin before a margin, then the lowest threshold)
  // whose items right are within one standard error of the best. One or two validation items must not make the
  // rule stricter — a stricter rule turns unsure replies (「いや違う」) away as out of scope.
  if (bestFeasible && pre.length > 0) {
    const n = pre.length;
    const p = best.right / n;
    const se = Math.sqrt((p * (1 - p)) / n) * n;
    const gentle = feasibleRules
      .filter((r) => r.right >= best.right - se)
      .sort((a, b) => a.rule.margin - b.rule.margin || a.rule.threshold - b.rule.threshold)[0];
    if (gentle) best = gentle;
  }
  return best;
}
