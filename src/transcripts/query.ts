/**
 * Queries for the review page, the CLI and the exports: filters and paging over conversation summaries, and
 * the analytics (per-day volume, outcome rates, top symptoms, the per-node drop-off funnel). Pure over the
 * summaries, except that the text search reads the transcripts of the conversations left after the other filters.
 */
import type { Intent } from '../core/index.js';
import type { DialogTree, NodeKind } from '../data/schemas.js';
import { holderOf, SYMPTOM_INTENTS } from './summary.js';
import { reRedactSummary } from './reredact.js';
import { fold, turnMatches } from './search.js';
import type { ChannelName } from '../core/index.js';
import { localDay, type UtcOffset } from '../core/time-zone.js';
import type { Again, ConversationFilter, ConversationSummary, Outcome, Page, ReviewStatus, TranscriptStore } from './types.js';

/** Default idle time after which an active conversation counts as abandoned: 30 minutes. */
export const DEFAULT_ABANDON_AFTER_MS = 30 * 60_000;

export interface QueryContext {
  nowMs: number;
  /** Idle time after which an active conversation is abandoned, ms. */
  abandonAfterMs: number;
  /** The tree's hand-off nodes (`handoffNodes(tree)`): a conversation that stopped at one waits for a person. */
  handoffNodes?: ReadonlySet<string>;
  /** The tree, for the funnel filter (where a conversation counts in the funnel: funnelPlaces). */
  tree?: DialogTree;
  /** Days after a fix within which the same person's new conversation on the same symptom is a return (cameBackAcross). Default CAME_BACK_DAYS. */
  cameBackDays?: number;
}

/** Default window of a return across conversations: 7 days (168 hours) after the fix. */
export const CAME_BACK_DAYS = 7;
const DAY_MS = 86_400_000;

/** A return across conversations, as the list's rows and GET /admin/api/conversations give it (additions to the summary). */
export interface CameBack {
  /** On a conversation closed as fixed: the same person's later conversations on the same symptom within the window, first first. */
  cameBackIn?: Array<{ id: string; startedAtMs: number }>;
  /** On such a later conversation: the fixed conversation it came back from (the latest fix before it). */
  cameBackFrom?: { id: string; resolvedAtMs: number };
}

/**
 * "Came back" across conversations (since round 33): the same person — the channel's user id on the same channel — starts a
 * new conversation on the same symptom (analyticsSymptom of both) within `days` after a conversation that reached
 * 解決しました (its first fix, `resolvedAtMs`). The fixed conversation gets `cameBackIn`, the new one `cameBackFrom`. The web
 * chat without a `user` has one user id per conversation: never a return. Pure over the summaries given.
 */
export function cameBackAcross(summaries: readonly ConversationSummary[], days = CAME_BACK_DAYS): Map<string, CameBack> {
  const byPerson = new Map<string, ConversationSummary[]>();
  for (const s of summaries) {
    const key = `${s.channel}\u0000${s.userId}`;
    const list = byPerson.get(key);
    if (list) list.push(s);
    else byPerson.set(key, [s]);
  }
  const out = new Map<string, CameBack>();
  const at = (id: string) => out.get(id) ?? (out.set(id, {}), out.get(id)!);
  for (const list of byPerson.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.startedAtMs - b.startedAtMs || a.id.localeCompare(b.id));
    for (const fixed of list) {
      const fixedAt = fixed.resolvedAtMs ?? (fixed.status === 'resolved' ? fixed.updatedAtMs : undefined);
      const symptom = analyticsSymptom(fixed);
      if (fixedAt === undefined || !symptom) continue;
      for (const later of list) {
        if (later.id === fixed.id || later.startedAtMs < fixedAt || later.startedAtMs - fixedAt > days * DAY_MS) continue;
        if (analyticsSymptom(later) !== symptom) continue;
        const f = at(fixed.id);
        f.cameBackIn = [...(f.cameBackIn ?? []), { id: later.id, startedAtMs: later.startedAtMs }];
        const l = at(later.id);
        // The latest fix before it (list is in start order: a later fixed conversation overwrites an earlier one).
        if (!l.cameBackFrom || l.cameBackFrom.resolvedAtMs <= fixedAt) l.cameBackFrom = { id: fixed.id, resolvedAtMs: fixedAt };
      }
    }
  }
  return out;
}

/** The ids of the tree's hand-off nodes (kind `handoff`). */
export function handoffNodes(tree: DialogTree | undefined): ReadonlySet<string> {
  return new Set([...(tree?.nodes ?? new Map())].filter(([, n]) => n.kind === 'handoff').map(([id]) => id as string));
}

