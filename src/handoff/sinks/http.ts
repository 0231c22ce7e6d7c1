/**
 * The one HTTP helper the remote sinks share: a JSON request with a time limit, and the classification of
 * the outcome (2xx ok; 429, 408, 5xx, time-out, network → retryable with Retry-After; other 4xx → permanent).
 */
import { DeliveryError } from './types.js';

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
}

export interface RequestInitLite {
  method: 'GET' | 'POST' | 'PUT';
  headers: Record<string, string>;
  body?: string;
  /** Time limit of the whole exchange, ms. */
  timeoutMs: number;
}

/** Upper bound on a Retry-After we honour, ms: a broken header must not park a ticket for days. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Parses Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Returns ms from `nowMs`, or undefined
 * when absent or unreadable. Dates in the past give 0.
 */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}

/** Statuses worth trying again besides 5xx: 408 Request Timeout, 425 Too Early, 429 Too Many Requests. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/** Throws a DeliveryError for any non-2xx response; `extraRetryable` adds sink-specific statuses. */
export function classify(what: string, res: HttpResult, extraRetryable: ReadonlySet<number> = new Set()): void {
  if (res.status >= 200 && res.status < 300) return;
  const retryable = res.status >= 500 || RETRYABLE_4XX.has(res.status) || extraRetryable.has(res.status);
  throw new DeliveryError(`${what} answered HTTP ${res.status}`, {
    retryable,
    status: res.status,
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    reason: `http_${res.status}`,
  });
}

/** Sends one request. Network errors and time-outs become retryable DeliveryErrors; responses are returned. */
export async function request(what: string, url: string, init: RequestInitLite): Promise<HttpResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      redirect: 'error',
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (e) {
    const timeout = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    throw new DeliveryError(timeout ? `${what} did not answer within ${init.timeoutMs} ms` : `${what} unreachable`, {
      retryable: true,
      reason: timeout ? 'timeout' : 'network',
      cause: e,
    });
  }
  let text = '';
  try {
    text = await res.text();
  } catch (e) {
    // The body timed out or broke after the status line: for a 2xx we cannot know the created id, so retry
    // (every sink is idempotent on the ticket id).
    throw new DeliveryError(`${what} response body unreadable`, { retryable: true, reason: 'timeout', cause: e });
  }
  let json: unknown;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, json };
}

export function basicAuth(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;
}

/** Joins a base URL (with or without trailing slash, possibly with a path) and an absolute API path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

export const USER_AGENT = 'mailmedic-handoff/0.1';
