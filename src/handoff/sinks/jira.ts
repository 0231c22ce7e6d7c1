/**
 * Jira Service Management sink: POST {JIRA_URL}/rest/servicedeskapi/request, basic auth `email:api_token`,
 * { serviceDeskId, requestTypeId, requestFieldValues: { summary, description } } → { issueKey }.
 *
 * JSM has no Idempotency-Key. The summary starts with `[<ticket id>]`, and before any retry the sink searches
 * the service desk's requests for that id (GET /rest/servicedeskapi/request?searchTerm=…), so a first attempt
 * that created the request but lost the answer (time-out, 5xx from a proxy) is not filed twice. A request found
 * with the id but another summary is a different ticket under the same id: a conflict, never a success.
 */
import type { Ticket, TicketFollowUp } from '../../core/index.js';
import { basicAuth, classify, joinUrl, request, USER_AGENT } from './http.js';
import { conflictError, DeliveryError, type Delivered, type DeliveryContext, type TicketSink } from './types.js';

export interface JiraSinkOptions {
  /** Site URL like https://acme.atlassian.net (JIRA_URL). */
  url: string;
  email: string;
  apiToken: string;
  serviceDeskId: string;
  requestTypeId: string;
  /** Time limit of one request, ms. Default 10,000. */
  timeoutMs?: number;
}

/** Jira's summary field holds at most 255 characters. */
const SUMMARY_MAX = 255;

export function jiraSummary(ticket: Ticket): string {
  return `[${ticket.id}] ${ticket.summary}`.slice(0, SUMMARY_MAX);
}

/** The request body, exported so tests and docs show the exact shape. */
export function jiraPayload(ticket: Ticket, serviceDeskId: string, requestTypeId: string): unknown {
  return {
    serviceDeskId,
    requestTypeId,
    requestFieldValues: { summary: jiraSummary(ticket), description: ticket.body },
  };
}

/**
 * The comment that carries a follow-up (POST /rest/servicedeskapi/request/{key}/comment): internal (`public: false`),
 * for the agents — a public comment would be sent to the customer, who wrote it. Jira is never transitioned.
 */
export function jiraFollowUpPayload(followUp: TicketFollowUp): unknown {
  return { body: followUp.body, public: false };
}

interface JiraRequest {
  issueKey?: unknown;
  requestFieldValues?: Array<{ fieldId?: unknown; value?: unknown }>;
  _links?: { web?: unknown };
}

export function createJiraSink(options: JiraSinkOptions): TicketSink {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const endpoint = joinUrl(options.url, '/rest/servicedeskapi/request');
  const headers = {
    authorization: basicAuth(options.email, options.apiToken),
    accept: 'application/json',
    'user-agent': USER_AGENT,
  };
  const browse = (key: string) => joinUrl(options.url, `/browse/${key}`);

  /** The request an earlier attempt created, if the search finds it. */
  async function lookUp(ticket: Ticket): Promise<Delivered | undefined> {
    const q = new URLSearchParams({
      serviceDeskId: options.serviceDeskId,
      searchTerm: ticket.id,
      requestStatus: 'ALL_REQUESTS',
      limit: '50',
    });
    const res = await request('jira search', `${endpoint}?${q}`, { method: 'GET', headers, timeoutMs });
    // A search we may not run (403) or that the site lacks (404) must not block delivery forever: file it.
    if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) return undefined;
    classify('jira search', res);
    const values = ((res.json as { values?: JiraRequest[] } | undefined)?.values ?? []) as JiraRequest[];
    const prefix = `[${ticket.id}]`;
    for (const v of values) {
      const summary = v.requestFieldValues?.find((f) => f.fieldId === 'summary')?.value;
      if (typeof summary === 'string' && summary.startsWith(prefix) && typeof v.issueKey === 'string') {
        if (summary !== jiraSummary(ticket)) throw conflictError('jira');
        return { externalRef: v.issueKey, url: browse(v.issueKey) };
      }
    }
    return undefined;
  }

  return {
    name: 'jira',
    async deliver(ticket: Ticket, ctx: DeliveryContext): Promise<Delivered> {
      if (ctx.attempt > 1) {
        const found = await lookUp(ticket);
        if (found) return found;
      }
      const res = await request('jira', endpoint, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(jiraPayload(ticket, options.serviceDeskId, options.requestTypeId)),
        timeoutMs,
      });
      classify('jira', res);
      const key = (res.json as JiraRequest | undefined)?.issueKey;
      if (typeof key !== 'string') {
        throw new DeliveryError('jira answered without an issueKey', {
          retryable: false,
          status: res.status,
          reason: 'invalid_response',
        });
      }
      return { externalRef: key, url: browse(key) };
    },
    async followUp(followUp: TicketFollowUp, filed: Delivered, ctx: DeliveryContext): Promise<Delivered> {
      const comments = joinUrl(options.url, `/rest/servicedeskapi/request/${encodeURIComponent(filed.externalRef)}/comment`);
      const done = { externalRef: filed.externalRef, url: browse(filed.externalRef) };
      // No Idempotency-Key here either: before a retry, look for the comment an earlier attempt may have added.
      if (ctx.attempt > 1) {
        const res = await request('jira comments', `${comments}?limit=100`, { method: 'GET', headers, timeoutMs });
        classify('jira comments', res);
        const values = ((res.json as { values?: Array<{ body?: unknown }> } | undefined)?.values ?? []);
        if (values.some((c) => typeof c.body === 'string' && c.body.startsWith(`[${followUp.id}]`))) return done;
      }
      const res = await request('jira', comments, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(jiraFollowUpPayload(followUp)),
        timeoutMs,
      });
      classify('jira', res);
      return done;
    },
  };
}
