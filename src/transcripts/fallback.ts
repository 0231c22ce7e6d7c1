/**
 * What counts as a fallback turn — one definition for the review list's filter, the analytics' fallback rate per
 * node and the improvement queue: the bot did not understand the person and said so (the out-of-scope answer, or a
 * "I could not read that / is it one of these?" ask-back). An out-of-scope reading counts too — unless the engine took the
 * text as the answer to its hand-off form (「iPhone 15、iOS 18.1、今朝9時から毎回です」 reads as out of scope, yet it filled
 * the ticket): such a turn was understood, and counting it made the hand-off node look 100% not understood. Nor does a
 * reply the engine read as a reply act at its question (「もういいです」, "forget it" → give_up; 「やり方がわからない」 →
 * how_to): the symptom model puts such text out of scope, yet the bot understood it and acted on it.
 */
import type { LocaleKey } from '../i18n/index.js';
import type { TranscriptTurn } from './types.js';

/** Reply keys that mean "the bot did not understand this message". */
export const FALLBACK_KEYS: ReadonlySet<string> = new Set([
  'engine.out_of_scope',
  'engine.clarify',
  'engine.clarify_human',
] satisfies LocaleKey[]);

/** Reply keys that mean "the text was taken as the answer to the hand-off form" (it filed the ticket, or asked for the rest). */
export const FORM_ANSWER_KEYS: ReadonlySet<string> = new Set(['engine.handoff.filed', 'engine.handoff.reask'] satisfies LocaleKey[]);

/** True when this turn's answer was a fallback (see the module comment). */
export function isFallback(turn: Pick<TranscriptTurn, 'replies' | 'intent' | 'reading'>): boolean {
  if (turn.replies.some((r) => FALLBACK_KEYS.has(r.key))) return true;
  return turn.intent === 'out_of_scope' && turn.reading === undefined && !turn.replies.some((r) => FORM_ANSWER_KEYS.has(r.key));
}

/**
 * The reply act the bot acted on at its question: the turn's `reading`, unless the bot answered with a fallback — it read
 * 「なんかもう面倒なのでいいです」 as give_up 0.52, too unsure to act on, and said 「うまく読み取れませんでした」. Such a
 * turn was not understood: staff see its intent, the summary counts it as a miss, /admin/improve lists it without the act.
 */
export function actedReading(turn: Pick<TranscriptTurn, 'replies' | 'reading'>): TranscriptTurn['reading'] {
  return turn.reading && !turn.replies.some((r) => FALLBACK_KEYS.has(r.key)) ? turn.reading : undefined;
}

/**
 * A turn as it leaves for staff and scripts (the API's conversation, the JSON Lines export): `reading` is the reply act the
 * bot acted on (`actedReading`), as the contract's "what the bot understood at each turn" — a reading it answered with a
 * fallback is moved to `readingNotActedOn` (the act model's guess, kept for whoever tunes the act model). The store keeps
 * the turn as recorded.
 */
export function withActedReading<T extends Pick<TranscriptTurn, 'replies' | 'reading'>>(
  turn: T,
): Omit<T, 'reading'> & { reading?: TranscriptTurn['reading']; readingNotActedOn?: TranscriptTurn['reading'] } {
  if (!turn.reading || actedReading(turn)) return turn;
  const { reading, ...rest } = turn;
  return { ...rest, readingNotActedOn: reading };
}
