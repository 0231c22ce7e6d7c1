import { beforeAll, describe, expect, it } from 'vitest';
import { extractFeatures, kanaOf } from '../../src/nlu/features.js';
import { normalize } from '../../src/nlu/normalize.js';
import { getTokenizer, type KuromojiTokenizer } from '../../src/nlu/tokenizer.js';

let tokenizer: KuromojiTokenizer;
beforeAll(async () => {
  tokenizer = await getTokenizer();
});

const shared = (a: string, b: string) => {
  const x = new Set(extractFeatures(tokenizer, a).ids);
  return extractFeatures(tokenizer, b).ids.filter((id) => x.has(id)).length;
};

describe('katakana words typed in hiragana (kuromoji dictionary, no word list)', () => {
  it.each([
    ['めーるがこない', 'メールがこない'],
    ['あいほんでどこもめーるがえらー', 'あいほんでどこもメールがエラ'],
    ['さーばーにつながらない', 'サーバにつながらない'],
  ])('%s → %s', (input, expected) => {
    expect(normalize(input, kanaOf(tokenizer))).toBe(expected);
  });

  it('leaves stretched vowels in hiragana words alone (しまーす, すごーい)', () => {
    expect(normalize('お願いしまーす', kanaOf(tokenizer))).toBe('お願いします');
    expect(normalize('すごーい', kanaOf(tokenizer))).toBe('すごい');
  });
});

describe('readings are features on both sides', () => {
  it('「メール コナイ」 and 「めーるがこない」 share more features with 「メールが来ない」 than with an unrelated line', () => {
    for (const typed of ['メール コナイ', 'めーるがこない']) {
      expect(shared('メールが来ない', typed)).toBeGreaterThan(shared('今日は天気がいいですね', typed) + 4);
    }
  });
});
