/** Counting the turns in flight, as the outermost link of the chain, so a graceful shutdown can wait for them. */
import type { TurnLink } from './types.js';

export interface InFlight {
  /** The link to put first in the chain (PipelineOptions.outer). */
  readonly link: TurnLink;
  /** Turns being processed right now. */
  count(): number;
  /** Resolves true when no turn is in flight, or false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean>;
}

/** `gauge`: a metric that follows the count (mailmedic_turns_in_flight). */
export function countInFlight(gauge?: { inc(): void; dec(): void }): InFlight {
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  return {
    link: {
      name: 'in flight',
      async run(_ctx, next) {
        inFlight++;
        gauge?.inc();
        try {
          await next();
        } finally {
          inFlight--;
          gauge?.dec();
          if (inFlight === 0) {
            const w = waiters;
            waiters = [];
            for (const resolve of w) resolve();
          }
        }
      },
    },
    count: () => inFlight,
    drained: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (inFlight === 0) {
          resolve(true);
          return;
        }
        const timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      }),
  };
}
