/**
 * The light half of the training-data plumbing: what start-up needs (package root, data hash) and the validation
 * split, without importing the YAML and zod loaders (~130 ms of the 1 s cold-start budget). The loading half is
 * ./data.js, imported only when something trains.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Intent, Locale } from '../core/index.js';
import { packageRoot } from '../data/root.js';

export interface LabelledText {
  text: string;
  intent: Intent;
  locale: Locale;
  /** True for lines of the off-topic corpus (far out-of-scope), absent for phrases of intents/. */
  corpus?: boolean;
  /** True for the train split of the real first messages (intents/real): training material, never validation. */
  real?: boolean;
  /** True for an intent file's `about_mail_only` text: the domain detector's `mail` side only, never the intent model. */
  aboutMailOnly?: boolean;
}

export const ASDC_PATH = join('intents', 'corpora', 'asdc-ja.txt');

/**
 * The corpus of real first messages (intents/real/README.md): lines copied from public pages, labelled by a person,
 * one file per locale. The mid-conversation replies (replies-*.tsv) are a separate corpus with their own loader.
 */
export const REAL_FIRST_FILES: ReadonlyArray<{ locale: Locale; path: string }> = [
  { locale: 'ja', path: join('intents', 'real', 'first-ja.tsv') },
  { locale: 'en', path: join('intents', 'real', 'first-en.tsv') },
];

/** The corpus of real mid-conversation replies (intents/real/replies.md): node, text, act, split, url. */
export const REAL_REPLY_FILES: ReadonlyArray<{ locale: Locale; path: string }> = [
  { locale: 'ja', path: join('intents', 'real', 'replies-ja.tsv') },
  { locale: 'en', path: join('intents', 'real', 'replies-en.tsv') },
];

/**
 * The fixed held-out rule of the real corpus, decided before any evaluation and written into every line: the first
 * hex digit of sha1(text) in 0–5 → heldout (≈ 37 %), else train. Content-based, so adding or reordering lines never
 * moves an existing line between the halves.
 */
export function realSplitOf(text: string): 'heldout' | 'train' {
  const first = createHash('sha1').update(text, 'utf8').digest('hex')[0]!;
  return first <= '5' ? 'heldout' : 'train';
}

/**
 * Training data split into the fitting part and validation fold `fold` (0–4: every 5th phrase of each group, from the
 * fold-th; the default, 4, is the fold the tests name). The real first
 * messages always go to the fitting part: the validation fold tunes the out-of-scope rule against the phrases of the
 * contract (intents/) and the off-topic corpus, as before that corpus existed; the real lines only add vocabulary.
 */
export function validationSplit(items: readonly LabelledText[], fold = 4): { fit: LabelledText[]; validation: LabelledText[] } {
  const seen = new Map<string, number>();
  const fit: LabelledText[] = [];
  const validation: LabelledText[] = [];
  for (const it of items) {
    if (it.real || it.aboutMailOnly) {
      fit.push(it);
      continue;
    }
    const key = `${it.locale}/${it.intent}${it.corpus ? '/corpus' : ''}`;
    const i = seen.get(key) ?? 0;
    seen.set(key, i + 1);
    (i % 5 === fold ? validation : fit).push(it);
  }
  return { fit, validation };
}

/** A hash of everything training reads (raw bytes, no parsing — cheap enough to check at every start). */
export function trainingDataHash(root = packageRoot()): string {
  const h = createHash('sha256');
  for (const locale of ['ja', 'en']) {
    const dir = join(root, 'intents', locale);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      h.update(`${locale}/${f}\n`);
      h.update(readFileSync(join(dir, f)));
    }
  }
  const asdc = join(root, ASDC_PATH);
  if (existsSync(asdc)) h.update(readFileSync(asdc));
  // The reply acts (their own model, trained in the same build) and the real replies' train split.
  for (const locale of ['ja', 'en']) {
    const dir = join(root, 'intents', locale, 'acts');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      h.update(`${locale}/acts/${f}\n`);
      h.update(readFileSync(join(dir, f)));
    }
  }
  // The train split of the real corpus is training data too.
  for (const { path } of [...REAL_FIRST_FILES, ...REAL_REPLY_FILES]) {
    const abs = join(root, path);
    if (existsSync(abs)) h.update(`${path}\n`).update(readFileSync(abs));
  }
  return h.digest('hex').slice(0, 16);
}
