/**
 * The tree interpreter: entering a node and walking automatic transitions (skipped `when`, info, route, a slot
 * already known) until a node waits for the user; `when` conditions; slots; recording steps; the bug guard.
 * Node semantics are documented in src/data/schemas.ts.
 */
import { CodedError, ErrorCode, INTENT_ROLE, SYMPTOM_INTENTS, type CauseAxis, type IncidentFact, type Intent, type Message, type StepResult } from '../core/index.js';
import type { Condition, DialogNode, DialogOption } from '../data/schemas.js';
import { askChoices, matchWords } from './answers.js';
import { askFields, enterHandoff, escalatedAlready, type HandoffField } from './handoff.js';
import { ACTIONS, button, choicesOf, currentNode, ENTITY_SLOTS, message, msg, say, setStatus, slotParams, type Run } from './run.js';
import { renderMessage } from './render.js';
import { matchingIncident } from './incidents.js';
import { newState } from './state.js';
import type { ConversationState } from './types.js';

/** Bug guard: automatic transitions (skips, info, route) allowed in one turn before the engine gives up. */
export const MAX_HOPS = 50;

/** `when` semantics: every key must match (AND); a list matches any value (OR); "*" = filled, "-" = empty. */
export function holds(cond: Condition, slots: Record<string, string>): boolean {
  return Object.entries(cond).every(([slot, want]) => {
    const have = slots[slot];
    const wants = Array.isArray(want) ? want : [want];
    return wants.some((w) => (w === '*' ? have !== undefined && have !== '' : w === '-' ? have === undefined || have === '' : have === w));
  });
}

export function applySet(run: Run, set: Record<string, string> | undefined): void {
  if (set) Object.assign(run.s.slots, set);
}

/**
 * An option chosen (clicked, typed, taken as the default): its slot assignments, and the symptom it stands for
 * (`symptom:`, e.g. the menu's [受信できない]) when no symptom chose the branch yet — a branch chosen by a button has its
 * symptom as one chosen by a typed message does (the ticket's intent, the transcripts' symptom, the incident check).
 * Returns the node to enter: `next`, or the outage check when the symptom it records has an open incident.
 */
export function applyOption(run: Run, opt: Pick<DialogOption, 'set' | 'symptom'>, next: string): string {
  applySet(run, opt.set);
  if (!opt.symptom || (run.s.intent && SYMPTOM_INTENTS.has(run.s.intent))) return next;
  run.s.intent = opt.symptom;
  // The symptom recorded by a click is checked for an open incident as a typed one is (switchTo).
  return incidentEntry(run) ?? next;
}

/** The cause axis (the guide's auth · network · server table): the tree's `cause` slot, else the error, else the intent. */
export function deriveCause(s: ConversationState): CauseAxis {
  const c = s.slots.cause;
  if (c === 'auth' || c === 'network' || c === 'server') return c;
  switch (s.slots.error_message) {
    case 'password_incorrect':
    case 'auth_failed':
    case 'account_error':
      return 'auth';
    case 'cannot_connect':
    case 'certificate':
      return 'network';
    case 'imap_no_response':
    case 'smtp_no_response':
      return 'server';
  }
  switch (s.intent) {
    case 'error_auth':
    case 'howto_app_password':
      return 'auth';
    case 'error_connect':
      return 'network';
    case 'error_server_timeout':
    case 'check_outage':
      return 'server';
  }
  return 'unknown';
}

/** Does the tree have an entry for `intent` (a symptom or topic it can walk)? */
export function isEntry(run: Run, intent: Intent): boolean {
  return run.ctx.tree.entries[intent] !== undefined;
}

