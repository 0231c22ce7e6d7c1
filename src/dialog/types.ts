/**
 * Conversation state and the engine's signature. The engine is a pure function:
 *   step(state | undefined, input, ctx) → { state, replies, effects }
 * It does no I/O, reads no clock (time comes in `meta.nowMs`) and never throws for user input; a bug (an unknown
 * node, too many automatic transitions) throws a CodedError(Internal) for the pipeline's error handler.
 * Replies leave it as messages (`{key, params, choices}`); `render()` makes them text at the end of the turn.
 */
import type {
  Act,
  CauseAxis,
  Clarification,
  ChannelName,
  ConversationStatus,
  IncidentFact,
  Effect,
  FollowUpFields,
  FollowUpKind,
  Intent,
  Locale,
  NluResult,
  Reply,
  ReplyMessage,
  StepTried,
} from '../core/index.js';
import type { DialogTree } from '../data/schemas.js';
import type { I18n } from '../i18n/index.js';

/** Bumped when the shape of ConversationState changes incompatibly (old states then restart politely). */
export const STATE_SCHEMA = 1;

export interface ConversationState {
  schema: typeof STATE_SCHEMA;
  /** DialogTree.version the conversation was running on; a different tree re-enters safely. */
  treeVersion: string;
  conversationId: string;
  channel: ChannelName;
  userId: string;
  userName?: string;
  permalink?: string;
  locale: Locale;
  /**
   * The answer of the last turn that came with an eventId, saved with the state and its done mark in one write
   * (pipeline `save`): a retry of that delivery — the client was told "try again" because the save's reply was lost
   * (Redis slow or gone right after the write) — gets these replies again instead of nothing (lose-32).
   */
  answered?: { eventId: string; replies: Reply[] };
  /** The node waiting for the user's answer (null before the first question). */
  node: string | null;
  status: ConversationStatus;
  /** Slot values: entity names (carrier, service, device, trigger, error_message, os_version) and tree slots (scope, cause …). */
  slots: Record<string, string>;
  /** The symptom intent that chose the current branch. */
  intent: Intent | null;
  /** The error text as the user typed it (redacted), for the ticket's エラー表示. */
  errorText?: string;
  /**
   * errorText is the symptom in the person's own words (no message quoted, no screen message named): a correction of
   * the symptom (「いや、全部のメールが届かないです」 after 「一部のメールが届かない」) replaces it — the ticket's エラー表示
   * shows what the person ended up saying, not the opening they took back. What a screen shows is never replaced so.
   */
  errorOwnWords?: true;
  /** Every step shown and its result, in order (the ticket's 実施手順と結果): node ids and title keys, never rendered text. */
  stepsTried: StepTried[];
  /**
   * Light steps the person said were done (or do not apply) before the walk reached them — `done_*` slot → how they
   * were recorded: when the walk skips such a step it says so once (「再起動はお試し済みとのことなので…」), then forgets it.
   */
  told?: Record<string, 'not_resolved' | 'skipped'>;
  /** Consecutive turns the bot could not place (1 → clarify, 2 → offer a person). */
  misses: number;
  /**
   * How often a repair met the same node in this episode (`<repair>:<node>` → count): a second 「やり方がわからない」
   * gets the detailed explanation, a second 「わからない」 the safe default, a second unreadable reply another answer.
   */
  repeats?: Record<string, number>;
  /** The last message ended on a password label (「パスワードは」): the next one, if it is a value alone, is masked whole. */
  valueNext?: true;
  /**
   * A password change was said in this conversation (the `trigger` slot was `password_change` once; it stays when a later
   * message names another trigger): what the person types after it is read with that topic (secrets.ts maskInTopic, sec-26).
   */
  passwordTalk?: true;
  /** Ticket fields still being collected by a handoff node. */
  pending?: string[];
  /** How many times the handoff node has asked for missing fields (it asks once and re-asks at most once). */
  handoffAsks?: number;
  /**
   * Replies at the hand-off form that said the problem persists and answered none of its fields (「まだ届きません」, "still
   * not arriving"), secrets masked: written into the ticket's description (ticket.still_broken_at_form), never taken for
   * a field value.
   */
  stillBrokenAtForm?: string[];
  /** Ticket fields collected (occurredAt, frequency, os …) as the user wrote them. */
  collected: Record<string, string>;
  cause?: CauseAxis;
  ticketId?: string;
  /** Follow-ups added to the ticket after filing, in order (the n-th is `<ticketId>-f<n>`); reset with the ticket. */
  followUps?: FollowUpKind[];
  /**
   * What the open ticket is about, kept when it is filed (the slots change with what is said after): its symptom and
   * the service, carrier and device it names. A symptom typed after filing is weighed against it (rule after_filing).
   */
  ticketAbout?: { intent: Intent | null; service?: string; carrier?: string; device?: string };
  /**
   * After filing, a message that was clearly another problem, while the person chooses [新しく相談] (its walk, a new
   * episode) or [今のチケットに追記] (a follow-up after all): its symptom, what the ticket would get, and the masked text.
   */
  otherProblem?: {
    intent: Intent;
    fields: FollowUpFields;
    text?: string;
    /** Asked once more after a message that ignored it (handoff.ts afterOtherProblemQuestion); ignored again, dropped. */
    reasked?: boolean;
  };
  /** The incident this person was told about (they hear of an incident once). */
  incident?: string;
  /** Incremented on every turn; the id of the choices on screen is `offer`. */
  turn: number;
  /** Symptoms offered by the two-stage fallback and not yet answered (buttons `clarify:<intent>`). */
  clarifyOffered?: Intent[];
  /** The symptom branch left for a how-to topic (「バックアップってどうやるの」 mid-branch): offered back when the topic ends. */
  detour?: { intent: Intent; node: string };
  /** Glossary terms explained (move `explain`) and on which turn: the next reply may be about them (「使ってない」). */
  explained?: { terms: string[]; turn: number };
  /**
   * The question (not a step) at which this episode was answered "fixed" (「できた」 to a choice): 「やっぱり無理」 right
   * after goes back to it (the repair `correction`), as after a step answered "fixed".
   */
  resolvedFrom?: string;
  /** Turn number at which the current choices were offered; a click carrying another nonce is stale. */
  offer?: number;
  /**
   * The values of the buttons offered then (at `offer`). A click without a nonce (POST /api/chat, chat --jsonl) is
   * checked against them: an old [直った] clicked at a later question is stale, not "fixed" (round 19).
   */
  offered?: string[];
  createdAtMs: number;
  updatedAtMs: number;
}

