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
    const chars = Array.from(padded);
    for (let n = 1; n <= 3; n++) {
      for (let i = 0; i + n <= chars.length; i++) {
        // Unigrams of the boundary markers say nothing.
        if (n === 1 && (i === 0 || i === chars.length - 1)) continue;
        set.add(`c${n}:${chars.slice(i, i + n).join('')}`);
      }
    }
    const toks = tokensOf(tokenizer, norm).filter((t) => t !== ' ');
    for (let i = 0; i < toks.length; i++) {
      set.add(`w:${toks[i]}`);
      if (i + 1 < toks.length) set.add(`b:${toks[i]}|${toks[i + 1]}`);
    }
  }
  const names = [...set];
  return { names, value: names.length ? 1 / Math.sqrt(names.length) : 0 };
}
