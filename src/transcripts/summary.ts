/**
 * The pure part shared by every store: how one turn (or staff event) updates a conversation's summary.
 * Memory and Redis both call `applyTurn` — Redis under an optimistic revision check — so the list, filters and
 * analytics read the same numbers whichever store is configured.
 */
import { ACT_DEFS, type Act, type Intent, type StepResult } from '../core/index.js';
import type { DialogTree } from '../data/schemas.js';
import { actedReading, isFallback } from './fallback.js';
import { SYMPTOM_INTENTS } from '../core/index.js';
import {
  PATH_MAX,
  PREVIEW_CHARS,
  type ConversationSummary,
  type TranscriptEvent,
  type TranscriptTurn,
} from './types.js';

export { SYMPTOM_INTENTS };

/** Do staff hold the conversation now, as far as the transcript knows (taken over, not handed back since)? */
export function heldByStaff(s: Pick<ConversationSummary, 'takenOver' | 'handedBack'> | undefined): boolean {
  return !!s?.takenOver && !(s.handedBack && s.handedBack.atMs >= s.takenOver.atMs);
}

/**
 * Who holds the conversation now: the staff member who took it over (until handed back), else the one it is assigned
 * to; undefined when nobody does (an escalation nobody has picked up yet).
 */
export function holderOf(
  s: Pick<ConversationSummary, 'takenOver' | 'handedBack' | 'assignee'> & Partial<Pick<ConversationSummary, 'staffReview' | 'reviewed' | 'turns'>>,
): { how: 'taken_over' | 'assigned' | 'handled'; by?: string } | undefined {
  if (heldByStaff(s)) return { how: 'taken_over', ...(s.takenOver?.by ? { by: s.takenOver.by } : {}) };
  if (s.assignee) return { how: 'assigned', by: s.assignee };
  // Handled: staff marked it 確認済み (after taking it over and handing it back, answering the ticket …) and the person has
  // not written since — no longer waiting for a person. A new turn of theirs makes it wait again.
  if (s.staffReview === 'reviewed' && s.reviewed && s.reviewed.turn === s.turns) return { how: 'handled', ...(s.reviewed.by ? { by: s.reviewed.by } : {}) };
  return undefined;
}

/**
 * The intent the bot understood a turn as: a typed reply it read by its reply act at its question counts as the act's
 * intent when the act stands for one (「はい」 read affirm → affirm, 「直りました」 read fixed → resolved) and as none
 * otherwise (「もういいです」 read give_up — its symptom-model intent affirm 0.28 is not what the bot understood, nor is
 * "never mind" read mail_not_arriving); any other turn — also one the bot answered with a fallback although it read an act
 * (actedReading) — counts its NLU intent.
 */
export function understoodIntent(turn: Pick<TranscriptTurn, 'intent' | 'reading' | 'replies'>): Intent | undefined {
  const reading = actedReading(turn);
  if (reading) return (ACT_DEFS[reading.act].intent as Intent | undefined) ?? undefined;
  return turn.intent ?? undefined;
}

/**
 * The turn policy's rules that did not act on the symptom model's reading of a message: a vague first message shown the
 * symptom menu (「メールがおかしい」), a guess asked back (「…ということでしょうか？」). Until the engine is on a symptom,
 * such a conversation counts under no symptom (ConversationSummary.lastSymptom null), not under that reading.
 */
export const UNCONFIRMED_SYMPTOM_RULES: ReadonlySet<string> = new Set(['vague_first_message', 'clarify_symptom']);

/** A turn as the observer hands it to a store: `seq` and `nodeBefore` come from the summary. */
export type NewTurn = Omit<TranscriptTurn, 'seq' | 'events' | 'nodeBefore'> & { events?: TranscriptEvent[] };

/** Cuts to `max` characters on a code-point boundary, with an ellipsis. */
export function preview(text: string, max = PREVIEW_CHARS): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Numbers the turn, derives its events (status change, ticket) from the previous summary, and returns the new
 * summary. Pure: `prev` is not modified.
 */
