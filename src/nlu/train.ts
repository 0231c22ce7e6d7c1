/**
 * Build step (`npm run build`): trains the classifier on intents/ + the training part of the off-topic corpus
 * and writes dist/nlu/model.json, so start-up only loads it (cold start ≤ 1 s). Progress goes to stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { asCodedError } from '../core/index.js';
import { packageRoot } from '../data/load.js';
import { trainingData, trainingDataHash } from './data.js';
import { MODEL_FORMAT, trainClassifier, type ModelFile } from './engine.js';
import { defaultModelPath } from './index.js';
import { getTokenizer } from './tokenizer.js';

async function main(): Promise<void> {
  const root = packageRoot();
  const t0 = Date.now();
  const items = trainingData(root);
  const tokenizer = await getTokenizer();
  const { classifier, validation } = trainClassifier(tokenizer, items, undefined, (m) => process.stderr.write(`nlu: ${m}\n`));
  const file: ModelFile = {
    format: MODEL_FORMAT,
    dataHash: trainingDataHash(root),
    model: classifier.model.toJSON(),
    oos: classifier.oos,
    validation,
  };
  const path = defaultModelPath(root);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(file));
  process.stderr.write(`nlu: trained on ${items.length} phrases, ${classifier.model.vocab.size} features → ${path} (${Date.now() - t0} ms)\n`);
}

main().catch((e: unknown) => {
  const err = asCodedError(e);
  process.stderr.write(`nlu train: ${err.code}: ${err.message}\n`);
  process.exitCode = 1;
});
