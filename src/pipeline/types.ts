/**
 * One turn, one pipeline: dedupe → lock → load → NLU → step → effects → save → unlock.
 * Channels call `handle` and render the outcome; they never touch state or NLU themselves.
 */
import type {
  ConversationStatus,
  ErrorCode,
  Locale,
  Logger,
  Nlu,
  NluResult,
  StepTried,
  Ticket,
  Turn,
  TurnOutcome,
} from '../core/index.js';
import type { DialogTree } from '../data/schemas.js';
import type { StepFn } from '../dialog/types.js';
import type { I18n } from '../i18n/index.js';
import type { ConversationStore, DedupeStore, TicketIds } from '../state/types.js';

export interface PipelineOutcome extends TurnOutcome {
  /** True when the turn was a redelivery (same eventId) and was not processed again: render nothing. */
  duplicate?: boolean;
}

export interface Pipeline {
  handle(turn: Turn): Promise<PipelineOutcome>;
}

/**
 * Where tickets go once the pipeline gave them an id (the hand-off part implements it with an outbox).
 * `submit` must be idempotent on `ticket.id`: the same id submitted twice files one ticket. It should only
 * persist the ticket for delivery (fast); delivery to the sink happens later, with retries.
 */
export interface TicketHandler {
  submit(ticket: Ticket): Promise<void>;
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
  /** Set when the turn failed: the outcome then carries a polite pipeline.* reply. */
  error?: { code: ErrorCode; message: string };
  /** When the pipeline started the turn, ms since epoch (from the pipeline's clock). */
  atMs: number;
  /** Time the turn took, ms. */
  durationMs: number;
}

/** Transcripts, metrics … Observers never block or break a turn: they are called after unlock, errors are logged. */
export interface TurnObserver {
  onTurn(record: TurnRecord): void | Promise<void>;
}

/** createPipeline() options. Stores usually come from createStores(config, logger). */
export interface PipelineOptions {
  nlu: Nlu;
  tree: DialogTree;
  i18n: I18n;
  store: ConversationStore;
  dedupe: DedupeStore;
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
  /** How long an eventId is remembered for de-duplication, seconds. Default 86,400. */
  dedupeTtlSeconds?: number;
  /** Longest text handed to the NLU, characters; longer text is cut (and still processed). Default 4,000. */
  maxTextChars?: number;
  /** The dialog engine. Default: `step` from src/dialog/engine.ts. (Tests of pipeline mechanics inject a stand-in.) */
  step?: StepFn;
  /** Clock, ms since epoch. Default Date.now. */
  clock?: () => number;
}
