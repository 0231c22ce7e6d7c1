/** Scoring of a classifier on held-out items: the figures `npm run eval` prints and the tests assert floors on. */
import type { Intent, Locale, NluResult } from '../../core/index.js';
import type { HeldoutItem } from '../data.js';

export interface Scored {
  item: HeldoutItem;
  intent: Intent;
  entities?: NluResult['entities'];
}

export interface Report {
  /** Accuracy over the held-out files' items of a locale (in-scope and out-of-scope; corpus lines excluded). */
  accuracy: Record<Locale, { correct: number; total: number; value: number }>;
  /** Recall of out_of_scope on far items (held-out files' far items + held-out corpus lines) and near items. */
  oosRecall: { far: { correct: number; total: number; value: number }; near: { correct: number; total: number; value: number } };
  /** Items with expected entities whose extracted entities are exactly equal. */
  entityExact: { correct: number; total: number; value: number };
  /**
   * Bare facts answering the bot (kind: answer): `oos` = put out of scope, `notSmallTalk` = not read as a yes/no/
   * fixed/not-fixed/thanks/greeting/goodbye — the engine acts on those, while it reads an answer's entities anyway.
   */
  answers: { oos: { correct: number; total: number; value: number }; notSmallTalk: { correct: number; total: number; value: number } };
  perIntent: Array<{ intent: string; precision: number; recall: number; support: number }>;
  confusions: Array<{ gold: string; predicted: string; count: number; examples: string[] }>;
  failures: Scored[];
}

const ratio = (correct: number, total: number) => ({ correct, total, value: total ? correct / total : 1 });

function sameEntities(a: Record<string, string | undefined>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

export function score(results: readonly Scored[]): Report {
  const fileItems = results.filter((r) => !r.item.source.startsWith('intents/'));
  const acc: Report['accuracy'] = { ja: ratio(0, 0), en: ratio(0, 0) };
  for (const locale of ['ja', 'en'] as const) {
    const mine = fileItems.filter((r) => r.item.locale === locale);
    acc[locale] = ratio(mine.filter((r) => r.intent === r.item.intent).length, mine.length);
  }
  const oos = (kind: 'far' | 'near') => {
    const mine = results.filter((r) => r.item.intent === 'out_of_scope' && (r.item.kind ?? 'far') === kind);
    return ratio(mine.filter((r) => r.intent === 'out_of_scope').length, mine.length);
  };
  const answerItems = results.filter((r) => r.item.kind === 'answer');
  const answers = {
    oos: ratio(answerItems.filter((r) => r.intent === 'out_of_scope').length, answerItems.length),
    notSmallTalk: ratio(answerItems.filter((r) => !SMALL_TALK.has(r.intent)).length, answerItems.length),
  };
  const withEntities = results.filter((r) => r.item.entities && r.entities);
  const entityExact = ratio(
    withEntities.filter((r) => sameEntities(r.entities as Record<string, string>, r.item.entities!)).length,
    withEntities.length,
  );
  const intents = [...new Set(fileItems.flatMap((r) => [r.item.intent, r.intent]))].sort();
  const perIntent = intents.map((intent) => {
    const tp = fileItems.filter((r) => r.intent === intent && r.item.intent === intent).length;
    const predicted = fileItems.filter((r) => r.intent === intent).length;
    const support = fileItems.filter((r) => r.item.intent === intent).length;
    return { intent, precision: predicted ? tp / predicted : 1, recall: support ? tp / support : 1, support };
  });
  const conf = new Map<string, { gold: string; predicted: string; count: number; examples: string[] }>();
  const failures = results.filter((r) => r.intent !== r.item.intent);
  for (const r of failures) {
    const key = `${r.item.intent}→${r.intent}`;
    const c = conf.get(key) ?? { gold: r.item.intent, predicted: r.intent, count: 0, examples: [] };
    c.count++;
    if (c.examples.length < 2) c.examples.push(r.item.text);
    conf.set(key, c);
  }
  const confusions = [...conf.values()].sort((a, b) => b.count - a.count);
  return { accuracy: acc, oosRecall: { far: oos('far'), near: oos('near') }, entityExact, answers, perIntent, confusions, failures };
}

/** Intents the engine acts on as an answer to its own question, whatever entities come with them. */
const SMALL_TALK = new Set<string>(['affirm', 'deny', 'resolved', 'not_resolved', 'thanks', 'greeting', 'goodbye']);

/** One report per held-out file (by `source`), in file-name order; corpus lines are their own group. */
export function scoreBySource(results: readonly Scored[]): Array<{ source: string; report: Report }> {
  const groups = new Map<string, Scored[]>();
  for (const r of results) groups.set(r.item.source, [...(groups.get(r.item.source) ?? []), r]);
  return [...groups.entries()].map(([source, rs]) => ({ source, report: score(rs) }));
}

/** Figures on the held-out real first messages (intents/real): accuracy per locale and mail problems turned away. */
export interface RealReport {
  accuracy: Record<Locale, { correct: number; total: number; value: number }>;
  /**
   * Held-out lines a person labelled with a mail intent (anything but out_of_scope) that the model answers with
   * out_of_scope — a person with a mail problem told "I only help with mail". `correct` counts those lines.
   */
  inDomainOos: { correct: number; total: number; value: number };
  /** Recall of out_of_scope on the real off-topic lines (near-domain questions people really ask). */
  oosRecall: { correct: number; total: number; value: number };
  confusions: Report['confusions'];
  failures: Scored[];
}

export function scoreReal(results: readonly Scored[]): RealReport {
  const acc = (locale: Locale) => {
    const mine = results.filter((r) => r.item.locale === locale);
    return ratio(mine.filter((r) => r.intent === r.item.intent).length, mine.length);
  };
  const inDomain = results.filter((r) => r.item.intent !== 'out_of_scope');
  const offTopic = results.filter((r) => r.item.intent === 'out_of_scope');
  const failures = results.filter((r) => r.intent !== r.item.intent);
  const conf = new Map<string, { gold: string; predicted: string; count: number; examples: string[] }>();
  for (const r of failures) {
    const key = `${r.item.intent}→${r.intent}`;
    const c = conf.get(key) ?? { gold: r.item.intent, predicted: r.intent, count: 0, examples: [] };
    c.count++;
    if (c.examples.length < 2) c.examples.push(r.item.text);
    conf.set(key, c);
  }
  return {
    accuracy: { ja: acc('ja'), en: acc('en') },
    inDomainOos: ratio(inDomain.filter((r) => r.intent === 'out_of_scope').length, inDomain.length),
    oosRecall: ratio(offTopic.filter((r) => r.intent === 'out_of_scope').length, offTopic.length),
    confusions: [...conf.values()].sort((a, b) => b.count - a.count),
    failures,
  };
}
