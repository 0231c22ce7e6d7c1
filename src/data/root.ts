/**
 * Where the package lives. Kept apart from ./load.js so start-up code that only needs the path (the NLU model and
 * dictionary cache, the training-data hash) does not import the YAML and zod loaders (~130 ms of cold start).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodedError, ErrorCode } from '../core/index.js';

/** The package root (where intents/, dialogs/, locales/ live), found from this file, not the cwd. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'locales'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new CodedError(ErrorCode.DataInvalid, 'cannot find the package root (no locales/ next to package.json)');
}
