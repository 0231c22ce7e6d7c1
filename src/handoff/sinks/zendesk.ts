/**
 * Zendesk sink: POST {ZENDESK_URL}/api/v2/tickets.json, basic auth `{email}/token:{api_token}`.
 * `Idempotency-Key: <ticket id>` makes Zendesk answer a retry with the ticket it already created (it keeps
 * keys for a while and requires the same payload, which is why the payload is built only from the stored
 * ticket). `external_id` carries the ticket id too, so staff can search for it. A reused key with a different
 * payload (Zendesk answers 400 `IdempotentRequestError`) is a conflict, never a success.
 */
import type { Ticket, TicketFollowUp } from '../../core/index.js';
import { basicAuth, classify, joinUrl, request, USER_AGENT } from './http.js';
import { conflictError, DeliveryError, FOLLOW_UP_TAGS, type Delivered, type DeliveryContext, type TicketSink } from './types.js';

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

/**
 * The update that adds a follow-up (PUT /api/v2/tickets/{id}.json): an internal note, not a public reply — the API
 * user is an agent, so a public comment would mail the requester their own words back in the agent's name; the note
 * is for whoever works the ticket. Tags let a view or trigger find tickets whose requester says it works again; a
 * later 「まだダメ」 takes that tag off. Never a status change: staff solve the ticket once they have checked.
 */
export function zendeskFollowUpPayload(followUp: TicketFollowUp): unknown {
  return {
    ticket: {
      comment: { body: followUp.body, public: false },
      additional_tags: [FOLLOW_UP_TAGS.any, FOLLOW_UP_TAGS[followUp.kind]],
      ...(followUp.kind === 'still_broken' ? { remove_tags: [FOLLOW_UP_TAGS.user_resolved] } : {}),
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
    async followUp(followUp: TicketFollowUp, filed: Delivered, ctx: DeliveryContext): Promise<Delivered> {
      const ticketUrl = joinUrl(options.url, `/api/v2/tickets/${encodeURIComponent(filed.externalRef)}`);
      const headers = { authorization: auth, accept: 'application/json', 'user-agent': USER_AGENT };
      const done = { externalRef: filed.externalRef, url: joinUrl(options.url, `/agent/tickets/${filed.externalRef}`) };
      // Zendesk keeps no Idempotency-Key for updates: before a retry, look for the note an earlier attempt may have
      // added (its body starts with [<follow-up id>]), so a lost answer does not add it twice.
      if (ctx.attempt > 1) {
        const res = await request('zendesk comments', `${ticketUrl}/comments.json?sort_order=desc&per_page=100`, { method: 'GET', headers, timeoutMs });
        classify('zendesk comments', res);
        const comments = ((res.json as { comments?: Array<{ body?: unknown }> } | undefined)?.comments ?? []);
        if (comments.some((c) => typeof c.body === 'string' && c.body.startsWith(`[${followUp.id}]`))) return done;
      }
      const res = await request('zendesk', `${ticketUrl}.json`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(zendeskFollowUpPayload(followUp)),
        timeoutMs,
      });
      classify('zendesk', res, ZENDESK_RETRYABLE);
      return done;
    },
  };
}
