/**
 * Zendesk sink: POST {ZENDESK_URL}/api/v2/tickets.json, basic auth `{email}/token:{api_token}`.
 * `Idempotency-Key: <ticket id>` makes Zendesk answer a retry with the ticket it already created (it keeps
 * keys for a while and requires the same payload, which is why the payload is built only from the stored
 * ticket). `external_id` carries the ticket id too, so staff can search for it. A reused key with a different
 * payload (Zendesk answers 400 `IdempotentRequestError`) is a conflict, never a success.
 */
import type { Ticket } from '../../core/index.js';
import { basicAuth, classify, joinUrl, request, USER_AGENT } from './http.js';
import { conflictError, DeliveryError, type Delivered, type TicketSink } from './types.js';

export interface ZendeskSinkOptions {
  /** Base URL like https://acme.zendesk.com (ZENDESK_URL). */
  url: string;
  email: string;
  apiToken: string;
  /** Time limit of one request, ms. Default 10,000. */
  timeoutMs?: number;
}

/** Zendesk answers 409 while a request with the same Idempotency-Key is still being processed. */
const ZENDESK_RETRYABLE = new Set([409]);

/** Zendesk tags: lower case, no spaces. */
function tag(v: string): string {
  return v.toLowerCase().replace(/[^a-z0-9_-]+/g, '_');
}

/** The request body, exported so tests and docs show the exact shape. */
export function zendeskPayload(ticket: Ticket): unknown {
  const f = ticket.fields;
  const tags = ['mailmedic', ticket.intent, `cause_${ticket.cause}`, `channel_${ticket.channel}`, f.service, f.carrier, f.device]
    .filter((v): v is string => typeof v === 'string' && v !== '')
    .map(tag);
  return {
    ticket: {
      subject: `[${ticket.id}] ${ticket.summary}`.slice(0, 250),
      comment: { body: ticket.body },
      external_id: ticket.id,
      tags: [...new Set(tags)],
      type: 'incident',
      priority: 'normal',
    },
  };
}

export function createZendeskSink(options: ZendeskSinkOptions): TicketSink {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const endpoint = joinUrl(options.url, '/api/v2/tickets.json');
  const auth = basicAuth(`${options.email}/token`, options.apiToken);
  return {
    name: 'zendesk',
    async deliver(ticket: Ticket): Promise<Delivered> {
      const res = await request('zendesk', endpoint, {
        method: 'POST',
        headers: {
          authorization: auth,
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': USER_AGENT,
          'idempotency-key': ticket.id,
        },
        body: JSON.stringify(zendeskPayload(ticket)),
        timeoutMs,
      });
      if (res.status === 400 && (res.json as { error?: unknown } | undefined)?.error === 'IdempotentRequestError') {
        throw conflictError('zendesk', 400);
      }
      classify('zendesk', res, ZENDESK_RETRYABLE);
      const id = (res.json as { ticket?: { id?: unknown } } | undefined)?.ticket?.id;
      if (typeof id !== 'number' && typeof id !== 'string') {
        throw new DeliveryError('zendesk answered without a ticket id', {
          retryable: false,
          status: res.status,
          reason: 'invalid_response',
        });
      }
      return { externalRef: String(id), url: joinUrl(options.url, `/agent/tickets/${id}`) };
    },
  };
}
