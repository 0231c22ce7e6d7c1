/**
 * Capped exponential backoff with "equal jitter" (half the delay fixed, half random), the one formula behind every
 * retry loop: the ticket outbox, Redis reconnects, Slack Web API calls. Jitter keeps replicas that failed together
 * from retrying in lockstep.
 */

/**
 * Delay before retry `attempt` (1 = the first retry), ms: `baseDelayMs · 2^(attempt-1)` capped at `maxDelayMs`,
 * half of it fixed and half random; never below `retryAfterMs` when the server asked for one.
 */
export function backoffDelay(
  attempt: number,
  opts: { baseDelayMs: number; maxDelayMs: number; random?: () => number },
  retryAfterMs?: number,
): number {
  // The exponent is capped so a long outage never computes 2^1000 (Infinity) before the cap applies.
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
  const jittered = Math.round(exp / 2 + (exp / 2) * (opts.random ?? Math.random)());
  return Math.max(jittered, retryAfterMs ?? 0);
}
