/**
 * What a reply means, read by the act model (src/nlu/acts.ts, trained at `npm run build` from intents/<locale>/acts/)
 * in the context of the node on screen (src/nlu/replies.ts): the real NLU, the real tree's answer groups.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDialogs } from '../../src/data/load.js';
import { acceptedActs } from '../../src/dialog/answers.js';
import { createNlu, type LoadedNlu } from '../../src/nlu/index.js';
import { correctedPart } from '../../src/nlu/acts.js';
import { foldAnswer, nearlySame, readReply, saysPhrase, type ReplyPlace } from '../../src/nlu/replies.js';

let nlu: LoadedNlu;
beforeAll(async () => {
  nlu = await createNlu();
});
const { tree } = loadDialogs();
const at = (id: string): ReplyPlace => {
  const node = tree!.nodes.get(id)!;
  return { kind: node.kind, accepts: acceptedActs(tree!, node) };
};
const read = (text: string, place?: ReplyPlace) => readReply(text, nlu.analyse(text), place);
const STEP = 'net_airplane';

describe('readReply() — the act of a reply, in the context of its node', () => {
  it.each([
    ['直りました！', 'fixed'],
    ['まだダメです', 'still_broken'],
    ['still broken', 'still_broken'],
    ['VPNは使っていません', 'not_applicable'],
    ["I don't use a VPN", 'not_applicable'],
    ['それは該当しません', 'not_applicable'],
    ['まだやってないです', 'not_yet'],
    ['それはもうやった', 'already_tried'],
    ['やりました', 'did_no_result'],
    ['やり方がわかりません', 'how_to'],
    ['どのくらい待てばいい？', 'how_long'],
    ['もういいです', 'give_up'],
    ['never mind', 'give_up'],
  ] as const)('%s at a step reads as %s', (text, act) => expect(read(text, at(STEP)).act).toBe(act));

  it('reads "does not apply" only where it applies', () => {
    for (const text of ['まだダメ', 'still broken', '使えない']) expect(read(text, at(STEP)).act).not.toBe('not_applicable');
  });

  it('a question accepts other acts than a step: 「わからない」 is "cannot answer" at a question, "how?" at a step', () => {
    expect(read('わからない', at('dev_device')).act).toBe('dont_know');
    // 「あとでやってみます」 (not_yet) is no act of a question's group; 「直りました」 is (round 29: `question: fixed: resolved`).
    expect(read('あとでやってみます', at('dev_device')).act).toBeUndefined();
    expect(read('直りました', at('dev_device')).act).toBe('fixed');
  });

  it('a request for a person in one sentence wins over the details in the next', () => {
    expect(read('担当者と話したい。iPhone 14、iOS 17.5、ソフトバンクのメールが今朝から毎回受信できない', at(STEP)).act).toBe('wants_human');
  });

  it('calls a first message vague only when it names no symptom', () => {
    expect(read('メールがおかしい').act).toBe('vague_problem');
    expect(read('iPhoneでメールが受信できない').act).toBeUndefined();
  });

  it('lists light steps reported done, only when the act says they were done, and marks "not using it" as skipped', () => {
    expect(read('再起動もしたけどダメ', at(STEP))).toMatchObject({ mentions: ['done_restart'], mentionsSkipped: false });
    expect(read('再起動したら直った', at(STEP)).mentions).toEqual([]);
    expect(read('再起動ってどうやるの', at(STEP)).mentions).toEqual([]);
    expect(read('VPNは使っていません', at(STEP))).toMatchObject({ mentions: ['done_vpn'], mentionsSkipped: true });
  });

  it('finds what a "not X but Y" reply corrects to (a shape check; the models read Y)', () => {
    expect(correctedPart('いや一部じゃなくて全部来ないです')).toBe('全部来ないです');
    expect(correctedPart('I meant sending, not receiving')).toBe('sending');
    expect(correctedPart("it's not some, it's all of them")).toBe('all of them');
    expect(correctedPart('actually not some but all of them')).toBe('all of them');
    expect(correctedPart('まだダメです')).toBeUndefined();
  });

  it('finds what a reply opened by "no" / 「いや」 corrects to, never after "actually" (conv-26)', () => {
    expect(correctedPart('no, all of it')).toBe('all of it');
    expect(correctedPart('いや、全部来ない')).toBe('全部来ない');
    expect(correctedPart('いや全部です')).toBe('全部です');
    expect(correctedPart('Actually, can we switch to English? Sending fails')).toBeUndefined();
    expect(correctedPart('nothing arrives')).toBeUndefined();
    expect(correctedPart('no')).toBeUndefined();
    expect(correctedPart('いいえ')).toBeUndefined();
  });
});

describe('answers compared with the words of a button', () => {
  it('folds width, case, punctuation and polite endings', () => {
    expect(foldAnswer('控えました。')).toBe(foldAnswer('控えた'));
    expect(foldAnswer('ＯＫ！')).toBe('ok');
  });

  it('takes a conjugated ending as the same short answer', () => {
    expect(nearlySame(foldAnswer('手動なら届きます'), foldAnswer('手動なら届く'))).toBe(true);
    expect(nearlySame(foldAnswer('自動'), foldAnswer('手動なら届く'))).toBe(false);
  });

  it('does not count a button word the answer negates', () => {
    const says = (text: string, phrase: string) => saysPhrase(text, foldAnswer(text), foldAnswer(phrase));
    expect(says('2段階認証はオンにしてないと思う', 'オン')).toBe(false);
    expect(says('有効じゃないです', '有効')).toBe(false);
    expect(says('オンじゃなくてオフです', 'オフ')).toBe(true);
    expect(says('受信はできるけど送信ができない', '受信はできる')).toBe(true);
    expect(says("I don't have 2FA turned on I think", 'turned on')).toBe(false);
    expect(says('It is not enabled', 'enabled')).toBe(false);
    expect(says("Yes, it's turned on", 'turned on')).toBe(true);
    expect(says('turned on, no luck though', 'turned on')).toBe(true);
    expect(says("no it's on", "it's on")).toBe(true);
    expect(says('I have no 2FA enabled', 'enabled')).toBe(false);
  });
});
