/**
 * Exports: conversations as JSON lines (one conversation a line, turns inside) or CSV (one turn a row), and
 * staff corrections as training phrases in the intents/ format — so review feeds the model.
 * Everything exported was redacted when it was recorded.
 */
import type { Act, Intent, Locale } from '../core/index.js';
import { REDACTION_MARK } from '../core/redact.js';
import { offsetAt, wallClock, type UtcOffset } from '../core/time-zone.js';
import type { ActFile, IntentFile } from '../data/schemas.js';
import { actedReading, withActedReading } from './fallback.js';
import { reRedactAnnotation, reRedactTurn } from './reredact.js';
import { analyticsSymptom } from './query.js';
import { withActionLabels } from './summary.js';
import type { Annotation, ConversationSummary, TranscriptEvent, TranscriptStore, TranscriptTurn } from './types.js';

export interface ExportedConversation {
  summary: ConversationSummary;
  turns: TranscriptTurn[];
  annotations: Annotation[];
}

/** Reads the transcripts and annotations of the given conversations. */
export async function loadConversations(store: TranscriptStore, summaries: ConversationSummary[]): Promise<ExportedConversation[]> {
  // Read together (the callers pass 50 at a time), kept in the order given.
  return Promise.all(
    summaries.map(async (summary) => {
      const [turns, annotations] = await Promise.all([store.turns(summary.id), summary.annotations ? store.annotations(summary.id) : Promise.resolve([])]);
      // Masked again on the way out: an old transcript recorded before a redaction rule existed leaks nothing.
      return { summary, turns: withActionLabels(turns).map(reRedactTurn), annotations: annotations.map(reRedactAnnotation) };
    }),
  );
}

/** One JSON object per conversation: its summary fields, then its turns with their annotation (if any). */
export function toJsonLine(c: ExportedConversation): string {
  const notes = new Map(c.annotations.map((a) => [a.seq, a]));
  const s = c.summary;
  return JSON.stringify({
    conversation: s.id,
    channel: s.channel,
    user: s.userId,
    userName: s.userName,
    locale: s.locale,
    startedAt: new Date(s.startedAtMs).toISOString(),
    updatedAt: new Date(s.updatedAtMs).toISOString(),
    status: s.status,
    symptom: s.symptom ?? null,
    // The symptom the conversation ended on (the corrected one; what the list's symptom filter and the analytics count),
    // beside `symptom`, the first one. Since round 29; null when none (summaries recorded before: analyticsSymptom's).
    lastSymptom: analyticsSymptom(s) ?? null,
    intents: s.intents,
    // The reply acts the bot read at its questions (「もういいです」 → give_up), beside the intents it understood.
    acts: s.acts ?? [],
    carrier: s.carrier,
    service: s.service,
    device: s.device,
    ticket: s.ticketId,
    path: s.path,
    turns: c.turns.map((t) => {
      const a = notes.get(t.seq);
      return {
        seq: t.seq,
        at: new Date(t.atMs).toISOString(),
        text: t.text,
        files: t.files,
        action: t.action,
        actionLabel: t.actionLabel,
        intent: t.intent ?? null,
        confidence: t.confidence,
        // A reply at a question: the act the bot read and acted on (absent for first messages, clicks, older turns); one
        // it answered with a fallback is not what it understood — it goes as `readingNotActedOn` (withActedReading).
        ...withActedReading({ replies: t.replies, reading: t.reading }),
        entities: t.entities,
        // The turn policy's rule that acted (reroute, clarify_symptom, give_up …; the page's 動いたルール) and the
        // symptom the conversation was on after the turn (the engine's branch). Since round 29; absent in older turns.
        rule: t.rule,
        symptom: t.symptom,
        nodeBefore: t.nodeBefore,
        node: t.node,
        status: t.status,
        replies: t.replies.map((r) => ({ key: r.key, text: r.text, choices: r.choices })),
        events: t.events,
        error: t.error?.code,
        correction: a
          ? { intent: a.intent, note: a.note, act: a.act, entities: a.entities, flag: a.flag, train: a.train }
          : undefined,
      };
    }),
  });
}

