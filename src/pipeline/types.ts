/**
 * One turn, one chain of links (pipeline.ts): observe → answer failures → validate → dedupe → lock → take-over →
 * load → understand → step → effects → save. Channels call `handle` and render the outcome; they never touch state
 * or NLU themselves.
 */
import type {
  Act,
  IncidentFact,
  CodedError,
  ConversationStatus,
  Entities,
  ErrorCode,
  Intent,
  Locale,
  Logger,
  Nlu,
  NluResult,
  Reply,
  StepTried,
  Ticket,
  TicketFollowUp,
  Turn,
  TurnOutcome,
} from '../core/index.js';
import type { DialogTree } from '../data/schemas.js';
import type { ConversationState, StepFn, StepInput, StepOutput } from '../dialog/types.js';
import type { I18n } from '../i18n/index.js';
import type { ConversationStore, DeliveryClaim, DeliveryStore, TicketIds } from '../state/types.js';
import type { Link } from './compose.js';

/** Who holds a conversation taken over by help-desk staff. */
export interface Staff {
  id: string;
  name?: string;
}

export interface PipelineOutcome extends TurnOutcome {
  /** True when the turn was a redelivery (same eventId) and was not processed again: render nothing. */
  duplicate?: boolean;
  /**
   * Set when help-desk staff hold the conversation: the turn was relayed to them and the bot stays quiet (no
   * replies). The transcript records the turn as taken over by this person.
   */
  heldBy?: Staff;
  /**
   * Set when the turn failed (the replies then hold the polite apology): store_unavailable, busy (the
   * conversation was still processing an earlier message), ticket_delivery, input_invalid, internal.
   */
  error?: TurnErrorCode;
}

export type TurnErrorCode = 'store_unavailable' | 'busy' | 'ticket_delivery' | 'input_invalid' | 'internal';

export interface Pipeline {
  handle(turn: Turn): Promise<PipelineOutcome>;
  /** The names of the chain's links, outermost first. */
  readonly links: readonly string[];
}

/** Why a turn has nothing to understand (answered politely, state left as it is). */
export type Problem = 'empty' | 'attachment_only' | 'bad_action';

/**
 * One turn on its way through the chain: what each link learnt so far. Links read what the links before them
 * wrote; the one that answers sets `outcome`.
 */
export interface TurnContext {
  /** The turn as the channel handed it. */
  readonly received: Turn;
  /** The turn as processed: validate cleans the text and drops what cannot be trusted. */
  turn: Turn;
  /** When the turn started, ms since epoch (the pipeline's clock). */
  readonly atMs: number;
  /** performance.now() at the start, for the turn's duration. */
  readonly startedAt: number;
  /** Set by validate when there is nothing to understand. */
  problem?: Problem;
  /** The delivery this run claimed (turns with an eventId). */
  delivery?: DeliveryClaim;
  /** True once the delivery was marked done together with the saved state. */
  deliveryDone?: boolean;
  /** True when the delivery was processed already or is being processed by another run: nothing is rendered or observed. */
  duplicate?: boolean;
  /** The conversation's state as stored: the loaded one, then the new one once it is saved. */
  stored?: ConversationState;
  /** True once load ran (a turn that failed before has no stored state to speak of). */
  loaded?: boolean;
  nlu?: NluResult;
  input?: StepInput;
  /** What the engine returned. */
  stepped?: StepOutput;
  /** The state and replies after the effects (ticket id filled in), to be saved and shown. */
  state?: ConversationState;
  replies?: Reply[];
  ticket?: Ticket;
  /** The follow-up this turn added to the conversation's ticket. */
  followUp?: TicketFollowUp;
  /** The turn's language as known so far (for the error reply). */
  locale?: Locale;
  /** What the user is answered. */
  outcome?: PipelineOutcome;
  /** Set by the error handler when the turn failed. */
  error?: CodedError;
}

/** A link of the turn's chain. */
export type TurnLink = Link<TurnContext>;

/**
 * Where tickets go once the pipeline gave them an id (the hand-off part implements it with an outbox).
 * `submit` must be idempotent on `ticket.id`: the same id submitted twice files one ticket. It should only
 * persist the ticket for delivery (fast); delivery to the sink happens later, with retries.
 */
/**
 * Who durably holds a submitted ticket when the person is told its number: the ticket system itself (`sink`,
 * delivered within the wait), or the outbox (`outbox`, which delivers it later). `id` is the number to tell:
 * another one than submitted when the sink held a different ticket under the first (a conflict, filed anew).
 */
export interface TicketAcceptance {
  id: string;
  acceptedBy: 'sink' | 'outbox';
}

export interface TicketHandler {
  submit(ticket: Ticket): Promise<TicketAcceptance | void>;
  /**
   * Holds a follow-up to a filed ticket for delivery (idempotent on `followUp.id`): resolves once it is durably held,
   * throws when it cannot be. Without it the follow-up is only logged.
   */
  followUp?(followUp: TicketFollowUp): Promise<void>;
}

