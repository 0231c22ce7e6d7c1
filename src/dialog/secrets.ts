/**
 * The engine's use of src/core/redact.ts: state.errorText, collected fields and the ticket are built here, so
 * anything that looks like a password is masked before it is kept — whatever the pipeline already did.
 * Pure; redact() is idempotent, so masking twice changes nothing.
 */
import { redact } from '../core/redact.js';

/** Masks secrets; `redacted` is true when something was masked (the bot then reminds the user). */
export function maskSecrets(text: string): { text: string; redacted: boolean } {
  const r = redact(text);
  return { text: r.text, redacted: r.redacted };
}
