/**
 * The hand-off form: on entering a handoff node the engine asks, in one message, only for the ticket fields still
 * missing (device and OS, mail service, error text, time and frequency), re-asks at most once, collects the answer
 * field by field, then files the ticket (an effect: the pipeline gives it an id and renders it).
 */
import { ERROR_INTENTS, type FollowUpFields, type FollowUpKind, type Intent, type Message, type MessageParam, type NluResult } from '../core/index.js';
import { DEFAULT_PATTERNS, type DialogNode } from '../data/schemas.js';
import { normalise, type FieldFacts } from '../nlu/fields.js';
import { maskSecrets } from './secrets.js';
import { matchingIncident } from './incidents.js';
import { ticketDraft } from './ticket.js';
import { resultKey } from '../i18n/keys.js';
import { ACTIONS, button, message, msg, say, setStatus, slotParams, type Run } from './run.js';
import type { ConversationState } from './types.js';

/** Ticket fields a handoff node may ask for, in the order they are asked. */
export const HANDOFF_FIELDS = ['device', 'os', 'service', 'errorMessage', 'occurredAt', 'frequency'] as const;
export type HandoffField = (typeof HANDOFF_FIELDS)[number];

/** Collecting an answer needs the NLU this sure before a symptom in it names the ticket's intent. */
const NAMES_SYMPTOM_CONFIDENCE = 0.6;

/** Ticket fields still unknown, in asking order. */
export function missingFields(s: ConversationState): HandoffField[] {
  const out: HandoffField[] = [];
  if (!s.slots.device && !s.collected.model) out.push('device');
  if (!s.slots.os_version && !s.collected.os) out.push('os');
  if (!s.slots.service && !s.slots.carrier) out.push('service');
  if (!s.errorText && !s.collected.errorMessage) out.push('errorMessage');
  if (!s.collected.occurredAt) out.push('occurredAt');
  if (!s.collected.frequency) out.push('frequency');
  return out;
}

/** One line per thing to ask; device+OS and time+frequency are asked together when both are missing. */
function fieldLines(run: Run, fields: HandoffField[]): Message[] {
  const has = (f: HandoffField) => fields.includes(f);
  const keys: Array<`engine.handoff.field.${'device_os' | 'device' | 'os' | 'os_android' | 'os_unknown' | 'service' | 'error_message' | 'when_frequency' | 'occurred_at' | 'frequency'}`> = [];
  if (has('device') && has('os')) keys.push('engine.handoff.field.device_os');
  else if (has('device')) keys.push('engine.handoff.field.device');
  // Where to read the OS version follows the device (an Android phone is never sent to 「設定 › 一般 › 情報」).
  else if (has('os')) keys.push(({ ios: 'engine.handoff.field.os', android: 'engine.handoff.field.os_android', unknown: 'engine.handoff.field.os_unknown' } as const)[platformOf(run.s)]);
  if (has('service')) keys.push('engine.handoff.field.service');
  if (has('errorMessage')) keys.push('engine.handoff.field.error_message');
  if (has('occurredAt') && has('frequency')) keys.push('engine.handoff.field.when_frequency');
  else if (has('occurredAt')) keys.push('engine.handoff.field.occurred_at');
  else if (has('frequency')) keys.push('engine.handoff.field.frequency');
  return keys.map((k) => message(run, 'engine.handoff.line', { text: message(run, k) }));
}

/** Asks (or re-asks) for `fields` in one message, with a button to file now. */
export function askFields(run: Run, fields: HandoffField[], key: 'engine.handoff.ask' | 'engine.handoff.reask' | 'engine.handoff.reask_still_broken'): void {
  run.s.pending = fields;
  const lines = fieldLines(run, fields);
  say(run, key, { fields: { join: lines, separator: '\n' }, count: lines.length }, [button(run, 'engine.button.skip', ACTIONS.skip)]);
}

/** 「直りました」 after the hand-off: glad, and it is on the record the desk reads (not 「どういたしまして」). */
export function resolvedAfterHandoff(run: Run): void {
  const id = run.s.ticketId;
  if (id) say(run, 'engine.resolved_escalated', { ticket: id });
  else say(run, 'engine.resolved_escalated_no_id');
}