/** Enters `id` and keeps going through automatic transitions until a node waits for the user. Throws on a tree bug. */
export function enter(run: Run, id: string): void {
  const { s, ctx } = run;
  let next: string | undefined = id;
  while (next !== undefined) {
    if (++run.hops > MAX_HOPS) throw new CodedError(ErrorCode.Internal, `dialog: more than ${MAX_HOPS} automatic transitions in one turn (last: ${next})`);
    const node = ctx.tree.nodes.get(next);
    if (!node) throw new CodedError(ErrorCode.Internal, `dialog: unknown node ${next}`);
    next = undefined;
    if (node.when && !holds(node.when, s.slots)) {
      if (node.kind === 'step') toldSkipped(run, node);
      const skip = node.skip ?? ('next' in node ? node.next : node.kind === 'route' ? node.default : undefined);
      // A terminal node without skip/next is entered anyway: lint reports it, the user still gets an answer.
      if (skip !== undefined) {
        next = skip;
        continue;
      }
    }
    applySet(run, node.set);
    s.node = node.id;
    switch (node.kind) {
      case 'ask': {
        if (s.slots[node.slot]) {
          next = node.next;
          continue;
        }
        const said = run.pending;
        run.pending = undefined;
        const pre = said !== undefined ? matchWords(run, node.options, said) : undefined;
        if (pre) {
          s.slots[node.slot] = pre.value;
          next = applyOption(run, pre, pre.next ?? node.next);
          continue;
        }
        setStatus(run, 'active');
        say(run, node.say, undefined, askChoices(run, node));
        return;
      }
      case 'choice':
      case 'step':
        setStatus(run, 'active');
        if (node.kind === 'step') iphoneWording(run, node);
        say(run, node.say, undefined, choicesOf(run, node));
        return;
      case 'info':
        say(run, node.say);
        next = node.next;
        continue;
      case 'route':
        next = node.cases.find((c) => holds(c.when, s.slots))?.next ?? node.default;
        continue;
      case 'resolve':
        setStatus(run, 'resolved');
        say(run, node.say, undefined, choicesOf(run, node));
        return;
      case 'handoff':
        enterHandoff(run, node);
        return;
      case 'end': {
        setStatus(run, 'ended');
        const back = s.detour;
        if (!back) return say(run, node.say, undefined, choicesOf(run, node));
        // The how-to topic is over but the mail problem is not: offer the branch back first.
        say(run, 'engine.detour_back', { symptom: msg(`ticket.intent.${back.intent}`) }, [button(run, 'engine.button.resume', ACTIONS.resume), ...choicesOf(run, node)]);
        return;
      }
    }
  }
}

/**
 * A light step skipped because the person already said it was done (facts.ts `told`): said once, briefly
 * (「「iPhoneの再起動」はお試し済みとのことなので、次の手順に進みます」), on the twin that fits but for its own done_* slot.
 */
function toldSkipped(run: Run, node: Extract<DialogNode, { kind: 'step' }>): void {
  const told = run.s.told;
  if (!told) return;
  const own = Object.keys(node.set ?? {}).filter((k) => node.when?.[k] === '-' && told[k] !== undefined);
  if (!own.length) return;
  const rest = Object.fromEntries(Object.entries(node.when ?? {}).filter(([k]) => !own.includes(k)));
  if (!holds(rest, run.s.slots)) return;
  const skipped = own.some((k) => told[k] === 'skipped');
  for (const k of own) delete told[k];
  if (!Object.keys(told).length) delete run.s.told;
  say(run, skipped ? 'engine.told_step_skipped' : 'engine.told_step_tried', { step: message(run, node.title) });
}

/** Says the node's question again with its buttons (after a stale click, a greeting, a changed tree …). */
export function prompt(run: Run, node: DialogNode): void {
  if (node.kind === 'handoff') {
    if (run.s.pending?.length) askFields(run, run.s.pending as HandoffField[], 'engine.handoff.reask');
    else escalatedAlready(run);
    return;
  }
  if (node.kind === 'info' || node.kind === 'route') return;
  say(run, node.say, undefined, node.kind === 'ask' ? askChoices(run, node) : choicesOf(run, node));
}

/**
 * The node on screen again after a fact was noted (「iPhone15です」, 「今Wi-Fiです」). A question is entered again, so a
 * slot or `when` the fact settled skips it, as on the way in. A step the fact leaves as it is stands with a short line
 * and its buttons, not its whole text again. A step the fact no longer fits (「Androidでした」 at the iPhone wording of a
 * light step) is entered again through its own `when`, which finds its twin; the `done_*` slot it set on entering
 * (its `when` wants it empty) is cleared first, so the twin is not skipped as done.
 */
export function againAfterFact(run: Run, node: DialogNode): void {
  if (node.kind === 'ask' || node.kind === 'choice') {
    // A long question (the backup checklist) the fact leaves standing and does not reword: only the question (`again`).
    if (node.again && standsAgain(run, node) && !wordedBy(run, node.say, run.learned)) return say(run, node.again, undefined, choicesOf(run, node));
    return enter(run, node.id);
  }
  if (node.kind !== 'step') return prompt(run, node);
  if (!stepFits(run, node)) {
    for (const k of ownDoneSlots(node)) delete run.s.slots[k];
    // The step's variant for the corrected fact (「やっぱりiPhoneでした」 at the Android restart step): the device variants
    // skip forward only (iPhone → iPad → Android → the next step), so entering this one again passed the iPhone restart by.
    return enter(run, stepVariant(run, node)?.id ?? node.id);
  }
  // A fact the step's text names (「iCloudです」 at 設定 › メール › アカウント › {account_name}): the step in its new words.
  if (wordedBy(run, node.say, run.learned)) return prompt(run, node);
  say(run, 'engine.step_again', undefined, choicesOf(run, node));
}

