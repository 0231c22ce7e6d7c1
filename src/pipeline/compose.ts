/**
 * Middleware composition, after hono's `compose.ts` and botbuilder-core's middleware set: each link gets the
 * context and `next`, does its part before and/or after the rest of the chain, or answers by not calling `next`.
 */
import { CodedError, ErrorCode } from '../core/index.js';

/** Runs the rest of the chain. */
export type Next = () => Promise<void>;

/** One link of a chain. It either calls `next()` once (and awaits it) or ends the chain there. */
export type Middleware<C> = (ctx: C, next: Next) => Promise<void>;

/** A named link, so a chain can say what it is made of (logs, tests, the README's picture). */
export interface Link<C> {
  readonly name: string;
  readonly run: Middleware<C>;
}

/**
 * Composes links into one function. Calling `next()` twice in one link is a bug that would run the rest of the
 * chain twice (a second save, a second ticket): it rejects with CodedError(Internal) instead, as hono's compose does.
 */
export function compose<C>(links: ReadonlyArray<Link<C>>): (ctx: C) => Promise<void> {
  return (ctx) => {
    let reached = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= reached) {
        const name = links[i - 1]?.name ?? 'a link';
        return Promise.reject(new CodedError(ErrorCode.Internal, `next() called more than once in ${name}`));
      }
      reached = i;
      const link = links[i];
      if (!link) return Promise.resolve();
      try {
        return link.run(ctx, () => dispatch(i + 1));
      } catch (e) {
        // A link that throws synchronously fails the chain like one that rejects.
        return Promise.reject(e);
      }
    };
    return dispatch(0);
  };
}
