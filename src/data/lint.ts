/**
 * The cross-file checker behind `mailmedic lint` (after Rasa's validator): the loaders' schema problems plus
 * everything a schema cannot see — references between dialogs/, locales/ and intents/, reachability, dead ends,
 * loops that never wait for the user, conditions on unknown slots or values, duplicated training phrases, and
 * locale keys written in the code of any part (engine, pipeline, channels, hand-off, admin …), and domain.yaml.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACT_DEFS, ACTS, ENTITY_VALUES, INTENTS, LOCALES, SYMPTOM_INTENTS, type Act, type Intent } from '../core/index.js';
import {
  ANSWERS_FILE,
  loadActs,
  loadDialogs,
  loadDomain,
  loadIntents,
  loadLocales,
  packageRoot,
  parseYamlFile,
  type LoadedDomain,
  type LoadedLocales,
  type Problem,
} from './load.js';
import { WHERE_PLATFORMS, type Condition, type DialogNode, type DialogOption, type DialogTree } from './schemas.js';
import { checkGuide, type GuideCoverage } from './guide.js';
import { firstWords } from './node-name.js';

/** What `lintContent` found, plus the sizes `mailmedic lint` reports on success. */
export interface LintReport {
  problems: Problem[];
  /** Nodes in the merged tree (0 when the tree did not load). */
  nodes: number;
  /** Distinct locale keys over all locales. */
  localeKeys: number;
  /** Distinct intents with at least one training phrase. */
  intents: number;
  /** Guide sections covered per locale (src/data/guide.ts); absent when the tree declares no guide. */
  guide?: GuideCoverage;
}

/** Node kinds that finish a conversation path. */
const TERMINAL: ReadonlySet<DialogNode['kind']> = new Set(['resolve', 'handoff', 'end']);
/** Entity slots filled by the NLU; os_version takes any text. */
const FREE_SLOTS: ReadonlySet<string> = new Set(['os_version']);
/** Condition values with a special meaning: filled with anything / empty. */
const SPECIAL_VALUES: ReadonlySet<string> = new Set(['*', '-']);

export interface LintOptions {
  /**
   * Also check the locale keys written in the code. Default: only when `root`
   * is this package's own root — a fixture or another content folder is not what this build's code reads.
   */
  codeKeys?: boolean;
}

/** Lints the content under `root` (default: the package root); problems sorted by file and line. */
export async function lintAll(root: string = packageRoot(), opts: LintOptions = {}): Promise<Problem[]> {
  return (await lintReport(root, opts)).problems;
}

/** Like lintAll, with the counts `mailmedic lint` prints. */
export async function lintReport(root: string = packageRoot(), opts: LintOptions = {}): Promise<LintReport> {
  const codeKeys = opts.codeKeys ?? resolve(root) === ownRoot();
  return lintContent(root, codeKeys ? await loadRequiredKeys() : []);
}

function ownRoot(): string | undefined {
  try {
    return resolve(packageRoot());
  } catch {
    return undefined;
  }
}

/**
 * The locale keys written in the code (src/ under vitest, dist/ when built). Keys passed to t() / the engine's
 * say() are checked against locales/ja at compile time (`LocaleKey`, src/i18n); this scan is the net for keys held
 * in plain strings (a `Record<…, string>` of keys) and for en, and it runs against a foreign content root too.
 */
export async function loadRequiredKeys(): Promise<string[]> {
  const codeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const namespaces = [...loadLocales().messages.ja.keys()].map((k) => k.split('.')[0] ?? k);
  return keyLiteralsIn(codeDir, new Set(namespaces));
}

/**
 * Quoted strings in the .ts/.js files under `dir` that look like locale keys of a known top-level namespace
 * ('pipeline.busy', "slack.chosen" …), comments stripped. Keys assembled at run time are not seen: list those in
 * a typed helper (src/i18n/keys.ts).
 */
export function keyLiteralsIn(dir: string, namespaces: ReadonlySet<string>): string[] {
  if (namespaces.size === 0 || !existsSync(dir)) return [];
  const ns = [...namespaces].map((n) => n.replace(/[^a-z0-9_]/g, '')).join('|');
  const literal = new RegExp(`['"\`]((?:${ns})\\.[a-z0-9_]+(?:\\.[a-z0-9_]+)*)['"\`]`, 'g');
  const found = new Set<string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      // keys.generated.ts lists every key of locales/ja: the keys, not their use.
      else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') && !/\.generated\.[jt]s$/.test(entry.name)) {
        const code = readFileSync(path, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/^\s*\/\/.*$/gm, '');
        for (const m of code.matchAll(literal)) if (m[1]) found.add(m[1]);
      }
    }
  };
  walk(dir);
  return [...found].sort();
}

/** Synchronous core of the linter: everything except discovering the keys written in the code. */
export function lintContent(root: string, requiredKeys: readonly string[] = []): LintReport {
  const problems: Problem[] = [];
  const dialogs = loadDialogs(root);
  const locales = loadLocales(root);
  const intents = loadIntents(root);
  const domain = loadDomain(root);
  // When a dialog file fails its schema, the loader also reports start/globals as missing: noise, dropped.
  const schemaFailed = dialogs.problems.some((p) => p.file !== 'dialogs/');
  problems.push(...dialogs.problems.filter((p) => !(schemaFailed && p.file === 'dialogs/')), ...locales.problems, ...intents.problems, ...domain.problems);
  const domainIntents: readonly string[] = domain.domain ? Object.keys(domain.domain.intents) : INTENTS;
  const entityValues: Record<string, readonly string[]> = domain.domain
    ? Object.fromEntries(Object.entries(domain.domain.entities).map(([k, v]) => [k, Object.keys(v)]))
    : ENTITY_VALUES;

  const allKeys = new Set<string>();
  for (const l of LOCALES) for (const k of locales.messages[l].keys()) allKeys.add(k);

  problems.push(...checkLocaleTwins(locales));
  problems.push(...checkRequiredKeys(locales, requiredKeys));
  if (domain.domain) problems.push(...checkDomain(domain, locales));
  const intentCheck = checkIntents(intents, root, domainIntents);
  problems.push(...intentCheck.problems);
  const acts = loadActs(root);
  // Content without reply acts (an older fixture) is not asked for them.
  const hasActs = LOCALES.some((l) => existsSync(join(root, 'intents', l, 'acts')));
  if (hasActs) problems.push(...acts.problems, ...checkActs(acts, domain.domain?.acts ? Object.keys(domain.domain.acts) : ACTS));
  if (dialogs.tree) problems.push(...checkAnswerGroups(dialogs.tree, acts, locales));
  if (dialogs.tree) problems.push(...checkTree(dialogs.tree, locales, root, entityValues));
  const guide = dialogs.tree ? checkGuide(dialogs.tree, locales, root) : undefined;
  problems.push(...(guide?.problems ?? []));

  return {
    problems: sortProblems(problems),
    nodes: dialogs.tree?.nodes.size ?? 0,
    localeKeys: allKeys.size,
    intents: intentCheck.count,
    ...(guide?.coverage ? { guide: guide.coverage } : {}),
  };
}

