/** Locale keys written in code are checked by lint, whichever part of the code writes them. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyLiteralsIn, lintContent, loadRequiredKeys } from '../../src/data/lint.js';
import { packageRoot } from '../../src/data/load.js';

describe('locale keys used in code', () => {
  it('finds quoted keys of known namespaces and ignores comments, partial prefixes and other strings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-keys-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(
      join(dir, 'sub', 'a.ts'),
      [
        "reply(t('pipeline.not_a_real_key'));",
        "const k = `web.page.${name}`; const p = 'web.page.';",
        "// t('pipeline.in_line_comment')",
        "/* t('pipeline.in_block_comment') */",
        "import x from './engine.js'; const f = 'other.key';",
      ].join('\n'),
    );
    expect(keyLiteralsIn(dir, new Set(['pipeline', 'web']))).toEqual(['pipeline.not_a_real_key']);
  });

  it('covers keys of every part, not only the engine list', async () => {
    const keys = await loadRequiredKeys();
    for (const key of ['pipeline.busy', 'slack.chosen', 'teams.welcome', 'terminal.welcome', 'web.api.malformed_json', 'handoff.user.delivered']) {
      expect(keys).toContain(key);
    }
  });

  it('reports a key the code uses but no locale defines, naming it', () => {
    const report = lintContent(packageRoot(), ['pipeline.not_a_real_key']);
    expect(report.problems.map((p) => p.message).join('\n')).toMatch(/pipeline\.not_a_real_key/);
  });
});