/**
 * Handed over, the ticket not filed yet: the bot said 「ここからは担当者に引き継ぎます」 and asks the hand-off form, and the
 * person has not answered it (or left). They wait for a person as much as an escalation with a ticket does.
 */
export function atHandoffForm(s: Pick<ConversationSummary, 'status' | 'node' | 'ticketId'>, ctx: Pick<QueryContext, 'handoffNodes'>): boolean {
  return s.status === 'active' && !s.ticketId && (ctx.handoffNodes?.has(s.node) ?? false);
}

export type ReviewedSummary = ConversationSummary & CameBack & { review: ReviewStatus };

/**
 * The status staff see: `escalated` when it stopped at the hand-off form (atHandoffForm: however long ago — the person
 * was told a person takes over), `abandoned` when otherwise still active but idle longer than `abandonAfterMs`.
 */
export function reviewStatus(s: ConversationSummary, ctx: QueryContext): ReviewStatus {
  if (atHandoffForm(s, ctx)) return 'escalated';
  if (s.status === 'active' && ctx.nowMs - s.updatedAtMs > ctx.abandonAfterMs) return 'abandoned';
  return s.status;
}

/**
 * What the conversation came to, by what it EVER reached (see OUTCOMES): resolved wins over escalated (the person
 * said it works, even after a ticket), escalated over the rest; an active conversation idle past the abandon time
 * is abandoned; one the bot ended without a fix or a person is contained.
 */
export function outcomeOf(s: ConversationSummary, ctx: QueryContext): Outcome {
  if (s.resolvedAtMs !== undefined || s.status === 'resolved') return 'resolved';
  if (s.escalatedAtMs !== undefined || s.status === 'escalated' || s.ticketId || atHandoffForm(s, ctx)) return 'escalated';
  if (s.status === 'ended') return 'contained';
  return reviewStatus(s, ctx) === 'abandoned' ? 'abandoned' : 'active';
}

/**
 * The symptom analytics (and the list's symptom filter) count a conversation under: the one it ended on (`lastSymptom`:
 * a corrected symptom, a menu choice after 「どれでもない」); when the bot declined to act on the symptom model's reading
 * and was never on a symptom (`lastSymptom` null: a vague first message left at the menu, a guess turned down), the
 * filed ticket's symptom, else none. Otherwise (no `lastSymptom`: nothing the engine was on, summaries recorded before
 * round 29) the ticket's symptom, else the first symptom intent. Each conversation counts once.
 */
export function analyticsSymptom(s: Pick<ConversationSummary, 'symptom' | 'ticketSymptom' | 'lastSymptom'>): Intent | undefined {
  if (s.lastSymptom && SYMPTOM_INTENTS.has(s.lastSymptom)) return s.lastSymptom;
  if (s.ticketSymptom && SYMPTOM_INTENTS.has(s.ticketSymptom)) return s.ticketSymptom;
  if (s.lastSymptom === null) return undefined;
  if (s.symptom && SYMPTOM_INTENTS.has(s.symptom)) return s.symptom;
  return undefined;
}

/** Time from the first turn to the first 解決しました, ms (resolved conversations only). */
export function timeToResolutionMs(s: ConversationSummary): number | undefined {
  const at = s.resolvedAtMs ?? (s.status === 'resolved' ? s.updatedAtMs : undefined);
  return at === undefined ? undefined : Math.max(0, at - s.startedAtMs);
}

function matchesFields(s: ConversationSummary, f: ConversationFilter, ctx: QueryContext, across?: ReadonlyMap<string, CameBack>): boolean {
  if (f.fromMs !== undefined && s.startedAtMs < f.fromMs) return false;
  if (f.toMs !== undefined && s.startedAtMs >= f.toMs) return false;
  if (f.status && reviewStatus(s, ctx) !== f.status) return false;
  if (f.intent && s.symptom !== f.intent && !s.intents.includes(f.intent)) return false;
  if (f.carrier && s.carrier !== f.carrier) return false;
  if (f.device && s.device !== f.device) return false;
  if (f.channel && s.channel !== f.channel) return false;
  if (f.annotated && s.annotations === 0) return false;
  if (f.outcome && outcomeOf(s, ctx) !== f.outcome) return false;
  if (f.symptom && analyticsSymptom(s) !== f.symptom) return false;
  if (f.node !== undefined && !s.path.includes(f.node)) return false;
  if (f.funnel && !funnelPlaces(s, outcomeOf(s, ctx), ctx.tree).some((p) => p.column === f.funnel && (f.node === undefined || p.node === f.node))) return false;
  if (f.holder && (holderOf(s) ? 'staff' : 'nobody') !== f.holder) return false;
  if (f.again && !againOf(s, ctx.tree, across?.get(s.id)).includes(f.again)) return false;
  return true;
}