function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const id = `${p.file}:${p.line}:${p.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.message.localeCompare(b.message));
}

// ───────────────────────────── locales ─────────────────────────────

const placeholders = (text: string) => [...text.matchAll(/\{([a-zA-Z0-9_]+)\}/g)].map((m) => m[1]).sort();

/** A key in one locale with no twin in the other, or twins with different {placeholders}. */
function checkLocaleTwins(locales: LoadedLocales): Problem[] {
  const out: Problem[] = [];
  for (const l of LOCALES) {
    for (const other of LOCALES) {
      if (other === l) continue;
      for (const [key, at] of locales.lines[l]) {
        if (!locales.messages[other].has(key)) {
          out.push({ ...at, message: `locale key ${key} has no ${other} twin` });
        } else if (l === 'ja') {
          const mine = placeholders(locales.messages[l].get(key) ?? '').join(',');
          const theirs = placeholders(locales.messages[other].get(key) ?? '').join(',');
          if (mine !== theirs) out.push({ ...at, message: `locale key ${key}: placeholders {${mine}} in ja but {${theirs}} in ${other}` });
        }
      }
    }
  }
  return out;
}

function checkRequiredKeys(locales: LoadedLocales, keys: readonly string[]): Problem[] {
  const out: Problem[] = [];
  for (const key of new Set(keys)) {
    for (const l of LOCALES) {
      if (!locales.messages[l].has(key)) {
        out.push({ file: `locales/${l}/`, line: 1, message: `locale key ${key} (used by the code) missing in ${l}` });
      }
    }
  }
  return out;
}

// ───────────────────────────── intents ─────────────────────────────

/** NFKC, lower case, trimmed, inner whitespace collapsed: two phrases equal after this are duplicates. */
export function normalisePhrase(text: string): string {
  return text.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

function checkIntents(intents: ReturnType<typeof loadIntents>, root: string, domainIntents: readonly string[]): { problems: Problem[]; count: number } {
  const out: Problem[] = [];
  const withPhrases = new Set<string>();
  for (const locale of LOCALES) {
    const firstSeen = new Map<string, { intent: string; file: string; line: number }>();
    const present = new Set<string>();
    for (const f of intents.files.filter((x) => x.locale === locale)) {
      if (f.examples.length) present.add(f.intent);
      withPhrases.add(f.intent);
      // about_mail_only: the domain detector's `mail` side (src/nlu/engine.ts domainExamples), which reads symptoms only.
      if (f.about_mail_only?.length && !SYMPTOM_INTENTS.has(f.intent))
        out.push({ file: f.file, line: 1, message: `about_mail_only is for symptom intents (the domain detector reads no other): ${f.intent} is not one` });
      f.examples.forEach((text, i) => {
        const norm = normalisePhrase(text);
        const line = f.lineOfExample(i);
        const first = firstSeen.get(norm);
        if (!first) {
          firstSeen.set(norm, { intent: f.intent, file: f.file, line });
        } else if (first.intent === f.intent) {
          out.push({ file: f.file, line, message: `phrase "${text}" is a duplicate within ${f.intent} (first at line ${first.line})` });
        } else {
          out.push({ file: f.file, line, message: `phrase "${text}" is under two intents: ${f.intent} and ${first.intent} (${first.file}:${first.line})` });
        }
      });
    }
    const dir = join(root, 'intents', locale);
    for (const intent of domainIntents) {
      if (!present.has(intent)) out.push({ file: `intents/${locale}/`, line: 1, message: `intent ${intent} has no phrases in ${locale}${existsSync(dir) ? '' : ' (no folder)'}` });
    }
  }
  return { problems: out, count: withPhrases.size };
}

// ───────────────────────────── reply acts and answer groups ─────────────────────────────

/**
 * intents/<locale>/acts/*.yaml, checked like intent phrases: a duplicate within an act, one phrase under two acts,
 * an act of domain.yaml without phrases in a locale (ja/en twins), a file for an act domain.yaml does not declare.
 */
export function checkActs(acts: ReturnType<typeof loadActs>, domainActs: readonly string[]): Problem[] {
  const out: Problem[] = [];
  for (const locale of LOCALES) {
    const firstSeen = new Map<string, { act: string; file: string; line: number }>();
    const present = new Set<string>();
    for (const f of acts.files.filter((x) => x.locale === locale)) {
      present.add(f.act);
      if (!domainActs.includes(f.act)) out.push({ file: f.file, line: 1, message: `act ${f.act} is not declared in domain.yaml \`acts\`` });
      f.examples.forEach((text, i) => {
        const norm = normalisePhrase(text);
        const line = f.lineOfExample(i);
        const first = firstSeen.get(norm);
        if (!first) firstSeen.set(norm, { act: f.act, file: f.file, line });
        else if (first.act === f.act) out.push({ file: f.file, line, message: `phrase "${text}" is a duplicate within act ${f.act} (first at line ${first.line})` });
        else out.push({ file: f.file, line, message: `phrase "${text}" is under two acts: ${f.act} and ${first.act} (${first.file}:${first.line})` });
      });
    }
    for (const act of domainActs) {
      if (!present.has(act)) out.push({ file: `intents/${locale}/acts/`, line: 1, message: `act ${act} has no phrases in ${locale} (intents/${locale}/acts/${act}.yaml)` });
    }
  }
  return out;
}

