/**
 * stale-37: a stale click (an old [まだダメ] pressed at a later question, refused with engine.stale_choice) was shown on
 * the conversation page, the improve queue and the export by its raw value (`not_resolved`): the turn before offered other
 * buttons. It is named by the label of the button as the person saw it (the latest earlier turn that offered it).
 */
import { describe, expect, it } from 'vitest';
import { withActionLabels } from '../../src/transcripts/summary.js';
import type { TranscriptTurn } from '../../src/transcripts/types.js';
import { T0, textTurn } from './fixtures.js';

const at = (seq: number, over: Partial<TranscriptTurn>): TranscriptTurn => ({ ...textTurn('c', T0 + seq, over), seq, nodeBefore: '' }) as TranscriptTurn;

describe('withActionLabels and stale clicks (stale-37)', () => {
  it('names an old [まだダメ] clicked at a later question by its label, and a current click by the current set', () => {
    const turns = withActionLabels([
      at(1, { node: 'dev_restart', replies: [{ key: 'tree.dev_restart.say', text: '再起動', choices: [{ label: '直った', value: 'resolved' }, { label: 'まだダメ', value: 'not_resolved' }] }] }),
      at(2, { text: undefined, action: 'not_resolved', node: 'auth_device', replies: [{ key: 'tree.dev_device.say', text: '端末は？', choices: [{ label: 'iPhone', value: 'iphone' }] }] }),
      at(3, { text: undefined, action: 'not_resolved', node: 'auth_device', replies: [{ key: 'engine.stale_choice', text: 'そのボタンは前の質問のものなので…' }, { key: 'tree.dev_device.say', text: '端末は？', choices: [{ label: 'iPhone', value: 'iphone' }] }] }),
      at(4, { text: undefined, action: 'iphone', node: 'auth_reenter' }),
      at(5, { text: undefined, action: 'never_offered', node: 'auth_reenter' }),
    ]);
    expect(turns.map((t) => t.actionLabel)).toEqual([undefined, 'まだダメ', 'まだダメ', 'iPhone', undefined]);
  });
});
