import { describe, expect, it } from 'vitest';
import type { Intent, NluResult } from '../../src/core/index.js';
import { foldAnswer, nearlySame, readReply, stepReport } from '../../src/nlu/replies.js';

const nlu = (intent: Intent = 'out_of_scope', entities: NluResult['entities'] = {}): NluResult => ({ intent, confidence: 0.9, entities, locale: 'ja', ranking: [] });

describe('readReply() — what a reply means beside its intent', () => {
  it('reads what a reply says about the step on screen', () => {
    expect(stepReport('直りました！')).toBe('fixed');
    expect(stepReport('まだダメです')).toBe('failed');
    expect(stepReport('VPNは使っていません')).toBe('na');
    expect(stepReport('まだやってないです')).toBe('not_yet');
    expect(stepReport('それはもうやった')).toBe('already');
    expect(stepReport('やりました')).toBe('did');
    expect(stepReport('still broken')).toBe('failed');
    expect(stepReport('ありがとう')).toBeUndefined();
  });

  it('names giving up, unless the same words say it is fixed', () => {
    expect(readReply('もういいです', nlu()).acts.has('gives_up')).toBe(true);
    expect(readReply('never mind', nlu()).acts.has('gives_up')).toBe(true);
    expect(readReply('まだダメです', nlu()).acts.has('gives_up')).toBe(false);
  });

  it('calls a message vague only when it names no symptom, no error and no person', () => {
    expect(readReply('メールがおかしい', nlu()).acts.has('vague')).toBe(true);
    expect(readReply('メールの受信がおかしい', nlu()).acts.has('vague')).toBe(false);
    expect(readReply('メールがおかしい', nlu('out_of_scope', { error_message: 'account_error' })).acts.has('vague')).toBe(false);
    expect(readReply('メールがおかしい、担当者に', nlu('request_human')).acts.has('vague')).toBe(false);
  });

  it('names "how do I do that?" and "how long do I wait?"', () => {
    expect(readReply('やり方がわかりません', nlu()).acts.has('asks_how')).toBe(true);
    expect(readReply('どのくらい待てばいい？', nlu()).acts.has('asks_wait')).toBe(true);
  });

  it('lists light steps reported done, only with a cue that they were done, and marks "not using it" as skipped', () => {
    expect(readReply('再起動もしたけどダメ', nlu())).toMatchObject({ mentions: ['done_restart'], mentionsSkipped: false });
    expect(readReply('再起動したら直った', nlu()).mentions).toEqual([]);
    expect(readReply('再起動ってどうやるの', nlu()).mentions).toEqual([]);
    expect(readReply('VPNは使っていません', nlu())).toMatchObject({ mentions: ['done_vpn'], mentionsSkipped: true });
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
});
