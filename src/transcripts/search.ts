/**
 * The text search of the review page, as one definition both ways of answering it share: the plain scan (read every
 * transcript, the memory store and the Redis store while its index is being built) and the Redis store's index
 * (search-redis.ts). A conversation matches when the folded needle (NFKC, lower case) is a substring of one of its
 * texts as staff are shown them — the user's text and every bot reply, masked again by read-time redaction
 * (reredact.ts), so a password that was typed is never found, whichever way the search runs.
 *
 * The index is an n-gram index with verification: every character bigram of a conversation's folded texts points to
 * the conversation, a needle's bigrams narrow the conversations to those holding all of them, and each one left is
 * checked with the same substring test on its texts. The bigram sets can only over-select, never miss (a substring's
 * bigrams are all bigrams of the text), so the result is the scan's.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { reRedactTurn } from './reredact.js';
import type { TranscriptTurn } from './types.js';

/** How texts and the needle are compared: Unicode compatibility form, lower case (全角ＡＢＣ = abc). */
export const fold = (s: string) => s.normalize('NFKC').toLowerCase();

/** Between the texts of one turn in the index's copy: a needle holding it is searched by the scan instead. */
export const TEXT_SEP = '\u0000';

/** The texts of one turn the search looks in, re-redacted and folded, joined by TEXT_SEP. */
export function searchText(turn: Pick<TranscriptTurn, 'text' | 'replies'>): string {
  const t = reRedactTurn({ events: [], ...turn } as unknown as TranscriptTurn);
  const parts = t.text !== undefined ? [t.text] : [];
  for (const r of t.replies) parts.push(r.text);
  return parts.map(fold).join(TEXT_SEP);
}

/** True when one of the turn's texts (as staff see them) contains the folded needle — the scan's test. */
export function turnMatches(turn: Pick<TranscriptTurn, 'text' | 'replies'>, needle: string): boolean {
  return searchText(turn).split(TEXT_SEP).some((part) => part.includes(needle));
}

/** Distinct character bigrams (by code point) of a folded text, never across TEXT_SEP. */
export function bigrams(text: string, into: Set<string> = new Set()): Set<string> {
  for (const part of text.split(TEXT_SEP)) {
    const cps = Array.from(part);
    for (let i = 0; i + 1 < cps.length; i++) into.add((cps[i] as string) + (cps[i + 1] as string));
  }
  return into;
}

/**
 * Bump when what the index holds changes meaning (the bigrams, the texts looked in). A change of the redaction rules
 * needs no bump: the fingerprint below covers them.
 */
const SEARCH_INDEX_VERSION = 1;

let fingerprintCache: string | undefined;
/**
 * What the index was built with: its version and the redaction rules' source (the index holds texts masked by the
 * rules of the process that wrote them — when the rules change, the index is rebuilt, or a text newly masked by them
 * could be found by the scan and not by the index).
 */
export function searchIndexFingerprint(): string {
  if (fingerprintCache) return fingerprintCache;
  const h = createHash('sha256').update(`v${SEARCH_INDEX_VERSION}`);
  for (const name of ['../core/redact', '../core/domain.generated']) {
    for (const ext of ['.js', '.ts']) {
      try {
        h.update(readFileSync(new URL(`${name}${ext}`, import.meta.url)));
        break;
      } catch {
        /* the other extension: dist has .js, the sources .ts */
      }
    }
  }
  fingerprintCache = h.digest('hex').slice(0, 16);
  return fingerprintCache;
}