/** Kinds where the bot asks the person something (a second answer there means it asked again). */
const ASKING_KINDS: ReadonlySet<NodeKind> = new Set<NodeKind>(['ask', 'choice', 'step', 'handoff']);

/**
 * The nodes a resolve node leads to by itself (its options, info nodes' `next`, resolve and end nodes): the prevention
 * checklist and the goodbye. Reaching any other node after 解決しました means the person came back.
 */
function afterResolve(tree: DialogTree): ReadonlySet<string> {
  const out = new Set<string>();
  const todo = [...tree.nodes].filter(([, n]) => n.kind === 'resolve').map(([id]) => id as string);
  while (todo.length) {
    const id = todo.pop()!;
    if (out.has(id)) continue;
    const n = tree.nodes.get(id);
    if (!n || (n.kind !== 'resolve' && n.kind !== 'info' && n.kind !== 'end')) continue;
    out.add(id);
    if (n.kind === 'resolve') for (const o of n.options ?? []) todo.push(o.next as string);
    if (n.kind === 'info') todo.push(n.next as string);
  }
  return out;
}
const afterResolveMemo = new WeakMap<DialogTree, ReadonlySet<string>>();

/**
 * Why a lead reads this conversation again (ConversationFilter.again): `came_back` — after its first resolve node the
 * path goes on to a node the resolve node does not lead to by itself (「やっぱりまた届かない」 after 直った);
 * `asked_twice` — the person answered at one asking node (question, step, the hand-off form) twice or more
 * (summary `nodeTurns`), or the path reached such a node twice. Needs the tree (no tree: none).
 */
export function againOf(s: Pick<ConversationSummary, 'path' | 'nodeTurns'>, tree?: DialogTree, across?: CameBack): Again[] {
  const out: Again[] = [];
  // Fixed, and the same person came back in a new conversation on the same symptom (cameBackAcross; no tree needed).
  const acrossBack = (across?.cameBackIn?.length ?? 0) > 0;
  if (!tree) return acrossBack ? ['came_back'] : [];
  let after = afterResolveMemo.get(tree);
  if (!after) afterResolveMemo.set(tree, (after = afterResolve(tree)));
  const firstResolve = s.path.findIndex((id) => tree.nodes.get(id)?.kind === 'resolve');
  if (acrossBack || (firstResolve >= 0 && s.path.slice(firstResolve + 1).some((id) => !after.has(id)))) out.push('came_back');
  const asking = (id: string) => {
    const kind = tree.nodes.get(id)?.kind;
    return kind !== undefined && ASKING_KINDS.has(kind);
  };
  const twice =
    Object.entries(s.nodeTurns ?? {}).some(([id, n]) => n >= 2 && asking(id)) ||
    s.path.some((id, i) => asking(id) && s.path.indexOf(id) !== i);
  if (twice) out.push('asked_twice');
  return out;
}

/** Transcripts read at once by the scan. */
const SCAN_BATCH = 50;

/**
 * The conversations among `candidates` whose transcript holds the folded needle in a user or bot text (search.ts): the
 * store's index when it has one ready, else a read of every transcript (the plain scan).
 */
async function withText(store: TranscriptStore, needle: string, candidates: ConversationSummary[]): Promise<Set<string>> {
  const indexed = await store.textSearch?.(needle, candidates);
  if (indexed) return indexed;
  const out = new Set<string>();
  for (let i = 0; i < candidates.length; i += SCAN_BATCH) {
    const batch = candidates.slice(i, i + SCAN_BATCH);
    const found = await Promise.all(batch.map(async (s) => (await store.turns(s.id)).some((t) => turnMatches(t, needle))));
    batch.forEach((s, j) => found[j] && out.add(s.id));
  }
  return out;
}

/**
 * Conversations matching `filter`, most recent activity first. The text search looks at the conversation id,
 * ticket id, user, the first message's preview, and every user and bot text of the transcript (already redacted,
 * masked again at read time: search.ts) — in every conversation the other filters leave, however many.
 */
