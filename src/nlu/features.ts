/**
 * Features of one utterance: character 1–3-grams of the normalised text (robust to typos, unknown words and
 * mixed scripts) plus kuromoji base forms and base-form bigrams (so inflections meet: 繋がりません = 繋がらない).
 * The vector is binary and scaled to unit length, so long and short messages weigh alike.
 *
 * Features are 32-bit FNV-1a hashes of "kind + text" computed straight from code points: no feature string is
 * ever built, which halves the cost above tokenisation (measured with `npm run bench:nlu`). With ~60k features
 * a collision is about a one-in-two event per model and merely makes two rare features share a weight.
 */
import { clip, normalize } from './normalize.js';
import { baseForms, type KuromojiTokenizer } from './tokenizer.js';
import { contrast } from './contrast.js';

/** Unique feature ids with the common value (unit L2 norm). Empty when the text has no usable content. */
export interface FeatureBag {
  ids: Uint32Array;
  value: number;
}

/** Normalised text as the features see it (exported for the baselines, which get the same tokens). */
export function featureText(text: string): string {
  return normalize(clip(text));
}

/** Tokens (base forms, lower case) of already-normalised text. */
export function tokensOf(tokenizer: KuromojiTokenizer, normalised: string): string[] {
  return baseForms(tokenizer, normalised).map((t) => t.toLowerCase());
}

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;

function hashCodes(kind: number, codes: ArrayLike<number>, from: number, to: number): number {
  let h = Math.imul(FNV_OFFSET ^ kind, FNV_PRIME);
  for (let i = from; i < to; i++) h = Math.imul(h ^ codes[i]!, FNV_PRIME);
  return h >>> 0;
}

function hashString(kind: number, s: string, h0 = Math.imul(FNV_OFFSET ^ kind, FNV_PRIME)): number {
  let h = h0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

const KIND_WORD = 0x77; // 'w'
const KIND_BIGRAM = 0x62; // 'b'
const SEP = 0x7c; // '|'

const KIND_TAG = 0x74; // 't'

export function extractFeatures(tokenizer: KuromojiTokenizer, text: string): FeatureBag {
  // "Sending works" clauses and typed passwords are not read literally (see contrast.ts).
  const { text: norm, tags } = contrast(featureText(text));
  const set = new Set<number>();
  for (const tag of tags) set.add(hashString(KIND_TAG, tag));
  if (norm !== '') {
    // Code points between boundary markers (2, 3), so an emoji or a rare kanji is one character, not two halves.
    const cps: number[] = [2];
    for (const ch of norm) cps.push(ch.codePointAt(0)!);
    cps.push(3);
    const len = cps.length;
    // Unigrams of the boundary markers say nothing, so they start at 1 and end before the last.
    for (let i = 1; i < len - 1; i++) set.add(hashCodes(1, cps, i, i + 1));
    for (let i = 0; i + 2 <= len; i++) set.add(hashCodes(2, cps, i, i + 2));
    for (let i = 0; i + 3 <= len; i++) set.add(hashCodes(3, cps, i, i + 3));
    const toks = tokensOf(tokenizer, norm).filter((t) => t !== ' ');
    for (let i = 0; i < toks.length; i++) {
      set.add(hashString(KIND_WORD, toks[i]!));
      if (i + 1 < toks.length) {
        const h = Math.imul(hashString(KIND_BIGRAM, toks[i]!) ^ SEP, FNV_PRIME);
        set.add(hashString(KIND_BIGRAM, toks[i + 1]!, h));
      }
    }
  }
  const ids = Uint32Array.from(set);
  return { ids, value: ids.length ? 1 / Math.sqrt(ids.length) : 0 };
}
