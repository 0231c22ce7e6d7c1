/**
 * What the bot DOES with a real reply, and whether that hurts the person (the harm row of `npm run eval` and of
 * `npm run eval:dev -- --only=replies`). The act row scores the reading; a person meets the action: closed as fixed
 * while it still fails, a step left as done or not applicable when it was not, the out-of-scope answer, a request for a
 * person ignored. Some misreadings are harmless (a side remark read still_broken moves on to the next step).
 *
 * Each real reply (intents/real/replies-*.tsv) is put at its node — the corpus `node` column read on the tree
 * (act-prior.ts nodeOfReply), entered through the tree interpreter as the bot would show it (its `when` satisfied, the
 * branch that reaches it as the conversation's symptom) — and the real dialog engine runs ONE turn with the reply and
 * the classifier's reading. The turn's outcome is classified (OUTCOMES), and HARM says per gold act which outcomes hurt.
 * A conversation here has no history (no steps before, no earlier misses): the first turn at the node.
 */
import { ACTS, INTENT_ROLE, type Act, type Intent, type Locale } from '../../core/index.js';
import type { DialogNode, DialogTree } from '../../data/schemas.js';
import { newState, step } from '../../dialog/engine.js';
import type { ConversationState, StepOutput } from '../../dialog/types.js';
import { ACTIONS, type Run } from '../../dialog/run.js';
import { enter } from '../../dialog/tree.js';
import type { I18n } from '../../i18n/index.js';
import { nodeOfReply } from '../act-prior.js';
import { actOfLabel, type RealReply } from '../data.js';
import type { Classifier } from '../engine.js';

/**
 * What one turn did, most telling first (a turn that closes the conversation and also says something else is `closed`):
 *  - `out_of_scope`: the "I only help with mail" answer (or the off-topic / other-messaging answers at a node);
 *  - `closed`: the episode closed as resolved (「直ってよかったです！」);
 *  - `kept_closed`: at the resolve node, the conversation stays resolved or ends (nothing reopened);
 *  - `ended`: the conversation ended (goodbye, give up);
 *  - `handed_over`: to the hand-off form, or escalated;
 *  - `switched`: another symptom's walk;
 *  - `skipped`: the step recorded as not applying, the next step;
 *  - `moved_on`: the step recorded as tried and still broken (or tried before), the next step;
 *  - `reopened`: at the resolve node, back into the walk;
 *  - `did_it`: asked "did that fix it?" (a step done, no result; a weak or hedged "fixed");
 *  - `help`: the step's help, a hint, an explanation, a where-is answer;
 *  - `not_understood`: 「うまく読み取れませんでした」 (a miss);
 *  - `form`: at the hand-off form, the reply taken as the form's answer;
 *  - `same_node`: the node again with anything else (acknowledged, noted, "wait a little", the step again).
 */
