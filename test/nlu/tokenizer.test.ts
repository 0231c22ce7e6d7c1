import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { baseForms, getTokenizer, kuromojiDictPath } from '../../src/nlu/tokenizer.js';

describe('tokenizer', () => {
  it('gives dictionary forms so polite and plain negatives meet', async () => {
    const t = await getTokenizer();
    expect(baseForms(t, '繋がりません')).toContain('繋がる');
    expect(baseForms(t, '繋がらない')).toContain('繋がる');
    expect(baseForms(t, '受信できませんでした')).toContain('できる');
  });

  it('is built once and shared', async () => {
    expect(getTokenizer()).toBe(getTokenizer());
    expect(await getTokenizer()).toBe(await getTokenizer());
  });

  it('tokenises exactly like kuromoji’s own builder', async () => {
    const kuromoji = createRequire(import.meta.url)('kuromoji') as typeof import('kuromoji');
    const reference = await new Promise<import('kuromoji').Tokenizer<import('kuromoji').IpadicFeatures>>((resolve, reject) =>
      kuromoji.builder({ dicPath: kuromojiDictPath() }).build((err, tok) => (err ? reject(err) : resolve(tok))),
    );
    const ours = await getTokenizer();
    for (const s of ['iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる', 'ｱｲﾌｫﾝ壊れたｗｗ', 'auのプロファイルを入れ直したい']) {
      expect(ours.tokenize(s)).toEqual(reference.tokenize(s));
    }
  });

  it('caps huge input and survives control characters and lone surrogates', async () => {
    const t = await getTokenizer();
    expect(baseForms(t, 'メール'.repeat(40_000)).length).toBeLessThanOrEqual(2000);
    expect(() => baseForms(t, '\u0000\u0001\ud800abc\udfff\ufffd')).not.toThrow();
  });
});
