/**
 * The NLU: normalise → tokenise (kuromoji, loaded once) → features → linear classifier → out-of-scope rule,
 * plus entities and a locale guess. `createNlu()` loads the model that `npm run build` wrote to
 * dist/nlu/model.json; when it is missing or was trained on other data than intents/ holds now, it trains in
 * process instead (a few seconds; logged), so a changed phrase is never silently ignored.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { silentLogger, type Locale, type Logger, type Nlu, type NluResult } from '../core/index.js';
import { packageRoot } from '../data/root.js';
import { trainingDataHash } from './corpus.js';
import { Classifier, MODEL_FORMAT, trainClassifier, type ModelFile } from './engine.js';
import { JointIndex, LinearModel } from './model.js';
import { ActModel } from './acts.js';
import { getTokenizer } from './tokenizer.js';

export { normalize, normalizeLight } from './normalize.js';
export { extractEntities } from './entities.js';
export { getTokenizer, baseForms } from './tokenizer.js';

export interface NluOptions {
  /** Package root holding intents/ and dist/ (default: found from this file). */
  root?: string;
  /** Model file (default: <root>/dist/nlu/model.json). */
  modelPath?: string;
  logger?: Logger;
}

/** The NLU plus how it was obtained (for /healthz, the bench and tests). */
export interface LoadedNlu extends Nlu {
  readonly classifier: Classifier;
  /** "file" when dist/nlu/model.json was used, "trained" when it was trained at start-up. */
  readonly source: 'file' | 'trained';
}

export function defaultModelPath(root = packageRoot()): string {
  return join(root, 'dist', 'nlu', 'model.json');
}

/**
 * Reads a model file and its binary part (the joint weight table) if both exist, were written by this code version
 * and match the current data. Returns the models ready to use, joined to the table.
 */
export function readModelFile(path: string, dataHash: string): { file: ModelFile; model: LinearModel; domain: LinearModel; acts: LinearModel } | undefined {
  if (!existsSync(path)) return undefined;
  const file = JSON.parse(readFileSync(path, 'utf8')) as ModelFile;
  if (file.format !== MODEL_FORMAT || file.dataHash !== dataHash || !file.acts || !file.joint) return undefined;
  const bin = join(dirname(path), file.joint.file);
  if (!existsSync(bin)) return undefined;
  const models = [file.model, file.domain, file.acts].map((m) => LinearModel.weightless(m)) as [LinearModel, LinearModel, LinearModel];
  JointIndex.fromBinary(file.joint, readFileSync(bin)).attach(models);
  return { file, model: models[0], domain: models[1], acts: models[2] };
}

export async function createNlu(options: NluOptions = {}): Promise<LoadedNlu> {
  const root = options.root ?? packageRoot();
  const log = options.logger ?? silentLogger;
  const tokenizerP = getTokenizer();
  const modelPath = options.modelPath ?? defaultModelPath(root);
  const loaded = readModelFile(modelPath, trainingDataHash(root));
  const tokenizer = await tokenizerP;
  let classifier: Classifier;
  let source: LoadedNlu['source'];
  if (loaded) {
    classifier = new Classifier(tokenizer, loaded.model, loaded.file.oos, loaded.domain, new ActModel(tokenizer, loaded.acts, loaded.file.actPrior));
    source = 'file';
  } else {
    log.warn({ modelPath }, 'NLU model missing or out of date with intents/: training at start-up (run `npm run build` to avoid this)');
    const t0 = Date.now();
    // Loaded here only: the YAML/zod loaders are not needed when the built model is used.
    const { trainingData, actTrainingData, actPriorOf } = await import('./data.js');
    const { trainActModel } = await import('./acts.js');
    const trained = trainClassifier(tokenizer, trainingData(root)).classifier;
    const acts = trainActModel(tokenizer, actTrainingData(root));
    acts.prior = actPriorOf(root);
    classifier = new Classifier(tokenizer, trained.model, trained.oos, trained.domain, acts);
    log.info({ ms: Date.now() - t0 }, 'NLU trained');
    source = 'trained';
  }
  return {
    classifier,
    source,
    analyse(text: string, hint?: Locale): NluResult {
      return classifier.analyse(typeof text === 'string' ? text : '', hint);
    },
  };
}