export const OUTCOMES = ['out_of_scope', 'closed', 'kept_closed', 'ended', 'handed_over', 'switched', 'skipped', 'moved_on', 'reopened', 'did_it', 'help', 'not_understood', 'form', 'same_node'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * A gold label of the corpus: a reply act, or `answer` / `new_symptom` (no act of ours — the act row scores them as
 * `other` — but a person with a mail problem all the same: the out-of-scope answer or an end hurts them).
 */
export type Label = Act | 'answer' | 'new_symptom';
export const LABELS: readonly Label[] = [...ACTS, 'answer', 'new_symptom'];

/** Acts whose person still has the problem open: ending the conversation on them leaves them stuck. */
const OPEN: readonly Label[] = ['still_broken', 'already_tried', 'did_no_result', 'not_yet', 'how_to', 'how_long', 'dont_know', 'not_applicable', 'vague_problem', 'correction', 'new_symptom', 'wants_human', 'deny', 'answer'];
/** Acts whose person did NOT do the step (yet): recording it as tried, or as not applying, is false. */
const NOT_DONE: readonly Label[] = ['not_yet', 'how_to', 'how_long', 'dont_know'];
/** Acts whose person did the step (or had): recording it as not applying is false. */
const DONE: readonly Label[] = ['still_broken', 'already_tried', 'did_no_result', 'deny'];
/** Acts whose person says, at the resolve node, that it is not over. */
const NOT_OVER: readonly Label[] = ['still_broken', 'correction', 'new_symptom', 'vague_problem', 'wants_human', 'already_tried'];

/**
 * The harm table: per gold act, the outcomes that hurt the person. Rules, each applied to every act it names:
 *  - closed as resolved hurts every act but `fixed` (the person never said it works; the ticket and the figures say it does);
 *  - the out-of-scope answer hurts every act but `other` (a side remark may be off topic; a mail reply never is);
 *  - ended hurts an OPEN act (the problem is still there and the conversation is over);
 *  - kept closed (at the resolve node) hurts a NOT_OVER act (「やっぱりまだダメ」 after "fixed");
 *  - skipped (recorded "does not apply") hurts a DONE or NOT_DONE act: the ticket says the step did not apply;
 *  - moved on (recorded "tried, still broken") hurts a NOT_DONE act: the step is recorded as tried and never shown again;
 *  - wants_human: any turn that neither hands over nor offers a person (HARM_NO_PERSON, checked beside the table).
 * Not harm, a nuisance: `fixed` read as anything but closed (the person clicks [直った] next), an answer noted as a
 * report, "did that fix it?" asked of someone who said it did not.
 */
export const HARM: Readonly<Record<Label, ReadonlySet<Outcome>>> = Object.fromEntries(
  LABELS.map((act) => {
    const o = new Set<Outcome>();
    if (act !== 'fixed') o.add('closed');
    if (act !== 'other') o.add('out_of_scope');
    if (OPEN.includes(act)) o.add('ended');
    if (NOT_OVER.includes(act)) o.add('kept_closed');
    if (DONE.includes(act) || NOT_DONE.includes(act)) o.add('skipped');
    if (NOT_DONE.includes(act)) o.add('moved_on');
    return [act, o];
  }),
) as unknown as Record<Label, ReadonlySet<Outcome>>;

/** Gold acts for which a turn that offers no person is harmful (a request for a person ignored). */
export const HARM_NO_PERSON: ReadonlySet<Label> = new Set<Label>(['wants_human']);

/** Replies that propose a person in their own words (beyond the person button every step carries). */
const PERSON_KEYS = new Set([
  'engine.clarify_human',
  'engine.clarify_stuck',
  'engine.still_broken_question_human',
  'engine.give_up',
  'engine.frustrated',
  'engine.help_person',
  'engine.help_detail',
  'engine.dont_know_person',
  'engine.escalated_already',
  'engine.escalated_already_no_id',
]);
const OOS_KEYS = new Set(['engine.out_of_scope', 'engine.out_of_scope_messaging', 'engine.messaging_in_walk', 'engine.off_topic_at_node']);
const DID_IT_KEYS = new Set(['engine.step_did', 'engine.confirm_fixed', 'engine.did_it_question', 'engine.fixed_at_question', 'engine.hedged_fixed_step', 'engine.hedged_fixed_question', 'engine.partial_fixed']);
const HELP_RULES = new Set(['help_at_step', 'cannot_answer', 'explain_question', 'where_setting']);

/**
 * The symptom (or topic) whose walk reaches each node in the fewest moves: breadth-first from every error symptom's entry
 * at once, then from the topics' for the nodes no symptom reaches (a step's "fixed" goes to the resolve node).
 */
const branches = new WeakMap<DialogTree, Map<string, Intent>>();
function branchOf(tree: DialogTree, id: string): Intent | null {
  let map = branches.get(tree);
  if (!map) {
    map = new Map();
    const entries = Object.entries(tree.entries) as Array<[Intent, string]>;
    walk(tree, map, entries.filter(([i]) => INTENT_ROLE[i] === 'error'));
    walk(tree, map, entries.filter(([i]) => INTENT_ROLE[i] !== 'error'));
    branches.set(tree, map);
  }
  return map.get(id) ?? null;
}

/** Breadth-first from all `entries` at once; a node not yet in `map` is the branch's that reaches it first. */
function walk(tree: DialogTree, map: Map<string, Intent>, entries: ReadonlyArray<[Intent, string]>): void {
  const queue = entries.map(([intent, node]) => [node, intent] as [string, Intent]);
  const seen = new Set<string>();
  while (queue.length) {
    const [at, intent] = queue.shift()!;
    if (seen.has(at)) continue;
    seen.add(at);
    if (!map.has(at)) map.set(at, intent);
    const n = tree.nodes.get(at);
    if (!n) continue;
    const targets: Array<string | undefined> = [];
    if ('next' in n) targets.push(n.next);
    if ('options' in n) for (const o of n.options ?? []) targets.push(o.next);
    if (n.kind === 'step') targets.push(n.resolved ?? tree.globals.resolved);
    if (n.kind === 'route') targets.push(...n.cases.map((c) => c.next), n.default);
    targets.push(n.skip);
    for (const t of targets) if (t && !seen.has(t)) queue.push([t, intent]);
  }
}

/** Slot values under which `node`'s `when` holds (a listed value; `*` the slot's first declared value; `-` empty). */
function slotsFor(tree: DialogTree, node: DialogNode): Record<string, string> {
  const slots: Record<string, string> = {};
  for (const [slot, want] of Object.entries(node.when ?? {})) {
    const values = Array.isArray(want) ? want : [want];
    const v = values.find((x) => x !== '-');
    if (v === undefined) continue;
    slots[slot] = v === '*' ? (tree.slots[slot]?.[0] ?? 'unknown') : v;
  }
  return slots;
}

const meta = (locale: Locale, nowMs: number) => ({ conversationId: 'eval-harm', channel: 'web' as const, userId: 'eval', locale, nowMs });

/**
 * A conversation waiting at the corpus node `column` (a node id, `ask:<slot>`, `resolve`, `handoff`): the node entered
 * through the tree interpreter, as the bot would have shown it. Undefined when the tree has no such node.
 */
export function placeAt(tree: DialogTree, i18n: I18n, column: string, locale: Locale): ConversationState | undefined {
  const node = nodeOfReply(tree, column);
  if (!node) return undefined;
  const m = meta(locale, 0);
  const s = newState(m, { tree }, locale);
  s.intent = branchOf(tree, node.id);
  s.slots = slotsFor(tree, node);
  const run: Run = { s, replies: [], effects: [], meta: m, ctx: { tree, i18n }, hops: 0, missed: false, learned: [], stated: [] };
  enter(run, node.id);
  if (s.node !== node.id) {
    // Entering went on past it (a slot already filled, an automatic transition): wait at it all the same.
    s.node = node.id;
    s.status = node.kind === 'resolve' ? 'resolved' : 'active';
  }
  s.turn = 1;
  return s;
}

/** What the turn did (see OUTCOMES), and whether it handed over or offered a person in so many words. */
export function outcomeOf(tree: DialogTree, before: ConversationState, out: StepOutput): { outcome: Outcome; person: boolean } {
  const after = out.state;
  const keys = out.replies.map((r) => r.key);
  const atNode = tree.nodes.get(after.node ?? '');
  const handedOver = (after.status === 'escalated' && before.status !== 'escalated') || (atNode?.kind === 'handoff' && before.node !== after.node);
  const firstChoice = out.replies.findLast((r) => r.choices?.length)?.choices?.[0]?.value;
  // At the hand-off form (before or after the turn) a person is on the way: whatever the reply, it goes to them.
  const atForm = atNode?.kind === 'handoff' || tree.nodes.get(before.node ?? '')?.kind === 'handoff';
  const person = handedOver || atForm || keys.some((k) => PERSON_KEYS.has(k)) || firstChoice === ACTIONS.human;
  const recorded = after.stepsTried.find((x) => x.node === before.node && x.atMs === 1000)?.result;
  const outcome = ((): Outcome => {
    if (keys.some((k) => OOS_KEYS.has(k))) return 'out_of_scope';
    if (before.status === 'resolved') {
      if (after.status === 'active' && after.node !== before.node) return 'reopened';
      if (handedOver) return 'handed_over';
      return 'kept_closed';
    }
    if (after.status === 'resolved') return 'closed';
    if (after.status === 'ended') return 'ended';
    if (handedOver) return 'handed_over';
    if (after.intent !== before.intent && after.intent !== null) return 'switched';
    if (recorded === 'skipped') return 'skipped';
    if (recorded === 'not_resolved' && after.node !== before.node) return 'moved_on';
    if (keys.some((k) => DID_IT_KEYS.has(k))) return 'did_it';
    if (out.rule && HELP_RULES.has(out.rule)) return 'help';
    if (out.rule === 'clarify') return 'not_understood';
    if (out.rule === 'collect_form') return 'form';
    if (after.node !== before.node) return 'moved_on';
    return 'same_node';
  })();
  return { outcome, person };
}

/** One real reply run through the engine at its node. */
export interface HarmRow {
  r: RealReply;
  /** The person's label (the corpus `act` column). */
  gold: Label;
  outcome: Outcome;
  person: boolean;
  harmful: boolean;
  /** The engine's rule that acted, the act it read and its share, the intent model's reading (for --failures). */
  rule?: string;
  read?: string;
  share?: number;
  intent: string;
  intentConfidence: number;
}

/** Is this outcome harmful for this gold act (the table, and a request for a person ignored)? */
export function isHarmful(gold: Label, outcome: Outcome, person: boolean): boolean {
  return HARM[gold].has(outcome) || (HARM_NO_PERSON.has(gold) && !person);
}

/** Runs every reply one turn at its node; rows whose node the tree lacks are left out (none today: the test checks the column). */
export function runHarm(classifier: Classifier, tree: DialogTree, i18n: I18n, items: readonly RealReply[]): HarmRow[] {
  const rows: HarmRow[] = [];
  for (const r of items) {
    const locale = r.locale as Locale;
    const before = placeAt(tree, i18n, r.node, locale);
    if (!before) continue;
    const nlu = classifier.analyse(r.text, locale);
    const out = step(before, { kind: 'text', text: r.text, nlu }, meta(locale, 1000), { tree, i18n });
    actOfLabel(r.label); // throws on a label that is no act of ours nor answer / new_symptom
    const gold = r.label as Label;
    const { outcome, person } = outcomeOf(tree, before, out);
    rows.push({ r, gold, outcome, person, harmful: isHarmful(gold, outcome, person), intent: nlu.intent, intentConfidence: nlu.confidence, ...(out.rule && { rule: out.rule }), ...(out.reading && { read: out.reading.act, share: out.reading.confidence }) });
  }
  return rows;
}

/** The kinds of harm, each a line of the report. */
export function harmKind(x: HarmRow): string {
  if (HARM_NO_PERSON.has(x.gold) && !x.person && !HARM[x.gold].has(x.outcome)) return 'no person offered';
  switch (x.outcome) {
    case 'closed':
      return 'closed as resolved';
    case 'kept_closed':
      return 'left closed';
    case 'out_of_scope':
      return 'out-of-scope answer';
    case 'ended':
      return 'ended';
    case 'skipped':
      return 'step recorded as not applying';
    case 'moved_on':
      return 'step not done recorded as tried';
    default:
      return x.outcome;
  }
}

/** The harm figures of a set of rows: harmful / all, per locale, per kind, and how many `still_broken`-like replies were closed. */
export function scoreHarm(rows: readonly HarmRow[]) {
  const ratio = (xs: readonly HarmRow[]) => ({ correct: xs.filter((x) => x.harmful).length, total: xs.length, value: xs.length ? xs.filter((x) => x.harmful).length / xs.length : 0 });
  const kinds = new Map<string, number>();
  for (const x of rows.filter((x) => x.harmful)) kinds.set(harmKind(x), (kinds.get(harmKind(x)) ?? 0) + 1);
  const outcomes = new Map<Outcome, number>();
  for (const x of rows) outcomes.set(x.outcome, (outcomes.get(x.outcome) ?? 0) + 1);
  const fixedRows = rows.filter((x) => x.gold === 'fixed');
  return {
    all: ratio(rows),
    ja: ratio(rows.filter((x) => x.r.locale === 'ja')),
    en: ratio(rows.filter((x) => x.r.locale === 'en')),
    kinds: [...kinds].sort((a, b) => b[1] - a[1]),
    outcomes: OUTCOMES.map((o) => [o, outcomes.get(o) ?? 0] as const).filter(([, n]) => n > 0),
    /** Nuisance, not harm: replies that said it is fixed and were not closed (the person has to say it again). */
    fixedNotClosed: { correct: fixedRows.filter((x) => x.outcome !== 'closed' && x.outcome !== 'kept_closed').length, total: fixedRows.length },
  };
}