export async function findConversations(store: TranscriptStore, filter: ConversationFilter, ctx: QueryContext): Promise<ReviewedSummary[]> {
  // The window before `fromMs` too: a conversation in range may have come back from a fix made a few days before it.
  const days = ctx.cameBackDays ?? CAME_BACK_DAYS;
  const all = await store.summaries(filter.fromMs === undefined ? undefined : filter.fromMs - days * DAY_MS);
  const across = cameBackAcross(all, days);
  // Read-time redaction (reredact.ts): what is listed, and what the text search looks in, is masked again.
  let hits = all.filter((s) => matchesFields(s, filter, ctx, across)).map(reRedactSummary);
  const needle = filter.text?.trim() ? fold(filter.text.trim()) : undefined;
  if (needle) {
    const byMeta = new Set<string>();
    const rest: ConversationSummary[] = [];
    for (const s of hits) {
      const meta = [s.id, s.ticketId ?? '', s.userId, s.userName ?? '', s.preview ?? ''].join('\n');
      if (fold(meta).includes(needle)) byMeta.add(s.id);
      else rest.push(s);
    }
    const byText = await withText(store, needle, rest);
    hits = hits.filter((s) => byMeta.has(s.id) || byText.has(s.id));
  }
  const out: ReviewedSummary[] = hits.map((s) => ({ ...s, ...across.get(s.id), review: reviewStatus(s, ctx) }));
  // The hand-offs waiting for a person (status escalated, nobody holds them): the longest waiting first — the order a
  // desk picks them up in. Every other list: most recent activity first.
  if (filter.status === 'escalated' && filter.holder === 'nobody') out.sort((a, b) => waitingSinceMs(a) - waitingSinceMs(b) || a.id.localeCompare(b.id));
  return out;
}

/**
 * Since when an escalation has been waiting for a person: its first escalation (a ticket, a person asked for), else —
 * stopped at the hand-off form, no ticket yet — its last message.
 */
export function waitingSinceMs(s: Pick<ConversationSummary, 'escalatedAtMs' | 'updatedAtMs'>): number {
  return s.escalatedAtMs ?? s.updatedAtMs;
}

/** Cuts one page out of a list. `page` is 1-based and clamped to the last page. */
export function paginate<T>(items: T[], page: number, pageSize: number): Page<T> {
  const size = Math.max(1, Math.min(500, Math.floor(pageSize) || 25));
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.max(1, Math.min(pages, Math.floor(page) || 1));
  return { items: items.slice((p - 1) * size, p * size), total: items.length, page: p, pageSize: size, pages };
}

// ───────────────────────────── analytics ─────────────────────────────

/** Outcome counts of a group of conversations, with its rates and median time to resolution. */
export interface OutcomeRow {
  total: number;
  resolved: number;
  escalated: number;
  abandoned: number;
  contained: number;
  active: number;
  /** Shares of `total`, 0–1 (0 when total is 0). Containment: finished by the bot alone (resolved or contained). */
  rates: { resolution: number; escalation: number; abandonment: number; containment: number };
  /** Median time from the first turn to the first 解決しました, ms (null when nothing was resolved). */
  medianResolutionMs: number | null;
}

export interface DayCount extends OutcomeRow {
  /** YYYY-MM-DD in the analytics' time zone (the day the conversation started). */
  day: string;
}

export interface ChannelCount extends OutcomeRow {
  channel: ChannelName;
}

/**
 * The funnel's columns that say what happened to a conversation at a node (FunnelRow; `ended` here excludes give-ups, as
 * the page's 終了 column does): the list's funnel filter (ConversationFilter.funnel) takes one.
 */
export const FUNNEL_COLUMNS = ['left', 'gave_up', 'escalated', 'handed_over', 'resolved', 'ended', 'rerouted', 'finished', 'open'] as const;
export type FunnelColumn = (typeof FUNNEL_COLUMNS)[number];

