/**
 * `npm run eval:dev`: figures to decide changes by, WITHOUT looking at the held-out real lines. Five-fold
 * cross-validation over the TRAIN split of the real corpus (intents/real): each fold is scored by models trained on
 * everything else (hand-written phrases, the off-topic corpus, the other four folds). The held-out split is not read.
 *
 *   npm run eval:dev                      both rows (first messages, replies)
 *   npm run eval:dev -- --only=replies    one row (first | replies)
 *   npm run eval:dev -- --failures        also list the fold lines read wrongly (train lines: fine to look at)
 *   npm run eval:dev -- --rescue=0.7      also score the folds under another domain-rescue level (first messages)
 *
 * `npm run eval` stays the judged figure; a change is kept when it helps here and is then measured there once.
 */
import { createHash } from 'node:crypto';
import { asCodedError } from '../../core/index.js';
import { loadDialogs, packageRoot } from '../../data/load.js';
import { trainActModel } from '../acts.js';
import { actOfLabel, actTrainingData, realFirstMessages, realReplies, trainingData } from '../data.js';
import { Classifier, trainClassifier } from '../engine.js';
import { getTokenizer } from '../tokenizer.js';
import { scoreReplies } from './replies.js';
import { scoreReal, type Scored } from './score.js';
import { answeredOutOfScope } from './first-turn.js';
import { createI18n } from '../../i18n/index.js';
import { loadLocales } from '../../data/load.js';
import type { Locale } from '../../core/index.js';

const FOLDS = 5;
const out = (s = '') => process.stdout.write(`${s}\n`);
const pct = (x: { correct: number; total: number }) => `${x.total ? ((x.correct / x.total) * 100).toFixed(1) : '—'}% (${x.correct}/${x.total})`;

/** The fold of a line: from the text's sha1, a different digit than the held-out rule's, so folds are not skewed by it. */
export function foldOf(text: string): number {
  return parseInt(createHash('sha1').update(`dev:${text}`, 'utf8').digest('hex').slice(0, 8), 16) % FOLDS;
}

