/**
 * Loaders for intents/, dialogs/ and locales/. Each returns the validated content plus the problems found,
 * as `file:line: message`, so `mailmedic lint` and start-up report the same thing.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { LOCALES, type Locale } from '../core/index.js';
import {
  DEFAULT_ANSWERS,
  DEFAULT_PATTERNS,
  answersFileSchema,
  type Answers,
  dialogFileSchema,
  domainFileSchema,
  actFileSchema,
  intentFileSchema,
  localeTreeSchema,
  patternsFileSchema,
  type ActFile,
  type DialogNode,
  type DialogTree,
  type DomainFile,
  type IntentFile,
  type LocaleTree,
  type Patterns,
} from './schemas.js';
import { packageRoot } from './root.js';

export { packageRoot };

export interface Problem {
  file: string;
  line: number;
  message: string;
}

export const formatProblem = (p: Problem) => `${p.file}:${p.line}: ${p.message}`;


interface ParsedYaml {
  file: string;
  value: unknown;
  /** Line (1-based) of a path inside the document, or 1. */
  lineOf(path: ReadonlyArray<PropertyKey>): number;
  problems: Problem[];
}

/** Parses one YAML file keeping positions. `file` is shown relative to `root`. */
export function parseYamlFile(path: string, root: string): ParsedYaml {
  const file = relative(root, path);
  const lineCounter = new LineCounter();
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const line = err.linePos?.[0]?.line ?? 1;
    problems.push(loadFailure({ file, line, message: `YAML: ${err.message.split('\n')[0]}` }));
  }
  const lineOf = (path: ReadonlyArray<PropertyKey>): number => {
    let node: unknown = doc.contents;
    let best = 1;
    const lineAt = (n: unknown) => {
      const range = (n as YamlNode | undefined)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    };
    best = lineAt(node) ?? best;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
        if (!pair) break;
        best = lineAt(pair.key) ?? best;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        best = lineAt(node) ?? best;
      } else break;
    }
    return best;
  };
  return { file, value: problems.length ? undefined : doc.toJS(), lineOf, problems };
}

/**
 * Problems that kept a file (or one entry of it) from loading: a YAML error or a schema error. Everything lint checks
 * after loading may only follow from them, so `mailmedic lint` prints these first (src/cli/commands/lint.ts).
 */
const loadFailures = new WeakSet<Problem>();
export const isLoadFailure = (p: Problem): boolean => loadFailures.has(p);
const loadFailure = (p: Problem): Problem => {
  loadFailures.add(p);
  return p;
};

type Issue = z.core.$ZodIssue;
/**
 * The issue where the mistake is: zod reports a bad key deep in a nested map (locale files) as "Invalid input" on the
 * map's first key, with the real cause inside a union branch. Unwraps unions (the branch that got furthest, not the
 * "expected a string" one) and record-key issues, joining the paths, so the line and the message name the key.
 */
function leafIssues(issue: Issue, prefix: PropertyKey[] = []): Array<{ path: PropertyKey[]; message: string }> {
  const path = [...prefix, ...(issue.path as PropertyKey[])];
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const depth = (branch: Issue[]) => Math.max(...branch.map((i) => i.path.length + (i.code === 'invalid_type' ? 0 : 1)));
    const best = [...issue.errors].filter((b) => b.length).sort((a, b) => depth(b) - depth(a))[0];
    if (best && depth(best) > 0) return best.flatMap((i) => leafIssues(i, path));
  }
  if (issue.code === 'invalid_key' && issue.issues.length) {
    return issue.issues.map((i) => ({ path, message: i.message }));
  }
  return [{ path, message: issue.message }];
}