/** What observers learn of one turn, processed or failed (duplicates are not reported). */
export interface TurnRecord {
  /** The turn as processed: text cleaned of control characters and cut to the length limit. Not redacted. */
  turn: Turn;
  /** What the NLU understood (text turns that reached the NLU). */
  nlu?: NluResult;
  /** What the user was answered. */
  outcome: PipelineOutcome;
  /** Node waiting for the user's answer after the turn ('' before the first question). */
  node: string;
  status: ConversationStatus;
  /** Steps tried so far in the conversation (after the turn), when state was available. */
  stepsTried?: StepTried[];
  /**
   * The symptom the conversation's branch is about after the turn (the engine's `intent` when it is an error or topic
   * intent) — also when a button chose it (the menu's [受信できない]), which no NLU intent tells.
   */
  symptom?: Intent;
  /**
   * The carrier, mail service and device the conversation knows after the turn (the engine's slots): also when a button
   * chose them ([Android] at 「お使いの端末を教えてください」), which the turn's NLU entities do not tell.
   */
  known?: Pick<Entities, 'carrier' | 'service' | 'device'>;
  /** What the engine read a typed reply as in the node's context, and the policy rule that acted (StepOutput). */
  reading?: { act: Act; confidence: number };
  rule?: string;
  /** Set when the turn failed: the outcome then carries a polite pipeline.* reply. */
  error?: { code: ErrorCode; message: string };
  /** When the pipeline started the turn, ms since epoch (from the pipeline's clock). */
  atMs: number;
  /** Time the turn took, ms. */
  durationMs: number;
}

/**
 * Transcripts, metrics … Observers never block or break a turn: they are called after unlock, without being
 * awaited; errors are logged.
 */
export interface TurnObserver {
  onTurn(record: TurnRecord): void | Promise<void>;
}

/** The relay of a held conversation's turns to the staff holding it (a help desk: Slack or Teams). */
export interface TakeoverOptions {
  /** The conversations' holds (src/helpdesk HoldStore). */
  holds: {
    /** The conversation's hold, if staff hold it. */
    get(conversationId: string): Promise<HeldConversation | undefined>;
    /** Renews a hold: every relayed turn does, so a conversation in progress with staff does not expire under them. */
    renew(hold: HeldConversation): Promise<void>;
  };
  /** The help desk that relays the turns of `hold` (the one where it was taken), or undefined when none does. */
  relayFor(hold: HeldConversation): DeskRelay | undefined;
  /**
   * False while no help desk is wired (the terminal chat, a deployment without a desk channel): then no hold can be
   * honoured and the per-turn look-up is skipped.
   */
  active(): boolean;
}

/** What the pipeline needs of a hold (the help desk's TakeoverRecord has more). */
export interface HeldConversation {
  conversationId: string;
  staff: Staff;
  /**
   * The last relayed message ended on a password label (「パスワードは」): the next, if a value alone, is relayed masked.
   * Unset until the hold has relayed a turn after a label: then the conversation's state (ConversationState.valueNext)
   * tells, for a label sent to the bot just before staff took over.
   */
  valueNext?: boolean;
  /**
   * A password was talked about while held — by the person (「パスワードを変えました」) or by staff (「パスワードを変更して
   * みてください」) — so a value introduced by 「新しいのは」 / "the new one is" is relayed masked, as the engine reads it
   * after a password change (ConversationState.passwordTalk; the state is not saved while held). sec-27.
   */
  passwordTalk?: true;
}

/** A help desk as the pipeline sees it: where a held conversation's turns go. */
export interface DeskRelay {
  /** Posts the person's turn (redacted) to the staff holding the conversation; throws when it could not. */
  relay(turn: Turn, hold: HeldConversation): Promise<void>;
}

/** createPipeline() options. Stores usually come from createStores(config, logger). */
export interface PipelineOptions {
  nlu: Nlu;
  tree: DialogTree;
  i18n: I18n;
  store: ConversationStore;
  deliveries: DeliveryStore;
  ticketIds: TicketIds;
  /** Receives every ticket effect. Without one, tickets are only returned in the outcome (and logged). */
  tickets?: TicketHandler;
  observers?: TurnObserver[];
  logger?: Logger;
  /** Base of transcript links (Config.publicUrl). Default http://localhost:3978. */
  publicUrl?: string;
  /** Locale when neither the turn nor the text tells (Config.defaultLocale). Default 'ja'. */
  defaultLocale?: Locale;
  /** Idle TTL of a conversation, seconds (Config.stateTtlSeconds). Default 86,400. */
  stateTtlSeconds?: number;
  /** How long a processed eventId is remembered for de-duplication, seconds. Default 86,400. */
  dedupeTtlSeconds?: number;
  /**
   * How long a run holds its delivery, seconds: longer than any turn can take (lock wait 10 s + lock expiry 15 s +
   * store time limits). A run that died is retried after it. Default 60.
   */
  deliveryLeaseSeconds?: number;
  /** Staff take-over: held conversations are relayed instead of answered. Without it, no conversation is held. */
  takeover?: TakeoverOptions;
  /** Links run around the turn's own, outermost first (in-flight counting for graceful shutdown …). */
  outer?: TurnLink[];
  /** Longest text handed to the NLU, characters; longer text is cut (and still processed). Default 4,000. */
  maxTextChars?: number;
  /** The dialog engine. Default: `step` from src/dialog/engine.ts. (Tests of pipeline mechanics inject a stand-in.) */
  step?: StepFn;
  /** Clock, ms since epoch. Default Date.now. */
  clock?: () => number;
  /**
   * The incidents open now (src/incidents), read at every turn and passed to the engine as StepMeta.incidents.
   * A failure reads as none: an incident store problem never breaks a turn.
   */
  incidents?: () => Promise<readonly IncidentFact[]>;
}
