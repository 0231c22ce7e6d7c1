/**
 * Features of one utterance: character 1–3-grams of the normalised text (robust to typos, unknown words and
 * mixed scripts) plus kuromoji base forms and base-form bigrams (so inflections meet: 繋がりません = 繋がらない).
 * The vector is binary and scaled to unit length, so long and short messages weigh alike.
 */
import { clip, normalize } from './normalize.js';
import { baseForms, type KuromojiTokenizer } from './tokenizer.js';

/** Feature names with their values (unit L2 norm). Empty when the text has no usable content. */
export interface FeatureBag {
  names: string[];
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

export function extractFeatures(tokenizer: KuromojiTokenizer, text: string): FeatureBag {
  const norm = featureText(text);
  const set = new Set<string>();
  if (norm !== '') {
    const padded = `\u0002${norm}\u0003`;
    // Code points, so an emoji or a rare kanji outside the BMP is one character, not two halves.
    const chars = /[\ud800-\udfff]/.test(padded) ? Array.from(padded) : padded;
    const len = chars.length;
    const at = typeof chars === 'string' ? (i: number, n: number) => chars.slice(i, i + n) : (i: number, n: number) => chars.slice(i, i + n).join('');
    // Unigrams of the boundary markers say nothing, so they start at 1 and end before the last.
    for (let i = 1; i < len - 1; i++) set.add(`c1:${at(i, 1)}`);
    for (let i = 0; i + 2 <= len; i++) set.add(`c2:${at(i, 2)}`);
    for (let i = 0; i + 3 <= len; i++) set.add(`c3:${at(i, 3)}`);
    const toks = tokensOf(tokenizer, norm).filter((t) => t !== ' ');
    for (let i = 0; i < toks.length; i++) {
      set.add(`w:${toks[i]}`);
      if (i + 1 < toks.length) set.add(`b:${toks[i]}|${toks[i + 1]}`);
    }
  }
  const names = [...set];
  return { names, value: names.length ? 1 / Math.sqrt(names.length) : 0 };
}
