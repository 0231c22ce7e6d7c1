/**
 * Staff corrections as the files a person reviews before training: one definition for
 * `mailmedic transcripts export --corrections` and the /admin improvement page, so both produce the same bytes.
 * Phrases go into the held-in corpus (intents/<locale>/<intent>.yaml) only; a phrase of a held-out test set
 * (test/nlu/heldout, the held-out split of intents/real) is skipped, never trained.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { LOCALES } from '../core/index.js';
import { packageRoot } from '../data/root.js';
import { loadActs, loadIntents } from '../data/load.js';
import { heldoutData, phraseKey, realFirstMessages } from '../nlu/data.js';
import { correctionsToIntents, type CorrectionsResult } from './export.js';
import type { Annotation } from './types.js';

let heldoutCache: Set<string> | undefined;

/** Comparison keys of every held-out phrase this installation has (none when the test sets are not shipped). */
export function heldoutKeys(): Set<string> {
  if (heldoutCache) return heldoutCache;
  const keys = new Set<string>();
  try {
    for (const h of heldoutData()) keys.add(phraseKey(h.text));
  } catch {
    // No held-out files in this installation (the npm package does not ship test/).
  }
  try {
    for (const r of realFirstMessages()) if (r.split === 'heldout') keys.add(phraseKey(r.text));
  } catch {
    // No real corpus.
  }
  heldoutCache = keys;
  return keys;
}

/** What the training files looked like when they were last read: path, size and time of every YAML file. */
function trainingFilesStamp(): string {
  const root = packageRoot();
  const parts: string[] = [];
  for (const locale of LOCALES) {
    for (const dir of [join(root, 'intents', locale), join(root, 'intents', locale, 'acts')]) {
      let names: string[] = [];
      try {
        names = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
      } catch {
        continue;
      }
      for (const f of names) {
        const st = statSync(join(dir, f));
        parts.push(`${dir}/${f}:${st.size}:${st.mtimeMs}`);
      }
    }
  }
  return parts.join('\n');
}

let trainingCache: { stamp: string; intents: ReturnType<typeof loadIntents>['files']; acts: ReturnType<typeof loadActs>['files'] } | undefined;

/**
 * The training files, read again only when one changed: parsing them took 0.3–1.5 s of every /admin/improve request
 * (bench:admin), whatever the desk's size.
 */
function trainingFiles() {
  const stamp = trainingFilesStamp();
  if (trainingCache?.stamp !== stamp) trainingCache = { stamp, intents: loadIntents().files, acts: loadActs().files };
  return trainingCache;
}

/** The corrections as intents/ files, checked against the current training files and the held-out sets. */
export function corrections(annotations: Annotation[]): CorrectionsResult {
  const held = heldoutKeys();
  const { intents, acts } = trainingFiles();
  return correctionsToIntents(annotations, intents, { has: (text) => held.has(phraseKey(text)) }, acts);
}

/**
 * The files as one YAML stream (documents separated by `---`): what the CLI prints and the page downloads. Intent files
 * first (`intent:`), then reply-act files (`act:`, for intents/<locale>/acts/).
 */
export function correctionsYaml(result: CorrectionsResult): string {
  return [...result.files, ...result.actFiles].map((f) => stringify(f)).join('---\n');
}
