import { describe, expect, it } from 'vitest';
import { detectLocale, romajiAsKana, textLocale } from '../../src/nlu/locale.js';

describe('detectLocale() — the one language detector (NLU and engine)', () => {
  it('follows real text: kana or kanji is Japanese, English words are English', () => {
    expect(detectLocale('I cannot get my mail', 'ja', 'ja')).toBe('en');
    expect(detectLocale('メールが来ない', 'en', 'en')).toBe('ja');
    expect(detectLocale('ﾒｰﾙ', 'en', 'en')).toBe('ja');
  });

  it('keeps the language in use for "ok", emoji, brands and model numbers', () => {
    expect(detectLocale('ok', 'ja', 'en')).toBe('ja');
    expect(detectLocale('👍', 'ja', 'en')).toBe('ja');
    expect(detectLocale('iPhone 15', undefined, 'ja')).toBe('ja');
    expect(textLocale('docomo iOS 18.1')).toBeUndefined();
  });

  it('keeps the language in use for a code or password typed alone (letters glued to digits are not words)', () => {
    expect(detectLocale('Qz81hh2Lw', 'ja', 'ja')).toBe('ja');
    expect(detectLocale('SH51C AB12cd', 'ja', 'ja')).toBe('ja');
    expect(textLocale('abc123 is my password')).toBe('en');
  });

  it('keeps the language in use for an app password typed alone, spaced or hyphenated (rob-20)', () => {
    expect(detectLocale('abcd efgh ijkl mnop', 'ja', 'ja')).toBe('ja');
    expect(detectLocale('vbnm-qwer-tyui-zxcv', 'ja', 'ja')).toBe('ja');
    expect(textLocale('my app password is abcd efgh ijkl mnop')).toBe('en');
    expect(textLocale('when will this work')).toBe('en');
  });

  it('uses the fallback (the channel locale) on an ambiguous first turn, and reads "Hi" alone as English', () => {
    expect(detectLocale('ok', undefined, 'en')).toBe('en');
    expect(detectLocale('Hi', undefined, 'ja')).toBe('en');
  });
});

describe('brand words of domain.yaml', () => {
  it('say nothing about the language: 「povo」 alone keeps a Japanese conversation Japanese', () => {
    expect(detectLocale('povo', 'ja', 'ja')).toBe('ja');
    expect(detectLocale('LINEMO', 'ja', 'en')).toBe('ja');
    expect(detectLocale('I switched to povo', 'ja', 'ja')).toBe('en');
  });
});

describe('romaji Japanese (round 13)', () => {
  it('is Japanese and read in kana, brands kept as typed; a doubled a/e is a long vowel', () => {
    expect(romajiAsKana('meeru ga todokanai')).toBe('めーる が とどかない');
    expect(romajiAsKana('docomo no pasuwaado wo kaeta')).toBe('docomo の ぱすわーど を かえた');
    expect(romajiAsKana('mēru todokanai')).toBe('めーる とどかない');
    expect(detectLocale('meeru ga okurenai', undefined, 'en')).toBe('ja');
  });

  it('leaves English that happens to spell kana alone (no particle, no verb ending)', () => {
    for (const t of ['no one here', 'go to settings', 'ha ha', 'I can not get mail', 'are you sure', 'same time'])
      expect(romajiAsKana(t), t).toBeUndefined();
    expect(detectLocale('no one here', 'ja', 'ja')).toBe('en');
  });
});

describe('a conversation held in one language changes only on a sentence of the other (apps-34)', () => {
  it('keeps Japanese for a reply of device and app names in Latin letters', () => {
    expect(detectLocale('Android 13、Thunderbird', 'ja', 'ja')).toBe('ja');
    expect(detectLocale('Galaxy S23, K-9 Mail', 'ja', 'ja')).toBe('ja');
    expect(detectLocale('Thunderbird', 'ja', 'en')).toBe('ja');
    expect(detectLocale('Thanks!', 'ja', 'ja')).toBe('ja');
  });

  it('switches to English on an English sentence', () => {
    expect(detectLocale('still the same', 'ja', 'ja')).toBe('en');
    expect(detectLocale('I use Thunderbird on Android 13', 'ja', 'ja')).toBe('en');
    expect(detectLocale("it doesn't work", 'ja', 'ja')).toBe('en');
  });

  it('keeps English for an English sentence quoting Japanese error text, switches on Japanese typed alone', () => {
    expect(detectLocale('it says 「メールを取得できません」', 'en', 'en')).toBe('en');
    expect(detectLocale('はい', 'en', 'en')).toBe('ja');
    expect(detectLocale('meeru ga todokanai', 'en', 'en')).toBe('ja');
  });

  it('reads a first message by its own words, as before', () => {
    expect(detectLocale('Android 13、Thunderbird', undefined, 'ja')).toBe('en');
  });
});
