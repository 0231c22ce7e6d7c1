/**
 * The domain as the NLU reads it at start-up: the words that name each entity value (domain.yaml). The build
 * leaves the parsed file in dist/nlu/domain.json with the hash of domain.yaml; when domain.yaml changed since
 * (a synonym added on the server), the YAML is parsed instead — so an edit takes effect on the next start,
 * without a build, and the usual start pays no YAML parser (a part of the 1 s cold-start budget).
 * The schema and cross-checks are `mailmedic lint`'s (src/data/lint.ts); here a value the code's generated types
 * do not know is refused, since the rest of the code could not handle it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CodedError, ENTITY_VALUES, ErrorCode } from '../core/index.js';
import { packageRoot } from '../data/root.js';

/** One word list entry: a synonym, or a regular expression with {L}/{R} for Latin word boundaries. */
export type DomainSynonym = string | { re: string };

export interface DomainValue {
  synonyms: DomainSynonym[];
  typos?: string[];
  intent?: string;
}

export type DomainEntity = keyof typeof ENTITY_VALUES;

export interface Domain {
  intents: Record<string, { role: string }>;
  entities: Record<DomainEntity, Record<string, DomainValue>>;
}

const cache = new Map<string, Domain>();

/** domain.yaml of `root` (default: this package), read once per process. */
export function readDomain(root = packageRoot()): Domain {
  let d = cache.get(root);
  if (!d) {
    d = load(root);
    cache.set(root, d);
  }
  return d;
}

function load(root: string): Domain {
  const source = readFileSync(join(root, 'domain.yaml'), 'utf8');
  const hash = createHash('sha256').update(source).digest('hex');
  const built = join(root, 'dist', 'nlu', 'domain.json');
  let domain: Domain | undefined;
  if (existsSync(built)) {
    const file = JSON.parse(readFileSync(built, 'utf8')) as { hash?: string; domain?: Domain };
    if (file.hash === hash) domain = file.domain;
  }
  // Loaded here only: the YAML parser is not needed when the build's copy is current.
  domain ??= (createRequire(import.meta.url)('yaml') as { parse(s: string): Domain }).parse(source);
  for (const entity of Object.keys(ENTITY_VALUES) as DomainEntity[]) {
    const known = new Set<string>(ENTITY_VALUES[entity]);
    for (const value of Object.keys(domain.entities?.[entity] ?? {}))
      if (!known.has(value)) throw new CodedError(ErrorCode.DataInvalid, `domain.yaml: ${entity} value ${value} is new since the build — run \`npm run build\``);
  }
  return domain;
}
