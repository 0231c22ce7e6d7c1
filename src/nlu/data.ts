/**
 * The training and evaluation material, assembled the same way by the build, `npm run eval` and the tests.
 *
 * Split of the off-topic corpus intents/corpora/asdc-ja.txt (CC BY 4.0, © Megagon Labs — see its README):
 * numbering non-empty lines from 0, every line with index % 3 === 2 is held out for evaluation (far
 * out-of-scope); the rest is out_of_scope training material. The validation fold used to fit the temperature and
 * the out-of-scope threshold is carved from TRAINING data only: within each (locale, intent) group, every 5th
 * phrase (index % 5 === 4). The held-out files test/nlu/heldout/*.yaml are never read by training.
 *
 * The real first messages intents/real/first-<locale>.tsv carry their split in the file (rule: realSplitOf in
 * ./corpus.ts): the train lines are training phrases like those of intents/, the held-out lines are only scored by
 * `npm run eval` (realFirstMessages) and are kept out of heldoutData so the hand-written figures stay comparable.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CodedError, ErrorCode } from '../core/index.js';
import { z } from 'zod';
import { ASDC_PATH, REAL_FIRST_FILES, REAL_REPLY_FILES, realSplitOf, type LabelledText } from './corpus.js';
import { ACTS, INTENT_ROLE, type Act, type ActPrior } from '../core/index.js';
import type { LabelledAct } from './acts.js';
import { normalize } from './normalize.js';

export { ASDC_PATH, REAL_FIRST_FILES, REAL_REPLY_FILES, realSplitOf, trainingDataHash, validationSplit, type LabelledText } from './corpus.js';
import { formatProblem, loadActs, loadDialogs, loadIntents, parseYamlFile, packageRoot } from '../data/load.js';
import { countActPrior, kindOfReply } from './act-prior.js';
import { heldoutFileSchema, intentId } from '../data/schemas.js';

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

/** A line of intents/real/first-<locale>.tsv: a first message as a person wrote it on a public page, labelled by a person. */
export interface RealFirstMessage extends HeldoutItem {
  split: 'train' | 'heldout';
  /** The page the line was copied from. */
  url: string;
}

/** First line of every real-corpus file; optional columns may sit between split and url (the url stays last). */
export const REAL_HEADER_START = ['text', 'intent', 'split'] as const;

const realRowSchema = z.strictObject({
  text: z
    .string()
    .min(1)
    .refine((t) => t === t.trim(), 'no leading or trailing spaces'),
  intent: intentId,
  split: z.enum(['train', 'heldout']),
  url: z.string().regex(/^https?:\/\/\S+$/, 'the last column is the http(s) address of the page the line was copied from'),
});

