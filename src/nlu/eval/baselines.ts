/**
 * The two baselines `npm run eval` puts next to our classifier, trained on the same split:
 *  - natural's BayesClassifier fed with kuromoji base forms (its default stemmer is English-only and would drop
 *    Japanese documents, so we hand it token arrays);
 *  - NLP.js (@nlpjs/nlp + @nlpjs/lang-ja, dev dependencies; its "None" answer counts as out_of_scope).
 * Only natural's classifier submodule is required: its index loads database drivers and prints to stdout.
 */
import { createRequire } from 'node:module';
import type { Intent, Locale } from '../../core/index.js';
import type { LabelledText } from '../data.js';
import { featureText, tokensOf } from '../features.js';
import type { KuromojiTokenizer } from '../tokenizer.js';

const require = createRequire(import.meta.url);

export interface Baseline {
  name: string;
  /** Predicts one intent; async because NLP.js is. */
  classify(text: string, locale: Locale): Promise<Intent>;
}

interface NaturalBayes {
  addDocument(tokens: string[], label: string): void;
  train(): void;
  classify(tokens: string[]): string;
}

export function naturalBayes(tokenizer: KuromojiTokenizer, items: readonly LabelledText[]): Baseline {
  const BayesClassifier = require('natural/lib/natural/classifiers/bayes_classifier.js') as new () => NaturalBayes;
  const c = new BayesClassifier();
  const toks = (text: string) => {
    const t = tokensOf(tokenizer, featureText(text)).filter((x) => /[\p{L}\p{N}]/u.test(x));
    return t.length ? t : ['∅'];
  };
  for (const it of items) c.addDocument(toks(it.text), it.intent);
  c.train();
  return { name: 'natural BayesClassifier + kuromoji', classify: async (text) => c.classify(toks(text)) as Intent };
}

interface NlpJs {
  settings: Record<string, unknown>;
  addLanguage(l: string): void;
  addDocument(l: string, text: string, intent: string): void;
  train(): Promise<unknown>;
  process(l: string, text: string): Promise<{ intent?: string }>;
}

export async function nlpJs(items: readonly LabelledText[]): Promise<Baseline> {
  const { containerBootstrap } = require('@nlpjs/core') as { containerBootstrap(): Promise<{ use(x: unknown): void; get(n: string): NlpJs }> };
  const { Nlp } = require('@nlpjs/nlp') as { Nlp: unknown };
  const { LangJa } = require('@nlpjs/lang-ja') as { LangJa: unknown };
  const container = await containerBootstrap();
  container.use(Nlp);
  container.use(LangJa);
  const nlp = container.get('nlp');
  nlp.settings.autoSave = false;
  nlp.settings.log = false;
  nlp.addLanguage('ja');
  nlp.addLanguage('en');
  for (const it of items) nlp.addDocument(it.locale, it.text, it.intent);
  await quietly(() => nlp.train());
  return {
    name: 'NLP.js (@nlpjs/nlp + lang-ja)',
    classify: async (text, locale) => {
      const r = await quietly(() => nlp.process(locale, text));
      return (!r.intent || r.intent === 'None' ? 'out_of_scope' : r.intent) as Intent;
    },
  };
}

/** NLP.js prints progress and "contains only stop words" with console.log; stdout belongs to the report. */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const { log, warn } = console;
  console.log = () => {};
  console.warn = () => {};
  try {
    return await f();
  } finally {
    console.log = log;
    console.warn = warn;
  }
}
