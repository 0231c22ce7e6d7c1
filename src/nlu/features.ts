/**
 * Features of one utterance: character 1–3-grams of the normalised text (robust to typos, unknown words and
 * mixed scripts) plus kuromoji base forms and base-form bigrams (so inflections meet: 繋がりません = 繋がらない),
 * plus READINGS: character 2–3-grams of the kana reading of the content words (kuromoji's katakana reading, or the
 * surface in katakana for a kana word it does not know; particles left out), so 「めーるがこない」, 「メール コナイ」
 * and the trained 「メールが来ない」 share features (メールコナイ) — on both sides, training and input. Brand names in
 * kana (あいほん, どこもめーる) are read by the entity patterns of domain.yaml, not here: entity-value tags as
 * features were tried and cost a point of held-out accuracy. Only the first MAX_FEATURE_CHARS characters are read
 * (issue 13's cost cap).
 * The vector is binary and scaled to unit length, so long and short messages weigh alike.
 *
 * Features are 32-bit FNV-1a hashes of "kind + text" computed straight from code points: no feature string is
 * ever built, which halves the cost above tokenisation (measured with `npm run bench:nlu`). With ~60k features
 * a collision is about a one-in-two event per model and merely makes two rare features share a weight.
 */
import { clip, commonSpellings, lowerCase, normalize, normalizeFromLight, MAX_FEATURE_CHARS, type KanaReader } from './normalize.js';
import { baseForms, kanaReader, tokenizeSafe, type KuromojiTokenizer } from './tokenizer.js';
import { contrast } from './contrast.js';

/** Unique feature ids with the common value (unit L2 norm). Empty when the text has no usable content. */
export interface FeatureBag {
  ids: Uint32Array;
  value: number;
  /** The joint table's column sums over this bag's rows, found once for all the models that read it (model.ts JointIndex.sums). */
  joint?: { index: unknown; sums: number[] };
}

/**
 * Normalised text as the features see it, typed forms in the desk's spelling (exported for the baselines, which get the
 * same tokens). `light`: the text's normalizeLight(clip(text)) when the caller has it (the entity match's text), so it
 * is not computed twice.
 */
export function featureText(text: string, kana?: KanaReader, light?: string): string {
  // The caller's normalizeLight(clip(text)) is the same string when the text is within the features' window.
  return commonSpellings(light !== undefined && text.length <= MAX_FEATURE_CHARS ? normalizeFromLight(light, kana) : normalize(clip(text, MAX_FEATURE_CHARS), kana));
}

const readers = new WeakMap<KuromojiTokenizer, KanaReader>();
/** The hiragana-loanword reader of a tokenizer (built once per tokenizer). */
export function kanaOf(tokenizer: KuromojiTokenizer): KanaReader {
  let r = readers.get(tokenizer);
  if (!r) readers.set(tokenizer, (r = kanaReader(tokenizer)));
  return r;
}

/** Tokens (base forms, lower case) of already-normalised text. */
export function tokensOf(tokenizer: KuromojiTokenizer, normalised: string): string[] {
  return baseForms(tokenizer, normalised).map((t) => t.toLowerCase());
}

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;

// Hashes are returned as signed 32-bit integers: V8 keeps those as small integers in the Set below, where an unsigned
// value ≥ 2³¹ would be a heap number (an allocation per feature). Stored in a Uint32Array they are the same 32 bits.
function hashCodes(kind: number, codes: ArrayLike<number>, from: number, to: number): number {
  let h = Math.imul(FNV_OFFSET ^ kind, FNV_PRIME);
  for (let i = from; i < to; i++) h = Math.imul(h ^ codes[i]!, FNV_PRIME);
  return h | 0;
}

function hashString(kind: number, s: string, h0 = Math.imul(FNV_OFFSET ^ kind, FNV_PRIME)): number {
  let h = h0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h | 0;
}

const KIND_WORD = 0x77; // 'w'
const KIND_BIGRAM = 0x62; // 'b'
const SEP = 0x7c; // '|'