/** Which button of a step a move stands for (its words are the move's too). */
const STEP_BUTTON_MOVE: Record<string, string> = {
  'engine.button.resolved': 'resolved',
  'engine.button.not_resolved': 'not_resolved',
  'engine.button.help': 'help',
  'engine.button.na': 'n_a',
};

/**
 * Answer groups (dialogs/answers.yaml) against the tree: a node naming an unknown group, an ask node whose `default:`
 * is none of its options, and a node whose accepted acts' phrases collide with its own words — a phrase of an act the
 * node accepts that is also the words of a button or `na:` phrase meaning something else there (「まだダメ」 under
 * `fixed` would press [まだダメ] and mean "fixed").
 */
export function checkAnswerGroups(tree: DialogTree, acts: ReturnType<typeof loadActs>, locales: LoadedLocales): Problem[] {
  const out: Problem[] = [];
  const answers = tree.answers;
  if (!answers) return out;
  const fold = (x: string) => normalisePhrase(x).replace(/[\s、。,.!?！？「」]/g, '');
  const phrasesOf = new Map<Act, Array<{ text: string; file: string; line: number }>>();
  for (const f of acts.files) {
    const list = phrasesOf.get(f.act) ?? [];
    f.examples.forEach((text, i) => list.push({ text, file: f.file, line: f.lineOfExample(i) }));
    phrasesOf.set(f.act, list);
  }
  const reported = new Set<string>();
  const words = (key: string | undefined) => (key ? LOCALES.flatMap((l) => (locales.messages[l].get(key) ?? '').split('|')).map(fold).filter(Boolean) : []);
  for (const node of tree.nodes.values()) {
    const where = tree.sources?.get(node.id) ?? { file: 'dialogs/', line: 1 };
    const name = node.answers ?? answers.defaults[node.kind];
    if (node.answers && !answers.groups[node.answers]) {
      out.push({ ...where, message: `node ${node.id} names answer group ${node.answers}, which dialogs/answers.yaml does not define` });
      continue;
    }
    if (node.kind === 'ask' && node.default && !node.options.some((o) => o.value === node.default)) {
      out.push({ ...where, message: `node ${node.id}: default ${node.default} is none of its option values` });
    }
    if (node.kind === 'ask') {
      for (const n of node.narrows ?? []) for (const v of n.values) if (!node.options.some((o) => o.value === v)) out.push({ ...where, message: `node ${node.id}: narrows value ${v} is none of its option values` });
    }
    // An option picked by an intent its node's group reads as another move (「はい」 → ask_result at a result question)
    // would be picked anyway by the intent model: the option must not list it.
    if ((node.kind === 'ask' || node.kind === 'choice') && name) {
      for (const [act, move] of Object.entries(answers.groups[name] ?? {}) as Array<[Act, string]>) {
        const intent = ACT_DEFS[act]?.intent;
        if (move === 'option' || !intent) continue;
        for (const o of node.options) {
          if (o.intents?.includes(intent)) out.push({ ...where, message: `node ${node.id}: option ${o.value} lists intent ${intent}, which its answer group ${name} reads as ${move}` });
        }
      }
    }
    if (node.kind !== 'step' || !name) continue;
    const group = answers.groups[name] ?? {};
    const meaning = new Map<string, string>();
    for (const [key, move] of Object.entries(STEP_BUTTON_MOVE)) for (const w of words(key)) meaning.set(w, move);
    for (const w of words(node.na)) meaning.set(w, 'n_a');
    for (const w of words(node.done)) meaning.set(w, 'ask_result');
    for (const [act, move] of Object.entries(group) as Array<[Act, string]>) {
      for (const p of phrasesOf.get(act) ?? []) {
        const other = meaning.get(fold(p.text));
        if (other && other !== move && !reported.has(`${act}\u0000${p.text}`)) {
          reported.add(`${act}\u0000${p.text}`);
          out.push({ file: p.file, line: p.line, message: `phrase "${p.text}" of act ${act} (${move} at ${node.id}) is also the words of what means ${other} there` });
        }
      }
    }
  }
  return out;
}

// ───────────────────────────── the tree ─────────────────────────────

/** Finds the line of a path inside a node (e.g. ['options', 2, 'next']) by re-reading its dialog file. */
class Lines {
  private files = new Map<string, { lineOf(path: ReadonlyArray<PropertyKey>): number; index: Map<string, number> }>();
  constructor(
    private root: string,
    private tree: DialogTree,
  ) {}

  private file(file: string) {
    let f = this.files.get(file);
    if (!f) {
      const parsed = parseYamlFile(join(this.root, file), this.root);
      const index = new Map<string, number>();
      const nodes = (parsed.value as { nodes?: Array<{ id?: unknown }> } | undefined)?.nodes ?? [];
      nodes.forEach((n, i) => {
        if (typeof n?.id === 'string' && !index.has(n.id)) index.set(n.id, i);
      });
      f = { lineOf: parsed.lineOf, index };
      this.files.set(file, f);
    }
    return f;
  }

  /** `file` and line of node `id`, or of a path inside it. */
  at(id: string, path: ReadonlyArray<PropertyKey> = []): { file: string; line: number } {
    const src = this.tree.sources.get(id) ?? { file: 'dialogs/', line: 1 };
    if (!path.length) return src;
    const f = this.file(src.file);
    const i = f.index.get(id);
    return { file: src.file, line: i === undefined ? src.line : f.lineOf(['nodes', i, ...path]) };
  }

  /** The dialog file that declares top-level `what` (start, globals, entries …) and the line of `path` in it. */
  top(what: string, path: ReadonlyArray<PropertyKey>): { file: string; line: number } {
    for (const src of new Set([...this.tree.sources.values()].map((s) => s.file))) {
      const parsed = parseYamlFile(join(this.root, src), this.root);
      const value = parsed.value as Record<string, unknown> | undefined;
      if (value && what in value) return { file: src, line: parsed.lineOf([what, ...path]) };
    }
    return { file: 'dialogs/', line: 1 };
  }
}

/** One edge of the tree: from a node (or a top-level pointer) to a node id. */
interface Edge {
  from: string;
  to: string;
  /** Where the reference is written, inside the node. */
  path: ReadonlyArray<PropertyKey>;
  /** True when the engine can follow it in the same turn, without waiting for the user. */
  instant: boolean;
}

