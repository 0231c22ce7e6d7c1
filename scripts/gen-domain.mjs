#!/usr/bin/env node
/**
 * domain.yaml → the code's view of it, run by `npm run build` before tsc:
 *  - src/core/domain.generated.ts: intent ids with their roles and the entity values, as `as const` data, so the
 *    TypeScript unions (Intent, Carrier …) follow the data. Committed; rewritten only when it changes.
 *    `--check` exits 1 when it is out of date (test/data/domain.test.ts runs it).
 *  - dist/nlu/domain.json: the parsed domain with the hash of domain.yaml, so the NLU reads synonyms at start-up
 *    without loading a YAML parser (src/nlu/domain.ts falls back to domain.yaml when the hash differs).
 * Validation with line numbers is `mailmedic lint`'s job; this script only refuses a file it cannot read.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const q = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const lines = [
  '/**',
  ' * GENERATED from domain.yaml by scripts/gen-domain.mjs (`npm run build`) — do not edit; edit domain.yaml.',
  ' * test/data/domain.test.ts fails when this file is out of date with domain.yaml.',
  ' */',
  '',
  '/** Intent id → role (domain.yaml `intents`). */',
  'export const INTENT_ROLE = {',
  ...Object.entries(domain.intents).map(([id, v]) => `  ${id}: ${q(v?.role)},`),
  '} as const;',
  '',
  '/** Entity values (domain.yaml `entities`), in the order they are tried. */',
  'export const ENTITY_VALUES = {',
  ...Object.entries(domain.entities).map(([entity, values]) => `  ${entity}: [${Object.keys(values ?? {}).map(q).join(', ')}],`),
  '} as const;',
  '',
];
const generated = lines.join('\n');
const target = join(root, 'src', 'core', 'domain.generated.ts');
const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
if (check) {
  if (current !== generated) {
    console.error('src/core/domain.generated.ts is out of date with domain.yaml: run `npm run build` (or node scripts/gen-domain.mjs)');
    process.exit(1);
  }
  process.exit(0);
}
if (current !== generated) writeFileSync(target, generated);
const hash = createHash('sha256').update(source).digest('hex');
mkdirSync(join(root, 'dist', 'nlu'), { recursive: true });
writeFileSync(join(root, 'dist', 'nlu', 'domain.json'), JSON.stringify({ hash, domain }));