const KIND_TAG = 0x74; // 't'
const JAPANESE_SCRIPT = /[\u3041-\u30ff\u3400-\u9fff]/;

const KIND_READ2 = 0x52; // 'R'
const KIND_READ3 = 0x53;
const KANA_ONLY = /^[\u3041-\u3096\u30a1-\u30faー]+$/;
const toKatakana = (w: string) => w.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));

/**
 * Scratch code-unit buffer of addText (the text's code points, then the reading's), reused from call to call: arrays
 * grown by push, and a string per character from iterating the text, were garbage of every message.
 */
let scratch = new Int32Array(1024);
function scratchOf(n: number): Int32Array {
  if (scratch.length < n) {
    const grown = new Int32Array(Math.max(n, scratch.length * 2));
    grown.set(scratch); // readingCodes grows it while writing
    scratch = grown;
  }
  return scratch;
}

/**
 * Kana reading of the content words (see the module comment) between the boundary markers 2 and 3, written into the
 * scratch buffer; its length, or 0 when there is no reading.
 */
function readingCodes(tokens: ReturnType<typeof tokenizeSafe>): number {
  let n = 1;
  for (const t of tokens) {
    if (t.pos === '助詞' || t.pos === '記号') continue;
    const r = t.reading && t.reading !== '*' ? t.reading : KANA_ONLY.test(t.surface_form) ? toKatakana(t.surface_form) : '';
    const out = scratchOf(n + r.length + 1);
    for (let i = 0; i < r.length; i++) out[n++] = r.charCodeAt(i);
  }
  if (n === 1) return 0;
  scratch[0] = 2;
  scratch[n++] = 3;
  return n;
}

/**
 * A set of feature ids that keeps first-insertion order (as a Set did, so bags and the build's vocabulary order are
 * unchanged): open addressing over typed arrays reused from call to call, a slot taken when its stamp is the current
 * generation (no clearing between bags). A Set<number> and iterating it were ~10 % of a message's cost above kuromoji.
 */
class IdSet {
  private keys = new Int32Array(4096);
  private stamps = new Uint32Array(4096);
  private mask = 4095;
  private gen = 1;
  order = new Int32Array(4096);
  size = 0;

  clear(): void {
    this.size = 0;
    if (++this.gen === 0xffffffff) {
      this.stamps.fill(0);
      this.gen = 1;
    }
  }

  add(id: number): void {
    if (this.size * 2 >= this.mask) this.grow();
    const gen = this.gen;
    let at = (id ^ (id >>> 15)) & this.mask;
    for (;;) {
      if (this.stamps[at] !== gen) {
        this.stamps[at] = gen;
        this.keys[at] = id;
        this.order[this.size++] = id;
        return;
      }
      if (this.keys[at] === id) return;
      at = (at + 1) & this.mask;
    }
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    this.keys = new Int32Array(size);
    this.stamps = new Uint32Array(size);
    this.mask = size - 1;
    this.gen = 1;
    const order = new Int32Array(size);
    const n = this.size;
    order.set(this.order.subarray(0, n));
    this.order = order;
    this.size = 0;
    for (let i = 0; i < n; i++) this.add(order[i]!);
  }
}

const shared = new IdSet();

/** The bag of a set of ids (unit L2 norm). */
function bagOf(set: IdSet): FeatureBag {
  const ids = new Uint32Array(set.size);
  ids.set(set.order.subarray(0, set.size));
  return { ids, value: ids.length ? 1 / Math.sqrt(ids.length) : 0 };
}