/** Every explicit edge out of a node. Global free-text jumps (request_human …) are not edges of the tree. */
export function edgesOf(node: DialogNode, tree: Pick<DialogTree, 'globals'>): Edge[] {
  const e: Edge[] = [];
  const add = (to: string | undefined, path: ReadonlyArray<PropertyKey>, instant: boolean) => {
    if (to) e.push({ from: node.id, to, path, instant });
  };
  if (node.when) {
    const fallback = node.skip ?? ('next' in node ? node.next : undefined) ?? (node.kind === 'route' ? node.default : undefined);
    add(fallback, [node.skip ? 'skip' : 'when'], true);
  }
  switch (node.kind) {
    case 'ask':
      // Skipped without a word when its slot is already filled.
      add(node.next, ['next'], true);
      node.options.forEach((o, i) => add(o.next, ['options', i, 'next'], false));
      break;
    case 'choice':
    case 'resolve':
      (node.options ?? []).forEach((o, i) => add(o.next, ['options', i, 'next'], false));
      break;
    case 'step':
      add(node.next, ['next'], false);
      add(node.resolved ?? tree.globals.resolved, node.resolved ? ['resolved'] : [], false);
      break;
    case 'info':
      add(node.next, ['next'], true);
      break;
    case 'route':
      node.cases.forEach((c, i) => add(c.next, ['cases', i, 'next'], true));
      add(node.default, ['default'], true);
      break;
    case 'handoff':
    case 'end':
      break;
  }
  return e;
}

/** Locale keys a node renders, with the path where each is written. */
function keysOf(node: DialogNode): Array<{ key: string; path: PropertyKey[] }> {
  const out: Array<{ key: string; path: PropertyKey[] }> = [];
  if (node.kind !== 'route') out.push({ key: node.say, path: ['say'] });
  if ((node.kind === 'ask' || node.kind === 'choice') && node.again) out.push({ key: node.again, path: ['again'] });
  if ((node.kind === 'ask' || node.kind === 'choice') && node.explain) out.push({ key: node.explain, path: ['explain'] });
  if ((node.kind === 'ask' || node.kind === 'choice') && node.restated) out.push({ key: node.restated, path: ['restated'] });
  if (node.kind === 'ask') node.narrows?.forEach((n, i) => out.push({ key: n.says, path: ['narrows', i, 'says'] }));
  if (node.title && node.kind !== 'step') out.push({ key: node.title, path: ['title'] });
  if (node.kind === 'step') {
    out.push({ key: node.title, path: ['title'] });
    if (node.help) out.push({ key: node.help, path: ['help'] });
    if (node.na) out.push({ key: node.na, path: ['na'] });
    if (node.done) out.push({ key: node.done, path: ['done'] });
    if (node.removes) out.push({ key: node.removes, path: ['removes'] });
    if (node.trust) out.push({ key: node.trust, path: ['trust'] });
  }
  if ('options' in node)
    (node.options ?? []).forEach((o, i) => {
      out.push({ key: o.label, path: ['options', i, 'label'] });
      if (o.says) out.push({ key: o.says, path: ['options', i, 'says'] });
    });
  return out;
}