/**
 * What a message after filing adds to the ticket: the facts in it, read as the hand-off form reads them (OS version,
 * model, quoted error text — secrets masked). Empty when it tells nothing the ticket could use.
 */
export function followUpFields(text: string, nlu: NluResult, facts: FieldFacts): FollowUpFields {
  const masked = (x: string) => maskSecrets(x).text;
  const out: FollowUpFields = {};
  const e = nlu.entities;
  if (e.device) out.device = e.device;
  if (facts.model) out.model = facts.model;
  const os = facts.os ?? e.os_version;
  if (os) out.os = os;
  if (e.service) out.service = e.service;
  if (e.carrier) out.carrier = e.carrier;
  if (facts.quotedError) out.errorMessage = masked(facts.quotedError);
  else if (e.error_message) out.errorMessage = masked(text.trim());
  if (facts.occurredAt) out.occurredAt = facts.occurredAt;
  if (facts.frequency) out.frequency = facts.frequency;
  return out;
}

/**
 * After filing, what the person says next reaches the ticket (a follow-up through the outbox: a Zendesk internal note,
 * a Jira comment, a second webhook POST, a file beside the ticket) and they are told it was added to ticket <id>.
 * 「直った」 twice in a row is added once. Needs the ticket's id (the pipeline sets it when it files).
 */
export function addFollowUp(run: Run, kind: FollowUpKind, fields: FollowUpFields, text?: string): void {
  const { s } = run;
  const id = s.ticketId!;
  const sent = s.followUps ?? [];
  if (kind === 'user_resolved' && sent.at(-1) === 'user_resolved' && Object.keys(fields).length === 0) {
    return say(run, 'engine.follow_up.user_resolved_again', { ticket: id });
  }
  s.followUps = [...sent, kind];
  const draft = { kind, seq: s.followUps.length, fields, ...(text ? { text } : {}) };
  run.effects.push({ type: 'follow_up', draft });
  say(run, `engine.follow_up.${kind}`, { ticket: id });
}

type TicketAbout = NonNullable<ConversationState['ticketAbout']>;

/** What the ticket being filed is about: its symptom and the service, carrier and device it names. */
function aboutOf(s: ConversationState): TicketAbout {
  const about: TicketAbout = { intent: s.intent };
  for (const e of ['service', 'carrier', 'device'] as const) if (s.slots[e]) about[e] = s.slots[e];
  return about;
}

/**
 * After filing, is the symptom typed (`nlu`) clearly another problem than the open ticket's? dialogs/patterns.yaml
 * `after_filing`: it names another value of an entity of `differ_by` than the ticket (both known — the ticket was about
 * iCloud, the message says Gmail), or its symptom is on another side of `sides` than the ticket's (receiving → sending).
 * A symptom with nothing that differs (「まだ届かない」, another error text) is the ticket's problem told again.
 */
export function otherProblemThanTicket(run: Run, nlu: NluResult): boolean {
  const rules = (run.ctx.tree.patterns ?? DEFAULT_PATTERNS).after_filing;
  if (!rules || !ERROR_INTENTS.has(nlu.intent)) return false;
  const about: TicketAbout = run.s.ticketAbout ?? { intent: run.s.intent };
  for (const e of rules.differ_by) {
    const said = nlu.entities[e];
    if (said && about[e] && said !== about[e]) return true;
  }
  const side = (intent: Intent | null) => (intent ? Object.keys(rules.sides).find((k) => rules.sides[k]!.includes(intent)) : undefined);
  const was = side(about.intent);
  const now = side(nlu.intent);
  return was !== undefined && now !== undefined && was !== now;
}

/**
 * A message after filing that is clearly another problem: kept (ConversationState.otherProblem) while the person is
 * asked 「別の問題として新しく相談しますか？」 — [新しく相談] walks it as a new episode (a new ticket if it comes to that),
 * [今のチケットに追記] adds it to the open ticket after all.
 */