/** `nodes.7.title` → `node dev_clock (nodes.7): title` when the entry has an id: the id is what people search for. */
function pathLabel(value: unknown, path: PropertyKey[]): string {
  const [list, index, ...rest] = path;
  const entry = typeof list === 'string' && typeof index === 'number' ? (value as Record<string, unknown[]> | undefined)?.[list]?.[index] : undefined;
  const id = (entry as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') return path.join('.');
  return `node ${id} (${String(list)}.${String(index)})${rest.length ? ` ${rest.map(String).join('.')}` : ''}`;
}

/** zod's "expected string, received undefined" is a field left out: say so. */
const plainMessage = (message: string) =>
  message.replace(/^Invalid input: expected (\w+), received undefined$/, 'missing (required: a $1)');

function zodProblems(parsed: ParsedYaml, error: z.ZodError): Problem[] {
  return error.issues.flatMap((top) =>
    leafIssues(top).map(({ path, message }) =>
      loadFailure({
        file: parsed.file,
        line: parsed.lineOf(path),
        message: `${path.length ? pathLabel(parsed.value, path) + ': ' : ''}${plainMessage(message)}`,
      }),
    ),
  );
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

// ───────────────────────────── intents ─────────────────────────────

export interface LoadedIntents {
  files: Array<IntentFile & { file: string; lineOfExample(i: number): number }>;
  problems: Problem[];
}

export function loadIntents(root = packageRoot()): LoadedIntents {
  return loadPhraseFiles(root, (locale) => join('intents', locale), intentFileSchema);
}

// ───────────────────────────── reply acts ─────────────────────────────

export interface LoadedActs {
  files: Array<ActFile & { file: string; lineOfExample(i: number): number }>;
  problems: Problem[];
}

/** intents/<locale>/acts/*.yaml: the phrases of the reply acts (domain.yaml `acts`). */
export function loadActs(root = packageRoot()): LoadedActs {
  return loadPhraseFiles(root, (locale) => join('intents', locale, 'acts'), actFileSchema, (path, data, parsed) =>
    basename(path).replace(/\.ya?ml$/, '') !== data.act
      ? [{ file: parsed.file, line: parsed.lineOf(['act']), message: `act ${data.act} in a file named ${basename(path)}` }]
      : [],
  );
}

/**
 * The phrase files of one kind (intents or reply acts) for every locale: parsed, schema-checked, each in the folder of
 * its own locale, plus what `check` finds; a file with problems is left out of `files`.
 */
function loadPhraseFiles<T extends { locale: string }>(
  root: string,
  dirOf: (locale: string) => string,
  schema: z.ZodType<T>,
  check: (path: string, data: T, parsed: ReturnType<typeof parseYamlFile>) => Problem[] = () => [],
): { files: Array<T & { file: string; lineOfExample(i: number): number }>; problems: Problem[] } {
  const out: { files: Array<T & { file: string; lineOfExample(i: number): number }>; problems: Problem[] } = { files: [], problems: [] };
  for (const locale of LOCALES) {
    const dir = dirOf(locale);
    for (const path of yamlFiles(join(root, dir))) {
      const parsed = parseYamlFile(path, root);
      out.problems.push(...parsed.problems);
      if (parsed.problems.length) continue;
      const r = schema.safeParse(parsed.value);
      if (!r.success) {
        out.problems.push(...zodProblems(parsed, r.error));
        continue;
      }
      if (r.data.locale !== locale) {
        out.problems.push({ file: parsed.file, line: parsed.lineOf(['locale']), message: `locale ${r.data.locale} in ${dir}/` });
      }
      out.problems.push(...check(path, r.data, parsed));
      out.files.push({ ...r.data, file: parsed.file, lineOfExample: (i) => parsed.lineOf(['examples', i]) });
    }
  }
  return out;
}

// ───────────────────────────── locales ─────────────────────────────

export type Messages = Record<Locale, Map<string, string>>;

export interface LoadedLocales {
  messages: Messages;
  /** locale → key → line, for lint. */
  lines: Record<Locale, Map<string, { file: string; line: number }>>;
  problems: Problem[];
}

function flatten(tree: LocaleTree, prefix: string, out: Map<string, string>, paths: Map<string, string[]>, path: string[]) {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') {
      out.set(key, v);
      paths.set(key, [...path, k]);
    } else flatten(v, key, out, paths, [...path, k]);
  }
}

/**
 * Reads locales/<locale>.yaml and every locales/<locale>/*.yaml (one part per area: engine, tree, handoff,
 * channels …), merged; a key defined twice is a problem.
 */