export interface FunnelRow {
  node: string;
  /** Kind of the node in the current tree (absent when the tree no longer has it). */
  kind?: NodeKind;
  /** Conversations that reached the node. */
  reached: number;
  /** … of which the person left there (abandoned). */
  left: number;
  /**
   * … escalated from there: asked for a person at this step (or the tree ran out after it). Counted where they asked,
   * never at the hand-off node they then went to (that node counts `handedOver`).
   */
  escalated: number;
  /** Hand-off nodes: escalated conversations handed to a person here (the first hand-off node on their path). */
  handedOver: number;
  /** … of which a ticket was filed. */
  tickets: number;
  /** … were fixed by that node's step. */
  resolved: number;
  /** … the bot ended there without fix or ticket (contained). */
  ended: number;
  /**
   * … of `ended`, the person gave up there (the bot acted on a give_up reply: 「もういいです」, "forget it"). A give-up is
   * contained by the definition of the outcomes, yet it is a person the tree lost: the funnel counts it in the drop.
   */
  gaveUp: number;
  /**
   * … left by a correction: the person said the step's premise was wrong (「いや、全部のメールが届かないです」 at the
   * junk-folder step) and the bot went to other steps — another symptom's, or the same symptom's for the corrected scope
   * (the turn policy's `reroute`). Not an exit: the conversation's outcome counts where it ended. Since round 29.
   */
  rerouted: number;
  /**
   * Resolve and end nodes: … the conversation stopped there (its last node; not active, not abandoned) — 解決しました or
   * the bot's goodbye was the last word. The outcome counts at the step before (exitNode); without this the page read
   * "went on" for people who had finished. Since round 29.
   */
  finished: number;
  /**
   * Conversations still open (outcome `active`: a turn within the abandon time) whose last node is this one: they have
   * not gone on from here (yet). Without it an open conversation — e.g. one whose last click was a stale button, refused
   * with the question again — read "went on" at its question. Since round 37 (stale-37); absent in older JSON readers' eyes.
   */
  open?: number;
}

/** How often people were not understood at a node (src/transcripts/fallback.ts). */
export interface FallbackRow {
  /** The node the person was answering ('' = before the first question). */
  node: string;
  kind?: NodeKind;
  /** Turns answered at the node. */
  turns: number;
  /** … of which fallbacks. */
  fallbacks: number;
  /** fallbacks / turns. */
  rate: number;
}

export interface SymptomRow extends Omit<OutcomeRow, 'total' | 'rates' | 'medianResolutionMs'> {
  intent: Intent;
  count: number;
}

export interface Analytics {
  fromMs?: number;
  toMs?: number;
  total: number;
  /** By the conversation's current review status (what the list's status filter shows). */
  counts: Record<ReviewStatus, number>;
  /** By outcome (what the conversation ever reached): the numbers the rates use. */
  outcomes: Record<Outcome, number>;
  /** Shares of `total` by outcome, 0–1 (0 when total is 0). */
  rates: OutcomeRow['rates'];
  medianResolutionMs: number | null;
  perDay: DayCount[];
  perChannel: ChannelCount[];
  /** Symptoms (the ticket's, else the first symptom intent) by conversations, most first, with their outcomes. */
  topSymptoms: SymptomRow[];
  /** Conversations with no recognised symptom. */
  noSymptom: number;
  funnel: FunnelRow[];
  /** Fallback turns per node, most fallbacks first (nodes with at least one fallback). */
  fallbacks: FallbackRow[];
  /** All turns counted for fallbacks, and the fallbacks among them. */
  fallbackTotals: { turns: number; fallbacks: number; rate: number };
  /** Turns per conversation, mean. */
  meanTurns: number;
  /** Conversations with at least one out_of_scope turn. */
  withMisses: number;
  annotated: number;
  /** "Came back" (since round 34): the fixed conversations in range and those the list's `again=came_back` lists, by symptom, fixing step and device. */
  cameBack: CameBackCounts;
}

/** Of the conversations closed as fixed (outcome resolved): how many came back (againOf `came_back`), and how many of those in a new conversation. */
export interface CameBackRow {
  fixed: number;
  /** Listed by `again=came_back`: wrote again after 解決しました, or came back in a new conversation within `days`. */
  cameBack: number;
  /** Of `cameBack`: the same person's new conversation on the same symptom within `days` (the list's `cameBackIn`). */
  inNewConversation: number;
}

export interface CameBackCounts extends CameBackRow {
  /** The window (CAME_BACK_DAYS). */
  days: number;
  /** By the symptom the conversation counts under (analyticsSymptom), most returns first. */
  bySymptom: Array<CameBackRow & { intent: Intent }>;
  /** By the step that fixed it (the funnel's `resolved` place, exitNode), most returns first. */
  byNode: Array<CameBackRow & { node: string }>;
  /** By the summary's device ('' when none was said), most returns first. */
  byDevice: Array<CameBackRow & { device: string }>;
}

/** Node kinds where a conversation finishes rather than where the person decided: not the exit point. */
const TERMINAL_KINDS: ReadonlySet<NodeKind> = new Set<NodeKind>(['handoff', 'resolve', 'end']);

/**
 * Where a conversation left the tree, by its outcome: for resolved / escalated the last node before it first
 * reached a resolve / hand-off node that is not itself a resolve / hand-off / end node (the step that fixed it,
 * the step after which they asked for a person); for contained the same on the whole path; for abandoned the last
 * node reached (where they gave up, hand-off questions included). `ended` is read as contained.
 */
