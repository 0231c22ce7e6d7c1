/**
 * A long reply read segment by segment (features.ts extractBags `segments`, acts.ts rankSegments, replies.ts
 * CLAUSE_RULE): sentences, and the parts before / after a contrast joint, each from the one tokenisation of the text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { extractBags, extractFeatures } from '../../src/nlu/features.js';
import { getTokenizer, type KuromojiTokenizer } from '../../src/nlu/tokenizer.js';
import { actInContext, CLAUSE_RULE, MIN_ACT_SHARE, OTHER_WEIGHT, type ClauseRule } from '../../src/nlu/replies.js';
import type { Act, NluResult } from '../../src/core/index.js';

let tokenizer: KuromojiTokenizer;
beforeAll(async () => {
  tokenizer = await getTokenizer();
});

describe('extractBags() segments', () => {
  it.each([
    ['再起動を試したけど、まだダメでした。ありがとうございます', [false, true, false]],
    ['I reset the password, but it still fails. Any idea?', [false, true, false]],
    ['設定を変えましたが、届きません', [false, true]],
    ['tried it, still no mail', [false, true]],
    ['It works now, though the first try failed', [false, true]],
    ['再起動しました。直りません', [false, false]],
  ] as const)('%s → segments opened by a contrast joint: %j', (text, contrast) => {
    expect(extractBags(tokenizer, text, { segments: true }).segments.map((s) => s.contrast)).toEqual(contrast);
  });

  it('a one-segment reply has no segments (a comma is no segment end)', () => {
    for (const text of ['直りました！', 'まだダメです', 'iPhone 15、iOS 18.1、今朝から', 'it works, thanks']) expect(extractBags(tokenizer, text, { segments: true }).segments).toEqual([]);
  });

  it("a segment's bag is the bag of the segment alone (same tokens, same features)", () => {
    const [first, second] = extractBags(tokenizer, '再起動を試したけど、まだダメでした', { segments: true }).segments;
    expect([...first!.bag.ids].sort()).toEqual([...extractFeatures(tokenizer, '再起動を試したけど').ids].sort());
    expect([...second!.bag.ids].sort()).toEqual([...extractFeatures(tokenizer, '、まだダメでした').ids].sort());
  });
});

describe('actInContext() clause rules — how the segments of a long reply combine with the whole', () => {
  // A reply whose whole text reads as thanks, its first segment as thanks and its last as still broken
  // (「ご返信ありがとうございます。試しましたがダメでした」), at a step that accepts both.
  const ranking = (top: Act, p: number) => [{ act: top, confidence: p }, ...(['other', 'fixed'] as Act[]).filter((a) => a !== top).map((act) => ({ act, confidence: (1 - p) / 2 }))];
  const nlu: NluResult = {
    intent: 'out_of_scope',
    confidence: 0.2,
    entities: {},
    locale: 'ja',
    ranking: [],
    acts: ranking('thanks', 0.6),
    segmentActs: [
      { contrast: false, acts: ranking('thanks', 0.9) },
      { contrast: true, acts: ranking('still_broken', 0.7) },
    ],
  };
  const at = { kind: 'step', accepts: ['fixed', 'still_broken', 'how_to'] as Act[] };
  const read = (clauseRule: ClauseRule) => actInContext(nlu, at, { minShare: MIN_ACT_SHARE, otherWeight: OTHER_WEIGHT, priorPower: 0, clauseRule }).act;

  it.each([
    ['whole', 'thanks'],
    ['contrast', 'still_broken'],
    ['content-over-social', 'still_broken'],
  ] as const)('%s → %s', (rule, act) => expect(read(rule)).toBe(act));

  it('the build reads replies by the whole text (no rule won on dev, intents/real/notes/nlu-18.md)', () => {
    expect(CLAUSE_RULE).toBe('whole');
    expect(actInContext(nlu, at).act).toBe('thanks');
  });
});