function checkTree(tree: DialogTree, locales: LoadedLocales, root: string, entityValues: Record<string, readonly string[]>): Problem[] {
  const out: Problem[] = [];
  const lines = new Lines(root, tree);
  const known = (id: string) => tree.nodes.has(id);
  const slots = slotValues(tree, entityValues);

  // Top-level pointers: start, globals, entries.
  const roots: string[] = [];
  const pointer = (id: string, what: string, path: PropertyKey[]) => {
    if (!known(id)) out.push({ ...lines.top(what, path), message: `${[what, ...path].join('.')} points to unknown node ${id}` });
    else roots.push(id);
  };
  pointer(tree.start, 'start', []);
  for (const [k, id] of Object.entries(tree.globals)) pointer(id, 'globals', [k]);
  for (const [k, id] of Object.entries(tree.entries)) if (id) pointer(id, 'entries', [k]);

  out.push(...checkStepTitles(tree, lines));
  out.push(...checkNodeTitles(tree, locales, lines));

  const edges = new Map<string, Edge[]>();
  for (const node of tree.nodes.values()) {
    const es = edgesOf(node, tree);
    edges.set(node.id, es.filter((e) => known(e.to)));
    for (const e of es) {
      // An empty path is the implicit globals.resolved of a step, reported once at globals.
      if (!known(e.to) && e.path.length) {
        out.push({ ...lines.at(node.id, e.path), message: `node ${node.id}: ${e.path.join('.')} refers to unknown node ${e.to}` });
      }
    }
    out.push(...checkNode(node, slots, locales, lines));
  }

  // Unreachable: not reachable from start, globals or entries.
  const reached = walk(roots, (id) => (edges.get(id) ?? []).map((e) => e.to));
  for (const id of tree.nodes.keys()) {
    if (!reached.has(id)) out.push({ ...lines.at(id), message: `node ${id} is unreachable (not reachable from start, globals or entries)` });
  }

  // Dead ends: no resolve/handoff/end node reachable.
  const reverse = new Map<string, string[]>();
  for (const es of edges.values()) for (const e of es) reverse.set(e.to, [...(reverse.get(e.to) ?? []), e.from]);
  const terminals = [...tree.nodes.values()].filter((n) => TERMINAL.has(n.kind)).map((n) => n.id);
  const canFinish = walk(terminals, (id) => reverse.get(id) ?? []);
  for (const node of tree.nodes.values()) {
    if (!canFinish.has(node.id)) out.push({ ...lines.at(node.id), message: `node ${node.id} is a dead end: no resolve, handoff or end node can be reached from it` });
  }

  out.push(...checkSymptoms(tree, lines));

  // Loops that never wait for the user.
  for (const cycle of instantCycles(tree, edges)) {
    const first = cycle[0] ?? '';
    out.push({ ...lines.at(first), message: `nodes can loop forever without waiting for the user: ${[...cycle, first].join(' → ')}` });
  }

  // Tree keys defined in a tree locale file but never used (other parts' keys are checked from the code).
  const used = new Set<string>();
  for (const node of tree.nodes.values()) for (const { key } of keysOf(node)) used.add(key);
  // Stated facts (dialogs/main.yaml `facts`): a declared slot and value, words in every locale.
  for (const [slot, values] of Object.entries(tree.facts ?? {})) {
    for (const [value, key] of Object.entries(values)) {
      used.add(key);
      const allowed = slots.get(slot);
      if (allowed !== null && !allowed?.has(value)) out.push({ ...lines.top('facts', [slot, value]), message: `facts.${slot}.${value}: ${value} is not a declared value of slot ${slot}` });
      for (const l of LOCALES) if (!locales.messages[l].has(key)) out.push({ ...lines.top('facts', [slot, value]), message: `facts.${slot}.${value}: locale key ${key} missing in ${l}` });
    }
  }
  // A fact that is a symptom gone (main.yaml `fact_fixes`): a stated fact's value, and symptoms that have a walk.
  for (const [slot, values] of Object.entries(tree.factFixes ?? {})) {
    for (const [value, intents] of Object.entries(values)) {
      if (tree.facts?.[slot]?.[value] === undefined) out.push({ ...lines.top('fact_fixes', [slot, value]), message: `fact_fixes.${slot}.${value}: not a stated fact (facts.${slot}.${value})` });
      for (const intent of intents)
        if (!(intent in tree.entries)) out.push({ ...lines.top('fact_fixes', [slot, value]), message: `fact_fixes.${slot}.${value}: ${intent} has no entry (no walk to be fixed)` });
    }
  }
  // A fact that narrows a two-sided value (main.yaml `fact_narrows`): declared values, each a stated fact.
  for (const [slot, held] of Object.entries(tree.factNarrows ?? {})) {
    const allowed = slots.get(slot);
    for (const [from, values] of Object.entries(held)) {
      if (allowed !== null && !allowed?.has(from)) out.push({ ...lines.top('fact_narrows', [slot, from]), message: `fact_narrows.${slot}.${from}: ${from} is not a declared value of slot ${slot}` });
      for (const [value, intent] of Object.entries(values)) {
        if (tree.facts?.[slot]?.[value] === undefined) out.push({ ...lines.top('fact_narrows', [slot, from]), message: `fact_narrows.${slot}.${from}.${value}: not a stated fact (facts.${slot}.${value})` });
        if (!(intent in tree.entries)) out.push({ ...lines.top('fact_narrows', [slot, from]), message: `fact_narrows.${slot}.${from}.${value}: ${intent} has no entry (no walk to go on with)` });
      }
    }
  }
  // The words that say an act (dialogs/answers.yaml `confirm: <act>: words / partial / temporary / works_again / changed / before / problem`): keys of every locale.
  for (const [act, c] of Object.entries(tree.answers?.confirm ?? {})) {
    for (const field of ['words', 'partial', 'temporary', 'works_again', 'changed', 'before', 'problem'] as const) {
      const key = c?.[field];
      if (key) for (const l of LOCALES) if (!locales.messages[l].has(key)) out.push({ file: `dialogs/${ANSWERS_FILE}`, line: 1, message: `confirm ${act}: ${field} ${key} is not in locales/${l}` });
    }
  }
  // A fact that names the symptom (main.yaml `fact_symptoms`): a stated fact's value, and a symptom that has a walk.
  for (const [slot, values] of Object.entries(tree.factSymptoms ?? {})) {
    for (const [value, intent] of Object.entries(values)) {
      if (tree.facts?.[slot]?.[value] === undefined) out.push({ ...lines.top('fact_symptoms', [slot, value]), message: `fact_symptoms.${slot}.${value}: not a stated fact (facts.${slot}.${value})` });
      if (!(intent in tree.entries)) out.push({ ...lines.top('fact_symptoms', [slot, value]), message: `fact_symptoms.${slot}.${value}: ${intent} has no entry (no walk to start)` });
    }
  }
  // The glossary (dialogs/answers.yaml): every term explained in every locale, no word naming two terms.
  const wordOf = new Map<string, string>();
  for (const [id, term] of Object.entries(tree.answers?.glossary ?? {})) {
    const key = `tree.glossary.${id}`;
    used.add(key);
    for (const l of LOCALES) {
      if (!locales.messages[l].has(key)) out.push({ file: `dialogs/${ANSWERS_FILE}`, line: 1, message: `glossary term ${id} has no explanation ${key} in locales/${l}/tree.yaml` });
    }
    for (const platform of term.where ? WHERE_PLATFORMS : []) {
      const where = `tree.glossary_where.${id}.${platform}`;
      used.add(where);
      for (const l of LOCALES) if (!locales.messages[l].has(where)) out.push({ file: `dialogs/${ANSWERS_FILE}`, line: 1, message: `glossary term ${id} (where) has no ${where} in locales/${l}/tree.yaml` });
    }
    if (term.node && !tree.nodes.has(term.node)) out.push({ file: `dialogs/${ANSWERS_FILE}`, line: 1, message: `glossary term ${id}: node ${term.node} is not a node of the tree` });
    if (term.step && !tree.slots[term.step]) out.push({ file: `dialogs/${ANSWERS_FILE}`, line: 1, message: `glossary term ${id}: step slot ${term.step} is not declared in dialogs/main.yaml slots` });
    for (const w of term.words) {
      const folded = w.normalize('NFKC').toLowerCase();
      const other = wordOf.get(folded);
      if (other && other !== id) out.push({ file: `dialogs/${ANSWERS_FILE}`, line: 1, message: `glossary word "${w}" names both ${other} and ${id}` });
      wordOf.set(folded, id);
    }
  }
  for (const l of LOCALES) {
    for (const [key, at] of locales.lines[l]) {
      if (/(^|\/)tree\.ya?ml$/.test(at.file) && !used.has(key)) out.push({ ...at, message: `locale key ${key} is not used by any dialog node` });
    }
  }
  return out;
}

