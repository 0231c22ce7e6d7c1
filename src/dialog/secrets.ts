/**
 * The engine's use of src/core/redact.ts: state.errorText, collected fields and the ticket are built here, so
 * anything that looks like a password is masked before it is kept — whatever the pipeline already did.
 * Pure; redact() is idempotent, so masking twice changes nothing.
 */
import { createHash } from 'node:crypto';
import { redact } from '../core/redact.js';
import type { ConversationState } from './types.js';

/**
 * The last text masked, by its digest, and its result: a turn masks its text several times (the topic check, the reply
 * reader, its facts, the rules that keep words). Kept by a digest, not as typed: this module must not hold the password
 * a message carried until the next one comes (as src/nlu/locale.ts keeps its texts).
 */
let last: { digest: string; out: { text: string; redacted: boolean } } | undefined;

/** Masks secrets; `redacted` is true when something was masked (the bot then reminds the user). */
export function maskSecrets(text: string): { text: string; redacted: boolean } {
  // redact() is pure, so the same text gives the same result: a later call of the turn costs a hash, not a redaction.
  const digest = createHash('sha256').update(text).digest('base64');
  if (last?.digest === digest) return { ...last.out };
  const r = redact(text);
  const out = { text: r.text, redacted: r.redacted };
  last = { digest, out };
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