export function applyTurn(prev: ConversationSummary | undefined, input: NewTurn): { summary: ConversationSummary; turn: TranscriptTurn } {
  const seq = (prev?.turns ?? 0) + 1;
  // A take-over is recorded once, on the first turn relayed to staff (again after a hand-back).
  const events: TranscriptEvent[] = (input.events ?? []).filter((e) => e.type !== 'taken_over' || !heldByStaff(prev));
  const before = prev?.status ?? 'active';
  if (input.status !== before) events.push({ type: 'status', from: before, to: input.status });
  const ticketId = events.find((e): e is Extract<TranscriptEvent, { type: 'ticket' }> => e.type === 'ticket')?.id;
  const turn: TranscriptTurn = { ...input, seq, nodeBefore: prev?.node ?? '', events };

  const s: ConversationSummary = prev
    ? { ...prev, path: [...prev.path], intents: [...prev.intents], ...(prev.acts ? { acts: [...prev.acts] } : {}) }
    : {
        id: input.conversation,
        channel: input.channel,
        userId: input.userId,
        startedAtMs: input.atMs,
        updatedAtMs: input.atMs,
        turns: 0,
        status: 'active',
        node: '',
        path: [],
        intents: [],
        errors: 0,
        misses: 0,
        annotations: 0,
      };
  s.turns = seq;
  s.startedAtMs = Math.min(s.startedAtMs, input.atMs);
  // Replicas may record two turns slightly out of order: the latest turn decides the current status and node.
  if (input.atMs >= s.updatedAtMs || !prev) {
    s.updatedAtMs = input.atMs;
    s.status = input.status;
    // '' = not known (a failed turn before state loaded, a turn relayed to staff): keep the last known node.
    if (input.node || !prev) s.node = input.node;
    if (input.locale) s.locale = input.locale;
    // What the person tried so far (the conversation page's 試した手順と結果, kept for the list's rows).
    if (input.steps?.length) s.steps = input.steps.map((x) => ({ node: x.node, result: x.result }));
  }
  if (input.userName) s.userName = input.userName;
  if (input.node && s.path[s.path.length - 1] !== input.node) {
    s.path.push(input.node);
    if (s.path.length > PATH_MAX) s.path.splice(0, s.path.length - PATH_MAX);
  }
  // What the bot understood, not the symptom model's reading of a reply it read by its act (the list's intent filter,
  // symptom and misses, the exports' `intents`); the act itself goes to `acts`.
  const intent = understoodIntent(input);
  const acted = actedReading(input);
  if (acted && !(s.acts ?? []).includes(acted.act)) s.acts = [...(s.acts ?? []), acted.act];
  if (intent) {
    if (!s.intents.includes(intent)) s.intents.push(intent);
    if (!s.symptom && SYMPTOM_INTENTS.has(intent)) s.symptom = intent;
    if (intent === 'out_of_scope') s.misses += 1;
  }
  // A symptom chosen by a button (the menu's [受信できない]): no intent tells it, the engine's branch does.
  if (!s.symptom && input.symptom && SYMPTOM_INTENTS.has(input.symptom)) s.symptom = input.symptom;
  // The symptom it ended on: the engine's branch after the latest turn (a correction, a menu choice after 「どれでもない」);
  // null while the bot has declined to act on the symptom model's reading (UNCONFIRMED_SYMPTOM_RULES) and is on none.
  if (input.symptom && SYMPTOM_INTENTS.has(input.symptom) && (input.atMs >= s.updatedAtMs || !prev || !s.lastSymptom)) s.lastSymptom = input.symptom;
  else if (!s.lastSymptom && input.rule && UNCONFIRMED_SYMPTOM_RULES.has(input.rule)) s.lastSymptom = null;
  // A step left by a correction of its premise (the funnel's `rerouted`), once per node.
  if (input.rule === 'reroute' && turn.nodeBefore && !(s.reroutedAt ?? []).includes(turn.nodeBefore)) s.reroutedAt = [...(s.reroutedAt ?? []), turn.nodeBefore];
  // What the conversation knows after the turn (typed or chosen by a button); turns recorded before it was kept: the NLU's.
  const e = input.known ?? input.entities;
  if (e?.carrier) s.carrier = e.carrier;
  if (e?.service) s.service = e.service;
  if (e?.device) s.device = e.device;
  if (ticketId) s.ticketId = ticketId;
  const ticketEvent = events.find((x): x is Extract<TranscriptEvent, { type: 'ticket' }> => x.type === 'ticket');
  if (ticketEvent?.intent) s.ticketSymptom = ticketEvent.intent;
  if (input.status === 'resolved' && (s.resolvedAtMs === undefined || input.atMs < s.resolvedAtMs)) s.resolvedAtMs = input.atMs;
  if ((input.status === 'escalated' || ticketId) && (s.escalatedAtMs === undefined || input.atMs < s.escalatedAtMs)) s.escalatedAtMs = input.atMs;
  // Fallback rate per node: turns the person answered at each node, and how many of them the bot did not understand.
  if (!input.error) {
    const at = turn.nodeBefore;
    s.nodeTurns = { ...(s.nodeTurns ?? {}), [at]: (s.nodeTurns?.[at] ?? 0) + 1 };
    if (input.text !== undefined && isFallback(turn)) s.nodeFallbacks = { ...(s.nodeFallbacks ?? {}), [at]: (s.nodeFallbacks?.[at] ?? 0) + 1 };
  }
  const takeover = events.find((x): x is Extract<TranscriptEvent, { type: 'taken_over' }> => x.type === 'taken_over');
  if (takeover) s.takenOver = takeover.by ? { atMs: input.atMs, by: takeover.by } : { atMs: input.atMs };
  if (input.error) s.errors += 1;
  if (!s.preview && input.text) s.preview = preview(input.text);
  return { summary: s, turn };
}