/** Allowed values per slot: entity values, declared tree slots; null = any value (os_version). */
/**
 * A ticket lists the steps tried by title, so two steps that can both be tried in one conversation need distinct titles
 * (staff must tell 「パスワードの手入力」 in the password walk from the one after the dアカウント re-login). Steps may share
 * a title only as twins of one step: one is the other's `skip` (through a chain of skips: the iPhone / Android / app
 * wordings), both run only while the same slot is empty and fill it (`when: {done_password: "-"}` with
 * `set: {done_password: …}`: the password re-entry of the password walk and of the update walk — whichever comes first),
 * they say the same (one step reached from two walks), their `when`s exclude each other (device, carrier), or one route
 * node chooses between them (or between the steps they are twins of).
 */
function checkStepTitles(tree: DialogTree, lines: Lines): Problem[] {
  const out: Problem[] = [];
  const skips = (id: string): Set<string> => {
    const seen = new Set<string>();
    for (let n = tree.nodes.get(id); n?.when && n.skip && !seen.has(n.skip); n = tree.nodes.get(n.skip)) seen.add(n.skip);
    return seen;
  };
  type Step = Extract<DialogNode, { kind: 'step' }>;
  const once = (a: Step, b: Step) =>
    Object.keys(a.set ?? {}).some((k) => b.set?.[k] !== undefined && a.when?.[k] === '-' && b.when?.[k] === '-');
  // Conditions no conversation meets both of at once (device android / an iPhone, carrier docomo / au).
  const values = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  const disjoint = (a: Step, b: Step) =>
    Object.entries(a.when ?? {}).some(([k, v]) => {
      const w = b.when?.[k];
      return w !== undefined && ![...values(v), ...values(w)].includes('*') && !values(v).some((x) => values(w).includes(x));
    });
  // The cases of one route node (the carrier's own filter step): one of them is taken.
  const alternatives = (a: string, b: string) =>
    [...tree.nodes.values()].some((n) => {
      if (n.kind !== 'route') return false;
      const to = [...n.cases.map((c) => c.next), n.default].flatMap((t) => [t, ...skips(t)]);
      return to.includes(a) && to.includes(b);
    });
  const same = (a: Step, b: Step) => a.say === b.say || disjoint(a, b) || alternatives(a.id, b.id);
  const byTitle = new Map<string, Step[]>();
  for (const node of tree.nodes.values()) if (node.kind === 'step') byTitle.set(node.title, [...(byTitle.get(node.title) ?? []), node]);
  for (const [title, steps] of byTitle) {
    const twins = steps.map((a) => new Set([a.id, ...skips(a.id)]));
    steps.forEach((a, i) => {
      for (const [j, b] of steps.entries()) {
        if (j <= i || twins[i]!.has(b.id) || twins[j]!.has(a.id) || once(a, b) || same(a, b)) continue;
        out.push({ ...lines.at(b.id, ['title']), message: `steps ${a.id} and ${b.id} share the title ${title}: a ticket listing both cannot tell them apart` });
      }
    });
  }
  return out;
}

/**
 * The review page names a node by its `title:`, else by the first words of its `say` (src/admin/nodes.ts), and lists every
 * question together (the analytics funnel, the not-understood table, the improve queue's node filter): two questions
 * (ask, choice) whose `say` starts with the same words read as one — nine device questions 「お使いの端末を教えてください
 * （iPhone…」 — so each needs a `title:` telling it apart (since round 36); since round 37 every other node kind but the
 * step too (info, end, handoff, resolve: 「ご利用ありがとうございました。」 was two ends, two openings of the sign-in branch
 * said one text). A `title:` on any node must not read like another node's name, or it tells nothing apart. Steps that
 * share their ticket title in several branches are named 「name · id」 by the page.
 */
function checkNodeTitles(tree: DialogTree, locales: LoadedLocales, lines: Lines): Problem[] {
  const out: Problem[] = [];
  const reported = new Set<string>();
  for (const l of LOCALES) {
    const text = (key: string | undefined) => (key ? locales.messages[l].get(key) : undefined);
    const nameOf = (n: DialogNode): string | undefined => {
      const title = n.kind === 'step' || n.title ? text(n.title) : undefined;
      if (title !== undefined) return title.trim();
      const say = n.kind === 'route' ? undefined : text(n.say);
      return say === undefined ? undefined : firstWords(say);
    };
    const byName = new Map<string, DialogNode[]>();
    for (const n of tree.nodes.values()) {
      if (n.kind === 'route') continue;
      const name = nameOf(n);
      if (name) byName.set(name, [...(byName.get(name) ?? []), n]);
    }
    for (const [name, nodes] of byName) {
      if (nodes.length < 2) continue;
      for (const n of nodes) {
        // A step's title is its ticket name, shared by design across branches (checkStepTitles): not checked here.
        if (n.kind === 'step' || reported.has(n.id)) continue;
        const staffTitle = n.title;
        const what = n.kind === 'ask' || n.kind === 'choice' ? 'question' : n.kind;
        const others = nodes.filter((o) => o !== n).map((o) => o.id);
        reported.add(n.id);
        out.push(
          staffTitle
            ? { ...lines.at(n.id, ['title']), message: `node ${n.id}: its title ${staffTitle} reads 「${name}」 (${l}) like ${others.join(', ')} on the review page: give it words of its own` }
            : { ...lines.at(n.id, ['say']), message: `${what} ${n.id} reads 「${name}」 (${l}) like ${others.join(', ')} on the review page: give it a title: (tree.${n.id}.title in every locale)` },
        );
      }
    }
  }
  return out;
}

function slotValues(tree: DialogTree, entityValues: Record<string, readonly string[]>): Map<string, ReadonlySet<string> | null> {
  const m = new Map<string, ReadonlySet<string> | null>();
  for (const [k, v] of Object.entries(entityValues)) m.set(k, new Set<string>(v));
  for (const k of FREE_SLOTS) m.set(k, null);
  for (const [k, v] of Object.entries(tree.slots)) m.set(k, new Set(v));
  return m;
}

