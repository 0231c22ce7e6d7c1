/**
 * The eval row "first answer of the bot" (src/nlu/eval/first-turn.ts): one first turn through the real dialog engine with
 * the built NLU, and whether the bot answers with the out-of-scope reply.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDialogs, loadLocales } from '../../src/data/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { answeredOutOfScope, firstAnswer, isWrongWalk, scoreFirstTurns } from '../../src/nlu/eval/first-turn.js';
import { CLARIFY } from '../../src/nlu/engine.js';
import { createNlu, type LoadedNlu } from '../../src/nlu/index.js';

let nlu: LoadedNlu;
beforeAll(async () => {
  nlu = await createNlu();
});
const { tree } = loadDialogs();
const i18n = createI18n(loadLocales().messages);

describe('answeredOutOfScope()', () => {
  it('a message about mail that names no symptom is asked about, not told the bot only does mail', () => {
    const text = 'メールについて質問があります';
    expect(answeredOutOfScope(nlu.classifier, tree!, i18n, text, 'ja')).toBe(false);
  });

  it('far off-topic text gets the out-of-scope reply, in both languages', () => {
    expect(answeredOutOfScope(nlu.classifier, tree!, i18n, '明日の東京の天気を教えて', 'ja')).toBe(true);
    expect(answeredOutOfScope(nlu.classifier, tree!, i18n, 'what is the capital of France?', 'en')).toBe(true);
  });

  it('counts in-domain and off-topic lines apart', () => {
    const r = scoreFirstTurns(nlu.classifier, tree!, i18n, [
      { text: 'iPhoneでメールが届かない', intent: 'mail_not_arriving', locale: 'ja' },
      { text: '明日の東京の天気を教えて', intent: 'out_of_scope', locale: 'ja' },
    ]);
    expect(r.inDomainOos).toMatchObject({ correct: 0, total: 1 });
    expect(r.offTopicOos).toMatchObject({ correct: 1, total: 1 });
  });
});

describe('the two-stage fallback before a walk (round 25: OosRule.clarify)', () => {
  it('the built model carries the rule per language (data in dist/nlu/model.json, set from CLARIFY)', () => {
    expect(nlu.classifier.oos.clarify).toEqual(CLARIFY);
  });

  it('a hand-written message split between two symptoms is asked about: likeliest first, then by probability', () => {
    const text = 'メールが届いたり届かなかったり、送信もできない';
    const r = nlu.analyse(text, 'ja');
    const symptoms = r.ranking.filter((x) => r.clarify!.includes(x.intent)).map((x) => x.intent);
    expect(r.clarify![0]).toBe(r.intent);
    expect(r.clarify).toEqual(symptoms);
    const seen = firstAnswer(nlu.classifier, tree!, i18n, text, 'ja', 'error_send');
    expect(seen.kind).toBe('clarify');
    expect(seen.offered).toEqual(r.clarify);
  });

  it('counts a wrong walk: walked into another node than the gold symptom reaches', () => {
    const text = 'ドコモメールが送れない';
    expect(isWrongWalk(firstAnswer(nlu.classifier, tree!, i18n, text, 'ja', 'error_send'))).toBe(false);
    expect(isWrongWalk(firstAnswer(nlu.classifier, tree!, i18n, text, 'ja', 'howto_backup'))).toBe(true);
    expect(isWrongWalk({ kind: 'clarify', offered: ['error_send', 'mail_not_arriving'], node: null })).toBe(false);
  });
});