export const CSV_COLUMNS = [
  'conversation',
  'seq',
  'at',
  'channel',
  'user',
  'locale',
  'text',
  'action',
  'intent',
  'confidence',
  'entities',
  'node_before',
  'node',
  'status',
  'bot_replies',
  'ticket',
  'error',
  'corrected_intent',
  'note',
  // After the older columns, so a sheet built on them still lines up.
  'files',
  'sent_messages',
  'staff_actions',
  // The help desk's wall clock (TIME_ZONE) beside `at` (the instant, UTC ISO-8601, kept for machines): a lead opening the
  // file in Excel in Tokyo reads 15:54, not 06:54. `utc_offset` tells which offset it was (summer time changes it).
  'at_local',
  'utc_offset',
  // What a typed reply at the bot's question was read as and acted on (give_up, still_broken …; actedReading): blank for
  // first messages, clicks, a reading the bot answered with a fallback, and turns recorded before round 20.
  'act',
  // The turn policy's rule that acted on the turn (reroute, clarify_symptom, give_up …; the page's 動いたルール), and the
  // symptom the conversation was on after it (the engine's branch: a correction changes it). Blank in older turns.
  'rule',
  'symptom',
] as const;

/**
 * One CSV field (RFC 4180). A value a spreadsheet would run as a formula (= + - @ at the start) gets a leading
 * apostrophe: user text must never execute in the help desk's Excel.
 */