export function exitNode(s: Pick<ConversationSummary, 'path'>, outcome: Outcome | ReviewStatus, tree?: DialogTree): string | undefined {
  if (outcome === 'active' || s.path.length === 0) return undefined;
  if (outcome === 'abandoned') return s.path[s.path.length - 1];
  let end = s.path.length;
  const stopAt: NodeKind | undefined = outcome === 'resolved' ? 'resolve' : outcome === 'escalated' ? 'handoff' : undefined;
  if (stopAt && tree) {
    const i = s.path.findIndex((id) => tree.nodes.get(id)?.kind === stopAt);
    if (i > 0) end = i;
  }
  for (let i = end - 1; i >= 0; i--) {
    const id = s.path[i] as string;
    const kind = tree?.nodes.get(id)?.kind;
    if (!kind || !TERMINAL_KINDS.has(kind)) return id;
  }
  return s.path[end - 1];
}

/**
 * Where one conversation counts in the funnel's columns (FunnelRow): the step it left at, gave up at, asked for a person
 * at, was fixed at or ended at (exitNode, by its outcome), the hand-off node it was handed to a person at, every step it
 * left by a correction, and the resolve or end node it finished at. computeAnalytics counts these, and the list's funnel filter (`?node=…&funnel=…`) lists the
 * conversations behind one count — the same function, so a count and its list agree.
 */
export function funnelPlaces(
  s: Pick<ConversationSummary, 'path' | 'acts' | 'reroutedAt'>,
  outcome: Outcome,
  tree?: DialogTree,
): Array<{ node: string; column: FunnelColumn }> {
  const out: Array<{ node: string; column: FunnelColumn }> = [];
  const exit = exitNode(s, outcome, tree);
  // An escalation is "asked for a person" at the step where they asked (exitNode) and "handed over" at the hand-off
  // node it went to — one conversation, two rows, each saying what happened there.
  const handoff = outcome === 'escalated' && tree ? s.path.find((id) => tree.nodes.get(id)?.kind === 'handoff') : undefined;
  if (handoff !== undefined) out.push({ node: handoff, column: 'handed_over' });
  if (exit !== undefined) {
    if (outcome === 'abandoned') out.push({ node: exit, column: 'left' });
    else if (outcome === 'escalated' && exit !== handoff) out.push({ node: exit, column: 'escalated' });
    else if (outcome === 'resolved') out.push({ node: exit, column: 'resolved' });
    // A give-up is contained by the definition of the outcomes, yet a person the tree lost: its own column.
    else if (outcome === 'contained') out.push({ node: exit, column: s.acts?.includes('give_up') ? 'gave_up' : 'ended' });
  }
  for (const node of s.reroutedAt ?? []) if (s.path.includes(node)) out.push({ node, column: 'rerouted' });
  const last = s.path[s.path.length - 1];
  const lastKind = last !== undefined ? tree?.nodes.get(last)?.kind : undefined;
  if (last !== undefined && (lastKind === 'resolve' || lastKind === 'end') && outcome !== 'active' && outcome !== 'abandoned') out.push({ node: last, column: 'finished' });
  // Still open (a turn within the abandon time) where it stands now: not "went on" from there (stale-37 — a question
  // answered only by a stale click, or not yet, read 「次へ進んだ」).
  if (last !== undefined && outcome === 'active') out.push({ node: last, column: 'open' });
  return out;
}

/** YYYY-MM-DD of `ms` in the zone at `offset` (minutes from UTC, or a zone's offset at each instant). */
export function dayOf(ms: number, offset: UtcOffset): string {
  return localDay(ms, offset);
}

/** Median of a list of numbers (mean of the two middle ones for an even count); null when empty. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** Accumulates outcomes of a group; `finish()` returns its row. */
class OutcomeTally {
  total = 0;
  n: Record<Outcome, number> = { resolved: 0, escalated: 0, abandoned: 0, contained: 0, active: 0 };
  times: number[] = [];
  add(s: ConversationSummary, outcome: Outcome): void {
    this.total++;
    this.n[outcome]++;
    if (outcome === 'resolved') {
      const t = timeToResolutionMs(s);
      if (t !== undefined) this.times.push(t);
    }
  }
  finish(): OutcomeRow {
    const share = (k: number) => (this.total === 0 ? 0 : k / this.total);
    return {
      total: this.total,
      ...this.n,
      rates: {
        resolution: share(this.n.resolved),
        escalation: share(this.n.escalated),
        abandonment: share(this.n.abandoned),
        containment: share(this.n.resolved + this.n.contained),
      },
      medianResolutionMs: median(this.times),
    };
  }
}

