/**
 * Read-time redaction: transcripts recorded before the redaction rules learnt a case (or by an older version) are
 * masked again whenever they are read for people — the review page, its API, the exports and `mailmedic transcripts
 * list|show` — so an old leak is
 * never shown again, even before the stored copy is rewritten (`POST /admin/api/conversations/:id/redact`).
 */
import { redact } from '../core/redact.js';
import type { Annotation, ConversationSummary, TranscriptEvent, TranscriptTurn } from './types.js';

const mask = (s: string) => redact(s).text;

function event(e: TranscriptEvent): TranscriptEvent {
  return e.type === 'sent' || e.type === 'note' ? { ...e, text: mask(e.text) } : e;
}

/** The turn with every text masked again (user text, file names, replies, staff messages and notes). Returns a new object. */
export function reRedactTurn(t: TranscriptTurn): TranscriptTurn {
  const out: TranscriptTurn = { ...t, replies: t.replies.map((r) => ({ ...r, text: mask(r.text) })), events: t.events.map(event) };
  if (t.text !== undefined) out.text = mask(t.text);
  if (t.files) out.files = t.files.map((f) => (f.name ? { ...f, name: mask(f.name) } : f));
  return out;
}

export function reRedactAnnotation(a: Annotation): Annotation {
  return { ...a, text: mask(a.text), ...(a.note ? { note: mask(a.note) } : {}), ...(a.flag?.note ? { flag: { ...a.flag, note: mask(a.flag.note) } } : {}) };
}

/** Previews masked again, by their text: the list masks every conversation's preview on every request. */
const previews = new Map<string, string>();
/** Previews remembered (a few MB at most: a preview is at most PREVIEW_CHARS characters). */
const PREVIEWS_MAX = 50_000;

/**
 * The summary with its preview (the first message) masked again: the list, its search and the exports show it.
 * Remembered per preview text (redaction is pure): at 2,000 conversations masking every preview again took ~0.5 s of
 * each list request (bench:admin).
 */
export function reRedactSummary<S extends ConversationSummary>(s: S): S {
  if (!s.preview) return s;
  let masked = previews.get(s.preview);
  if (masked === undefined) {
    masked = mask(s.preview);
    if (previews.size >= PREVIEWS_MAX) previews.delete(previews.keys().next().value as string);
    previews.set(s.preview, masked);
  }
  return { ...s, preview: masked };
}