/** Every line of the real first-message corpus, zod-checked, with its split verified against the rule. */
export function realFirstMessages(root = packageRoot()): RealFirstMessage[] {
  const out: RealFirstMessage[] = [];
  for (const { locale, path } of REAL_FIRST_FILES) {
    const abs = join(root, path);
    if (!existsSync(abs)) continue;
    const lines = readFileSync(abs, 'utf8').split(/\r?\n/);
    const header = (lines[0] ?? '').split('\t');
    if (REAL_HEADER_START.some((c, i) => header[i] !== c) || header[header.length - 1] !== 'url') {
      throw new CodedError(ErrorCode.DataInvalid, `${path}:1: the header must be "text<TAB>intent<TAB>split[<TAB>…]<TAB>url"`);
    }
    lines.forEach((line, i) => {
      if (i === 0 || line === '') return;
      const cells = line.split('\t');
      const where = `${path}:${i + 1}`;
      if (cells.length !== header.length) throw new CodedError(ErrorCode.DataInvalid, `${where}: ${cells.length} columns, the header has ${header.length}`);
      const r = realRowSchema.safeParse({ text: cells[0], intent: cells[1], split: cells[2], url: cells[cells.length - 1] });
      if (!r.success) throw new CodedError(ErrorCode.DataInvalid, `${where}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
      if (r.data.split !== realSplitOf(r.data.text)) {
        throw new CodedError(ErrorCode.DataInvalid, `${where}: split is "${r.data.split}" but the fixed rule (sha1 of the text) says "${realSplitOf(r.data.text)}"`);
      }
      out.push({ ...r.data, locale, source: path });
    });
  }
  return out;
}

/**
 * Every training phrase: intents/<locale>/*.yaml, the training part of the off-topic corpus and the train split of the
 * real first messages (`realTrain: false` leaves the last out — `npm run eval -- --no-real-train` measures without it).
 */
export function trainingData(root = packageRoot(), options: { realTrain?: boolean } = {}): LabelledText[] {
  const loaded = loadIntents(root);
  if (loaded.problems.length) {
    throw new CodedError(ErrorCode.DataInvalid, `intents/ has problems:\n${loaded.problems.map(formatProblem).join('\n')}`);
  }
  const out: LabelledText[] = [];
  for (const f of loaded.files) for (const text of f.examples) out.push({ text, intent: f.intent, locale: f.locale });
  for (const f of loaded.files) for (const text of f.about_mail_only ?? []) out.push({ text, intent: f.intent, locale: f.locale, aboutMailOnly: true });
  for (const text of asdcSplit(root).train) out.push({ text, intent: 'out_of_scope', locale: 'ja', corpus: true });
  if (options.realTrain ?? true) {
    for (const r of realFirstMessages(root)) if (r.split === 'train') out.push({ text: r.text, intent: r.intent, locale: r.locale, real: true });
  }
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

// ───────────────────────────── reply acts ─────────────────────────────

/** A line of intents/real/replies-<locale>.tsv: a reply as a person wrote it, the node it answered, its act (labelled by a person). */
export interface RealReply {
  node: string;
  text: string;
  /** The person's label: an act of domain.yaml, or answer / new_symptom / other (no reply act: scored as `other`). */
  label: string;
  split: 'train' | 'heldout';
  url: string;
  locale: 'ja' | 'en';
}

/** Labels of the reply corpus that are no reply act of ours: the reply gives a fact or a new problem. */
const NOT_AN_ACT = new Set(['answer', 'new_symptom', 'other']);

/** The act a real reply's label stands for (answer, new_symptom, other → `other`). */
export function actOfLabel(label: string): Act {
  if (NOT_AN_ACT.has(label)) return 'other';
  if ((ACTS as readonly string[]).includes(label)) return label as Act;
  throw new CodedError(ErrorCode.DataInvalid, `unknown reply act label ${label}`);
}

export function realReplies(root = packageRoot()): RealReply[] {
  const out: RealReply[] = [];
  for (const { locale, path } of REAL_REPLY_FILES) {
    const abs = join(root, path);
    if (!existsSync(abs)) continue;
    const lines = readFileSync(abs, 'utf8').split(/\r?\n/);
    lines.forEach((line, i) => {
      if (i === 0 || line === '') return;
      const [node = '', text = '', label = '', split = '', url = ''] = line.split('\t');
      if (split !== 'train' && split !== 'heldout') throw new CodedError(ErrorCode.DataInvalid, `${path}:${i + 1}: split ${split}`);
      out.push({ node, text, label, split, url, locale: locale as 'ja' | 'en' });
    });
  }
  return out;
}

/**
 * Training phrases of the act model: intents/<locale>/acts/*.yaml, the phrases of every error and topic intent and of
 * out_of_scope as the background act `other` (a new symptom is no reply act), and the train split of the real replies.
 */
export function actTrainingData(root = packageRoot(), options: { realTrain?: boolean } = {}): LabelledAct[] {
  const acts = loadActs(root);
  if (acts.problems.length) throw new CodedError(ErrorCode.DataInvalid, `intents/*/acts has problems:\n${acts.problems.map(formatProblem).join('\n')}`);
  const out: LabelledAct[] = [];
  for (const f of acts.files) for (const text of f.examples) out.push({ text, act: f.act, locale: f.locale });
  const intents = loadIntents(root);
  for (const f of intents.files) {
    const role = INTENT_ROLE[f.intent];
    if (role === 'error' || role === 'topic' || role === 'out_of_scope') for (const text of f.examples) out.push({ text, act: 'other', locale: f.locale });
  }
  if (options.realTrain ?? true) for (const r of realReplies(root)) if (r.split === 'train') out.push({ text: r.text, act: actOfLabel(r.label), locale: r.locale, real: true });
  return out;
}

/**
 * Reply acts counted per node kind over the train split of the real replies (src/nlu/act-prior.ts), or over `replies`
 * when given (eval:dev: the other folds). Undefined when dialogs/ does not load.
 */
export function actPriorOf(root = packageRoot(), replies?: readonly RealReply[]): ActPrior | undefined {
  const { tree } = loadDialogs(root);
  if (!tree) return undefined;
  const rows = (replies ?? realReplies(root).filter((r) => r.split === 'train')).map((r) => ({ kind: kindOfReply(tree, r.node), act: actOfLabel(r.label) }));
  return countActPrior(rows);
}