/** Character n-grams, words, word bigrams and readings of one stretch of normalised text and its tokens. */
function addText(set: IdSet, text: string, tokens: ReturnType<typeof tokenizeSafe>): void {
  // Code points between boundary markers (2, 3), so an emoji or a rare kanji is one character, not two halves (a lone
  // surrogate is one code point, as when iterating the string).
  const cps = scratchOf(text.length + 2);
  let len = 0;
  cps[len++] = 2;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    cps[len++] = cp;
    i += cp > 0xffff ? 2 : 1;
  }
  cps[len++] = 3;
  // The script as a feature: each language gets its own prior per intent, so phrases added in one language do not move
  // the other's class balance through the shared intercept (English first-message phrases cost Japanese items).
  set.add(hashString(KIND_TAG, JAPANESE_SCRIPT.test(text) ? 'script:ja' : 'script:latin'));
  // Unigrams of the boundary markers say nothing, so they start at 1 and end before the last.
  for (let i = 1; i < len - 1; i++) set.add(hashCodes(1, cps, i, i + 1));
  for (let i = 0; i + 2 <= len; i++) set.add(hashCodes(2, cps, i, i + 2));
  for (let i = 0; i + 3 <= len; i++) set.add(hashCodes(3, cps, i, i + 3));
  const toks: string[] = [];
  for (const t of tokens) {
    const form = lowerCase(t.basic_form && t.basic_form !== '*' ? t.basic_form : t.surface_form);
    if (form.trim() !== '') toks.push(form);
  }
  for (let i = 0; i < toks.length; i++) {
    set.add(hashString(KIND_WORD, toks[i]!));
    if (i + 1 < toks.length) {
      const h = Math.imul(hashString(KIND_BIGRAM, toks[i]!) ^ SEP, FNV_PRIME);
      set.add(hashString(KIND_BIGRAM, toks[i + 1]!, h));
    }
  }
  const rn = readingCodes(tokens);
  const r = scratch;
  for (let i = 0; i + 2 <= rn; i++) set.add(hashCodes(KIND_READ2, r, i, i + 2));
  for (let i = 0; i + 3 <= rn; i++) set.add(hashCodes(KIND_READ3, r, i, i + 3));
}

/** The feature bag of a text. */
export function extractFeatures(tokenizer: KuromojiTokenizer, text: string): FeatureBag {
  return extractBags(tokenizer, text, {}).whole;
}

/** A text's bag and, when it has more than one clause, each clause's bag (see extractBags). */
export interface FeatureBags {
  whole: FeatureBag;
  /** One bag per clause, in order; empty when the text is one clause. */
  clauses: FeatureBag[];
  /**
   * One bag per SEGMENT (a sentence, or the part of a sentence before / after a contrast joint: 「…試したけど」 |
   * 「ダメでした」, "I reset it" | "but it still fails"), in order; empty when the text is one segment. `contrast`: the
   * segment comes right after a contrast joint. The reading of a reply segment by segment (src/nlu/replies.ts).
   */
  segments: Array<{ bag: FeatureBag; contrast: boolean }>;
}

/** Which parts extractBags cuts besides the whole (clauses: the act model's CLAUSE_ACTS; segments: see FeatureBags). */
export interface BagParts {
  clauses?: boolean;
  segments?: boolean;
  /** normalizeLight(clip(text)) when the caller has it (see featureText). */
  light?: string;
}

/**
 * A segment ends after a sentence end 。！？!? (and ". "), and at a contrast joint (SEGMENT_JOINT); a clause ends after
 * a sentence end or 、, (the reply-act model reads clause by clause, src/nlu/acts.ts). Tested by code unit: two
 * regular-expression tests per character were a measurable part of a message's cost.
 */
const isSentenceEnd = (c: number) => c === 0x3002 || c === 0xff01 || c === 0xff1f || c === 0x21 || c === 0x3f;
/**
 * Contrast joints: Japanese ones end the segment they close (「試したけど」「再起動したものの」「変えましたが、」), English
 * ones open the next ("…, but it still fails", "however", "though", "…, still no mail"). Recognition patterns (of
 * normalised, lower-case text), not user-facing strings.
 */
const SEGMENT_JOINT = /(?:けれども|けれど|けど|ものの|が[、,])|(?<=[\s,;])(?=(?:but|however|although|though)(?![a-z]))|(?<=[,;] ?)(?=still(?![a-z]))/gu;

