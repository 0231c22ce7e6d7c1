/**
 * Slack request verification (api.slack.com/authentication/verifying-requests-from-slack), run before bolt:
 * `v0=` HMAC-SHA256 of `v0:<timestamp>:<raw body>` with SLACK_SIGNING_SECRET, and a timestamp at most five minutes
 * off in EITHER direction — bolt only refuses the past, so a request stamped in the future would pass it and could
 * be replayed for as long as the stamp lies ahead. A failure is 401 with an empty body and goes nowhere near bolt.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../core/index.js';
import type { RawBodyRequest } from '../../http/server.js';

/** Largest clock difference accepted, seconds (Slack's own recommendation). */
export const MAX_SKEW_SECONDS = 300;
/** Largest Slack request body read, bytes (events are a few KB; a 100 KB message fits). */
const BODY_LIMIT_BYTES = 1_048_576;

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale' | 'bad_signature' };

/** Checks one request. `nowMs`: the verifier's clock, ms since epoch. */
export function verifySlackSignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: Buffer | string,
  nowMs: number,
): VerifyResult {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}

/** Reads the request body into req.rawBody unless the shared JSON parser already did (form posts: commands, clicks). */
async function readRawBody(req: RawBodyRequest): Promise<Buffer> {
  if (req.rawBody) return req.rawBody;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > BODY_LIMIT_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(b);
  }
  req.rawBody = Buffer.concat(chunks);
  return req.rawBody;
}

/** Express middleware: verified requests go on to bolt (with req.rawBody set, which bolt's receiver reads). */
export function slackVerifier(secret: string, logger: Logger, clock: () => number = Date.now) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let raw: Buffer;
    try {
      raw = await readRawBody(req as RawBodyRequest);
    } catch (e) {
      res.status((e as { status?: number }).status === 413 ? 413 : 400).end();
      return;
    }
    const result = verifySlackSignature(
      secret,
      { signature: req.header('x-slack-signature'), timestamp: req.header('x-slack-request-timestamp') },
      raw,
      clock(),
    );
    if (!result.ok) {
      logger.warn({ reason: result.reason, path: req.path }, 'slack request refused');
      res.status(401).end();
      return;
    }
    const shape = slackShape(raw, req.header('content-type') ?? '');
    if (shape !== 'ok') {
      // Signed by Slack, so not an attack: a body bolt has no listener for would wait 3 s for an ack (or throw on
      // `event: null`); answer at once — 2xx so Slack does not retry, 400 when it is not JSON at all.
      logger.warn({ reason: shape, path: req.path }, 'slack request of an unexpected shape ignored');
      res.status(shape === 'not_json' ? 400 : 200).end();
      return;
    }
    next();
  };
}

/** Envelope types of the Events API that bolt handles. */
const EVENT_TYPES = new Set(['url_verification', 'event_callback', 'app_rate_limited', 'ssl_check']);
/** Interactivity payload types that bolt dispatches. */
const PAYLOAD_TYPES = new Set([
  'block_actions',
  'block_suggestion',
  'view_submission',
  'view_closed',
  'shortcut',
  'message_action',
  'interactive_message',
  'dialog_submission',
  'dialog_cancellation',
  'dialog_suggestion',
  'workflow_step_edit',
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether a verified body has a shape bolt can dispatch: an Events API envelope of a known type (an
 * `event_callback` with an event object that has a type), an interactivity `payload=` of a known type, or a slash
 * command / SSL check form. Anything else is `unknown` (answered 200 at once) or `not_json` (400).
 */
export function slackShape(raw: Buffer, contentType: string): 'ok' | 'unknown' | 'not_json' {
  const text = raw.toString('utf8');
  let body: unknown;
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    const payload = form.get('payload');
    if (payload === null) return 'ok'; // slash commands and ssl_check carry plain fields
    try {
      body = JSON.parse(payload);
    } catch {
      return 'not_json';
    }
    return isObject(body) && typeof body.type === 'string' && PAYLOAD_TYPES.has(body.type) ? 'ok' : 'unknown';
  }
  try {
    body = JSON.parse(text);
  } catch {
    return 'not_json';
  }
  if (!isObject(body) || typeof body.type !== 'string' || !EVENT_TYPES.has(body.type)) return 'unknown';
  if (body.type === 'event_callback' && !(isObject(body.event) && typeof body.event.type === 'string')) return 'unknown';
  return 'ok';
}
