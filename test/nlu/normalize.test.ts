import { describe, expect, it } from 'vitest';
import { clip, commonSpellings, normalize, normalizeLight } from '../../src/nlu/normalize.js';

describe('normalize', () => {
  it.each([
    ['ﾄﾞｺﾓﾒｰﾙ', 'ドコモメール'],
    ['ＩＰｈｏｎｅ', 'iphone'],
    ['ＤＯＣＯＭＯ', 'docomo'],
    ['メ-ルが来ない', 'メールが来ない'],
    ['サーバーに接続', 'サーバに接続'],
    ['サーバに接続', 'サーバに接続'],
    ['できない〜', 'できない'],
    ['できない～～', 'できない'],
    ['できない~', 'できない'],
    ['お願いしまーす', 'お願いします'],
    ['すごーーーい', 'すごい'],
    ['ありがとう！！！', 'ありがとう!'],
    ['直った？？', '直った?'],
    ['ああああ', 'あ'],
    ['goood', 'good'],
    ['メール 取得 できません', 'メール取得できません'],
    ['  iPhone   mail  ', 'iphone mail'],
    ['ios 17.5', 'ios 17.5'],
  ])('%s → %s', (input, expected) => {
    expect(normalize(input)).toBe(expected);
  });

  it('keeps うーん (hesitation) apart from うん (yes) while still folding stretched vowels', () => {
    expect(normalize('うーん')).toBe('うーん');
    expect(normalize('うーーーん')).toBe('うーん');
    expect(normalize('うん')).toBe('うん');
    expect(normalize('お願いしまーす')).toBe('お願いします');
  });

  it('writes a lone hiragana stretched by ー in katakana (のー = ノー) instead of leaving a bare particle', () => {
    expect(normalize('のー')).toBe('ノー');
    expect(normalize('のーーー')).toBe('ノー');
    expect(normalize('へー、そうなんだ')).toBe('ヘー、そうなんだ');
    expect(normalize('できないのー')).toBe('できないの');
    expect(normalize('あのー')).toBe('あの');
  });

  it('keeps the words recognisable in the light form used by entity patterns', () => {
    expect(normalizeLight('ＩＭＡＰサーバーが応答しません')).toBe('imapサーバーが応答しません');
    expect(normalizeLight('できない〜')).toBe('できないー');
  });

  it('cuts long input without splitting a surrogate pair', () => {
    const s = 'a'.repeat(9) + '😀';
    expect(clip(s, 10)).toBe('a'.repeat(9));
    expect(clip('abc', 10)).toBe('abc');
  });
});

describe('commonSpellings (the features read typed forms in the desk spelling)', () => {
  it.each([
    ['stmp not sending', 'smtp not sending'],
    ['e-mails stuck', 'emails stuck'],
    ['never recieved it', 'never received it'],
    ['cant recive mail', 'cant receive mail'],
    ["i can't sent anything", "i can't send anything"],
    ['unable to sent', 'unable to send'],
    ['tfa is on', '2fa is on'],
    ['after turning on two-factor authentication', 'after turning on 2fa'],
    ['メールが受診できない', 'メールが受信できない'],
    ['メアドを変えた', 'メールアドレスを変えた'],
    ['メルアド', 'メールアドレス'],
    ['eメールが来ない', 'メールが来ない'],
    ['アイフォンで見れない', 'iphoneで見れない'],
    ['あいほんのメール', 'iphoneのメール'],
    ['どこもメールが来ない', 'ドコモメールが来ない'],
    ['ソフバンのメール', 'ソフトバンクのメール'],
  ])('%s → %s', (input, expected) => {
    expect(commonSpellings(normalize(input))).toBe(expected);
  });

  it('leaves the words it does not mean alone', () => {
    for (const s of ['どこも繋がらない', 'ソフトバンク', 'i sent it yesterday', 'it was sent', 'recent mail', 'receive', 'time-mail'])
      expect(commonSpellings(normalize(s))).toBe(normalize(s));
  });
});