export function askOtherProblem(run: Run, intent: Intent, fields: FollowUpFields, text?: string): void {
  const { s } = run;
  s.otherProblem = { intent, fields, ...(text ? { text } : {}) };
  const symptom = s.ticketAbout?.intent ?? s.intent;
  say(
    run,
    'engine.follow_up.other_problem',
    { ticket: s.ticketId!, symptom: msg(`ticket.intent.${symptom ?? 'request_human'}`), other: msg(`ticket.intent.${intent}`) },
    [button(run, 'engine.button.new_problem', ACTIONS.newProblem), button(run, 'engine.button.add_to_ticket', ACTIONS.addToTicket)],
  );
}

/**
 * The person typed something else while 「別の問題として新しく相談しますか？」 waited (`pending`: the question as it stood
 * before this turn, which was handled like any other message). The question is asked once more after it —
 * 「先ほどの「送信できない」は、別の問題として新しく相談しますか？」 with its two buttons — and ignored a second time, it is
 * dropped: it no longer waits for a 「はい」 typed turns later to start a walk nobody asked for. Answered, replaced by
 * another such question, or left behind by a new episode: nothing to do.
 */
export function afterOtherProblemQuestion(run: Run, pending: ConversationState['otherProblem']): void {
  const { s } = run;
  if (!pending || s.otherProblem !== pending) return;
  if (s.status !== 'escalated' || !s.ticketId || pending.reasked) {
    s.otherProblem = undefined;
    return;
  }
  s.otherProblem = { ...pending, reasked: true };
  say(run, 'engine.follow_up.other_problem_again', { other: msg(`ticket.intent.${pending.intent}`) }, [
    button(run, 'engine.button.new_problem', ACTIONS.newProblem),
    button(run, 'engine.button.add_to_ticket', ACTIONS.addToTicket),
  ]);
}

/** [今のチケットに追記] (or 「いいえ」) to askOtherProblem: the message kept is a follow-up (details) after all. */
export function addOtherProblemToTicket(run: Run): void {
  const other = run.s.otherProblem!;
  run.s.otherProblem = undefined;
  addFollowUp(run, 'details', other.fields, other.text);
}

/** The conversation already has a ticket: say so (with its number once the pipeline assigned it). */
export function escalatedAlready(run: Run): void {
  const id = run.s.ticketId;
  if (id) say(run, 'engine.escalated_already', { ticket: id });
  else say(run, 'engine.escalated_already_no_id');
}

export function enterHandoff(run: Run, node: Extract<DialogNode, { kind: 'handoff' }>): void {
  const { s } = run;
  if (s.status === 'escalated') {
    // One escalation per episode: a second path into hand-off does not make a second ticket.
    escalatedAlready(run);
    return;
  }
  setStatus(run, 'active');
  // 「これまでに試した手順は記録してあります」 only when some step was tried (a first-message request has none).
  say(run, node.say, { steps_recorded: s.stepsTried.length ? msg('engine.handoff.steps_recorded') : '' });
  const missing = missingFields(s);
  if (missing.length === 0) return fileTicket(run);
  s.handoffAsks = 1;
  askFields(run, missing, 'engine.handoff.ask');
  offerSettings(run);
}

/** Whose menus the person has: iPhone and iPad share iOS's; a device not known yet gets both. */
function platformOf(s: ConversationState): 'ios' | 'android' | 'unknown' {
  const device = s.slots.device;
  return device === 'iphone' || device === 'ipad' ? 'ios' : device === 'android' ? 'android' : 'unknown';
}

/** The device's place for mail server settings (never names one platform's menus for the other). */
function settingsWhere(s: ConversationState) {
  return msg(`engine.handoff.settings_where.${platformOf(s)}`);
}

/**
 * Offers — never requires — the current settings (host names, ports, SSL) in the same answer as the form, saying
 * where to find them on this device; never a password. What the person types fills the ticket's 現在の設定値.
 */
