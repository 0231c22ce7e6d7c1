/**
 * The training and evaluation material, assembled the same way by the build, `npm run eval` and the tests.
 *
 * Split of the off-topic corpus intents/corpora/asdc-ja.txt (CC BY 4.0, © Megagon Labs — see its README):
 * numbering non-empty lines from 0, every line with index % 3 === 2 is held out for evaluation (far
 * out-of-scope); the rest is out_of_scope training material. The validation fold used to fit the temperature and
 * the out-of-scope threshold is carved from TRAINING data only: within each (locale, intent) group, every 5th
 * phrase (index % 5 === 4). The held-out files test/nlu/heldout/*.yaml are never read by training.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CodedError, ErrorCode } from '../core/index.js';
import { ASDC_PATH, type LabelledText } from './corpus.js';
import { normalize } from './normalize.js';

export { ASDC_PATH, trainingDataHash, validationSplit, type LabelledText } from './corpus.js';
import { formatProblem, loadIntents, parseYamlFile, packageRoot } from '../data/load.js';
import { heldoutFileSchema } from '../data/schemas.js';

export interface HeldoutItem extends LabelledText {
  entities?: Record<string, string>;
  kind?: 'far' | 'near' | 'answer';
  /** Where it came from: a held-out file or the corpus. */
  source: string;
}

/**
 * Comparison key of a phrase: feature normalisation without punctuation, so 「直った！」 and 「直った」 are one phrase.
 * Held-out items whose key is also a training phrase are not unseen; eval reports accuracy without them too.
 */
export function phraseKey(text: string): string {
  return normalize(text).replace(/[\s、。,.!?！？…・「」『』"'()（）]/g, '');
}

/** Keys of every training phrase (any locale, any intent). */
export function trainingKeys(train: readonly LabelledText[]): Set<string> {
  return new Set(train.map((t) => phraseKey(t.text)));
}

/** Non-empty lines of the off-topic corpus, split deterministically (index % 3 === 2 → held out). */
export function asdcSplit(root = packageRoot()): { train: string[]; heldout: string[] } {
  const path = join(root, ASDC_PATH);
  const lines = existsSync(path)
    ? readFileSync(path, 'utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '')
    : [];
  return { train: lines.filter((_, i) => i % 3 !== 2), heldout: lines.filter((_, i) => i % 3 === 2) };
}

/** Every training phrase: intents/<locale>/*.yaml plus the training part of the off-topic corpus. */
export function trainingData(root = packageRoot()): LabelledText[] {
  const loaded = loadIntents(root);
  if (loaded.problems.length) {
    throw new CodedError(ErrorCode.DataInvalid, `intents/ has problems:\n${loaded.problems.map(formatProblem).join('\n')}`);
  }
  const out: LabelledText[] = [];
  for (const f of loaded.files) for (const text of f.examples) out.push({ text, intent: f.intent, locale: f.locale });
  for (const text of asdcSplit(root).train) out.push({ text, intent: 'out_of_scope', locale: 'ja', corpus: true });
  return out;
}

/** The held-out files (test/nlu/heldout/*.yaml, or test/nlu/heldout.<locale>.yaml) plus the held-out corpus lines. */
export function heldoutData(root = packageRoot()): HeldoutItem[] {
  const dir = join(root, 'test', 'nlu', 'heldout');
  const files = [
    ...(existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f)) : []),
    ...['ja', 'en'].map((l) => join(root, 'test', 'nlu', `heldout.${l}.yaml`)).filter((p) => existsSync(p)),
  ];
  const out: HeldoutItem[] = [];
  for (const path of files) {
    const parsed = parseYamlFile(path, root);
    if (parsed.problems.length) throw new CodedError(ErrorCode.DataInvalid, parsed.problems.map(formatProblem).join('\n'));
    const r = heldoutFileSchema.safeParse(parsed.value);
    if (!r.success) throw new CodedError(ErrorCode.DataInvalid, `${parsed.file}: ${r.error.message}`);
    for (const ex of r.data.examples) out.push({ ...ex, locale: r.data.locale, source: parsed.file });
  }
  for (const text of asdcSplit(root).heldout) out.push({ text, intent: 'out_of_scope', locale: 'ja', kind: 'far', source: ASDC_PATH });
  return out;
}