/** Applies a staff event (taken over, assigned, reviewed, a note, a message sent) to a summary. Pure. */
export function applyEvent(prev: ConversationSummary, event: TranscriptEvent, atMs: number): ConversationSummary {
  const s = { ...prev };
  if (event.type === 'taken_over') s.takenOver = event.by ? { atMs, by: event.by } : { atMs };
  if (event.type === 'handed_back') s.handedBack = event.by ? { atMs, by: event.by } : { atMs };
  if (event.type === 'ticket') {
    s.ticketId = event.id;
    if (event.intent) s.ticketSymptom = event.intent;
    if (s.escalatedAtMs === undefined) s.escalatedAtMs = atMs;
  }
  if (event.type === 'assigned') {
    if (event.to) s.assignee = event.to;
    else delete s.assignee;
  }
  if (event.type === 'review') {
    s.staffReview = event.state;
    if (event.state === 'reviewed') s.reviewed = { turn: s.turns, ...(event.by ? { by: event.by } : {}) };
    else delete s.reviewed;
  }
  if (event.type === 'note') s.notes = (s.notes ?? 0) + 1;
  if (event.type === 'sent' && event.by !== undefined) s.staffMessages = (s.staffMessages ?? 0) + 1;
  return s;
}

/**
 * Events are recorded when they happen, a turn when it ends: the "ticket filed" message sent while the filing turn
 * was still running is on record before that turn. `late` are the events recorded after `prev` (so far attached to
 * it); those that happened once `turn` had started belong to `turn`, after its own events: moved there. Mutates both.
 */
export function adoptLateEvents(prev: TranscriptTurn | undefined, turn: TranscriptTurn, late: ReadonlyArray<{ event: TranscriptEvent; atMs: number }>): void {
  if (!prev) return;
  for (const { event, atMs } of late) {
    if (atMs < turn.atMs) continue;
    const i = prev.events.indexOf(event);
    if (i < 0) continue;
    prev.events.splice(i, 1);
    turn.events.push(event);
  }
}

/** Redis's cjson and older records may hold `{}` where an empty list was meant: read summaries through this. */
export function normaliseSummary(raw: ConversationSummary): ConversationSummary {
  return {
    ...raw,
    path: Array.isArray(raw.path) ? raw.path : [],
    intents: Array.isArray(raw.intents) ? raw.intents : [],
    errors: raw.errors ?? 0,
    misses: raw.misses ?? 0,
    annotations: raw.annotations ?? 0,
    ...(raw.steps === undefined || Array.isArray(raw.steps) ? {} : { steps: undefined }),
    ...(raw.reroutedAt === undefined || Array.isArray(raw.reroutedAt) ? {} : { reroutedAt: undefined }),
    ...(raw.nodeTurns && typeof raw.nodeTurns === 'object' && !Array.isArray(raw.nodeTurns) ? {} : { nodeTurns: undefined }),
    ...(raw.nodeFallbacks && typeof raw.nodeFallbacks === 'object' && !Array.isArray(raw.nodeFallbacks) ? {} : { nodeFallbacks: undefined }),
  };
}

