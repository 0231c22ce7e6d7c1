/**
 * Slack's reading of a failed Web API call, for the one delivery-and-retry helper (src/core/delivery.ts).
 *
 * The WebClient is built with `rejectRateLimitedCalls: true`, because its own handling pauses its one shared
 * request queue for the whole Retry-After — every conversation would wait for one busy channel. Here only the call
 * that got the 429 waits out its Retry-After (and so only its conversation's queue).
 */
import { withRetry, type Failure, type RetryPolicy } from '../../core/delivery.js';
import type { Logger } from '../../core/index.js';

export { KeyedQueue, type RetryPolicy } from '../../core/delivery.js';

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
  message?: string;
}

/** Rate-limited (with Slack's Retry-After), transient (network, 5xx) or permanent (`ok: false`, e.g. channel_not_found). */
export function slackFailure(e: unknown): Failure {
  const err = e as SlackErrorLike;
  if (err?.code === 'slack_webapi_rate_limited_error') return { kind: 'rate_limited', retryAfterMs: Math.max(0, (err.retryAfter ?? 1) * 1000) };
  if (err?.code === 'slack_webapi_request_error') return { kind: 'transient' };
  if (err?.code === 'slack_webapi_http_error') return (err.statusCode ?? 500) >= 500 ? { kind: 'transient' } : { kind: 'permanent' };
  if (err?.code === 'slack_webapi_platform_error') {
    // Slack answers a few server-side hiccups with ok:false rather than a status code.
    return ['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'].includes(err.data?.error ?? '')
      ? { kind: 'transient' }
      : { kind: 'permanent' };
  }
  return { kind: 'permanent' };
}

/** Slack's error code (`channel_not_found`, `slack_webapi_request_error` …) for logs; never message text. */
export function describeSlackError(e: unknown): string {
  const err = e as SlackErrorLike;
  return err?.data?.error ?? err?.code ?? err?.message ?? String(e);
}

/** A Slack Web API call with Slack's retry rules. `what` names the call in logs. */
export function slackCall<T>(what: string, fn: () => Promise<T>, log: Logger, fields: Record<string, unknown>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  return withRetry(what, fn, { classify: slackFailure, describe: describeSlackError, log, fields, policy });
}