export function loadLocales(root = packageRoot()): LoadedLocales {
  const messages = { ja: new Map(), en: new Map() } as Messages;
  const lines = { ja: new Map(), en: new Map() } as LoadedLocales['lines'];
  const problems: Problem[] = [];
  for (const locale of LOCALES) {
    const single = join(root, 'locales', `${locale}.yaml`);
    const paths = [...(existsSync(single) ? [single] : []), ...yamlFiles(join(root, 'locales', locale))];
    if (paths.length === 0) {
      problems.push({ file: `locales/${locale}.yaml`, line: 1, message: 'missing locale file' });
      continue;
    }
    for (const path of paths) {
      const parsed = parseYamlFile(path, root);
      problems.push(...parsed.problems);
      if (parsed.problems.length) continue;
      const r = localeTreeSchema.safeParse(parsed.value ?? {});
      if (!r.success) {
        problems.push(...zodProblems(parsed, r.error));
        continue;
      }
      const flat = new Map<string, string>();
      const keyPaths = new Map<string, string[]>();
      flatten(r.data, '', flat, keyPaths, []);
      for (const [key, text] of flat) {
        const line = parsed.lineOf(keyPaths.get(key) ?? []);
        const first = lines[locale].get(key);
        if (first) {
          problems.push({ file: parsed.file, line, message: `locale key ${key} defined twice (first at ${first.file}:${first.line})` });
          continue;
        }
        messages[locale].set(key, text);
        lines[locale].set(key, { file: parsed.file, line });
      }
    }
  }
  return { messages, lines, problems };
}

// ───────────────────────────── dialogs ─────────────────────────────

/** dialogs/patterns.yaml: the repair rules (schema: patternsFileSchema). Every other dialogs/*.yaml holds nodes. */
export const PATTERNS_FILE = 'patterns.yaml';
/** dialogs/answers.yaml: the answer groups (schema: answersFileSchema). */
export const ANSWERS_FILE = 'answers.yaml';

export interface LoadedDialogs {
  tree?: DialogTree;
  problems: Problem[];
}

