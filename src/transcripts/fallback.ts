/**
 * What counts as a fallback turn — one definition for the review list's filter, the analytics' fallback rate per
 * node and the improvement queue: the bot did not understand the person and said so (the out-of-scope answer, or a
 * "I could not read that / is it one of these?" ask-back), whatever the intent field says.
 */
import type { LocaleKey } from '../i18n/index.js';
import type { TranscriptTurn } from './types.js';

/** Reply keys that mean "the bot did not understand this message". */
export const FALLBACK_KEYS: ReadonlySet<string> = new Set([
  'engine.out_of_scope',
  'engine.clarify',
  'engine.clarify_human',
] satisfies LocaleKey[]);

/** True when this turn's answer was a fallback (see the module comment). */
export function isFallback(turn: Pick<TranscriptTurn, 'replies' | 'intent'>): boolean {
  if (turn.intent === 'out_of_scope') return true;
  return turn.replies.some((r) => FALLBACK_KEYS.has(r.key));
}
