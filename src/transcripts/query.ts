/**
 * Queries for the review page, the CLI and the exports: filters and paging over conversation summaries, and
 * the analytics (per-day volume, outcome rates, top symptoms, the per-node drop-off funnel). Pure over the
 * summaries, except that the text search reads the transcripts of the conversations left after the other filters.
 */
import type { Intent } from '../core/index.js';
import type { DialogTree, NodeKind } from '../data/schemas.js';
import { SYMPTOM_INTENTS } from './summary.js';
import type { ConversationFilter, ConversationSummary, Page, ReviewStatus, TranscriptStore } from './types.js';

/** Default idle time after which an active conversation counts as abandoned: 30 minutes. */
export const DEFAULT_ABANDON_AFTER_MS = 30 * 60_000;
/** Most conversations whose transcripts a text search reads. */
export const SEARCH_SCAN_MAX = 5_000;

export interface QueryContext {
  nowMs: number;
  /** Idle time after which an active conversation is abandoned, ms. */
  abandonAfterMs: number;
}

export type ReviewedSummary = ConversationSummary & { review: ReviewStatus };

/** The status staff see: `abandoned` when still active but idle longer than `abandonAfterMs`. */
export function reviewStatus(s: ConversationSummary, ctx: QueryContext): ReviewStatus {
  if (s.status === 'active' && ctx.nowMs - s.updatedAtMs > ctx.abandonAfterMs) return 'abandoned';
  return s.status;
}

function matchesFields(s: ConversationSummary, f: ConversationFilter, ctx: QueryContext): boolean {
  if (f.fromMs !== undefined && s.startedAtMs < f.fromMs) return false;
  if (f.toMs !== undefined && s.startedAtMs >= f.toMs) return false;
  if (f.status && reviewStatus(s, ctx) !== f.status) return false;
  if (f.intent && s.symptom !== f.intent && !s.intents.includes(f.intent)) return false;
  if (f.carrier && s.carrier !== f.carrier) return false;
  if (f.channel && s.channel !== f.channel) return false;
  if (f.annotated && s.annotations === 0) return false;
  return true;
}

const fold = (s: string) => s.normalize('NFKC').toLowerCase();

/**
 * Conversations matching `filter`, most recent activity first. The text search looks at the conversation id,
 * ticket id, user, and every user and bot text of the transcript (already redacted).
 */
export async function findConversations(store: TranscriptStore, filter: ConversationFilter, ctx: QueryContext): Promise<ReviewedSummary[]> {
  const all = await store.summaries(filter.fromMs);
  let hits = all.filter((s) => matchesFields(s, filter, ctx));
  const needle = filter.text?.trim() ? fold(filter.text.trim()) : undefined;
  if (needle) {
    const out: ConversationSummary[] = [];
    for (const s of hits.slice(0, SEARCH_SCAN_MAX)) {
      const meta = [s.id, s.ticketId ?? '', s.userId, s.userName ?? '', s.preview ?? ''].join('\n');
      if (fold(meta).includes(needle)) {
        out.push(s);
        continue;
      }
      const turns = await store.turns(s.id);
      const found = turns.some(
        (t) => (t.text !== undefined && fold(t.text).includes(needle)) || t.replies.some((r) => fold(r.text).includes(needle)),
      );
      if (found) out.push(s);
    }
    hits = out;
  }
  return hits.map((s) => ({ ...s, review: reviewStatus(s, ctx) }));
}

/** Cuts one page out of a list. `page` is 1-based and clamped to the last page. */
export function paginate<T>(items: T[], page: number, pageSize: number): Page<T> {
  const size = Math.max(1, Math.min(500, Math.floor(pageSize) || 25));
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.max(1, Math.min(pages, Math.floor(page) || 1));
  return { items: items.slice((p - 1) * size, p * size), total: items.length, page: p, pageSize: size, pages };
}

// ───────────────────────────── analytics ─────────────────────────────

export interface DayCount {
  /** YYYY-MM-DD in the analytics' time zone. */
  day: string;
  total: number;
  resolved: number;
  escalated: number;
  abandoned: number;
  ended: number;
  active: number;
}

export interface FunnelRow {
  node: string;
  /** Kind of the node in the current tree (absent when the tree no longer has it). */
  kind?: NodeKind;
  /** Conversations that reached the node. */
  reached: number;
  /** … of which the person left there (abandoned). */
  left: number;
  /** … escalated from there (asked for a person, or the tree ran out). */
  escalated: number;
  /** … were fixed by that node's step. */
  resolved: number;
  /** … ended there without fix or ticket. */
  ended: number;
}

export interface Analytics {
  fromMs?: number;
  toMs?: number;
  total: number;
  counts: Record<ReviewStatus, number>;
  /** Shares of `total`, 0–1 (0 when total is 0). */
  rates: { resolution: number; escalation: number; abandonment: number };
  perDay: DayCount[];
  /** Symptoms by conversations, most first; `resolved`/`escalated` of each. */
  topSymptoms: Array<{ intent: Intent; count: number; resolved: number; escalated: number }>;
  /** Conversations with no recognised symptom. */
  noSymptom: number;
  funnel: FunnelRow[];
  /** Turns per conversation, mean. */
  meanTurns: number;
  /** Conversations with at least one out_of_scope turn. */
  withMisses: number;
  annotated: number;
}

/** Node kinds where a conversation finishes rather than where the person decided: not the exit point. */
const TERMINAL_KINDS: ReadonlySet<NodeKind> = new Set<NodeKind>(['handoff', 'resolve', 'end']);