export function csvField(v: unknown): string {
  let s = v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV header line (with CRLF). */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/**
 * A staff action beside a turn, as one CSV line: taken_over (佐藤), handed_back, note (佐藤): …, assigned → 佐藤,
 * review: reviewed, and a follow-up added to the ticket (follow_up MM-…-f1: user_resolved). Status changes and the ticket
 * have their own columns; messages sent have `sent_messages`.
 */
function staffAction(e: TranscriptEvent): string[] {
  const by = e.type !== 'status' && e.type !== 'ticket' && e.type !== 'follow_up' && e.by ? ` (${e.by})` : '';
  switch (e.type) {
    case 'taken_over':
    case 'handed_back':
      return [`${e.type}${by}`];
    case 'note':
      return [`note${by}: ${e.text}`];
    case 'assigned':
      return [`assigned → ${e.to ?? '—'}${by}`];
    case 'review':
      return [`review: ${e.state}${by}`];
    case 'follow_up':
      return [`follow_up ${e.id}: ${e.kind}`];
    default:
      return [];
  }
}

/** `atMs` as the zone's wall clock, `YYYY-MM-DD HH:MM:SS` (a form spreadsheets read as a date and time). */
export function localStamp(atMs: number, utcOffset: UtcOffset): string {
  return wallClock(atMs, utcOffset).toISOString().slice(0, 19).replace('T', ' ');
}

/** The zone's offset at `atMs` as `UTC+09:00` / `UTC-04:00` (a bare `+09:00` would be a formula to a spreadsheet). */
export function offsetLabel(atMs: number, utcOffset: UtcOffset): string {
  const m = offsetAt(utcOffset, atMs);
  const a = Math.abs(m);
  return `UTC${m < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/**
 * One CSV row per turn of the conversation (CRLF line ends). Besides the bot's replies, the row holds what else the
 * person sent (file names and types) and received (staff replies, the ticket notices) and what staff did at that turn.
 * `utcOffset` is the help desk's zone (TIME_ZONE) for the `at_local` column.
 */
export function toCsvRows(c: ExportedConversation, utcOffset: UtcOffset): string {
  const notes = new Map(c.annotations.map((a) => [a.seq, a]));
  return c.turns
    .map((t) => {
      const a = notes.get(t.seq);
      const ticket = t.events.find((e) => e.type === 'ticket');
      const row = [
        c.summary.id,
        t.seq,
        new Date(t.atMs).toISOString(),
        t.channel,
        t.userId,
        t.locale ?? '',
        t.text ?? '',
        t.action ? (t.actionLabel ? `${t.actionLabel} (${t.action})` : t.action) : '',
        t.intent ?? '',
        t.confidence ?? '',
        t.entities && Object.keys(t.entities).length ? t.entities : '',
        t.nodeBefore,
        t.node,
        t.status,
        t.replies.map((r) => r.text).join('\n---\n'),
        ticket && ticket.type === 'ticket' ? ticket.id : '',
        t.error?.code ?? '',
        a?.intent ?? '',
        a?.note ?? '',
        (t.files ?? []).map((f) => [f.name, f.type && `(${f.type})`].filter(Boolean).join(' ') || '?').join('\n'),
        // As the person read them (a staff reply already starts with the staff member's name).
        t.events.flatMap((e) => (e.type === 'sent' ? [e.text] : [])).join('\n---\n'),
        t.events.flatMap(staffAction).join('\n'),
        localStamp(t.atMs, utcOffset),
        offsetLabel(t.atMs, utcOffset),
        actedReading(t)?.act ?? '',
        t.rule ?? '',
        t.symptom ?? '',
      ];
      return `${row.map(csvField).join(',')}\r\n`;
    })
    .join('');
}

// ───────────────────────────── corrections → training data ─────────────────────────────

export interface CorrectionsResult {
  /** One intents/ file per (locale, intent), examples in annotation order. */
  files: IntentFile[];
  /** One intents/<locale>/acts/ file per (locale, reply act): corrections of replies to the bot's questions. */
  actFiles: ActFile[];
  /** Corrections left out, with why. */
  skipped: Array<{ annotation: Annotation; reason: 'redacted' | 'empty' | 'already_trained' | 'duplicate' | 'heldout' | 'not_for_training' }>;
  /** Phrases now trained under another intent: the correction says that one is wrong (lint will flag the clash). */
  conflicts: Array<{ text: string; locale: Locale; intent: Intent; trainedAs: Intent }>;
}

const phraseKey = (text: string) => text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Turns staff corrections into training phrases. `existing` are the current intents/ files: a phrase already
 * trained under the right intent is skipped; one trained under another intent is reported as a conflict (and
 * still exported — the correction wins, a person resolves the clash in lint).
 */
export function correctionsToIntents(
  annotations: Annotation[],
  existing: IntentFile[] = [],
  /** Comparison keys of held-out phrases (test sets): such a phrase never goes into training. */
  heldout?: { has(text: string): boolean },
  /** The current intents/<locale>/acts/ files: a reply phrase already trained under its act is skipped. */
  existingActs: ActFile[] = [],
): CorrectionsResult {
  const trained = new Map<string, Intent>();
  for (const f of existing) for (const e of f.examples) trained.set(`${f.locale}\u0000${phraseKey(e)}`, f.intent);
  const trainedActs = new Map<string, Act>();
  for (const f of existingActs) for (const e of f.examples) trainedActs.set(`${f.locale}\u0000${phraseKey(e)}`, f.act);
  const files = new Map<string, IntentFile>();
  const actFiles = new Map<string, ActFile>();
  const seen = new Set<string>();
  const result: CorrectionsResult = { files: [], actFiles: [], skipped: [], conflicts: [] };
  for (const a of annotations) {
    const text = a.text.trim();
    if (a.train === false) {
      result.skipped.push({ annotation: a, reason: 'not_for_training' });
      continue;
    }
    if (text === '') {
      result.skipped.push({ annotation: a, reason: 'empty' });
      continue;
    }
    // A masked secret is not something people type: training on the mark would teach the model the mark.
    if (text.includes(REDACTION_MARK.ja) || text.includes(REDACTION_MARK.en)) {
      result.skipped.push({ annotation: a, reason: 'redacted' });
      continue;
    }
    // The held-in corpus only: a phrase of a held-out test set would make the figures lie.
    if (heldout?.has(text)) {
      result.skipped.push({ annotation: a, reason: 'heldout' });
      continue;
    }
    const key = `${a.locale}\u0000${phraseKey(text)}`;
    if (a.replyAct) {
      // A reply to a question: the act model reads it, so the phrase goes to its act's file.
      const actKey = `act\u0000${key}`;
      if (seen.has(actKey)) {
        result.skipped.push({ annotation: a, reason: 'duplicate' });
        continue;
      }
      seen.add(actKey);
      if (trainedActs.get(key) === a.replyAct) {
        result.skipped.push({ annotation: a, reason: 'already_trained' });
        continue;
      }
      const fileKey = `${a.locale}/${a.replyAct}`;
      const file = actFiles.get(fileKey) ?? { act: a.replyAct, locale: a.locale, examples: [] };
      file.examples.push(text);
      actFiles.set(fileKey, file);
      continue;
    }
    if (seen.has(key)) {
      result.skipped.push({ annotation: a, reason: 'duplicate' });
      continue;
    }
    seen.add(key);
    const trainedAs = trained.get(key);
    if (trainedAs === a.intent) {
      result.skipped.push({ annotation: a, reason: 'already_trained' });
      continue;
    }
    if (trainedAs) result.conflicts.push({ text, locale: a.locale, intent: a.intent, trainedAs });
    const fileKey = `${a.locale}/${a.intent}`;
    const file = files.get(fileKey) ?? { intent: a.intent, locale: a.locale, examples: [] };
    file.examples.push(text);
    files.set(fileKey, file);
  }
  result.files = [...files.values()].sort((x, y) => x.locale.localeCompare(y.locale) || x.intent.localeCompare(y.intent));
  result.actFiles = [...actFiles.values()].sort((x, y) => x.locale.localeCompare(y.locale) || x.act.localeCompare(y.act));
  return result;
}
