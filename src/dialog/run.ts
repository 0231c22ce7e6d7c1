/**
 * The scratch of one turn (`Run`: a private copy of the state, the messages and effects so far) and how the
 * engine speaks: every reply is a message `{key, params, choices}`, rendered to text only at the end of the turn
 * (src/dialog/render.ts). Tree messages get the slot parameters of the moment as messages themselves
 * ({carrier_name} → engine.value.carrier.docomo), so they render in the conversation's language.
 *
 * Placeholders available to every tree message (`{name}` in locales/*\/tree.yaml):
 *   {carrier_name} {service_name} {device_name} {account_name} {os_version} {error_text}
 * plus the raw slot values by slot name ({carrier}, {scope} …). Missing values render a neutral word
 * ("お使いのメール"), never a blank.
 */
import type { Clarification, ConversationStatus, Effect, Intent, Message, MessageChoice, MessageParams, ReplyMessage } from '../core/index.js';
import type { DialogNode, DialogOption } from '../data/schemas.js';
import type { KeyArg } from '../i18n/index.js';
import { slotNameKeys } from '../i18n/keys.js';
import type { ReplyReading } from '../nlu/replies.js';
import type { ConversationState, StepContext, StepMeta } from './types.js';

/** Button values the engine adds itself (tree option values are whatever the tree declares). */
export const ACTIONS = {
  resolved: 'resolved',
  notResolved: 'not_resolved',
  help: 'help',
  human: 'human',
  restart: 'restart',
  /** At hand-off: file the ticket now with what is known. */
  skip: 'skip',
  /** At a step with `na`: "this step doesn't apply to me" (no VPN, not on Wi‑Fi, no old phone) — recorded as skipped. */
  na: 'n_a',
  /** Two-stage fallback: `clarify:<intent>` routes as if that symptom were typed, `clarify:none` shows the menu. */
  clarify: 'clarify:',
  /** After a how-to topic taken mid-branch ends: back to the symptom branch where it was left (ConversationState.detour). */
  resume: 'resume',
  /** After filing, a message that is clearly another problem (ConversationState.otherProblem): its own walk … */
  newProblem: 'new_problem',
  /** … or added to the open ticket after all (a follow-up). */
  addToTicket: 'add_to_ticket',
} as const;

/** Slots filled from NLU entities on every text turn. */
export const ENTITY_SLOTS = ['carrier', 'service', 'device', 'trigger', 'error_message', 'os_version'] as const;

/** Mutable scratch of one turn; `s` is a private copy of the state, so the caller's object is never touched. */
export interface Run {
  s: ConversationState;
  replies: ReplyMessage[];
  effects: Effect[];
  meta: StepMeta;
  ctx: StepContext;
  hops: number;
  missed: boolean;
  /** Entity slots (or the device model) this text turn filled or changed (「iCloudです」, 「Galaxy S23」 answered to no question). */
  learned: string[];
  /** Tree facts (dialogs/main.yaml `facts`) this turn's text states (facts.ts): noted, never a new symptom. */
  stated: string[];
  /** The slots as they were before this text turn's facts were taken (engine.ts), for "did the fact change the route?". */
  slotsBefore?: Record<string, string>;
  /**
   * This turn's text states, on its own, a fact that is the walk's own symptom gone (dialogs/main.yaml `fact_fixes`:
   * 「受信は大丈夫になりました」 in the receiving walk): the reply means "fixed", and the fact is not taken.
   */
  fixed?: boolean;
  /**
   * This turn's text states one side of a two-sided symptom gone (dialogs/main.yaml `fact_narrows`: 「受信は大丈夫になった」
   * where both sides failed): the symptom still broken, whose walk goes on (the rule fact_given).
   */
  narrowed?: Intent;
  /**
   * This turn's text states a fact that names the symptom (dialogs/main.yaml `fact_symptoms`: 「迷惑メールフォルダに入って
   * しまう」 is the not-arriving walk): before any walk is chosen, that symptom is the one walked (engine.ts).
   */
  factSymptom?: Intent;
  /**
   * The fact behind `factSymptom` is one a question states (dialogs/main.yaml `fact_questions`: 「iCloudメールに制限は
   * ありますか」 is `big_file: howto`): the question is that topic, so it names the walk over a topic reading too (engine.ts).
   */
  factAsked?: boolean;
  /** This turn's text, for an ask node reached in the same turn: 「送信も受信もできない」 answers the scope question too. */
  pending?: string;
  /** The text of this turn (undefined for a click). */
  text?: string;
  /** What the reply means beside its intent (text turns only). */
  reading?: ReplyReading;
  /** The two-stage fallback offered or answered in this turn (StepOutput.clarification). */
  clarification?: Clarification;
  /** This turn's text is a password by context (StepOutput.secret): warn, as for a masked one. */
  secret?: boolean;
  /** This turn's text holds a password by the conversation's topic (secrets.ts maskInTopic): read masked, warned. */
  maskedByTopic?: boolean;
  /** This turn's text held a password — masked as typed, by context or by topic (set once per text turn by the engine). */
  secretSaid?: boolean;
}

