/**
 * Turns of a conversation held by help-desk staff (pipeline/takeover.ts) never reach the pipeline, so its
 * observers never see them. This wrapper, placed around the take-over-wrapped pipeline, records them too: the
 * user's (redacted) message, no bot reply, and a `taken_over` event naming the staff member on the first one.
 */
import { asCodedError, type Logger, type Turn } from '../core/index.js';
import type { TakeoverStore } from '../pipeline/takeover.js';
import type { Pipeline, PipelineOutcome, TurnObserver } from '../pipeline/types.js';
import type { ObservedTurn } from './observer.js';
import { cleanText, cutText } from '../pipeline/pipeline.js';

export interface HeldTurnOptions {
  takeover: Pick<TakeoverStore, 'get'>;
  observer: TurnObserver;
  logger?: Logger;
  clock?: () => number;
}

/** A held turn comes back quiet: no replies, status escalated, no node. */
const isQuiet = (o: PipelineOutcome) => !o.duplicate && o.replies.length === 0 && o.status === 'escalated' && o.node === '';

export function recordHeldTurns(pipeline: Pipeline, options: HeldTurnOptions): Pipeline {
  const clock = options.clock ?? Date.now;
  return {
    async handle(turn: Turn): Promise<PipelineOutcome> {
      const atMs = clock();
      const outcome = await pipeline.handle(turn);
      if (!isQuiet(outcome)) return outcome;
      // Off the reply path: the person's turn is answered (quietly) whatever happens here.
      void (async () => {
        const held = await options.takeover.get(turn.conversationId);
        if (!held) return;
        const recorded: Turn = { ...turn };
        if (typeof recorded.text === 'string') recorded.text = cutText(cleanText(recorded.text), 4_000);
        const record: ObservedTurn = {
          turn: recorded,
          outcome: { ...outcome, ticket: undefined },
          node: '',
          status: 'escalated',
          atMs,
          durationMs: clock() - atMs,
          takenOverBy: held.staff.name ?? held.staff.id,
        };
        await options.observer.onTurn(record);
      })().catch((e: unknown) =>
        options.logger?.warn({ conversation: turn.conversationId, err: asCodedError(e).message }, 'recording a held turn failed'),
      );
      return outcome;
    },
  };
}
