/**
 * The engine's use of src/core/redact.ts: state.errorText, collected fields and the ticket are built here, so
 * anything that looks like a password is masked before it is kept — whatever the pipeline already did.
 * Pure; redact() is idempotent, so masking twice changes nothing.
 */
import { redact } from '../core/redact.js';
import type { ConversationState } from './types.js';

/** The last text masked and its result: a turn masks its text twice (its facts, then the password reminder). */
let last: { input: string; out: { text: string; redacted: boolean } } | undefined;

/** Masks secrets; `redacted` is true when something was masked (the bot then reminds the user). */
export function maskSecrets(text: string): { text: string; redacted: boolean } {
  // redact() is pure, so the same text gives the same result: the second call of a turn costs nothing.
  if (last?.input === text) return { ...last.out };
  const r = redact(text);
  const out = { text: r.text, redacted: r.redacted };
  last = { input: text, out };
  return { ...out };
}

/**
 * The conversation is about a password change: an earlier turn said so (the `trigger` slot, domain.yaml
 * `password_change`, now or once: ConversationState.passwordTalk). Redaction reads one message at a time; this is the context it cannot see (sec-26).
 */
export function passwordTopic(s: Pick<ConversationState, 'slots' | 'passwordTalk'> | undefined): boolean {
  return s?.passwordTalk === true || s?.slots?.trigger === 'password_change';
}

/**
 * `text` masked as the conversation reads it: when the talk is of a password change, a value introduced by
 * 「新しいのは」 or "the new one is" is a password even in a message that names none (「ドコモメールの新しいのはホシゾラ」,
 * 「新しいのはhunter」). Undefined when the topic masks nothing more than the text alone does.
 */
export function maskInTopic(text: string, s: Pick<ConversationState, 'slots' | 'passwordTalk'> | undefined): string | undefined {
  if (!passwordTopic(s) || !text) return undefined;
  const inTopic = redact(text, { passwordTopic: true }).text;
  return inTopic === maskSecrets(text).text ? undefined : inTopic;
}