export interface AnalyticsOptions extends QueryContext {
  fromMs?: number;
  toMs?: number;
  tree?: DialogTree;
  /** Time zone of the per-day chart, minutes from UTC (540 for Japan) or TIME_ZONE's offset at each instant. */
  utcOffset: UtcOffset;
  /**
   * Returns across conversations (cameBackAcross over every summary, not only the filtered ones: a return that named no
   * carrier still counts for a fix on docomo). Default: computed from the summaries given.
   */
  across?: ReadonlyMap<string, CameBack>;
}

/** A came-back tally keyed by a split value. */
class CameBackTally<K extends string> {
  readonly rows = new Map<K, CameBackRow>();
  add(key: K, back: boolean, inNew: boolean): void {
    const r = this.rows.get(key) ?? { fixed: 0, cameBack: 0, inNewConversation: 0 };
    r.fixed++;
    if (back) r.cameBack++;
    if (inNew) r.inNewConversation++;
    this.rows.set(key, r);
  }
  list<N extends string>(name: N): Array<CameBackRow & Record<N, K>> {
    return [...this.rows]
      .map(([k, r]) => ({ [name]: k, ...r }) as CameBackRow & Record<N, K>)
      .sort((a, b) => b.cameBack - a.cameBack || b.fixed - a.fixed || String(a[name]).localeCompare(String(b[name])));
  }
}