function checkNode(node: DialogNode, slots: Map<string, ReadonlySet<string> | null>, locales: LoadedLocales, lines: Lines): Problem[] {
  const out: Problem[] = [];
  const at = (path: PropertyKey[]) => lines.at(node.id, path);
  const checkValues = (slot: string, values: string[], path: PropertyKey[], what: string, special: boolean) => {
    if (!slots.has(slot)) {
      out.push({ ...at(path), message: `node ${node.id}: ${what} uses unknown slot ${slot} (not an entity nor declared in slots:)` });
      return;
    }
    const allowed = slots.get(slot);
    if (!allowed) return;
    for (const v of values) {
      if (special && SPECIAL_VALUES.has(v)) continue;
      if (!allowed.has(v)) out.push({ ...at(path[path.length - 1] === 'value' ? path : [...path, slot]), message: `node ${node.id}: ${what} has unknown value ${v} for slot ${slot} (allowed: ${[...allowed].join(', ')})` });
    }
  };
  const checkCondition = (c: Condition | undefined, path: PropertyKey[]) => {
    for (const [slot, v] of Object.entries(c ?? {})) checkValues(slot, Array.isArray(v) ? v : [v], path, 'condition', true);
  };
  const checkSet = (set: Record<string, string> | undefined, path: PropertyKey[]) => {
    for (const [slot, v] of Object.entries(set ?? {})) checkValues(slot, [v], path, 'set', false);
  };

  checkCondition(node.when, ['when']);
  checkSet(node.set, ['set']);
  if (node.skip && !node.when) out.push({ ...at(['skip']), message: `node ${node.id}: skip without when is never used` });
  if (node.when && !node.skip && !('next' in node) && node.kind !== 'route') {
    out.push({ ...at(['when']), message: `node ${node.id}: when without skip, and a ${node.kind} node has no next to continue at` });
  }
  if (node.kind === 'route') node.cases.forEach((c, i) => checkCondition(c.when, ['cases', i, 'when']));
  // Every step answers 「パスワードってどこに入れるの？」 "how do I do that?" with its own help (repair help_at_step): without
  // one, a where-question got 「うまく読み取れませんでした」 and a how-question a general hint about the Settings app.
  if (node.kind === 'step' && !node.help) out.push({ ...at(['say']), message: `node ${node.id}: step has no help: "where do I do that?" or "how?" there has nothing to answer with` });

  if ('options' in node && node.options) {
    const seen = new Map<string, number>();
    node.options.forEach((o: DialogOption, i) => {
      const dup = seen.get(o.value);
      if (dup !== undefined) out.push({ ...at(['options', i, 'value']), message: `node ${node.id}: option value ${o.value} is used twice (options ${dup} and ${i})` });
      else seen.set(o.value, i);
      checkSet(o.set, ['options', i, 'set']);
      for (const [slot, v] of Object.entries(o.entities ?? {})) checkValues(slot, Array.isArray(v) ? v : [v], ['options', i, 'entities'], 'option entities', false);
      if (node.kind !== 'ask' && !o.next) out.push({ ...at(['options', i]), message: `node ${node.id}: option ${o.value} has no next (only ask options default to the node's next)` });
    });
  }
  if (node.kind === 'ask') {
    if (!slots.has(node.slot)) {
      out.push({ ...at(['slot']), message: `node ${node.id}: ask slot ${node.slot} is not an entity nor declared in slots:` });
    } else {
      node.options.forEach((o, i) => checkValues(node.slot, [o.value], ['options', i, 'value'], 'ask option', false));
    }
    node.narrows?.forEach((n, i) => {
      if (n.slot !== undefined && !slots.has(n.slot)) out.push({ ...at(['narrows', i, 'slot']), message: `node ${node.id}: narrows slot ${n.slot} is not an entity nor declared in slots:` });
    });
  }

  for (const { key, path } of keysOf(node)) {
    for (const l of LOCALES) {
      if (!locales.messages[l].has(key)) out.push({ ...at(path), message: `node ${node.id}: locale key ${key} missing in ${l}` });
    }
  }
  return out;
}

/**
 * Options that stand for a symptom (`symptom:`). A branch chosen by a button must have its symptom as one chosen by a
 * typed message: `symptom` names an error or topic intent with an entry; an option going straight into a symptom's
 * walk (its entry, or where the entry's routes lead by default) names that symptom; once the start menu names
 * symptoms, every option of it names one or leads to a menu whose options do (checked the same way, one level down at
 * a time) or to an ending.
 */
function checkSymptoms(tree: DialogTree, lines: Lines): Problem[] {
  const out: Problem[] = [];
  // The node a target really shows: through route defaults (and info nodes' `next` with `infos`), as the engine enters it.
  const landing = (id: string | undefined, infos = true): { node?: DialogNode; via: Set<string> } => {
    const via = new Set<string>();
    let node = id ? tree.nodes.get(id) : undefined;
    while (node && !via.has(node.id)) {
      via.add(node.id);
      if (node.kind === 'route') node = tree.nodes.get(node.default);
      else if (infos && node.kind === 'info') node = tree.nodes.get(node.next);
      else break;
    }
    return { node, via };
  };
  // The start of each symptom's walk: its entry and where the entry's routes lead by default (fetch_trigger → fetch_entry).
  // Info nodes are not followed: walks share their later nodes (the network questions).
  const walkOf = new Map<string, Intent>();
  for (const [intent, id] of Object.entries(tree.entries) as Array<[Intent, string | undefined]>) {
    for (const n of landing(id, false).via) if (!walkOf.has(n)) walkOf.set(n, intent);
  }
  const intoWalk = (id: string | undefined): Intent | undefined => {
    for (const n of landing(id, false).via) if (walkOf.has(n)) return walkOf.get(n);
    return undefined;
  };
  const targetOf = (node: DialogNode, o: DialogOption) => o.next ?? (node.kind === 'ask' ? node.next : undefined);
  for (const node of tree.nodes.values()) {
    if (!('options' in node) || !node.options) continue;
    node.options.forEach((o, i) => {
      if (o.symptom === undefined) return;
      const at = lines.at(node.id, ['options', i, 'symptom']);
      if (!SYMPTOM_INTENTS.has(o.symptom) || !tree.entries[o.symptom]) {
        out.push({ ...at, message: `node ${node.id}: option ${o.value} has symptom ${o.symptom}, which is no error or topic intent with an entry` });
        return;
      }
      const walk = intoWalk(targetOf(node, o));
      if (walk && walk !== o.symptom) out.push({ ...at, message: `node ${node.id}: option ${o.value} says symptom ${o.symptom} but leads into the walk of ${walk}` });
    });
  }
  // The menus: the start node, and the menus its symptom-less options lead to — once the start menu names symptoms.
  const start = tree.nodes.get(tree.start);
  const menus = start && 'options' in start && start.options?.some((o) => o.symptom) ? [tree.start] : [];
  const seen = new Set<string>();
  while (menus.length) {
    const id = menus.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = tree.nodes.get(id);
    if (!node || !('options' in node) || !node.options) continue;
    node.options.forEach((o, i) => {
      if (o.symptom) return;
      const target = landing(targetOf(node, o)).node;
      const walk = intoWalk(targetOf(node, o));
      if (walk) out.push({ ...lines.at(node.id, ['options', i]), message: `node ${node.id}: option ${o.value} leads into the walk of ${walk}: add symptom: ${walk}` });
      else if (target && 'options' in target && target.options?.some((x) => x.symptom)) menus.push(target.id);
      else if (id === tree.start && !(target && TERMINAL.has(target.kind))) out.push({ ...lines.at(node.id, ['options', i]), message: `node ${node.id}: option ${o.value} of the start menu names no symptom (symptom:) nor leads to a menu whose options do` });
    });
  }
  return out;
}

