/**
 * The improvement queue of /admin/improve: turns worth a look (low confidence, fallbacks, clarification choices,
 * answers flagged as wrong), and the NLU's accuracy on corrected turns over time (by the week of the correction:
 * what the bot said then, and what the current model says today).
 */
import { z } from 'zod';
import type { Act, ChannelName, Intent, Nlu } from '../core/index.js';
import { firstWords } from '../data/node-name.js';
import type { DialogTree } from '../data/schemas.js';
import { acceptedActs } from '../dialog/answers.js';
import { actInContext, type ReplyPlace } from '../nlu/replies.js';
import { REDACTION_MARK, redact } from '../core/redact.js';
import { dayEndMs, dayStartMs, wallClock, type UtcOffset } from '../core/time-zone.js';
import { actedReading, isFallback } from '../transcripts/fallback.js';
import type { Annotation, ConversationSummary, TranscriptStore, TranscriptTurn } from '../transcripts/types.js';
import { withActionLabels } from '../transcripts/summary.js';

export type ImproveReason = 'low_confidence' | 'fallback' | 'clarification' | 'flagged';

export interface ImproveFilter {
  /** Turns whose confidence is below this (0–1). */
  below: number;
  reasons: ImproveReason[];
  /** Days back (when no `from` is given). */
  days: number;
  /**
   * Days of the help desk's zone (YYYY-MM-DD, both included): the analytics page's range, carried by its links — only
   * conversations started on those days are read, as the analytics count them (a node's not-understood count opens the
   * same messages). `from` wins over `days`; `to` alone ends the `days` window that day.
   */
  from?: string;
  to?: string;
  /**
   * Only messages written at this node (`nodeBefore`; START_NODE for first messages): the analytics' not-understood count
   * of a node opens the messages behind it.
   */
  node?: string;
  /** One row per message (`group=0`) instead of one per repeated line (groupImprove; the default since round 33). */
  flat?: boolean;
}

/** The `node` filter value for messages written before the first question (the analytics' （開始） row). */
export const START_NODE = '(start)';

export interface ImproveItem {
  conversation: string;
  seq: number;
  atMs: number;
  /** The conversation's channel (web, slack, teams, cli): each occurrence of a repeated line says where it was (since round 36). */
  channel?: ChannelName;
  /**
   * The bot's question the person answered (the previous turn's last message, redacted: its last question sentence, else its
   * first words): the occurrences of 「わかりません」 read apart by what each was an answer to (since round 36). Absent for a first message.
   */
  question?: string;
  text?: string;
  action?: string;
  /** A click's button as the person read it (the choices the turn before offered): the page shows it, not the value. */
  actionLabel?: string;
  intent?: Intent | null;
  /** The reply act the bot read at its question (TranscriptTurn.reading): what decided the turn, beside `intent`. */
  act?: Act;
  /** The act's confidence when `act` is set, else the intent's. */
  confidence?: number;
  /** Where the person wrote it ('' before the first question): the node the per-node not-understood rate counts it at. */
  nodeBefore: string;
  /** Where the bot went with it (the node of its answer, which a flag marks as wrong). */
  node: string;
  /**
   * The two-stage fallback's 「「…」ということでしょうか？」 around the turn (since round 35): `before`, the symptom it asked
   * about when the turn answers it; `after`, when the turn was answered with it. Both pages name the place so.
   */
  askedBack?: { before?: Intent; after?: Intent };
  /** A typed reply to a question of the bot's (answersQuestion): staff may give its reply act. */
  reply?: true;
  reasons: ImproveReason[];
  corrected: boolean;
  /**
   * A message answered with the two-stage fallback (「「…」ということでしょうか？」): what the person picked next — a
   * symptom, or `none` (「どれでもない」) — and, after `none`, the symptom they went on to (the menu's button). The
   * intent a lead gives the message to train it.
   */
  picked?: { chosen: Intent | 'none'; then?: Intent };
}

