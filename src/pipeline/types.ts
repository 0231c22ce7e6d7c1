/**
 * One turn, one pipeline: dedupe → lock → load → NLU → step → effects → save → unlock.
 * Channels call `handle` and render the outcome; they never touch state or NLU themselves.
 */
import type { Turn, TurnOutcome } from '../core/index.js';

export interface PipelineOutcome extends TurnOutcome {
  /** True when the turn was a redelivery (same eventId) and was not processed again: render nothing. */
  duplicate?: boolean;
}

export interface Pipeline {
  handle(turn: Turn): Promise<PipelineOutcome>;
}
