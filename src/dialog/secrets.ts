/**
 * The engine's use of src/core/redact.ts: state.errorText, collected fields and the ticket are built here, so
 * anything that looks like a password is masked before it is kept — whatever the pipeline already did.
 * Pure; redact() is idempotent, so masking twice changes nothing.
 */
import { redact } from '../core/redact.js';

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