/**
 * Where a finished conversation left the tree: for resolved / escalated / ended, the last node of its path that
 * is not itself a resolve / hand-off / end node (the step that fixed it, the step after which they asked for a
 * person); for abandoned, the last node reached (where they gave up, hand-off questions included).
 */
export function exitNode(s: ConversationSummary, review: ReviewStatus, tree?: DialogTree): string | undefined {
  if (review === 'active' || s.path.length === 0) return undefined;
  if (review === 'abandoned') return s.path[s.path.length - 1];
  for (let i = s.path.length - 1; i >= 0; i--) {
    const id = s.path[i] as string;
    const kind = tree?.nodes.get(id)?.kind;
    if (!kind || !TERMINAL_KINDS.has(kind)) return id;
  }
  return s.path[s.path.length - 1];
}

/** YYYY-MM-DD of `ms` at `offsetMinutes` from UTC. */
export function dayOf(ms: number, offsetMinutes: number): string {
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

export interface AnalyticsOptions extends QueryContext {
  fromMs?: number;
  toMs?: number;
  tree?: DialogTree;
  /** Time zone of the per-day chart, minutes from UTC (540 for Japan). */
  utcOffsetMinutes: number;
}

/** Computes every number of the analytics view from conversation summaries started in [fromMs, toMs). */
export function computeAnalytics(summaries: ConversationSummary[], o: AnalyticsOptions): Analytics {
  const inRange = summaries.filter(
    (s) => (o.fromMs === undefined || s.startedAtMs >= o.fromMs) && (o.toMs === undefined || s.startedAtMs < o.toMs),
  );
  const counts: Record<ReviewStatus, number> = { active: 0, resolved: 0, escalated: 0, ended: 0, abandoned: 0 };
  const days = new Map<string, DayCount>();
  const symptoms = new Map<Intent, { count: number; resolved: number; escalated: number }>();
  const funnel = new Map<string, FunnelRow>();
  let noSymptom = 0;
  let turns = 0;
  let withMisses = 0;
  let annotated = 0;

  for (const s of inRange) {
    const review = reviewStatus(s, o);
    counts[review]++;
    turns += s.turns;
    if (s.misses > 0) withMisses++;
    if (s.annotations > 0) annotated++;
    const day = dayOf(s.startedAtMs, o.utcOffsetMinutes);
    const d = days.get(day) ?? { day, total: 0, resolved: 0, escalated: 0, abandoned: 0, ended: 0, active: 0 };
    d.total++;
    d[review]++;
    days.set(day, d);

    if (s.symptom && SYMPTOM_INTENTS.has(s.symptom)) {
      const row = symptoms.get(s.symptom) ?? { count: 0, resolved: 0, escalated: 0 };
      row.count++;
      if (review === 'resolved') row.resolved++;
      if (review === 'escalated') row.escalated++;
      symptoms.set(s.symptom, row);
    } else noSymptom++;

    for (const node of new Set(s.path)) {
      const row = funnel.get(node) ?? { node, reached: 0, left: 0, escalated: 0, resolved: 0, ended: 0 };
      const kind = o.tree?.nodes.get(node)?.kind;
      if (kind) row.kind = kind;
      row.reached++;
      funnel.set(node, row);
    }
    const exit = exitNode(s, review, o.tree);
    if (exit) {
      const row = funnel.get(exit);
      if (row) {
        if (review === 'abandoned') row.left++;
        else if (review === 'escalated') row.escalated++;
        else if (review === 'resolved') row.resolved++;
        else if (review === 'ended') row.ended++;
      }
    }
  }

  // Days without conversations still show (as zero) between the first and the last day of the range.
  const perDay = [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
  if (perDay.length > 0) {
    const first = o.fromMs !== undefined ? dayOf(o.fromMs, o.utcOffsetMinutes) : (perDay[0] as DayCount).day;
    const last = o.toMs !== undefined ? dayOf(o.toMs - 1, o.utcOffsetMinutes) : (perDay[perDay.length - 1] as DayCount).day;
    const filled: DayCount[] = [];
    for (let t = Date.parse(`${first}T00:00:00Z`), end = Date.parse(`${last}T00:00:00Z`), n = 0; t <= end && n < 400; t += 86_400_000, n++) {
      const day = new Date(t).toISOString().slice(0, 10);
      filled.push(days.get(day) ?? { day, total: 0, resolved: 0, escalated: 0, abandoned: 0, ended: 0, active: 0 });
    }
    perDay.splice(0, perDay.length, ...filled);
  }

  const total = inRange.length;
  const share = (n: number) => (total === 0 ? 0 : n / total);
  return {
    fromMs: o.fromMs,
    toMs: o.toMs,
    total,
    counts,
    rates: { resolution: share(counts.resolved), escalation: share(counts.escalated), abandonment: share(counts.abandoned) },
    perDay,
    topSymptoms: [...symptoms.entries()]
      .map(([intent, r]) => ({ intent, ...r }))
      .sort((a, b) => b.count - a.count || a.intent.localeCompare(b.intent)),
    noSymptom,
    funnel: [...funnel.values()].sort(
      (a, b) => b.reached - a.reached || b.left + b.escalated - (a.left + a.escalated) || a.node.localeCompare(b.node),
    ),
    meanTurns: total === 0 ? 0 : turns / total,
    withMisses,
    annotated,
  };
}