/** Computes every number of the analytics view from conversation summaries started in [fromMs, toMs). */
export function computeAnalytics(summaries: ConversationSummary[], options: AnalyticsOptions): Analytics {
  const o: AnalyticsOptions = { ...options, handoffNodes: options.handoffNodes ?? handoffNodes(options.tree) };
  const inRange = summaries.filter(
    (s) => (o.fromMs === undefined || s.startedAtMs >= o.fromMs) && (o.toMs === undefined || s.startedAtMs < o.toMs),
  );
  const counts: Record<ReviewStatus, number> = { active: 0, resolved: 0, escalated: 0, ended: 0, abandoned: 0 };
  const all = new OutcomeTally();
  const days = new Map<string, OutcomeTally>();
  const channels = new Map<ChannelName, OutcomeTally>();
  const symptoms = new Map<Intent, SymptomRow>();
  const funnel = new Map<string, FunnelRow>();
  const perNode = new Map<string, { turns: number; fallbacks: number }>();
  let noSymptom = 0;
  let turns = 0;
  let withMisses = 0;
  let annotated = 0;
  const backDays = o.cameBackDays ?? CAME_BACK_DAYS;
  const across = o.across ?? cameBackAcross(summaries, backDays);
  const back = { fixed: 0, cameBack: 0, inNewConversation: 0 };
  const backBySymptom = new CameBackTally<Intent>();
  const backByNode = new CameBackTally<string>();
  const backByDevice = new CameBackTally<string>();

  for (const s of inRange) {
    const review = reviewStatus(s, o);
    const outcome = outcomeOf(s, o);
    counts[review]++;
    all.add(s, outcome);
    turns += s.turns;
    if (s.misses > 0) withMisses++;
    if (s.annotations > 0) annotated++;
    const day = dayOf(s.startedAtMs, o.utcOffset);
    if (!days.has(day)) days.set(day, new OutcomeTally());
    days.get(day)?.add(s, outcome);
    if (!channels.has(s.channel)) channels.set(s.channel, new OutcomeTally());
    channels.get(s.channel)?.add(s, outcome);

    const symptom = analyticsSymptom(s);
    if (symptom) {
      const row = symptoms.get(symptom) ?? { intent: symptom, count: 0, resolved: 0, escalated: 0, abandoned: 0, contained: 0, active: 0 };
      row.count++;
      row[outcome]++;
      symptoms.set(symptom, row);
    } else noSymptom++;

    if (outcome === 'resolved') {
      // The list's own test (againOf, the same `across`): a count here opens exactly these conversations.
      const inNew = (across.get(s.id)?.cameBackIn?.length ?? 0) > 0;
      const isBack = againOf(s, o.tree, across.get(s.id)).includes('came_back');
      back.fixed++;
      if (isBack) back.cameBack++;
      if (inNew) back.inNewConversation++;
      if (symptom) backBySymptom.add(symptom, isBack, inNew);
      const fixedAt = exitNode(s, 'resolved', o.tree);
      if (fixedAt !== undefined) backByNode.add(fixedAt, isBack, inNew);
      backByDevice.add(s.device ?? '', isBack, inNew);
    }

    for (const node of new Set(s.path)) {
      const row = funnel.get(node) ?? { node, reached: 0, left: 0, escalated: 0, handedOver: 0, tickets: 0, resolved: 0, ended: 0, gaveUp: 0, rerouted: 0, finished: 0, open: 0 };
      const kind = o.tree?.nodes.get(node)?.kind;
      if (kind) row.kind = kind;
      row.reached++;
      funnel.set(node, row);
    }
    for (const { node, column } of funnelPlaces(s, outcome, o.tree)) {
      const row = funnel.get(node);
      if (!row) continue;
      if (column === 'handed_over') {
        row.handedOver++;
        if (s.ticketId) row.tickets++;
      } else if (column === 'left') row.left++;
      else if (column === 'escalated') row.escalated++;
      else if (column === 'resolved') row.resolved++;
      // `ended` counts give-ups too (the API's meaning); the page's 終了 column is ended − gaveUp.
      else if (column === 'ended') row.ended++;
      else if (column === 'gave_up') {
        row.ended++;
        row.gaveUp++;
      } else if (column === 'rerouted') row.rerouted++;
      else if (column === 'finished') row.finished++;
      else if (column === 'open') row.open = (row.open ?? 0) + 1;
    }

    for (const [node, n] of Object.entries(s.nodeTurns ?? {})) {
      const r = perNode.get(node) ?? { turns: 0, fallbacks: 0 };
      r.turns += n;
      r.fallbacks += s.nodeFallbacks?.[node] ?? 0;
      perNode.set(node, r);
    }
  }

  // Days without conversations still show (as zero) between the first and the last day of the range.
  const perDay: DayCount[] = [];
  const known = [...days.keys()].sort();
  if (known.length > 0) {
    const first = o.fromMs !== undefined ? dayOf(o.fromMs, o.utcOffset) : (known[0] as string);
    const last = o.toMs !== undefined ? dayOf(o.toMs - 1, o.utcOffset) : (known[known.length - 1] as string);
    for (let t = Date.parse(`${first}T00:00:00Z`), end = Date.parse(`${last}T00:00:00Z`), n = 0; t <= end && n < 400; t += 86_400_000, n++) {
      const day = new Date(t).toISOString().slice(0, 10);
      perDay.push({ day, ...(days.get(day) ?? new OutcomeTally()).finish() });
    }
  }

  const fallbacks: FallbackRow[] = [];
  let fbTurns = 0;
  let fbCount = 0;
  for (const [node, r] of perNode) {
    fbTurns += r.turns;
    fbCount += r.fallbacks;
    if (r.fallbacks === 0) continue;
    const kind = o.tree?.nodes.get(node)?.kind;
    fallbacks.push({ node, ...(kind ? { kind } : {}), turns: r.turns, fallbacks: r.fallbacks, rate: r.fallbacks / r.turns });
  }
  fallbacks.sort((a, b) => b.fallbacks - a.fallbacks || b.rate - a.rate || a.node.localeCompare(b.node));

  const total = inRange.length;
  const overall = all.finish();
  return {
    fromMs: o.fromMs,
    toMs: o.toMs,
    total,
    counts,
    outcomes: { resolved: overall.resolved, escalated: overall.escalated, abandoned: overall.abandoned, contained: overall.contained, active: overall.active },
    rates: overall.rates,
    medianResolutionMs: overall.medianResolutionMs,
    perDay,
    perChannel: [...channels.entries()]
      .map(([channel, t]) => ({ channel, ...t.finish() }))
      .sort((a, b) => b.total - a.total || a.channel.localeCompare(b.channel)),
    topSymptoms: [...symptoms.values()].sort((a, b) => b.count - a.count || a.intent.localeCompare(b.intent)),
    noSymptom,
    funnel: [...funnel.values()].sort(
      (a, b) => b.reached - a.reached || b.left + b.escalated + b.gaveUp - (a.left + a.escalated + a.gaveUp) || a.node.localeCompare(b.node),
    ),
    fallbacks,
    fallbackTotals: { turns: fbTurns, fallbacks: fbCount, rate: fbTurns === 0 ? 0 : fbCount / fbTurns },
    meanTurns: total === 0 ? 0 : turns / total,
    withMisses,
    annotated,
    cameBack: { days: backDays, ...back, bySymptom: backBySymptom.list('intent'), byNode: backByNode.list('node'), byDevice: backByDevice.list('device') },
  };
}
