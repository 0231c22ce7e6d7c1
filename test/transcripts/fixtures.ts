/** Builders of transcript turns and pipeline records for the transcript tests. */
import type { TurnRecord } from '../../src/pipeline/types.js';
import type { NewTurn } from '../../src/transcripts/summary.js';

export const T0 = Date.parse('2026-11-20T01:00:00Z');
export const MIN = 60_000;
export const DAY = 86_400_000;

/** A text turn of conversation `id` at `atMs`. */
export function textTurn(id: string, atMs: number, over: Partial<NewTurn> = {}): NewTurn {
  return {
    conversation: id,
    atMs,
    channel: 'web',
    userId: `u-${id}`,
    locale: 'ja',
    text: 'メールを取得できません',
    intent: 'error_cannot_fetch',
    confidence: 0.9,
    entities: {},
    node: 'n1',
    status: 'active',
    replies: [{ key: 'tree.n1.say', text: '機内モードを試してください', choices: [{ label: '直った', value: 'resolved' }] }],
    durationMs: 3,
    ...over,
  };
}

/** A pipeline record as observers receive it. */
export function record(over: Partial<TurnRecord> & { text?: string; conversation?: string } = {}): TurnRecord {
  const { text, conversation, ...rest } = over;
  return {
    turn: { conversationId: conversation ?? 'c-rec', channel: 'web', userId: 'u1', text: text ?? 'こんにちは' },
    outcome: { conversation: conversation ?? 'c-rec', intent: 'greeting', node: 'triage', status: 'active', replies: [{ key: 'k', text: 'どうしましたか？' }] },
    node: 'triage',
    status: 'active',
    atMs: T0,
    durationMs: 1.5,
    ...rest,
  };
}