const REASONS = ['low_confidence', 'fallback', 'clarification', 'flagged'] as const;
/** A real calendar day (2026-13-45 is refused). */
const isDay = (v: string) => {
  const d = new Date(`${v}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
};
const schema = z.object({
  below: z.coerce.number().min(0).max(1).optional(),
  reason: z.union([z.enum(REASONS), z.array(z.enum(REASONS))]).optional(),
  days: z.coerce.number().int().min(1).max(400).optional(),
  node: z.string().max(120).optional(),
  from: z.union([z.literal(''), z.string().refine(isDay, 'not a date (YYYY-MM-DD)')]).optional(),
  to: z.union([z.literal(''), z.string().refine(isDay, 'not a date (YYYY-MM-DD)')]).optional(),
  group: z.enum(['0', '1']).optional(),
});

/** The queue's filter from a query string (`below=0.5&reason=fallback&reason=flagged&days=30`). */
export function improveQuery(q: unknown): { ok: true; value: ImproveFilter; error?: undefined } | { ok: false; error: z.ZodError; value?: undefined } {
  const r = schema.safeParse(q ?? {});
  if (!r.success) return { ok: false, error: r.error };
  const reasons = r.data.reason === undefined ? [...REASONS] : Array.isArray(r.data.reason) ? r.data.reason : [r.data.reason];
  return {
    ok: true,
    value: {
      below: r.data.below ?? 0.5,
      reasons,
      days: r.data.days ?? 30,
      ...(r.data.node ? { node: r.data.node } : {}),
      ...(r.data.from ? { from: r.data.from } : {}),
      ...(r.data.to ? { to: r.data.to } : {}),
      ...(r.data.group === '0' ? { flat: true } : {}),
    },
  };
}

/**
 * One repeated line of the queue (since round 33): the messages whose text is the same once normalised (NFKC, lower case,
 * spaces collapsed — dropped beside Japanese —, end punctuation dropped: 「Gmailが同期しない」 = 「Ｇｍａｉｌ が同期しない。」), or the clicks of one button at
 * one node — with how often, in how many conversations, and each occurrence (newest first) to open. The most frequent
 * first, so the misreading that costs most is turned into training data first.
 */
export interface ImproveGroup {
  /** The normalised text (or `click:<node>:<value>`). */
  key: string;
  count: number;
  /** Distinct conversations. */
  conversations: number;
  /** Every reason any occurrence was listed for. */
  reasons: ImproveReason[];
  /** Occurrences staff corrected already. */
  corrected: number;
  /** The newest occurrence: the text, reading and node the row shows. */
  latest: ImproveItem;
  /**
   * Every occurrence, newest first: which conversation (channel, id), where it was said (`nodeBefore`, `askedBack`) and after
   * which question of the bot's (`question`) — the page's occurrence links say them (since round 36), not a bare time.
   */
  items: Array<Pick<ImproveItem, 'conversation' | 'seq' | 'atMs' | 'corrected' | 'picked' | 'channel' | 'nodeBefore' | 'askedBack' | 'question'>>;
}

/** The key lines are grouped by: the text folded (NFKC, lower case), spaces collapsed (none beside Japanese), end punctuation dropped. */
export function improveKey(i: Pick<ImproveItem, 'text' | 'action' | 'nodeBefore'>): string {
  if (i.text === undefined) return `click:${i.nodeBefore}:${i.action ?? ''}`;
  return i.text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    // A space beside Japanese is spelling, not a word break: 「Gmail が」 = 「Gmailが」 (between Latin words it stays).
    .replace(/ (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) /gu, '')
    .replace(/[\s。.!?！？、,…]+$/u, '');
}

/**
 * ImproveItem.askedBack of turn `i`: the ask-back it answered (no node before) and the one it was answered with (no node
 * after). The ask-back answered is the latest offered while the conversation stayed at it: a reply not understood there is
 * asked again (「すみません、どれに近いかを下から選んでください。」) without a new offer recorded, and a second miss read
 * 「（開始）」 beside the first's 「「…」ということでしょうか？（確認）」 (round 37's walk).
 */
function askedBackAt(turns: readonly TranscriptTurn[], i: number): Pick<ImproveItem, 'askedBack'> {
  const t = turns[i]!;
  let before: Intent | undefined;
  if (t.nodeBefore === '')
    for (let j = i - 1; j >= 0 && turns[j]!.node === '' && !before; j--) before = turns[j]!.clarification?.offered[0];
  const after = t.node === '' ? t.clarification?.offered[0] : undefined;
  return before || after ? { askedBack: { ...(before ? { before } : {}), ...(after ? { after } : {}) } } : {};
}

/** The queue's items as repeated lines (ImproveGroup), most frequent first, then the most recent. */
export function groupImprove(items: readonly ImproveItem[]): ImproveGroup[] {
  const groups = new Map<string, ImproveGroup & { ids: Set<string> }>();
  for (const i of [...items].sort((a, b) => b.atMs - a.atMs)) {
    const key = improveKey(i);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, count: 0, conversations: 0, reasons: [], corrected: 0, latest: i, items: [], ids: new Set() }));
    g.count++;
    g.ids.add(i.conversation);
    g.conversations = g.ids.size;
    if (i.corrected) g.corrected++;
    for (const r of i.reasons) if (!g.reasons.includes(r)) g.reasons.push(r);
    g.items.push({
      conversation: i.conversation,
      seq: i.seq,
      atMs: i.atMs,
      corrected: i.corrected,
      ...(i.picked ? { picked: i.picked } : {}),
      ...(i.channel ? { channel: i.channel } : {}),
      nodeBefore: i.nodeBefore,
      ...(i.askedBack?.before ? { askedBack: { before: i.askedBack.before } } : {}),
      ...(i.question ? { question: i.question } : {}),
    });
  }
  return [...groups.values()]
    .map(({ ids: _ids, ...g }) => g)
    .sort((a, b) => b.count - a.count || b.latest.atMs - a.latest.atMs);
}

/**
 * The person answered a question of the bot's: at a node (nodeBefore), or the 「…ということでしょうか？」 ask-back the turn
 * before asked at the start (nodeBefore '' there, yet 「わかりません」 is a reply — its meaning is a reply act, not an intent).
 */
export function answersQuestion(turn: Pick<TranscriptTurn, 'nodeBefore'>, prev: Pick<TranscriptTurn, 'clarification'> | undefined): boolean {
  return turn.nodeBefore !== '' || (prev?.clarification?.offered?.length ?? 0) > 0;
}

/** A clarification choice: the person answered a "did you mean …?" ask-back (the NLU sibling's field, or the reply key). */
function isClarificationChoice(turn: TranscriptTurn, prev: TranscriptTurn | undefined): boolean {
  if ((turn as { clarification?: unknown }).clarification !== undefined) return true;
  return turn.action !== undefined && (prev?.replies ?? []).some((r) => r.key === 'engine.clarify' || r.key === 'engine.clarify_human');
}

/** ImproveItem.question: the bot's last message before the turn, as its last question sentence or else its first words. */
function questionBefore(prev: TranscriptTurn | undefined): Pick<ImproveItem, 'question'> {
  const text = [...(prev?.replies ?? [])].reverse().find((r) => r.text.trim())?.text;
  if (!text) return {};
  const flat = redact(text).text.replace(/[*_`#>]/g, '').replace(/\s+/g, ' ').trim();
  // Sentences end at 。？！ or ?! (and '. '); a question is the sentence ending in ？ or ?.
  const sentences = flat.match(/[^。？！?!]+(?:[。？！?!]|$)/g) ?? [flat];
  const asked = [...sentences].reverse().find((x) => /[？?]$/.test(x.trim()));
  return { question: firstWords(asked?.trim() ?? flat) };
}

/** What the person picked at the clarify question asked for the typed turn `i` (ImproveItem.picked), if anything. */
function pickedAfter(turns: readonly TranscriptTurn[], i: number): { picked?: ImproveItem['picked'] } {
  const turn = turns[i]!;
  if (turn.text === undefined || !turn.clarification?.offered?.length) return {};
  const answer = turns[i + 1];
  const chosen = answer?.clarification?.chosen;
  if (!chosen) return {};
  if (chosen !== 'none') return { picked: { chosen } };
  const then = turns.slice(i + 2).find((x) => x.symptom)?.symptom;
  return { picked: { chosen: 'none', ...(then ? { then } : {}) } };
}

/** Most conversations the queue reads (most recent first). */
const MAX_CONVERSATIONS = 300;
/** Most items it returns. */
const MAX_ITEMS = 200;
/** Conversations read ahead of the one looked at. */
const READ_AHEAD = 25;

/**
 * The conversations the queue reads: without dates, those active in the last `days` days; with `from` / `to` (the
 * analytics' range), those started in [fromMs, toMs) — `from` defaults to `days` before `to`.
 */
export function improveWindow(f: ImproveFilter, nowMs: number, utcOffset: UtcOffset = 0): { sinceMs: number; started?: { fromMs: number; toMs: number } } {
  if (!f.from && !f.to) return { sinceMs: nowMs - f.days * 86_400_000 };
  const toMs = f.to ? dayEndMs(f.to, utcOffset) : Number.POSITIVE_INFINITY;
  const fromMs = f.from ? dayStartMs(f.from, utcOffset) : Math.min(toMs, nowMs) - f.days * 86_400_000;
  return { sinceMs: fromMs, started: { fromMs, toMs } };
}

/**
 * Whether a conversation can hold a turn the filter lists, read from its summary alone (no turns read): one that never
 * answered at the node, or — for fallbacks only — had no fallback there (`nodeFallbacks`, the count the analytics'
 * not-understood rate links from), or — for flagged only — has no annotation, is skipped before the MAX_CONVERSATIONS cap.
 * Without the pre-filter the cap took the newest 300 conversations first, so with 500 the analytics' 「理解できず 50」 at
 * （開始） opened a list of 30. Summaries recorded before per-node counts existed (no `nodeTurns`) are always read.
 */
export function mayHold(s: ConversationSummary, f: Pick<ImproveFilter, 'node' | 'reasons'>): boolean {
  if (!s.nodeTurns) return true;
  const at = f.node === undefined ? undefined : f.node === START_NODE ? '' : f.node;
  if (at !== undefined && !(at in s.nodeTurns)) return false;
  const only = (r: ImproveReason) => f.reasons.length > 0 && f.reasons.every((x) => x === r);
  if (only('fallback')) return at !== undefined ? (s.nodeFallbacks?.[at] ?? 0) > 0 : Object.values(s.nodeFallbacks ?? {}).some((n) => n > 0);
  if (only('flagged')) return s.annotations > 0;
  return true;
}

/** The queue, and — when more conversations could hold an item than the queue reads — how many it read of how many. */
export interface ImproveResult {
  items: ImproveItem[];
  /** The items as repeated lines (groupImprove), most frequent first. Since round 33. */
  groups: ImproveGroup[];
  limited?: { read: number; of: number };
}

/** The turns of one conversation the filter lists (the queue's rule: reasons, node), as queue items. */
function listedTurns(s: ConversationSummary, recorded: TranscriptTurn[], notes: Annotation[], f: ImproveFilter): ImproveItem[] {
  const out: ImproveItem[] = [];
  const turns = withActionLabels(recorded);
  const bySeq = new Map(notes.map((n) => [n.seq, n]));
  const at = f.node === START_NODE ? '' : f.node;
  turns.forEach((t, i) => {
    if (at !== undefined && t.nodeBefore !== at) return;
    const reasons: ImproveReason[] = [];
    // A reply read as an act is as sure as its act (「もういいです」: give_up 0.9, though its intent affirm is 0.28).
    const reading = actedReading(t);
    const confidence = reading ? reading.confidence : t.confidence;
    if (f.reasons.includes('low_confidence') && t.text !== undefined && t.intent && (confidence ?? 1) < f.below) reasons.push('low_confidence');
    if (f.reasons.includes('fallback') && isFallback(t)) reasons.push('fallback');
    if (f.reasons.includes('clarification') && isClarificationChoice(t, turns[i - 1])) reasons.push('clarification');
    if (f.reasons.includes('flagged') && bySeq.get(t.seq)?.flag) reasons.push('flagged');
    if (reasons.length === 0) return;
    out.push({
      conversation: s.id,
      seq: t.seq,
      atMs: t.atMs,
      channel: s.channel,
      ...questionBefore(turns[i - 1]),
      ...(t.text !== undefined ? { text: redact(t.text).text } : {}),
      ...(t.action !== undefined ? { action: t.action } : {}),
      ...(t.actionLabel !== undefined ? { actionLabel: t.actionLabel } : {}),
      intent: t.intent ?? null,
      ...(reading ? { act: reading.act } : {}),
      ...(confidence !== undefined ? { confidence } : {}),
      nodeBefore: t.nodeBefore,
      node: t.node || t.nodeBefore,
      ...(t.text !== undefined && answersQuestion(t, turns[i - 1]) ? { reply: true as const } : {}),
      ...askedBackAt(turns, i),
      reasons,
      corrected: bySeq.has(t.seq),
      ...pickedAfter(turns, i),
    });
  });
  return out;
}

/** The conversations the filter's window holds that may list a turn (mayHold), most recent first. */
async function queueCandidates(store: TranscriptStore, f: ImproveFilter, nowMs: number, utcOffset: UtcOffset): Promise<ConversationSummary[]> {
  const { sinceMs, started } = improveWindow(f, nowMs, utcOffset);
  return (await store.summaries(sinceMs))
    .filter((s) => !started || (s.startedAtMs >= started.fromMs && s.startedAtMs < started.toMs))
    .filter((s) => mayHold(s, f));
}

export async function improveQueue(store: TranscriptStore, f: ImproveFilter, nowMs: number, utcOffset: UtcOffset = 0): Promise<ImproveResult> {
  const candidates = await queueCandidates(store, f, nowMs, utcOffset);
  const summaries = candidates.slice(0, MAX_CONVERSATIONS);
  const out: ImproveItem[] = [];
  let read = 0;
  // Transcripts are read READ_AHEAD at a time (one after another, 274 of them took ~0.3 s at 500 conversations), then
  // looked at in order until the queue is full.
  const ahead = new Map<string, Promise<[TranscriptTurn[], Annotation[]]>>();
  const load = (s: ConversationSummary) =>
    Promise.all([store.turns(s.id), s.annotations ? store.annotations(s.id) : Promise.resolve([] as Annotation[])]);
  for (const [i, s] of summaries.entries()) {
    read++;
    for (const next of summaries.slice(i, i + READ_AHEAD)) {
      if (ahead.has(next.id)) continue;
      const p = load(next);
      // Read ahead and not looked at when the queue fills: its failure is nobody's.
      p.catch(() => undefined);
      ahead.set(next.id, p);
    }
    const [recorded, notes] = await (ahead.get(s.id) as Promise<[TranscriptTurn[], Annotation[]]>);
    ahead.delete(s.id);
    out.push(...listedTurns(s, recorded, notes, f));
    if (out.length >= MAX_ITEMS) break;
  }
  const items = out.sort((a, b) => b.atMs - a.atMs).slice(0, MAX_ITEMS);
  const groups = groupImprove(items);
  return read < candidates.length ? { items, groups, limited: { read, of: candidates.length } } : { items, groups };
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
 *
 * A reply correction (`replyAct`: 「もういいです」 at a question) counts by the reply act, not the intent: "then" is a hit
 * when the act the bot read (`predictedAct`) is the one staff confirmed, "now" when the current model reads that act at the
 * same node (`tree`: the node's accepted acts, as the engine reads it; without the node, every act competes). A reply read
 * give_up and corrected to still_broken is a miss, one confirmed as give_up a hit — whatever the symptom model's intent.
 */
export function accuracyOverTime(annotations: Annotation[], nlu: Nlu, utcOffset: UtcOffset = 0, tree?: DialogTree): AccuracyRow[] {
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
    const read = nlu.analyse(text, a.locale);
    if (a.replyAct) {
      if (a.predictedAct === a.replyAct) w.then += 1;
      if (actInContext(read, replyPlace(tree, a.nodeBefore)).act === a.replyAct) w.now += 1;
    } else {
      if (a.predicted === a.intent) w.then += 1;
      if (read.intent === a.intent) w.now += 1;
    }
    weeks.set(week, w);
  }
  return [...weeks.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([week, w]) => ({ week, corrected: w.n, then: w.then / w.n, now: w.now / w.n }));
}

/** Where a reply was written, as the engine reads a reply there (src/dialog/engine.ts): the node's kind and accepted acts. */
function replyPlace(tree: DialogTree | undefined, nodeId: string | undefined): ReplyPlace | undefined {
  const node = tree && nodeId ? tree.nodes.get(nodeId) : undefined;
  return node && tree ? { kind: node.kind, accepts: acceptedActs(tree, node) } : undefined;
}

/**
 * Reply corrections made before the annotation kept the act the bot read (round 20): that act and the node are taken from
 * the turn, while the transcript is kept (else the correction counts as a miss of the act reading).
 */
export async function withReadings(store: TranscriptStore, annotations: Annotation[]): Promise<Annotation[]> {
  const turnsOf = new Map<string, Promise<TranscriptTurn[]>>();
  return Promise.all(
    annotations.map(async (a) => {
      if (!a.replyAct || a.predictedAct !== undefined) return a;
      if (!turnsOf.has(a.conversation)) turnsOf.set(a.conversation, store.turns(a.conversation));
      const turn = (await turnsOf.get(a.conversation)!).find((t) => t.seq === a.seq);
      return turn ? { ...a, predictedAct: actedReading(turn)?.act ?? null, nodeBefore: turn.nodeBefore } : a;
    }),
  );
}

/** Staff notes are redacted like the person's text (a note may quote what they typed). */
export function redactNote(text: string): string {
  return redact(text.trim()).text;
}

/** Most occurrences one bulk label reaches (POST /admin/api/annotations/bulk with `line`): more is refused, not cut. */
export const MAX_LINE_OCCURRENCES = 5_000;

/** Every occurrence of one line in the queue's period and filter (lineOccurrences). */
export interface LineOccurrences {
  key: string;
  items: Array<{ conversation: string; turn: number; corrected: boolean }>;
  /** Distinct conversations of `items`. */
  conversations: number;
  /** Conversations read (every one of the window that may hold a listed turn). */
  read: number;
}

/**
 * Every occurrence of the line `key` (improveKey of the redacted text, as the queue groups) that the queue's filter lists
 * — its period, node and reasons — over every conversation of the window, not only the ≤ 300 conversations / ≤ 200 items
 * the queue page reads (since round 35: a lead labelling a repeated line means every time it was said then).
 */
export async function lineOccurrences(store: TranscriptStore, f: ImproveFilter, key: string, nowMs: number, utcOffset: UtcOffset = 0): Promise<LineOccurrences> {
  const candidates = await queueCandidates(store, f, nowMs, utcOffset);
  const items: LineOccurrences['items'] = [];
  const ids = new Set<string>();
  for (let i = 0; i < candidates.length; i += READ_AHEAD) {
    const batch = candidates.slice(i, i + READ_AHEAD);
    const loaded = await Promise.all(batch.map((s) => Promise.all([store.turns(s.id), s.annotations ? store.annotations(s.id) : Promise.resolve([] as Annotation[])])));
    batch.forEach((s, b) => {
      const [turns, notes] = loaded[b]!;
      for (const x of listedTurns(s, turns, notes, f)) {
        if (x.text === undefined || improveKey(x) !== key) continue;
        items.push({ conversation: s.id, turn: x.seq, corrected: x.corrected });
        ids.add(s.id);
      }
    });
  }
  return { key, items, conversations: ids.size, read: candidates.length };
}
