import { beforeAll, describe, expect, it } from 'vitest';
import { heldoutData } from '../../src/nlu/data.js';
import { GUIDE_ERROR_STRINGS } from '../../src/nlu/eval/guide.js';
import { score, type Report } from '../../src/nlu/eval/score.js';
import { createNlu, type LoadedNlu } from '../../src/nlu/index.js';

// The model `npm run build` wrote (or, when missing/stale, one trained here from the same data).
let nlu: LoadedNlu;
let report: Report;

beforeAll(async () => {
  nlu = await createNlu();
  const items = heldoutData();
  report = score(items.map((item) => {
    const r = nlu.analyse(item.text);
    return { item, intent: r.intent, entities: r.entities };
  }));
});

describe('classifier on the held-out split (floors of issue 2)', () => {
  it('classifies ≥ 95 % of the Japanese held-out phrases right', () => {
    expect(report.accuracy.ja.total).toBeGreaterThan(100);
    expect(report.accuracy.ja.value).toBeGreaterThanOrEqual(0.95);
  });

  it('classifies ≥ 90 % of the English held-out phrases right', () => {
    expect(report.accuracy.en.total).toBeGreaterThan(50);
    expect(report.accuracy.en.value).toBeGreaterThanOrEqual(0.9);
  });

  it('puts ≥ 95 % of far off-topic text out of scope', () => {
    expect(report.oosRecall.far.total).toBeGreaterThan(500);
    expect(report.oosRecall.far.value).toBeGreaterThanOrEqual(0.95);
  });

  it('puts ≥ 60 % of near-domain off-topic requests out of scope', () => {
    expect(report.oosRecall.near.total).toBeGreaterThan(10);
    expect(report.oosRecall.near.value).toBeGreaterThanOrEqual(0.6);
  });

  it('extracts the expected entities exactly for ≥ 95 % of held-out phrases', () => {
    expect(report.entityExact.total).toBeGreaterThan(100);
    expect(report.entityExact.value).toBeGreaterThanOrEqual(0.95);
  });

  it.each(GUIDE_ERROR_STRINGS.map((g) => [g.text, g.intent] as const))('lands the guide string %s on %s', (text, intent) => {
    expect(nlu.analyse(text).intent).toBe(intent);
  });
});

describe('analyse', () => {
  it('answers empty text with out_of_scope and confidence 0', () => {
    expect(nlu.analyse('')).toMatchObject({ intent: 'out_of_scope', confidence: 0, entities: {} });
    expect(nlu.analyse('   ')).toMatchObject({ intent: 'out_of_scope', confidence: 0 });
  });

  it('puts emoji-only and binary junk out of scope', () => {
    expect(nlu.analyse('😀😀🙏').intent).toBe('out_of_scope');
    expect(nlu.analyse('\u0000\u0001\u0002\ufffd\ufffd\u0003x\ufffd').intent).toBe('out_of_scope');
  });

  it('answers a 100 KB message without throwing', () => {
    const r = nlu.analyse('メールが届かない'.repeat(12_500));
    expect(r.intent).toBeTypeOf('string');
    expect(r.confidence).toBeGreaterThanOrEqual(0);
    expect(r.confidence).toBeLessThanOrEqual(1);
  });

  it('guesses the locale from the script, and uses the hint when there are no words', () => {
    expect(nlu.analyse('メールが届かない').locale).toBe('ja');
    expect(nlu.analyse('my mail stopped arriving').locale).toBe('en');
    expect(nlu.analyse('👍', 'en').locale).toBe('en');
    expect(nlu.analyse('👍', 'ja').locale).toBe('ja');
  });

  it('returns a calibrated confidence and a ranking best first', () => {
    const r = nlu.analyse('担当者と話したい');
    expect(r.intent).toBe('request_human');
    expect(r.ranking[0]!.intent).toBe('request_human');
    const confs = r.ranking.map((x) => x.confidence);
    expect([...confs].sort((a, b) => b - a)).toEqual(confs);
    expect(r.confidence).toBeGreaterThan(0.5);
  });

  it('fills entities from the same message', () => {
    const r = nlu.analyse('iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる');
    expect(r.intent).toBe('error_auth');
    expect(r.entities).toEqual({ device: 'iphone', carrier: 'docomo', service: 'carrier_mail', error_message: 'password_incorrect' });
  });
});