async function main(): Promise<void> {
  const root = packageRoot();
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const failures = process.argv.includes('--failures');
  const tokenizer = await getTokenizer();
  const all = trainingData(root, { realTrain: true });

  if (!only || only === 'first') {
    // --rescue=0.85,0.6 scores the same folds under other domain-rescue levels (the rule only; no retraining).
    const rescues = process.argv.find((a) => a.startsWith('--rescue='))?.slice(9).split(',').map(Number) ?? [];
    const realTrain = realFirstMessages(root).filter((r) => r.split === 'train');
    const runs = [undefined, ...rescues].map((rescue) => ({ rescue, scored: [] as Scored[], asked: { n: 0, among: 0, inDomain: 0 } }));
    // The hand-written side: in-scope accuracy of each fold model's own validation folds (phrases of intents/; real lines are never validated).
    const handWritten: number[] = [];
    // What the bot answers to each line (one first turn through the dialog engine, src/nlu/eval/first-turn.ts).
    const { tree: firstTree } = loadDialogs(root);
    const i18n = createI18n(loadLocales(root).messages);
    const answered = { inDomain: 0, inDomainOos: 0, offTopic: 0, offTopicOos: 0 };
    for (let f = 0; f < FOLDS; f++) {
      // The fold's real lines are out of training (trainingData marks them `real`) and scored.
      const { classifier: trained, validation } = trainClassifier(tokenizer, all.filter((t) => !(t.real && foldOf(t.text) === f)));
      handWritten.push(validation.inScopeAccuracy);
      const lines = realTrain.filter((r) => foldOf(r.text) === f);
      if (firstTree) {
        for (const item of lines) {
          const oos = answeredOutOfScope(trained, firstTree, i18n, item.text, item.locale as Locale);
          if (item.intent === 'out_of_scope') [answered.offTopic, answered.offTopicOos] = [answered.offTopic + 1, answered.offTopicOos + Number(oos)];
          else [answered.inDomain, answered.inDomainOos] = [answered.inDomain + 1, answered.inDomainOos + Number(oos)];
        }
      }
      for (const run of runs) {
        const classifier = run.rescue === undefined ? trained : new Classifier(tokenizer, trained.model, { ...trained.oos, rescue: run.rescue }, trained.domain);
        for (const item of lines) {
          const r = classifier.analyse(item.text);
          run.scored.push({ item, intent: r.intent });
          if (item.intent !== 'out_of_scope') {
            run.asked.inDomain++;
            if (r.clarify?.length) {
              run.asked.n++;
              if (r.clarify.includes(item.intent)) run.asked.among++;
            }
          }
        }
      }
    }
    const { scored } = runs[0]!;
    const r = scoreReal(scored);
    out(`dev (5-fold cross-validation on the real TRAIN split of first messages, ${scored.length} lines)`);
    for (const run of runs) {
      const x = scoreReal(run.scored);
      out(`  ${run.rescue === undefined ? '' : `rescue ${run.rescue}: `}acc ja ${pct(x.accuracy.ja)}, en ${pct(x.accuracy.en)}; in-domain → OOS ${pct(x.inDomainOos)}; off-topic → OOS ${pct(x.oosRecall)}; asked ${pct({ correct: run.asked.n, total: run.asked.inDomain })}, right among buttons ${pct({ correct: run.asked.among, total: run.asked.n })}`);
    }
    out(`  first answer of the bot: in-domain answered with the out-of-scope reply ${pct({ correct: answered.inDomainOos, total: answered.inDomain })}; off-topic answered with it ${pct({ correct: answered.offTopicOos, total: answered.offTopic })}`);
    out(`  hand-written validation in-scope accuracy (mean of the fold models' own validation): ${((handWritten.reduce((a, b) => a + b, 0) / FOLDS) * 100).toFixed(1)}%`);
    out('  top confusions (gold → predicted)');
    for (const c of r.confusions.slice(0, 10)) out(`    ${String(c.count).padStart(3)}  ${c.gold} → ${c.predicted}`);
    if (failures) for (const x of r.failures) out(`    [${x.item.locale}] ${x.item.intent} → ${x.intent}: ${x.item.text}`);
    out();
  }

  if (!only || only === 'replies') {
    const { classifier } = trainClassifier(tokenizer, all);
    const { tree } = loadDialogs(root);
    if (!tree) throw new Error('dialogs/ does not load');
    const acts = actTrainingData(root, { realTrain: false });
    const replies = realReplies(root).filter((r) => r.split === 'train');
    const rows: ReturnType<typeof scoreReplies>['rows'] = [];
    for (let f = 0; f < FOLDS; f++) {
      const trainReal = replies.filter((r) => foldOf(r.text) !== f).map((r) => ({ text: r.text, act: actOfLabel(r.label), locale: r.locale }));
      const model = trainActModel(tokenizer, [...acts, ...trainReal]);
      const withActs = new Classifier(tokenizer, classifier.model, classifier.oos, classifier.domain, model);
      rows.push(...scoreReplies(withActs, tree, replies.filter((r) => foldOf(r.text) === f)).rows);
    }
    const acc = (xs: typeof rows) => ({ correct: xs.filter((x) => x.inContext === x.gold).length, total: xs.length });
    out(`dev (5-fold cross-validation on the real TRAIN split of replies, ${rows.length} lines)`);
    out(`  act accuracy with the node as context: ja ${pct(acc(rows.filter((x) => x.r.locale === 'ja')))}, en ${pct(acc(rows.filter((x) => x.r.locale === 'en')))}, all ${pct(acc(rows))}; replies that carry an act ${pct(acc(rows.filter((x) => x.gold !== 'other')))}`);
    const conf = new Map<string, number>();
    for (const x of rows.filter((x) => x.inContext !== x.gold)) conf.set(`${x.gold} → ${x.inContext}`, (conf.get(`${x.gold} → ${x.inContext}`) ?? 0) + 1);
    out('  top confusions (gold → read)');
    for (const [k, n] of [...conf].sort((a, b) => b[1] - a[1]).slice(0, 10)) out(`    ${String(n).padStart(3)}  ${k}`);
    if (failures) for (const x of rows.filter((x) => x.inContext !== x.gold)) out(`    [${x.r.locale} ${x.r.node}] ${x.gold} → ${x.inContext}: ${x.r.text}`);
  }
}

main().catch((e: unknown) => {
  const err = asCodedError(e);
  process.stderr.write(`eval:dev: ${err.code}: ${err.message}\n`);
  process.exitCode = 1;
});
