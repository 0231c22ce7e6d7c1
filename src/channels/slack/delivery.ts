/**
 * Getting messages out to Slack in order and without losing them.
 *
 * - One queue per conversation: the turns of a conversation (and their posts) run one after another, so replies
 *   arrive in the order the person wrote; different conversations run side by side.
 * - Rate limits: the WebClient is built with `rejectRateLimitedCalls: true`, because its own handling pauses its
 *   one shared request queue for the whole Retry-After — every conversation would wait for one busy channel.
 *   Here only the call that got the 429 waits out its Retry-After (and so only its conversation's queue).
 * - Other transient failures (network, 5xx) are retried with capped exponential backoff; every failure is logged,
 *   and a call that finally fails is logged as an error with what was lost — never dropped silently.
 */
import type { Logger } from '../../core/index.js';
import { backoffDelay } from '../../core/backoff.js';

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
  /** Attempts for transient failures (network, HTTP 5xx), first included. Default 5. */
  attempts: number;
  /** First backoff, ms; doubled each time. Default 500. */
  baseDelayMs: number;
  /** Cap of one backoff, ms. Default 30,000. */
  maxDelayMs: number;
  /** Most 429s waited out for one call before giving up. Default 10. */
  rateLimitWaits: number;
  /** Longest Retry-After honoured, ms (a larger one is capped to this). Default 120,000. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  rateLimitWaits: 10,
  maxRetryAfterMs: 120_000,
};

interface SlackErrorLike {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Transient: worth another attempt. Platform errors (`ok: false`, e.g. channel_not_found) are not. */
function kind(e: unknown): 'rate_limited' | 'transient' | 'permanent' {
  const err = e as SlackErrorLike;
  if (err?.code === 'slack_webapi_rate_limited_error') return 'rate_limited';
  if (err?.code === 'slack_webapi_request_error') return 'transient';
  if (err?.code === 'slack_webapi_http_error') return (err.statusCode ?? 500) >= 500 ? 'transient' : 'permanent';
  if (err?.code === 'slack_webapi_platform_error') {
    // Slack answers a few server-side hiccups with ok:false rather than a status code.
    return ['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'].includes(err.data?.error ?? '') ? 'transient' : 'permanent';
  }
  return 'permanent';
}

function describe(e: unknown): string {
  const err = e as SlackErrorLike & { message?: string };
  return err?.data?.error ?? err?.code ?? err?.message ?? String(e);
}

/**
 * Calls `fn` until it succeeds, waiting out 429s (Retry-After) and backing off on transient failures.
 * Throws the last error when it gives up (after logging it). `what` names the call in logs (never message text).
 */
export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  log: Logger,
  fields: Record<string, unknown>,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  let failures = 0;
  let waits = 0;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      const k = kind(e);
      if (k === 'rate_limited' && waits < policy.rateLimitWaits) {
        waits++;
        const retryAfterSeconds = (e as SlackErrorLike).retryAfter;
        const ms = Math.min(policy.maxRetryAfterMs, Math.max(0, (retryAfterSeconds ?? 1) * 1000));
        log.warn({ ...fields, call: what, retryAfterMs: ms, waits }, 'slack rate limit: waiting before retrying');
        await sleep(ms);
        continue;
      }
      if (k === 'transient' && failures + 1 < policy.attempts) {
        failures++;
        const jittered = backoffDelay(failures, policy);
        log.warn({ ...fields, call: what, err: describe(e), attempt: failures, delayMs: jittered }, 'slack call failed; retrying');
        await sleep(jittered);
        continue;
      }
      log.error({ ...fields, call: what, err: describe(e), attempts: failures + 1, rateLimitWaits: waits }, 'slack call failed for good; message not delivered');
      throw e;
    }
  }
}