export type StepInput =
  | { kind: 'text'; text: string; nlu: NluResult }
  | { kind: 'action'; value: string; nonce?: string };

export interface StepMeta {
  conversationId: string;
  channel: ChannelName;
  userId: string;
  userName?: string;
  permalink?: string;
  /** Locale to use when the text does not tell (channel's user locale or DEFAULT_LOCALE). */
  locale: Locale;
  nowMs: number;
  /** Incidents open right now (src/incidents): a person with one's symptom and carrier/service hears of it first. */
  incidents?: readonly IncidentFact[];
}

export interface StepContext {
  tree: DialogTree;
  /** Read-only use: the words of buttons and options in both languages, to recognise an answer typed as text. */
  i18n: I18n;
}

export interface StepOutput {
  state: ConversationState;
  /** What to say, as messages; rendered once by `render()` after the pipeline assigned any ticket id. */
  replies: ReplyMessage[];
  effects: Effect[];
  /** Intent of this turn (null for a click). */
  intent: Intent | null;
  /** The two-stage fallback offered or answered in this turn. */
  clarification?: Clarification;
  /**
   * This turn's text was a password by context: what is kept of it (TurnOutcome.secret) — the mark alone, or the text
   * masked by the conversation's topic (「ドコモメールの新しいのは［伏字］」 after a password change was said, sec-26).
   */
  secret?: string;
  /**
   * What a typed reply meant in the node's context — the act model's reading the policy decides with (「もういいです」 at a
   * question: give_up, while its `intent` may be affirm). Absent for clicks and for text read as no reply act.
   */
  reading?: { act: Act; confidence: number };
  /** The turn policy's rule that acted on a typed message (policy.ts: give_up, answer_at_node, clarify …). */
  rule?: string;
}

export type StepFn = (state: ConversationState | undefined, input: StepInput, meta: StepMeta, ctx: StepContext) => StepOutput;