export function loadDialogs(root = packageRoot()): LoadedDialogs {
  const problems: Problem[] = [];
  const nodes = new Map<string, DialogNode>();
  const sources = new Map<string, { file: string; line: number }>();
  let start: string | undefined;
  let globals: DialogTree['globals'] | undefined;
  const slots: Record<string, string[]> = {};
  const facts: Record<string, Record<string, string>> = {};
  const factFixes: Record<string, Record<string, string[]>> = {};
  const factNarrows: Record<string, Record<string, Record<string, string>>> = {};
  const factSymptoms: Record<string, Record<string, string>> = {};
  const factQuestions: string[] = [];
  const entries: DialogTree['entries'] = {};
  const hash = createHash('sha256');
  let patterns: Patterns | undefined;
  let answers: Answers | undefined;
  for (const path of yamlFiles(join(root, 'dialogs'))) {
    const parsed = parseYamlFile(path, root);
    if (basename(path) === ANSWERS_FILE) {
      problems.push(...parsed.problems);
      if (parsed.problems.length) continue;
      hash.update(readFileSync(path));
      const r = answersFileSchema.safeParse(parsed.value);
      if (r.success) answers = r.data;
      else problems.push(...zodProblems(parsed, r.error));
      continue;
    }
    if (basename(path) === PATTERNS_FILE) {
      // The repair rules, not nodes: a file of its own shape.
      problems.push(...parsed.problems);
      if (parsed.problems.length) continue;
      hash.update(readFileSync(path));
      const r = patternsFileSchema.safeParse(parsed.value);
      if (r.success) patterns = r.data;
      else problems.push(...zodProblems(parsed, r.error));
      continue;
    }
    problems.push(...parsed.problems);
    if (parsed.problems.length) continue;
    hash.update(readFileSync(path));
    const r = dialogFileSchema.safeParse(parsed.value);
    if (!r.success) {
      problems.push(...zodProblems(parsed, r.error));
      continue;
    }
    const f = r.data;
    const once = (what: string, present: unknown, already: unknown) => {
      if (present !== undefined && already !== undefined)
        problems.push({ file: parsed.file, line: parsed.lineOf([what]), message: `${what} is defined in more than one dialog file` });
    };
    once('start', f.start, start);
    once('globals', f.globals, globals);
    start ??= f.start;
    globals ??= f.globals;
    for (const [k, v] of Object.entries(f.slots ?? {})) {
      if (slots[k]) problems.push({ file: parsed.file, line: parsed.lineOf(['slots', k]), message: `slot ${k} declared twice` });
      slots[k] = v;
    }
    for (const [k, v] of Object.entries(f.facts ?? {})) {
      if (facts[k]) problems.push({ file: parsed.file, line: parsed.lineOf(['facts', k]), message: `facts of slot ${k} declared twice` });
      facts[k] = v;
    }
    for (const [k, v] of Object.entries(f.fact_fixes ?? {})) {
      if (factFixes[k]) problems.push({ file: parsed.file, line: parsed.lineOf(['fact_fixes', k]), message: `fact_fixes of slot ${k} declared twice` });
      factFixes[k] = v;
    }
    for (const [k, v] of Object.entries(f.fact_narrows ?? {})) {
      if (factNarrows[k]) problems.push({ file: parsed.file, line: parsed.lineOf(['fact_narrows', k]), message: `fact_narrows of slot ${k} declared twice` });
      factNarrows[k] = v;
    }
    for (const [k, v] of Object.entries(f.fact_symptoms ?? {})) {
      if (factSymptoms[k]) problems.push({ file: parsed.file, line: parsed.lineOf(['fact_symptoms', k]), message: `fact_symptoms of slot ${k} declared twice` });
      factSymptoms[k] = v;
    }
    factQuestions.push(...(f.fact_questions ?? []));
    for (const [intent, node] of Object.entries(f.entries ?? {})) {
      const key = intent as keyof DialogTree['entries'];
      if (entries[key]) problems.push({ file: parsed.file, line: parsed.lineOf(['entries', intent]), message: `entry for ${intent} defined twice` });
      entries[key] = node;
    }
    f.nodes.forEach((n, i) => {
      const line = parsed.lineOf(['nodes', i]);
      if (nodes.has(n.id)) {
        const first = sources.get(n.id);
        problems.push({ file: parsed.file, line, message: `duplicate node id ${n.id} (first at ${first?.file}:${first?.line})` });
        return;
      }
      nodes.set(n.id, n);
      sources.set(n.id, { file: parsed.file, line });
    });
  }
  if (!start) problems.push({ file: 'dialogs/', line: 1, message: 'no dialog file defines `start`' });
  if (!globals) problems.push({ file: 'dialogs/', line: 1, message: 'no dialog file defines `globals`' });
  if (!start || !globals) return { problems };
  return {
    tree: { start, globals, slots, facts, factFixes, factNarrows, factSymptoms, factQuestions, entries, nodes, sources, version: hash.digest('hex').slice(0, 12), patterns: patterns ?? DEFAULT_PATTERNS, answers: answers ?? DEFAULT_ANSWERS },
    problems,
  };
}

// ───────────────────────────── the domain ─────────────────────────────

export interface LoadedDomain {
  domain?: DomainFile;
  /** Line of a path inside domain.yaml (for lint messages). */
  lineOf(path: ReadonlyArray<PropertyKey>): number;
  problems: Problem[];
}

/**
 * domain.yaml under `root`: intents with roles, entity values with their words (schema: domainFileSchema).
 * A content root without one (a lint fixture) has no domain of its own: callers fall back to this build's.
 */
export function loadDomain(root = packageRoot()): LoadedDomain {
  const path = join(root, 'domain.yaml');
  if (!existsSync(path)) return { lineOf: () => 1, problems: [] };
  const parsed = parseYamlFile(path, root);
  if (parsed.problems.length) return { lineOf: parsed.lineOf, problems: parsed.problems };
  const r = domainFileSchema.safeParse(parsed.value);
  if (!r.success) return { lineOf: parsed.lineOf, problems: zodProblems(parsed, r.error) };
  return { domain: r.data, lineOf: parsed.lineOf, problems: [] };
}