/** The `done_*` slots a step sets on entering while its `when` wants them empty (they say nothing of the facts). */
function ownDoneSlots(node: Extract<DialogNode, { kind: 'step' }>): string[] {
  return Object.keys(node.set ?? {}).filter((k) => node.when?.[k] === '-');
}

/**
 * Does the step on screen still fit the facts (its `when`, its own done_* slots aside)? 「Androidでした」 at the iPhone
 * wording, 「Gmailアプリです」 at iOS Mail's Fetch New Data (app_used): no — its twin for the fact is the step to show.
 */
export function stepFits(run: Run, node: Extract<DialogNode, { kind: 'step' }>): boolean {
  const own = ownDoneSlots(node);
  return holds(Object.fromEntries(Object.entries(node.when ?? {}).filter(([k]) => !own.includes(k))), run.s.slots);
}

/**
 * The first step of an episode shown in its iPhone wording because the device is not known (its `when` takes "-" with
 * the iPhone, and it has an Android twin): said to be the iPhone's, and that naming another phone gets its own — "I have
 * not gotten a single notification ever" from a Nokia was shown Settings › Mail › Accounts › Fetch New Data as if it
 * were the only way. Once an episode (the device named then shows the twin: answers.ts correctsKnownFact).
 */
function iphoneWording(run: Run, node: Extract<DialogNode, { kind: 'step' }>): void {
  const { s } = run;
  const device = node.when?.device;
  if (s.slots.device || s.repeats?.device_assumed || !Array.isArray(device) || !device.includes('-') || !device.includes('iphone')) return;
  if (!stepVariants(run, node).some((n) => [n.when?.device].flat().includes('android'))) return;
  (s.repeats ??= {}).device_assumed = 1;
  say(run, 'engine.device_assumed');
}

/**
 * Another variant of `node` whose `when` holds now: a step of the same guide section going to the same `next` (the
 * restart of the iPhone, the iPad, Android), the first in the tree's order.
 */
function stepVariant(run: Run, node: Extract<DialogNode, { kind: 'step' }>): DialogNode | undefined {
  return stepVariants(run, node).find((n) => holds(n.when ?? {}, run.s.slots));
}

/** The other variants of a step: steps of the same guide section going to the same `next`, in the tree's order. */
function stepVariants(run: Run, node: Extract<DialogNode, { kind: 'step' }>): DialogNode[] {
  return [...run.ctx.tree.nodes.values()].filter((n) => n.kind === 'step' && n.id !== node.id && n.next === node.next && n.guide?.[0] === node.guide?.[0]);
}

/**
 * Enters `id` on a copy of the run (its state cloned, nothing said, no effect kept; `overrides` on the copy) and returns
 * the copy — or undefined when the tree fails there: the real entry meets the same bug and reports it.
 */
function dryEnter(run: Run, id: string, overrides: Partial<Run> = {}): Run | undefined {
  const probe: Run = { ...run, s: structuredClone(run.s), replies: [], effects: [], hops: 0, ...overrides };
  try {
    enter(probe, id);
  } catch {
    return undefined;
  }
  return probe;
}

/** Would entering `node` again stop at it (no slot or `when` the fact settled)? This turn's text is not read again there. */
function standsAgain(run: Run, node: DialogNode): boolean {
  return dryEnter(run, node.id, { pending: undefined })?.s.node === node.id;
}

/** Does the text of `key` (in the conversation's language) change with the slots `learned` — does it name them? */
function wordedBy(run: Run, key: string, learned: readonly string[]): boolean {
  if (!learned.length) return false;
  const without = structuredClone(run.s);
  for (const k of learned) delete without.slots[k];
  const text = (s: ConversationState) => renderMessage({ key, params: slotParams(s) }, { i18n: run.ctx.i18n, locale: run.s.locale });
  return text(without) !== text(run.s);
}

