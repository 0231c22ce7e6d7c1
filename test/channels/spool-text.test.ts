/**
 * What the recovery spool writes to disk (spoolText): since lose-37 every Slack and Teams turn is on disk while its
 * answer is owed, so the shapes of password people type must be masked there too. Invented test lines (team-written),
 * in the forms of lose-37's brief.
 */
import { describe, expect, it } from 'vitest';
import { spoolText } from '../../src/channels/spool.js';

const CASES: Array<[string, string, 'ja' | 'en' | undefined]> = [
  ['パスワードはabc12345です', 'abc12345', 'ja'],
  ['pw: Xy9!kk22', 'Xy9!kk22', undefined],
  ["my app password is 'abcd efgh ijkl mnop'", 'abcd efgh ijkl mnop', 'en'],
  ['abcd efgh ijkl mnop', 'abcd', undefined],
  ['アプリ用パスワード abcd-efgh-ijkl-mnop で設定した', 'abcd-efgh', 'ja'],
];

describe('spoolText', () => {
  for (const [line, value, locale] of CASES) {
    it(`masks ${JSON.stringify(line)}`, () => {
      const out = spoolText(line, locale);
      expect(out).not.toContain(value);
      expect(out).toMatch(/伏字|redacted/);
    });
  }
});