function offerSettings(run: Run): void {
  const { s } = run;
  if (Object.keys(s.collected).some((k) => k.startsWith('settings.'))) return;
  say(run, 'engine.handoff.settings_offer', { where: settingsWhere(s) });
}

/**
 * A symptom named beside a request for a person (「担当者と話したい。…今朝から毎回受信できない」, or in an answer to the
 * form) names the ticket's intent, when the NLU is sure of it and no symptom was named before.
 */
export function noteSymptom(run: Run, nlu: NluResult): void {
  const { s } = run;
  if ((!s.intent || s.intent === 'request_human') && ERROR_INTENTS.has(nlu.intent) && nlu.confidence >= NAMES_SYMPTOM_CONFIDENCE) s.intent = nlu.intent;
}

/** Reads an answer to the form, field by field; files when nothing is missing, on 「わからない」, or after the re-ask. */
export function collect(run: Run, text: string, nlu: NluResult, facts: FieldFacts): void {
  const { s } = run;
  const pending = (s.pending ?? []) as HandoffField[];
  if (pending.includes('errorMessage')) {
    const masked = (x: string) => maskSecrets(x).text;
    // The form's answer is what the screen shows: no correction replaces it (state.errorOwnWords).
    if (facts.quotedError || nlu.entities.error_message || pending.length === 1) s.errorOwnWords = undefined;
    if (facts.quotedError) s.errorText = masked(facts.quotedError);
    else if (facts.noError) s.collected.errorMessage = normalise(facts.noErrorText ?? masked(text));
    else if (nlu.entities.error_message) s.errorText = masked(text);
    else if (pending.length === 1 && !facts.dontKnow && text.trim()) s.errorText = masked(text.trim()); // asked alone: the answer is the text
  }
  // 「担当者と話したい」 first, the symptom only in the answer: the ticket still names the symptom.
  noteSymptom(run, nlu);
  const missing = missingFields(s);
  // 「まだ届きません」 "still not arriving" (read still_broken, no field answered): no value for the form — it goes into the
  // ticket's description, said so, and the form goes on (never thanked as if it were the answer).
  const persists = run.reading?.act === 'still_broken' && !facts.dontKnow && missing.length === pending.length && missing.every((f) => pending.includes(f));
  if (persists) s.stillBrokenAtForm = [...(s.stillBrokenAtForm ?? []), maskSecrets(text.trim()).text];
  // 「わからない」 or nothing understood twice: file with what we have (unknown fields say 不明).
  if (missing.length === 0 || facts.dontKnow || (s.handoffAsks ?? 1) >= 2) return fileTicket(run);
  s.handoffAsks = (s.handoffAsks ?? 1) + 1;
  askFields(run, missing, persists ? 'engine.handoff.reask_still_broken' : 'engine.handoff.reask');
}

/** Files the ticket: the draft goes out as an effect; the id and the text are the pipeline's, after the turn. */
export function fileTicket(run: Run): void {
  const { s, meta } = run;
  s.pending = undefined;
  s.handoffAsks = undefined;
  if (!s.intent) s.intent = 'request_human';
  const draft = ticketDraft(s, meta.nowMs, slotParams(s));
  const incident = matchingIncident(s, meta.incidents);
  if (incident) draft.incident = incident.id;
  const steps: MessageParam = s.stepsTried.length
    ? {
        join: s.stepsTried.map((x) =>
          msg('engine.handoff.step_result', { step: x.title ? message(run, x.title) : (x.step ?? x.node), result: msg(resultKey(x.result)) }),
        ),
        separator: msg('engine.handoff.step_separator'),
      }
    : msg('engine.handoff.no_steps');
  // [直った]: mail that starts working while the desk has the ticket is one click away from the ticket (a follow-up).
  say(run, 'engine.handoff.filed', { steps, ticket: { ref: 'ticket_id' } }, [button(run, 'engine.button.resolved', ACTIONS.resolved)]);
  setStatus(run, 'escalated');
  s.ticketAbout = aboutOf(s);
  s.otherProblem = undefined;
  run.effects.push({ type: 'ticket', draft });
}