/** Appends the current step (if the conversation waits at one) to stepsTried with `result`. */
export function recordStep(run: Run, result: StepResult): void {
  const node = currentNode(run);
  if (node?.kind !== 'step') return;
  // 「VPNは切ったけどダメ」 at the VPN step was already noted from the text this turn: one line, not two.
  const last = run.s.stepsTried.at(-1);
  if (last && last.node === node.id && last.atMs === run.meta.nowMs) {
    last.result = result;
    return;
  }
  run.s.stepsTried.push({ node: node.id, title: node.title, result, atMs: run.meta.nowMs });
}

/** Leaves the current node for a global target; an unanswered step is recorded as "unknown". */
export function leaveTo(run: Run, target: string, stepResult: StepResult = 'unknown'): void {
  recordStep(run, stepResult);
  run.s.pending = undefined;
  enter(run, target);
}

/** Starts a new episode after a resolved/ended/escalated one: facts about the phone stay, the rest goes. */
export function newEpisode(run: Run): void {
  const { s } = run;
  s.stepsTried = [];
  s.told = undefined;
  s.errorText = undefined;
  s.errorOwnWords = undefined;
  s.collected = Object.fromEntries(Object.entries(s.collected).filter(([k]) => k === 'model'));
  s.pending = undefined;
  s.handoffAsks = undefined;
  s.ticketId = undefined;
  s.followUps = undefined;
  s.intent = null;
  s.detour = undefined;
  s.resolvedFrom = undefined;
  for (const k of Object.keys(s.slots)) if (!(ENTITY_SLOTS as readonly string[]).includes(k) || k === 'error_message') delete s.slots[k];
  setStatus(run, 'active');
}

/**
 * Would entering `intent`'s entry end up somewhere other than the current node, or at it on another route? (A dry run
 * on a copy.) Shared nodes (the device question, the light steps) are reached from several branches, which `flow`
 * tells apart: 「受信はできてる、送信だけできない」 at the device question of the receiving walk leads to the same
 * question, but of the sending walk (its intro, its steps after the light ones) — a switch, not "that's what we're on".
 */
export function leadsElsewhere(run: Run, intent: Intent): boolean {
  const probe = dryEnter(run, run.ctx.tree.entries[intent]!);
  if (!probe) return true; // the real switch meets the same tree bug and reports it
  return probe.s.node !== run.s.node || probe.s.slots.flow !== run.s.slots.flow;
}

/**
 * Would entering `intent`'s entry walk back into the route the conversation is on — its entry setting the same `flow`,
 * at another node (an earlier question)? 「パスワードが違いますって出る」 or 「dアカウントはわかる」 (read error_auth) at the
 * sign-in step of the phone-change walk: the password error's entry routes by the phone change back to that walk's first
 * question, said again from its opening. That is the walk on screen begun again, not another one.
 */
export function walksBack(run: Run, intent: Intent): boolean {
  const flow = run.s.slots.flow;
  if (flow === undefined || intent === run.s.intent) return false;
  const s = structuredClone(run.s);
  delete s.slots.flow;
  const probe = dryEnter(run, run.ctx.tree.entries[intent]!, { s });
  return probe !== undefined && probe.s.slots.flow === flow && probe.s.node !== run.s.node;
}

/**
 * Would every one of `intents`, chosen now with this turn's text, walk to the same node on the same route? (Dry runs.)
 * Then the two-stage fallback has nothing to ask: 「Gmailのパスワードを変えたら受信できない」 read as cannot-fetch or as
 * the password error starts the same password-change walk either way. `anyRoute`: the same node is enough, whatever
 * walk (flow) leads there.
 */
export function sameWalk(run: Run, intents: readonly Intent[], anyRoute = false): boolean {
  const ends = intents.map((intent) => dryEnter(run, run.ctx.tree.entries[intent]!, { pending: run.text, s: { ...structuredClone(run.s), intent, pending: undefined } }));
  const where = (p: Run | undefined) => (p ? `${p.s.node}\u0000${anyRoute ? '' : (p.s.slots.flow ?? '')}` : undefined);
  const first = where(ends[0]);
  return first !== undefined && ends.every((p) => where(p) === first);
}

/** The main guide section of a topic's walk: that of the first node its entry reaches that is no route (routes follow `default`). */
function topicSection(run: Run, intent: Intent): string | undefined {
  let id: string | undefined = run.ctx.tree.entries[intent];
  for (let hops = 0; id !== undefined && hops < 8; hops++) {
    const node = run.ctx.tree.nodes.get(id);
    if (!node) return undefined;
    if (node.kind !== 'route') return node.guide?.[0];
    id = node.default;
  }
  return undefined;
}