/**
 * Fills `actionLabel` of clicks from the choices the previous turn offered — or, for a button of an older set (a stale
 * click, refused with engine.stale_choice), from the latest earlier turn that offered it, so staff read 「まだダメ」, not
 * `not_resolved` (stale-37). Returns new objects.
 */
export function withActionLabels(turns: TranscriptTurn[]): TranscriptTurn[] {
  let offered: Map<string, string> = new Map();
  const earlier: Map<string, string> = new Map();
  return turns.map((t) => {
    const out = { ...t };
    if (t.action && !t.actionLabel) {
      const label = offered.get(t.action) ?? earlier.get(t.action);
      if (label) out.actionLabel = label;
    }
    offered = new Map(t.replies.flatMap((r) => (r.choices ?? []).map((c) => [c.value, c.label] as const)));
    for (const [value, label] of offered) earlier.set(value, label);
    return out;
  });
}

/**
 * The symptom of a conversation recorded before a button recorded its own (turns and summary without `symptom`),
 * derived at read time from what was stored: the first symptom intent typed, a two-stage fallback choice, or a click
 * whose option in the tree stands for a symptom (`symptom:` of the node the click was made at — `nodeBefore` — and
 * the button's value). Read against today's tree: an option renamed since derives nothing. Pure.
 */
export function symptomOfTurns(turns: readonly TranscriptTurn[], tree: Pick<DialogTree, 'nodes'>): Intent | undefined {
  for (const t of turns) {
    for (const x of [t.symptom, t.intent ?? undefined, t.clarification?.chosen]) if (x && x !== 'none' && SYMPTOM_INTENTS.has(x)) return x;
    if (t.action === undefined) continue;
    const node = tree.nodes.get(t.nodeBefore);
    const opt = node && 'options' in node ? node.options?.find((o) => o.value === t.action) : undefined;
    if (opt?.symptom && SYMPTOM_INTENTS.has(opt.symptom)) return opt.symptom;
  }
  return undefined;
}

/** The summary with the symptom symptomOfTurns derives, when it has none (a new object; the store is not touched). */
export function withDerivedSymptom<S extends ConversationSummary>(s: S, turns: readonly TranscriptTurn[], tree: Pick<DialogTree, 'nodes'> | undefined): S {
  if (s.symptom || !tree) return s;
  const symptom = symptomOfTurns(turns, tree);
  return symptom ? { ...s, symptom } : s;
}

const STEP_RESULTS: ReadonlySet<string> = new Set<StepResult>(['resolved', 'not_resolved', 'skipped', 'rerouted', 'unknown']);

/**
 * What the person tried, from the turns of a conversation whose summary predates `steps` (round 31): the latest turn's engine
 * list (TranscriptTurn.steps); for turns recorded before that was kept, the step nodes the person answered at, each with the
 * button or reply given there (the conversation page's fallback too). Empty when nothing was tried. Pure.
 */
export function stepsOfTurns(turns: readonly TranscriptTurn[], tree: Pick<DialogTree, 'nodes'> | undefined): Array<{ node: string; result: StepResult }> {
  const recorded = [...turns].reverse().find((t) => t.steps?.length)?.steps;
  if (recorded) return recorded.map((x) => ({ node: x.node, result: x.result }));
  const byNode = new Map<string, { node: string; result: StepResult }>();
  for (const t of turns) {
    if (tree?.nodes.get(t.nodeBefore)?.kind !== 'step') continue;
    const answer = t.action ?? t.intent ?? '';
    byNode.set(t.nodeBefore, { node: t.nodeBefore, result: STEP_RESULTS.has(answer) ? (answer as StepResult) : 'unknown' });
  }
  return [...byNode.values()];
}

/**
 * The summary with the steps stepsOfTurns derives, when it has no `steps` (recorded before round 31): a new object, the store
 * untouched — the list's rows and GET /admin/api/conversations read them for the rows shown. The next turn writes them.
 */
export function withDerivedSteps<S extends ConversationSummary>(s: S, turns: readonly TranscriptTurn[], tree: Pick<DialogTree, 'nodes'> | undefined): S {
  if (s.steps !== undefined) return s;
  const steps = stepsOfTurns(turns, tree);
  return steps.length ? { ...s, steps } : s;
}
