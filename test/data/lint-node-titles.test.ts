/**
 * Round 36 (staff-36): the review page names a node by its `title:`, else by the first words of its `say`, so two questions
 * that start alike (nine device questions 「お使いの端末を教えてください…」) read as one row. Lint wants a `title:` on each,
 * and a title that reads like another node's name is refused (a copy of the clean lint fixture, one question added).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, packageRoot } from '../../src/data/load.js';
import { lintAll } from '../../src/data/lint.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mm-lint-node-titles-'));
  cpSync(join(packageRoot(), 'test', 'fixtures', 'lint-ok'), dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Adds `menu_again` (a second menu with the same text, reached from the menu), with `title` and its texts when given. */
function addSecondMenu(title?: { ja: string; en: string }): void {
  const main = join(dir, 'dialogs', 'main.yaml');
  const text = readFileSync(main, 'utf8')
    .replace('      - { value: bye, label: tree.opt.bye, next: end }\n', '      - { value: bye, label: tree.opt.bye, next: end }\n      - { value: again, label: tree.opt.bye, next: menu_again }\n')
    .replace(
      '  - id: auth_step\n',
      `  - id: menu_again\n    kind: choice\n    say: tree.menu.say\n${title ? '    title: tree.menu_again.title\n' : ''}    options:\n      - { value: auth, label: tree.opt.auth, next: auth_step, symptom: error_auth }\n      - { value: bye, label: tree.opt.bye, next: end }\n  - id: auth_step\n`,
    );
  writeFileSync(main, text);
  if (!title) return;
  for (const l of ['ja', 'en'] as const) {
    const file = join(dir, 'locales', l, 'tree.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('tree:\n', `tree:\n  menu_again:\n    title: "${title[l]}"\n`));
  }
}

describe('lint: questions the review page would name alike', () => {
  it('wants a title on two questions whose text starts alike', async () => {
    addSecondMenu();
    const problems = (await lintAll(dir)).map(formatProblem);
    expect(problems).toEqual([
      'dialogs/main.yaml:11: question menu reads 「ja menu」 (ja) like menu_again on the review page: give it a title: (tree.menu.title in every locale)',
      'dialogs/main.yaml:18: question menu_again reads 「ja menu」 (ja) like menu on the review page: give it a title: (tree.menu_again.title in every locale)',
    ]);
  });

  it('refuses a title that reads like another node, and accepts one of its own', async () => {
    addSecondMenu({ ja: 'ja menu', en: 'en menu' });
    expect((await lintAll(dir)).map(formatProblem).filter((p) => p.includes('its title'))).toEqual([
      expect.stringMatching(/^dialogs\/main\.yaml:\d+: node menu_again: its title tree\.menu_again\.title reads 「ja menu」 \(ja\) like menu on the review page: give it words of its own$/),
    ]);
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(packageRoot(), 'test', 'fixtures', 'lint-ok'), dir, { recursive: true });
    addSecondMenu({ ja: 'ja menu (again)', en: 'en menu (again)' });
    expect((await lintAll(dir)).map(formatProblem)).toEqual([]);
  });

  it('wants a title on two info or end nodes that say the same (round 37)', async () => {
    // A second end saying tree.end.say (「ご利用ありがとうございました。」 was the text of two ends in the tree: prevention_end, end).
    const main = join(dir, 'dialogs', 'main.yaml');
    const text = readFileSync(main, 'utf8');
    const end = /\n  - id: end\n    kind: end\n    say: tree\.end\.say\n/.exec(text);
    expect(end).not.toBeNull();
    writeFileSync(main, text.replace('      - { value: bye, label: tree.opt.bye, next: end }\n', '      - { value: bye, label: tree.opt.bye, next: end_again }\n') + '  - id: end_again\n    kind: end\n    say: tree.end.say\n');
    expect((await lintAll(dir)).map(formatProblem)).toEqual([
      expect.stringMatching(/^dialogs\/main\.yaml:\d+: end end reads 「[^」]*」 \(ja\) like end_again on the review page: give it a title: \(tree\.end\.title in every locale\)$/),
      expect.stringMatching(/^dialogs\/main\.yaml:\d+: end end_again reads 「[^」]*」 \(ja\) like end on the review page: give it a title: \(tree\.end_again\.title in every locale\)$/),
    ]);
  });
});