/**
 * Is `intent` the walk the node on screen belongs to: the branch's own intent, or a how-to topic whose walk implements
 * the node's guide section (howto_app_password at the app-password steps of the password walk, §10)? Asked about there,
 * it is about this node — entering the topic would walk back to its start (the 2FA question again), not elsewhere.
 */
export function isOwnTopic(run: Run, intent: Intent, node: DialogNode | undefined): boolean {
  if (intent === run.s.intent) return true;
  if (INTENT_ROLE[intent] !== 'topic' || !node?.guide?.length) return false;
  const section = topicSection(run, intent);
  return section !== undefined && node.guide[0] === section;
}

/**
 * Would the branch's entry, entered again now, take another route (`flow`) than the one the conversation is on? A fact
 * the entry's routes read (service: outlook → the company-mail branch) changes the walk; most facts (the device, the
 * line) leave it as it is.
 */
export function changesRoute(run: Run, intent: Intent, byFact = false): boolean {
  const entry = run.ctx.tree.entries[intent]!;
  const flow = dryEnter(run, entry)?.s.slots.flow; // a tree bug: stay, the node is asked again
  if (flow === undefined || flow === run.s.slots.flow) return false;
  // `byFact`: only a route this turn's facts changed. A walk an answer took elsewhere (「手動でも遅い」 at the push
  // question → the receiving walk) is not its entry's route, and 「iPhoneです」 there must not walk back to the question.
  if (byFact && run.slotsBefore) return dryEnter(run, entry, { s: { ...structuredClone(run.s), slots: { ...run.slotsBefore } } })?.s.slots.flow !== flow;
  return true;
}

/**
 * Switches to the branch of `intent` (this turn's text may answer the branch's first question too, unless `carry` is
 * false: a correction names the symptom only, its other words answer nothing). The step on screen, if any, is recorded
 * with `stepResult` (a correction's: `rerouted`).
 */
export function switchTo(run: Run, intent: Intent, carry = true, stepResult: StepResult = 'unknown'): void {
  const entry = run.ctx.tree.entries[intent]!;
  run.pending = carry ? run.text : undefined;
  recordStep(run, stepResult);
  // A how-to topic taken in the middle of a symptom branch is a detour: its end offers the branch back.
  const { s } = run;
  if (INTENT_ROLE[intent] === 'topic' && s.intent && SYMPTOM_INTENTS.has(s.intent) && s.status === 'active' && s.node) s.detour = { intent: s.intent, node: s.node };
  else if (INTENT_ROLE[intent] !== 'topic') s.detour = undefined;
  run.s.intent = intent;
  run.s.pending = undefined;
  // A symptom chosen (typed or clicked) answers a two-stage fallback still open.
  run.s.clarifyOffered = undefined;
  enter(run, incidentEntry(run) ?? entry);
}

/**
 * An incident open for the conversation's symptom on the person's carrier/service, not told yet: says so and gives
 * the outage check (the check_outage entry) to enter instead of the usual walk (a password walk would not help).
 * Once per incident. A typed symptom (switchTo) and a clicked one (applyOption) both come here.
 */
function incidentEntry(run: Run): string | undefined {
  const incident = matchingIncident(run.s, run.meta.incidents);
  const outage = run.ctx.tree.entries.check_outage;
  if (!incident || !outage || run.s.incident === incident.id) return undefined;
  run.s.incident = incident.id;
  say(run, 'engine.incident', { service: incidentServiceKey(incident) });
  return outage;
}

/** The message naming the incident's mail (「ドコモメール」, "Gmail"). */
function incidentServiceKey(i: IncidentFact): Message {
  return i.carrier ? { key: `engine.incident_mail.${i.carrier}` } : { key: `engine.value.service.${i.service}` };
}

/** Starts over: everything but the language, the turn counter and the status goes; the start node is entered. */
export function restart(run: Run): void {
  const { s } = run;
  const keep = { locale: s.locale, turn: s.turn, createdAtMs: s.createdAtMs, status: s.status };
  // Empty the object in place (the turn holds a reference to it), so no optional field survives the restart.
  for (const k of Object.keys(s)) delete (s as unknown as Record<string, unknown>)[k];
  Object.assign(s, newState(run.meta, run.ctx, keep.locale), keep);
  say(run, 'engine.restarted');
  setStatus(run, 'active');
  enter(run, run.ctx.tree.start);
}
