/**
 * Build step (`npm run build`): trains the classifier on intents/ + the training part of the off-topic corpus
 * and writes dist/nlu/model.json, so start-up only loads it (cold start ≤ 1 s), plus the decompressed kuromoji
 * dictionary in dist/nlu/dict. Progress goes to stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { asCodedError } from '../core/index.js';
import { packageRoot } from '../data/load.js';
import { actPriorOf, actTrainingData, trainingData, trainingDataHash } from './data.js';
import { trainActModel } from './acts.js';
import { MODEL_FORMAT, trainClassifier, type ModelFile } from './engine.js';
import { defaultModelPath } from './index.js';
import { getTokenizer, writeDictionaryCache, dictionaryCachePath } from './tokenizer.js';
import { JointIndex } from './model.js';

async function main(): Promise<void> {
  const root = packageRoot();
  const t0 = Date.now();
  const items = trainingData(root);
  const tokenizer = await getTokenizer();
  const { classifier, validation } = trainClassifier(tokenizer, items, undefined, (m) => process.stderr.write(`nlu: ${m}\n`));
  const path = defaultModelPath(root);
  const actItems = actTrainingData(root);
  const ta = Date.now();
  const acts = trainActModel(tokenizer, actItems);
  acts.prior = actPriorOf(root);
  process.stderr.write(`nlu: reply acts trained on ${actItems.length} phrases, ${acts.model.size} features, T=${acts.model.temperature} (${Date.now() - ta} ms)\n`);
  // The weights of the three models as start-up reads them: one int8 joint table (model.ts JointIndex).
  const joint = JointIndex.of([classifier.model, classifier.domain, acts.model]).toBinary(basename(path).replace(/\.json$/, '.bin'));
  const file: ModelFile = {
    format: MODEL_FORMAT,
    dataHash: trainingDataHash(root),
    model: classifier.model.meta(),
    domain: classifier.domain.meta(),
    acts: acts.model.meta(),
    actPrior: acts.prior,
    joint: joint.meta,
    oos: classifier.oos,
    validation,
  };
  mkdirSync(dirname(path), { recursive: true });
  // The binary first: a model.json that names a missing binary is ignored (trained at start-up instead).
  writeFileSync(join(dirname(path), joint.meta.file), joint.bytes);
  writeFileSync(path, JSON.stringify(file));
  // The decompressed dictionary for start-up (see tokenizer.ts); written after training, which loaded the old one.
  const dict = writeDictionaryCache(dictionaryCachePath(root));
  process.stderr.write(`nlu: kuromoji dictionary cached decompressed → ${dictionaryCachePath(root)} (${(dict.bytes / 1e6).toFixed(0)} MB)\n`);
  process.stderr.write(`nlu: trained on ${items.length} phrases, ${classifier.model.size} features → ${path} + ${joint.meta.file} (${(joint.bytes.length / 1e6).toFixed(1)} MB) (${Date.now() - t0} ms)\n`);
}

main().catch((e: unknown) => {
  const err = asCodedError(e);
  process.stderr.write(`nlu train: ${err.code}: ${err.message}\n`);
  process.exitCode = 1;
});
