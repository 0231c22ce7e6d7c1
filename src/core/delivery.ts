/**
 * Getting a message out to a SaaS API (Slack Web API, Bot Connector) in order and without losing it — the one
 * delivery-and-retry helper of the channels and the help desks.
 *
 * - `KeyedQueue`: one queue per key (a conversation, a desk thread), so posts keep the order they were made in;
 *   different keys run side by side.
 * - `withRetry`: a rate limit is waited out for that call only (and so only its queue), never for every
 *   conversation; other transient failures (network, 5xx) are retried with the one backoff formula (backoff.ts);
 *   every failure is logged, and a call that finally fails is logged as an error with what was lost — never
 *   dropped silently. What counts as rate-limited or transient is the platform's (`classify`).
 */
import { backoffDelay } from './backoff.js';
import type { Logger } from './logger.js';

/** Runs tasks one at a time per key; keys are independent. */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const result = prev.then(task, task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Resolves when every queued task has finished (graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }
}

export interface RetryPolicy {
  /** Attempts for transient failures (network, HTTP 5xx), first included. */
  attempts: number;
  /** First backoff, ms; doubled each time. */
  baseDelayMs: number;
  /** Cap of one backoff, ms. */
  maxDelayMs: number;
  /** Most rate limits waited out for one call before giving up. */
  rateLimitWaits: number;
  /** Longest Retry-After honoured, ms (a larger one is capped to this). */
  maxRetryAfterMs: number;
}

/** How a platform failure should be handled. */
export type Failure =
  /** Asked to slow down: wait `retryAfterMs` (or the backoff when the platform did not say) and try again. */
  | { kind: 'rate_limited'; retryAfterMs?: number }
  /** Worth another attempt after a backoff (network, 5xx). */
  | { kind: 'transient' }
  /** Retrying cannot help (4xx, a platform error such as channel_not_found). */
  | { kind: 'permanent' };

export interface RetryOptions {
  /** The platform's reading of an error. */
  classify(e: unknown): Failure;
  /** A short description of an error for logs (never message text). */
  describe?(e: unknown): string;
  log: Logger;
  /** Fields logged with every line (conversation, ticket …). */
  fields?: Record<string, unknown>;
  policy: RetryPolicy;
  /** Waits `ms` (tests pass a fake). Default a timer. */
  sleep?(ms: number): Promise<void>;
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `fn` until it succeeds, waiting out rate limits and backing off on transient failures. Throws the last
 * error when it gives up (after logging it). `what` names the call in logs.
 */
export async function withRetry<T>(what: string, fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const { policy, log } = o;
  const fields = o.fields ?? {};
  const sleep = o.sleep ?? timer;
  const describe = o.describe ?? ((e: unknown) => (e instanceof Error ? e.message.split('\n')[0]! : String(e)));
  let failures = 0;
  let waits = 0;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      const failure = o.classify(e);
      if (failure.kind === 'rate_limited' && waits < policy.rateLimitWaits) {
        waits++;
        const ms = Math.min(policy.maxRetryAfterMs, failure.retryAfterMs ?? backoffDelay(waits, policy));
        log.warn({ ...fields, call: what, retryAfterMs: ms, waits }, 'rate limited: waiting before retrying');
        await sleep(ms);
        continue;
      }
      if (failure.kind === 'transient' && failures + 1 < policy.attempts) {
        failures++;
        const ms = backoffDelay(failures, policy);
        log.warn({ ...fields, call: what, err: describe(e), attempt: failures, delayMs: ms }, 'call failed; retrying');
        await sleep(ms);
        continue;
      }
      log.error({ ...fields, call: what, err: describe(e), attempts: failures + 1, rateLimitWaits: waits }, 'call failed for good; message not delivered');
      throw e;
    }
  }
}
