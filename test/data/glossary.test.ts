/** The glossary of dialogs/answers.yaml (act what_is → move explain): which terms a question names, and its lint. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, loadDialogs, loadLocales, packageRoot } from '../../src/data/load.js';
import { lintAll } from '../../src/data/lint.js';
import { glossaryTerms } from '../../src/dialog/answers.js';

const root = packageRoot();
const tree = loadDialogs(root).tree!;
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('glossary terms named in a question', () => {
  it('finds the term in Japanese, English, full-width and kana', () => {
    expect(glossaryTerms(tree, 'VPNってなに？')).toEqual(['vpn']);
    expect(glossaryTerms(tree, 'ＶＰＮってなんですか')).toEqual(['vpn']);
    expect(glossaryTerms(tree, 'what is imap?')).toEqual(['imap']);
    expect(glossaryTerms(tree, 'プッシュとフェッチって何が違うの')).toEqual(['push']);
    expect(glossaryTerms(tree, 'アプリ用パスワードってなに')).toEqual(['app_password']);
  });

  it('matches Latin words whole: "support" names no port, "reportedly" none either', () => {
    expect(glossaryTerms(tree, 'what does support mean')).toEqual([]);
    expect(glossaryTerms(tree, 'reportedly what is it')).toEqual([]);
    expect(glossaryTerms(tree, 'what port should I use')).toEqual(['port']);
  });

  it('every term is explained in every locale (the repository passes lint)', () => {
    const locales = loadLocales(root);
    for (const id of Object.keys(tree.answers!.glossary!)) {
      expect(locales.messages.ja.has(`tree.glossary.${id}`), id).toBe(true);
      expect(locales.messages.en.has(`tree.glossary.${id}`), id).toBe(true);
    }
  });
});

describe('lint on the glossary', () => {
  it('reports a term without an explanation and a word naming two terms', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-glossary-'));
    temps.push(dir);
    cpSync(join(root, 'test', 'fixtures', 'lint-ok'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'dialogs', 'answers.yaml'),
      ['defaults: {step: step}', 'groups:', '  step: {fixed: resolved, what_is: explain}', 'glossary:', '  vpn: {words: [VPN]}', '  proxy: {words: [proxy, vpn]}', ''].join('\n'),
    );
    const problems = (await lintAll(dir)).map(formatProblem);
    expect(problems).toContain('dialogs/answers.yaml:1: glossary term vpn has no explanation tree.glossary.vpn in locales/ja/tree.yaml');
    expect(problems).toContain('dialogs/answers.yaml:1: glossary word "vpn" names both vpn and proxy');
  });

  it('reports a term whose node: is no node of the tree (faq-36)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-glossary-'));
    temps.push(dir);
    cpSync(join(root, 'test', 'fixtures', 'lint-ok'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'dialogs', 'answers.yaml'),
      ['defaults: {step: step}', 'groups:', '  step: {fixed: resolved, what_is: explain}', 'glossary:', '  vpn: {words: [VPN], node: no_such_node}', ''].join('\n'),
    );
    const problems = (await lintAll(dir)).map(formatProblem);
    expect(problems).toContain('dialogs/answers.yaml:1: glossary term vpn: node no_such_node is not a node of the tree');
  });
});
