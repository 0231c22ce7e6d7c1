/**
 * Webhook sink: POSTs the ticket as JSON to TICKET_WEBHOOK_URL.
 *   X-Mailmedic-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with TICKET_WEBHOOK_SECRET>
 *   X-Mailmedic-Delivery / Idempotency-Key: the ticket id (the same on every retry, so the receiver de-duplicates)
 * A JSON answer with `id`, `ref` or `key` becomes the external reference; otherwise the ticket id is.
 *   X-Mailmedic-Event: ticket_created for the ticket; ticket_follow_up for a follow-up (a second signed POST, its body
 *   webhookFollowUpPayload, keyed by the follow-up id `<ticket id>-f<n>`; the ticket object itself is unchanged).
 *
 * Conflict contract: a receiver that already holds a ticket with this id but a different body answers 409
 * Conflict. mailmedic never counts that as delivered: the outbox files the ticket again under a new id (or
 * dead-letters it and alerts). The same id with the same body (a retry) must be answered 2xx.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Ticket, TicketFollowUp } from '../../core/index.js';
import { classify, request, USER_AGENT } from './http.js';
import { conflictError, type Delivered, type TicketSink } from './types.js';

/**
 * The body of a follow-up POST (README § hand-off): the follow-up with its `type` and the reference the webhook gave
 * the ticket. Exported so tests and docs show the exact shape.
 */
export function webhookFollowUpPayload(followUp: TicketFollowUp, filed: Delivered): unknown {
  return { type: 'ticket_follow_up', ...followUp, externalRef: filed.externalRef };
}

export interface WebhookSinkOptions {
  url: string;
  secret: string;
  /** Time limit of one POST, ms. Default 10,000. */
  timeoutMs?: number;
}

/** `sha256=<hex>` over the exact bytes sent. Receivers recompute it over the raw body before parsing JSON. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Constant-time check of an X-Mailmedic-Signature header (for receivers and tests). */
export function verifySignature(body: string, secret: string, header: string | undefined | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(body, secret));
  const got = Buffer.from(header);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

export function createWebhookSink(options: WebhookSinkOptions): TicketSink {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const post = (body: string, id: string, event: 'ticket_created' | 'ticket_follow_up') =>
    request('webhook', options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': USER_AGENT,
        'x-mailmedic-signature': signBody(body, options.secret),
        'x-mailmedic-event': event,
        'x-mailmedic-delivery': id,
        'idempotency-key': id,
      },
      body,
      timeoutMs,
    });
  return {
    name: 'webhook',
    async deliver(ticket: Ticket): Promise<Delivered> {
      const res = await post(JSON.stringify(ticket), ticket.id, 'ticket_created');
      if (res.status === 409) throw conflictError('webhook', 409);
      classify('webhook', res);
      const j = (res.json ?? {}) as Record<string, unknown>;
      const ref = [j.id, j.ref, j.key].find((v) => typeof v === 'string' || typeof v === 'number');
      return { externalRef: ref === undefined ? ticket.id : String(ref) };
    },
    // A second signed POST to the same URL: X-Mailmedic-Event ticket_follow_up, keyed by the follow-up id.
    async followUp(followUp: TicketFollowUp, filed: Delivered): Promise<Delivered> {
      const res = await post(JSON.stringify(webhookFollowUpPayload(followUp, filed)), followUp.id, 'ticket_follow_up');
      if (res.status === 409) throw conflictError('webhook follow-up', 409);
      classify('webhook follow-up', res);
      return { externalRef: followUp.id };
    },
  };
}
