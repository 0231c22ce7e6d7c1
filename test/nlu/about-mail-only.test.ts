/**
 * An intent file's `about_mail_only` text (nlu-35): an error dialog pasted alone, with no word for mail, told to the domain
 * detector as "about mail" without training the intent model on it (src/nlu/engine.ts intentBags / domainExamples).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CLARIFY, trainClassifier, type OosRule } from '../../src/nlu/engine.js';
import { extractFeatures } from '../../src/nlu/features.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/nlu/model.js';
import { getTokenizer, type KuromojiTokenizer } from '../../src/nlu/tokenizer.js';
import type { LabelledText } from '../../src/nlu/corpus.js';

let tokenizer: KuromojiTokenizer;
beforeAll(async () => {
  tokenizer = await getTokenizer();
});

const rule: OosRule = { threshold: 0, margin: 0, rescue: 0.75, veto: 0.02, clarify: CLARIFY };
const base: LabelledText[] = [
  ...['メールが送れない', '送信できない', 'メールが送信エラーになる'].map((text) => ({ text, intent: 'error_send' as const, locale: 'ja' as const })),
  ...['パスワードが違うと出る', '認証に失敗しました', 'ログインできない'].map((text) => ({ text, intent: 'error_auth' as const, locale: 'ja' as const })),
  ...['今日の天気は', 'おすすめの映画', 'ラーメンが好き', '宛先を教えて'].map((text) => ({ text, intent: 'out_of_scope' as const, locale: 'ja' as const })),
];
const dialog = '「宛先のアドレスが存在しません」';
const extra: LabelledText = { text: dialog, intent: 'error_send', locale: 'ja', aboutMailOnly: true };
const opts = { ...DEFAULT_TRAIN_OPTIONS, orders: 1, keyed: true };
const train = (items: LabelledText[]) => trainClassifier(tokenizer, items, opts, () => {}, { temperature: 1, rule }).classifier;
const weights = (c: ReturnType<typeof train>) => [...c.model.weights];

describe('about_mail_only text', () => {
  it('leaves the intent model as it is', () => {
    expect(weights(train([...base, extra]))).toEqual(weights(train(base)));
  });

  it('is read by the domain detector as about mail', () => {
    const bag = extractFeatures(tokenizer, dialog);
    expect(train([...base, extra]).aboutMail(bag)).toBeGreaterThan(train(base).aboutMail(bag));
  });
});
