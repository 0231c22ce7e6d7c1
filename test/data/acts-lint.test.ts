/**
 * `mailmedic lint` on reply acts (issue 12): act phrases are checked like intent phrases (a duplicate, one phrase
 * under two acts, an act without phrases in one language), and a step whose accepted acts' phrases are its own
 * buttons' words meaning something else is flagged.
 */
import { describe, expect, it } from 'vitest';
import { loadActs, loadDialogs, loadLocales } from '../../src/data/load.js';
import { checkActs, checkAnswerGroups } from '../../src/data/lint.js';
import type { ActFile } from '../../src/data/schemas.js';

type Loaded = ReturnType<typeof loadActs>;
const file = (act: ActFile['act'], locale: 'ja' | 'en', examples: string[]): Loaded['files'][number] => ({
  act,
  locale,
  examples,
  file: `intents/${locale}/acts/${act}.yaml`,
  lineOfExample: (i) => i + 4,
});

describe('lint: reply acts', () => {
  it('passes the product content', () => {
    const acts = loadActs();
    expect(acts.problems).toEqual([]);
    expect(checkActs(acts, [...new Set(acts.files.map((f) => f.act))])).toEqual([]);
    expect(checkAnswerGroups(loadDialogs().tree!, acts, loadLocales())).toEqual([]);
  });

  it('reports a duplicate, a phrase under two acts and an act without phrases in one language', () => {
    const acts: Loaded = {
      problems: [],
      files: [file('fixed', 'ja', ['直った', '直った']), file('still_broken', 'ja', ['直った']), file('fixed', 'en', ['fixed'])],
    };
    const messages = checkActs(acts, ['fixed', 'still_broken']).map((p) => p.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/duplicate within act fixed/),
        expect.stringMatching(/under two acts: still_broken and fixed/),
        expect.stringMatching(/act still_broken has no phrases in en/),
      ]),
    );
  });

  it("flags a step whose accepted act's phrase is the words of a button meaning something else there", () => {
    const acts: Loaded = { problems: [], files: [file('fixed', 'ja', ['まだダメ'])] };
    const problems = checkAnswerGroups(loadDialogs().tree!, acts, loadLocales());
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.message).toMatch(/phrase "まだダメ" of act fixed \(resolved at .*\) is also the words of what means not_resolved there/);
  });
});