function walk(from: Iterable<string>, next: (id: string) => Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const n of next(id)) if (!seen.has(n)) stack.push(n);
  }
  return seen;
}

/**
 * Cycles made only of edges the engine follows in the same turn (info → next, route cases, skipped `when`,
 * an ask whose slot is filled). Slots do not change inside such a cycle except through `set`, so once entered
 * the engine would spin. One cycle per strongly connected component, in a stable order.
 */
function instantCycles(tree: DialogTree, edges: Map<string, Edge[]>): string[][] {
  const instant = (id: string) => (edges.get(id) ?? []).filter((e) => e.instant).map((e) => e.to);
  // Tarjan's SCC, iterative enough for a tree of a few hundred nodes.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of instant(v)) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || instant(v).includes(v)) sccs.push(comp);
    }
  };
  for (const id of [...tree.nodes.keys()].sort()) if (!idx.has(id)) strong(id);
  // Turn each component into one readable cycle starting at its first node (alphabetically).
  return sccs.map((comp) => {
    const inComp = new Set(comp);
    const start = [...comp].sort()[0] as string;
    const path = [start];
    const seen = new Set([start]);
    let cur = start;
    for (;;) {
      const nxt = instant(cur).filter((n) => inComp.has(n));
      const back = nxt.find((n) => n === start);
      if (back !== undefined && path.length > 1) break;
      const fresh = nxt.find((n) => !seen.has(n));
      if (fresh === undefined) break;
      path.push(fresh);
      seen.add(fresh);
      cur = fresh;
    }
    return path;
  });
}

// ───────────────────────────── the domain (domain.yaml) ─────────────────────────────

/** Words of a synonym as the NLU compares them (a regex is compared as written). */
function synonymKey(entry: string | { re: string }): string {
  return typeof entry === 'string' ? `w:${entry.normalize('NFKC').toLowerCase().trim()}` : `re:${entry.re}`;
}

/**
 * domain.yaml against the code and the other content: every intent and value this build's code knows is listed
 * (and nothing it does not — run `npm run build` after adding one), no synonym or typo word names two values,
 * an error string's intent exists, and every intent and carrier / service / device value has its name in ja and en.
 */
export function checkDomain(loaded: LoadedDomain, locales: LoadedLocales): Problem[] {
  const out: Problem[] = [];
  const domain = loaded.domain;
  if (!domain) return out;
  const at = (path: PropertyKey[], message: string) => out.push({ file: 'domain.yaml', line: loaded.lineOf(path), message });
  const intents = Object.keys(domain.intents);
  for (const intent of INTENTS) if (!intents.includes(intent)) at(['intents'], `intent ${intent} is missing (the code and the design's contract use it)`);
  for (const intent of intents) {
    if (!(INTENTS as readonly string[]).includes(intent)) at(['intents', intent], `intent ${intent} is new to this build: run \`npm run build\` to generate its type`);
    for (const l of LOCALES) if (!locales.messages[l].has(`ticket.intent.${intent}`)) at(['intents', intent], `intent ${intent} has no name ticket.intent.${intent} in locales/${l}`);
  }
  for (const [entity, values] of Object.entries(domain.entities)) {
    const known = ENTITY_VALUES[entity as keyof typeof ENTITY_VALUES] as readonly string[];
    for (const v of known) if (!(v in values)) at(['entities', entity], `${entity} value ${v} is missing (the code and the design's contract use it)`);
    const owner = new Map<string, string>();
    const typoOwner = new Map<string, string>();
    for (const [value, def] of Object.entries(values)) {
      if (!known.includes(value)) at(['entities', entity, value], `${entity} value ${value} is new to this build: run \`npm run build\` to generate its type`);
      if (['carrier', 'service', 'device'].includes(entity))
        for (const l of LOCALES) if (!locales.messages[l].has(`engine.value.${entity}.${value}`)) at(['entities', entity, value], `${entity} value ${value} has no name engine.value.${entity}.${value} in locales/${l}`);
      if (def.intent !== undefined && !intents.includes(def.intent)) at(['entities', entity, value, 'intent'], `${entity} value ${value}: unknown intent ${def.intent}`);
      def.synonyms.forEach((syn, i) => {
        const key = synonymKey(syn);
        const first = owner.get(key);
        if (first !== undefined && first !== value) at(['entities', entity, value, 'synonyms', i], `synonym ${JSON.stringify(typeof syn === 'string' ? syn : syn.re)} is under two ${entity} values: ${value} and ${first}`);
        else if (first === value) at(['entities', entity, value, 'synonyms', i], `synonym ${JSON.stringify(typeof syn === 'string' ? syn : syn.re)} is listed twice under ${value}`);
        owner.set(key, value);
      });
      (def.typos ?? []).forEach((word, i) => {
        const first = typoOwner.get(word);
        if (first !== undefined) at(['entities', entity, value, 'typos', i], `typo word ${word} is under two ${entity} values: ${value} and ${first}`);
        typoOwner.set(word, value);
      });
    }
  }
  return out;
}
