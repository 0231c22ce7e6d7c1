/**
 * The improvement queue of /admin/improve: turns worth a look (low confidence, fallbacks, clarification choices,
 * answers flagged as wrong), and the NLU's accuracy on corrected turns over time (by the week of the correction:
 * what the bot said then, and what the current model says today).
 */
import { z } from 'zod';
import type { Act, Intent, Nlu } from '../core/index.js';
import { REDACTION_MARK, redact } from '../core/redact.js';
import { wallClock, type UtcOffset } from '../core/time-zone.js';
import { isFallback } from '../transcripts/fallback.js';
import type { Annotation, TranscriptStore, TranscriptTurn } from '../transcripts/types.js';

export type ImproveReason = 'low_confidence' | 'fallback' | 'clarification' | 'flagged';

export interface ImproveFilter {
  /** Turns whose confidence is below this (0–1). */
  below: number;
  reasons: ImproveReason[];
  /** Days back. */
  days: number;
  /**
   * Only messages written at this node (`nodeBefore`; START_NODE for first messages): the analytics' not-understood count
   * of a node opens the messages behind it.
   */
  node?: string;
}

/** The `node` filter value for messages written before the first question (the analytics' （開始） row). */
export const START_NODE = '(start)';

export interface ImproveItem {
  conversation: string;
  seq: number;
  atMs: number;
  text?: string;
  action?: string;
  intent?: Intent | null;
  /** The reply act the bot read at its question (TranscriptTurn.reading): what decided the turn, beside `intent`. */
  act?: Act;
  /** The act's confidence when `act` is set, else the intent's. */
  confidence?: number;
  /** Where the person wrote it ('' before the first question): the node the per-node not-understood rate counts it at. */
  nodeBefore: string;
  /** Where the bot went with it (the node of its answer, which a flag marks as wrong). */
  node: string;
  reasons: ImproveReason[];
  corrected: boolean;
}

const REASONS = ['low_confidence', 'fallback', 'clarification', 'flagged'] as const;
const schema = z.object({
  below: z.coerce.number().min(0).max(1).optional(),
  reason: z.union([z.enum(REASONS), z.array(z.enum(REASONS))]).optional(),
  days: z.coerce.number().int().min(1).max(400).optional(),
  node: z.string().max(120).optional(),
});

/** The queue's filter from a query string (`below=0.5&reason=fallback&reason=flagged&days=30`). */
export function improveQuery(q: unknown): { ok: true; value: ImproveFilter; error?: undefined } | { ok: false; error: z.ZodError; value?: undefined } {
  const r = schema.safeParse(q ?? {});
  if (!r.success) return { ok: false, error: r.error };
  const reasons = r.data.reason === undefined ? [...REASONS] : Array.isArray(r.data.reason) ? r.data.reason : [r.data.reason];
  return { ok: true, value: { below: r.data.below ?? 0.5, reasons, days: r.data.days ?? 30, ...(r.data.node ? { node: r.data.node } : {}) } };
}

/** A clarification choice: the person answered a "did you mean …?" ask-back (the NLU sibling's field, or the reply key). */
function isClarificationChoice(turn: TranscriptTurn, prev: TranscriptTurn | undefined): boolean {
  if ((turn as { clarification?: unknown }).clarification !== undefined) return true;
  return turn.action !== undefined && (prev?.replies ?? []).some((r) => r.key === 'engine.clarify' || r.key === 'engine.clarify_human');
}

/** Most conversations the queue reads (most recent first). */
const MAX_CONVERSATIONS = 300;
/** Most items it returns. */
const MAX_ITEMS = 200;

export async function improveQueue(store: TranscriptStore, f: ImproveFilter, nowMs: number): Promise<ImproveItem[]> {
  const summaries = (await store.summaries(nowMs - f.days * 86_400_000)).slice(0, MAX_CONVERSATIONS);
  const out: ImproveItem[] = [];
  for (const s of summaries) {
    const [turns, notes] = await Promise.all([store.turns(s.id), s.annotations ? store.annotations(s.id) : Promise.resolve([] as Annotation[])]);
    const bySeq = new Map(notes.map((n) => [n.seq, n]));
    const at = f.node === START_NODE ? '' : f.node;
    turns.forEach((t, i) => {
      if (at !== undefined && t.nodeBefore !== at) return;
      const reasons: ImproveReason[] = [];
      // A reply read as an act is as sure as its act (「もういいです」: give_up 0.9, though its intent affirm is 0.28).
      const confidence = t.reading ? t.reading.confidence : t.confidence;
      if (f.reasons.includes('low_confidence') && t.text !== undefined && t.intent && (confidence ?? 1) < f.below) reasons.push('low_confidence');
      if (f.reasons.includes('fallback') && isFallback(t)) reasons.push('fallback');
      if (f.reasons.includes('clarification') && isClarificationChoice(t, turns[i - 1])) reasons.push('clarification');
      if (f.reasons.includes('flagged') && bySeq.get(t.seq)?.flag) reasons.push('flagged');
      if (reasons.length === 0) return;
      out.push({
        conversation: s.id,
        seq: t.seq,
        atMs: t.atMs,
        ...(t.text !== undefined ? { text: redact(t.text).text } : {}),
        ...(t.action !== undefined ? { action: t.action } : {}),
        intent: t.intent ?? null,
        ...(t.reading ? { act: t.reading.act } : {}),
        ...(confidence !== undefined ? { confidence } : {}),
        nodeBefore: t.nodeBefore,
        node: t.node || t.nodeBefore,
        reasons,
        corrected: bySeq.has(t.seq),
      });
    });
    if (out.length >= MAX_ITEMS) break;
  }
  return out.sort((a, b) => b.atMs - a.atMs).slice(0, MAX_ITEMS);
}

export interface AccuracyRow {
  /** Monday of the week the corrections were made, YYYY-MM-DD, in the help desk's time zone (TIME_ZONE). */
  week: string;
  corrected: number;
  /** Share the NLU had right when the person wrote (before the correction). */
  then: number;
  /** Share the current model gets right. */
  now: number;
}

/**
 * The NLU's accuracy on corrected text turns, per week of correction (oldest first). Weeks run Monday to Sunday in the help
 * desk's zone (`utcOffset`, TIME_ZONE's offset at each instant): a correction made on Monday 08:00 in Tokyo belongs
 * to that Monday's week, and one on Monday 00:30 in Berlin in July (Sunday 22:30 UTC) to that Monday's week too.
 */
export function accuracyOverTime(annotations: Annotation[], nlu: Nlu, utcOffset: UtcOffset = 0): AccuracyRow[] {
  const weeks = new Map<string, { n: number; then: number; now: number }>();
  for (const a of annotations) {
    const text = a.text.trim();
    if (!text || text.includes(REDACTION_MARK.ja) || text.includes(REDACTION_MARK.en)) continue;
    const d = wallClock(a.atMs, utcOffset);
    d.setUTCHours(0, 0, 0, 0);
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    const week = d.toISOString().slice(0, 10);
    const w = weeks.get(week) ?? { n: 0, then: 0, now: 0 };
    w.n += 1;
    if (a.predicted === a.intent) w.then += 1;
    if (nlu.analyse(text, a.locale).intent === a.intent) w.now += 1;
    weeks.set(week, w);
  }
  return [...weeks.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([week, w]) => ({ week, corrected: w.n, then: w.then / w.n, now: w.now / w.n }));
}

/** Staff notes are redacted like the person's text (a note may quote what they typed). */
export function redactNote(text: string): string {
  return redact(text.trim()).text;
}
