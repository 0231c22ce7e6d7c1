/**
 * What a maintainer reads when one small edit breaks the content (docs-35): the line names the file, the line, the
 * node or key, and what is wrong — not zod's "Invalid input" on the file's first key — and `mailmedic lint` prints the
 * problems that kept a file from loading first, saying the rest may only follow from them.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatProblem, packageRoot } from '../../src/data/load.js';
import { lintAll } from '../../src/data/lint.js';

const root = packageRoot();
const cli = join(root, 'dist', 'cli', 'main.js');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of the clean lint fixture with one edit. */
function fixtureWith(file: string, from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-lint-msg-'));
  dirs.push(dir);
  cpSync(join(root, 'test', 'fixtures', 'lint-ok'), dir, { recursive: true });
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
  return dir;
}

describe('lint messages name the key or node that is wrong', () => {
  it('a locale key that is not lower_snake_case is named at its own line, not "tree: Invalid input" at line 1', async () => {
    const dir = fixtureWith('locales/en/tree.yaml', '  auth_step:\n', '  authStep:\n');
    const lines = (await lintAll(dir)).map(formatProblem);
    expect(lines).toContain('locales/en/tree.yaml:4: tree.authStep: locale keys are lower_snake_case');
    expect(lines.join('\n')).not.toContain('Invalid input');
  });

  it('a mistyped field of a node names the node by its id and says a required field is missing', async () => {
    const dir = fixtureWith('dialogs/main.yaml', '    title: tree.auth_step.title\n', '    titel: tree.auth_step.title\n');
    const lines = (await lintAll(dir)).map(formatProblem);
    expect(lines).toContain('dialogs/main.yaml:15: node auth_step (nodes.1): Unrecognized key: "titel"');
    expect(lines).toContain('dialogs/main.yaml:15: node auth_step (nodes.1) title: missing (required: a string)');
  });
});

describe('mailmedic lint (spawned) puts what kept a file from loading first', () => {
  it('prints the load failure first and says the other problems may only follow from it', () => {
    const dir = fixtureWith('locales/en/tree.yaml', '  auth_step:\n', '  authStep:\n');
    const r = spawnSync(process.execPath, [cli, 'lint', '--root', dir], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(1);
    const out = r.stdout.trimEnd().split('\n');
    expect(out.length).toBeGreaterThan(1);
    expect(out[0]).toBe('locales/en/tree.yaml:4: tree.authStep: locale keys are lower_snake_case');
    expect(r.stderr).toContain(`the first 1 kept a file or an entry from loading (YAML or schema); the other ${out.length - 1} may only follow from them`);
  });
});

describe('mailmedic graph piped into head (as the README how-to suggests)', () => {
  it('stops quietly when the reader closes the pipe: exit 0, no EPIPE stack trace', () => {
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" graph --locale ja | head -1; exit \${PIPESTATUS[0]}`], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('flowchart TD\n');
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.status).toBe(0);
  });
});