/**
 * A message of the engine's own. Keys written in code are checked against locales/ja at compile time (KeyArg);
 * keys from the tree (node.say, option labels) are plain strings, checked by `mailmedic lint`.
 */
export function msg<K extends string>(key: K & KeyArg<K>, params?: MessageParams): Message {
  return params ? { key, params } : { key };
}

/** The slot parameters of the moment (see the module comment). */
export function slotParams(s: ConversationState): MessageParams {
  const unknown = msg('engine.value.unknown');
  const names = Object.fromEntries(Object.entries(slotNameKeys(s.slots)).map(([name, key]) => [name, msg(key)]));
  return {
    ...s.slots,
    ...names,
    os_version: s.slots.os_version ?? s.collected.os ?? unknown,
    error_text: s.errorText ?? unknown,
  };
}

/** A message with the slot parameters of the moment and `extra`. */
export function message<K extends string>(run: Run, key: K & KeyArg<K>, extra?: MessageParams): Message {
  return withSlots(run, key, extra);
}

function withSlots(run: Run, key: string, extra?: MessageParams): Message {
  return { key, params: { ...slotParams(run.s), ...extra } };
}

/** Adds a reply; offering choices stamps the state's `offer` with this turn (older buttons become stale). */
export function say<K extends string>(run: Run, key: K & KeyArg<K>, extra?: MessageParams, choices?: MessageChoice[]): void {
  const reply: ReplyMessage = withSlots(run, key, extra);
  if (choices?.length) {
    reply.choices = choices;
    // Buttons offered twice in one turn (a hint, then the question again): the later set is on screen; in the same
    // turn both count (a nonce names the turn, not the message).
    run.s.offered = run.s.offer === run.s.turn ? [...new Set([...(run.s.offered ?? []), ...choices.map((c) => c.value)])] : choices.map((c) => c.value);
    run.s.offer = run.s.turn;
  }
  run.replies.push(reply);
}

export function button<K extends string>(run: Run, key: K & KeyArg<K>, value: string): MessageChoice {
  return { ...withSlots(run, key), value };
}

function optionChoices(run: Run, options: DialogOption[] | undefined): MessageChoice[] {
  return (options ?? []).map((o) => button(run, o.label, o.value));
}

/** The buttons the user may press at `node` right now. */
export function choicesOf(run: Run, node: DialogNode): MessageChoice[] {
  switch (node.kind) {
    case 'ask':
    case 'choice':
    case 'resolve':
      return optionChoices(run, node.options);
    case 'step': {
      const out = [button(run, 'engine.button.resolved', ACTIONS.resolved), button(run, 'engine.button.not_resolved', ACTIONS.notResolved)];
      if (node.help) out.push(button(run, 'engine.button.help', ACTIONS.help));
      if (node.na) out.push(button(run, 'engine.button.na', ACTIONS.na));
      out.push(button(run, 'engine.button.human', ACTIONS.human));
      return out;
    }
    case 'handoff':
      return run.s.pending?.length ? [button(run, 'engine.button.skip', ACTIONS.skip)] : [];
    case 'end':
      return [button(run, 'engine.button.restart', ACTIONS.restart)];
    default:
      return [];
  }
}

export function setStatus(run: Run, status: ConversationStatus): void {
  if (run.s.status === status) return;
  run.s.status = status;
  run.effects.push({ type: 'status', status, node: run.s.node ?? '' });
}

export function currentNode(run: Run): DialogNode | undefined {
  return run.s.node ? run.ctx.tree.nodes.get(run.s.node) : undefined;
}
