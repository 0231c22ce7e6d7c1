#!/usr/bin/env node
/**
 * Content → the code's types, run by `npm run build` (and `npm run typecheck`) before tsc.
 *
 * domain.yaml → the code's view of it:
 *  - src/core/domain.generated.ts: intent ids with their roles and the entity values, as `as const` data, so the
 *    TypeScript unions (Intent, Carrier …) follow the data. Committed; rewritten only when it changes.
 *    `--check` exits 1 when it is out of date (test/data/domain.test.ts runs it).
 *  - dist/nlu/domain.json: the parsed domain with the hash of domain.yaml, so the NLU reads synonyms at start-up
 *    without loading a YAML parser (src/nlu/domain.ts falls back to domain.yaml when the hash differs).
 *
 * locales/ja/*.yaml → src/i18n/keys.generated.ts: `LocaleKey`, the union of every locale key, so a mistyped key in
 * code is a compile error (ja and en having the same keys is lint's check). Not committed (.gitignore): types only,
 * nothing imports it at run time, and content helpers add keys all the time.
 *
 * Validation with line numbers is `mailmedic lint`'s job; this script only refuses a file it cannot read.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const source = readFileSync(join(root, 'domain.yaml'), 'utf8');
const domain = parse(source);
if (!domain || typeof domain.intents !== 'object' || typeof domain.entities !== 'object') {
  console.error('domain.yaml: expected `intents:` and `entities:` maps (run `mailmedic lint` for details)');
  process.exit(1);
}

/** Latin-letter names of domain.yaml's devices: a value id, a plain synonym, or a pattern that is only `{L}name{R}`. */
function deviceNames() {
  const names = new Set();
  for (const [id, value] of Object.entries(domain.entities.device ?? {})) {
    for (const s of [id, ...(value?.synonyms ?? []), ...(value?.typos ?? [])]) {
      const text = typeof s === 'string' ? s : typeof s?.re === 'string' ? s.re.replace(/^\{L\}|\{R\}$/g, '') : '';
      if (/^[a-z]{3,}$/i.test(text)) names.add(text.toLowerCase());
    }
  }
  return [...names].sort((a, b) => b.length - a.length || a.localeCompare(b));
}

/**
 * Names written in katakana among domain.yaml's entity values (devices, services, carriers …: 「アンドロイド」, 「ドコモ」),
 * from plain synonyms only. src/core/redact.ts keeps a katakana word starting with one as a name, not a password.
 */
function kanaNames() {
  const names = new Set();
  for (const values of Object.values(domain.entities)) {
    for (const value of Object.values(values ?? {})) {
      for (const s of [...(value?.synonyms ?? []), ...(value?.typos ?? [])]) if (typeof s === 'string' && /^[ァ-ヺー]{2,}$/.test(s)) names.add(s);
    }
  }
  return [...names].sort((a, b) => b.length - a.length || a.localeCompare(b));
}

const q = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const lines = [
  '/**',
  ' * GENERATED from domain.yaml by scripts/gen-types.mjs (`npm run build`) — do not edit; edit domain.yaml.',
  ' * test/data/domain.test.ts fails when this file is out of date with domain.yaml.',
  ' */',
  '',
  '/** Intent id → role (domain.yaml `intents`). */',
  'export const INTENT_ROLE = {',
  ...Object.entries(domain.intents).map(([id, v]) => `  ${id}: ${q(v?.role)},`),
  '} as const;',
  '',
  '/** Reply act id → what it stands for (domain.yaml `acts`). */',
  'export const ACT_DEFS = {',
  ...Object.entries(domain.acts ?? {}).map(([id, v]) => `  ${id}: { intent: ${v?.intent ? q(v.intent) : 'undefined'}, anywhere: ${v?.anywhere === true} },`),
  '} as const;',
  '',
  '/** Entity values (domain.yaml `entities`), in the order they are tried. */',
  'export const ENTITY_VALUES = {',
  ...Object.entries(domain.entities).map(([entity, values]) => `  ${entity}: [${Object.keys(values ?? {}).map(q).join(', ')}],`),
  '} as const;',
  '',
  '/**',
  ' * Device names spelled in Latin letters (domain.yaml `entities.device`: the value ids, plain synonyms and `{L}name`',
  ' * patterns), lower case, longest first. src/core/redact.ts keeps a lone "MacBook2020" or "Redmi12C" as a model.',
  ' */',
  `export const DEVICE_NAMES = [${deviceNames().map(q).join(', ')}] as const;`,
  '',
  '/**',
  ' * Names in katakana among the entity values (domain.yaml `entities`, plain synonyms), longest first. src/core/redact.ts',
  ' * keeps 「新しいのはアンドロイドです」: a name, not a password.',
  ' */',
  `export const KANA_NAMES = [${kanaNames().map(q).join(', ')}] as const;`,
  '',
];
const generated = lines.join('\n');
const target = join(root, 'src', 'core', 'domain.generated.ts');
const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
if (check) {
  if (current !== generated) {
    console.error('src/core/domain.generated.ts is out of date with domain.yaml: run `npm run build` (or node scripts/gen-types.mjs)');
    process.exit(1);
  }
  process.exit(0);
}
if (current !== generated) writeFileSync(target, generated);

// ── locale keys ──
const keys = new Set();
const flatten = (node, prefix) => {
  for (const [k, v] of Object.entries(node ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object') flatten(v, key);
    else keys.add(key);
  }
};
const jaDir = join(root, 'locales', 'ja');
const jaFiles = [join(root, 'locales', 'ja.yaml'), ...(existsSync(jaDir) ? readdirSync(jaDir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(jaDir, f)) : [])];
for (const f of jaFiles) if (existsSync(f)) flatten(parse(readFileSync(f, 'utf8')), '');
const keysFile = [
  '// GENERATED from locales/ja by scripts/gen-types.mjs (`npm run build`, `npm run typecheck`) — do not edit, not committed.',
  '',
  '/** Every locale key of locales/ja (en has the same keys: `mailmedic lint`). */',
  'export type LocaleKey =',
  ...[...keys].sort().map((k) => `  | ${q(k)}`),
  '  ;',
  '',
].join('\n');
const keysTarget = join(root, 'src', 'i18n', 'keys.generated.ts');
if (!existsSync(keysTarget) || readFileSync(keysTarget, 'utf8') !== keysFile) writeFileSync(keysTarget, keysFile);
const hash = createHash('sha256').update(source).digest('hex');
mkdirSync(join(root, 'dist', 'nlu'), { recursive: true });
writeFileSync(join(root, 'dist', 'nlu', 'domain.json'), JSON.stringify({ hash, domain }));