/**
 * The feature bag of a text and, with `clauses`, the bag of each of its clauses (split after 。！？!?、, and at ". "),
 * from the same normalisation and the SAME tokenisation: a clause's tokens are the slice of the whole text's tokens
 * that fall inside it, so reading a reply clause by clause costs no second pass of kuromoji. A clause's bag is what
 * extractFeatures gives for the clause alone, except at a word kuromoji would cut differently at the clause edge.
 */
export function extractBags(tokenizer: KuromojiTokenizer, text: string, parts: BagParts = { clauses: true }): FeatureBags {
  const clauses = parts.clauses === true || parts.segments === true;
  // "Sending works" clauses and typed passwords are not read literally (see contrast.ts).
  const { text: norm, tags } = contrast(featureText(text, kanaOf(tokenizer), parts.light));
  const set = shared;
  set.clear();
  for (const tag of tags) set.add(hashString(KIND_TAG, tag));
  if (norm === '') return { whole: bagOf(set), clauses: [], segments: [] };
  const tokens = tokenizeSafe(tokenizer, norm);
  addText(set, norm, tokens);
  const whole = bagOf(set);
  if (!clauses) return { whole, clauses: [], segments: [] };
  // Token start offsets: kuromoji's tokens cover the input end to end.
  const starts: number[] = [];
  let at = 0;
  for (const t of tokens) {
    starts.push(at);
    at += t.surface_form.length;
  }
  if (at !== norm.length) return { whole, clauses: [], segments: [] };
  const bagOfSpan = ([a, b]: [number, number]) => {
    const s = shared;
    s.clear();
    // Tokens inside the span; a token crossing its edge (rare: punctuation is its own token) goes to the clause it starts in.
    const mine = tokens.filter((_, k) => starts[k]! >= a && starts[k]! < b);
    addText(s, norm.slice(a, b).trim(), mine);
    return bagOf(s);
  };
  const hasWords = ([a, b]: [number, number]) => /[\p{L}\p{N}]/u.test(norm.slice(a, b));
  const spans: Array<[number, number]> = [];
  // Segment cuts: position → does a contrast joint make it (else a sentence end).
  const cuts = new Map<number, boolean>();
  let from = 0;
  for (let i = 0; i < norm.length; i++) {
    const c = norm.charCodeAt(i);
    const sentence = isSentenceEnd(c) || (c === 0x2e && norm.charCodeAt(i + 1) === 0x20); // ". "
    if (sentence && parts.segments) cuts.set(i + 1, false);
    if (sentence || c === 0x3001 || c === 0x2c) {
      spans.push([from, i + 1]);
      from = i + 1;
    }
  }
  spans.push([from, norm.length]);
  const segSpans: Array<{ span: [number, number]; contrast: boolean }> = [];
  if (parts.segments) {
    for (const m of norm.matchAll(SEGMENT_JOINT)) {
      const cut = m.index + m[0].length;
      if (cut > 0 && cut < norm.length && !cuts.has(cut)) cuts.set(cut, true);
    }
    let segFrom = 0;
    let segContrast = false;
    for (const cut of [...cuts.keys()].sort((a, b) => a - b)) {
      const span: [number, number] = [segFrom, cut];
      if (hasWords(span)) segSpans.push({ span, contrast: segContrast });
      segContrast = cuts.get(cut)!;
      segFrom = cut;
    }
    if (hasWords([segFrom, norm.length])) segSpans.push({ span: [segFrom, norm.length], contrast: segContrast });
  }
  const segments = segSpans.length < 2 ? [] : segSpans.map(({ span, contrast: c }) => ({ bag: bagOfSpan(span), contrast: c }));
  const cl = parts.clauses ? spans.filter(hasWords) : [];
  return { whole, clauses: cl.length < 2 ? [] : cl.map(bagOfSpan), segments };
}
