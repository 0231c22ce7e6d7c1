/**
 * Builds the sink TICKET_SINK names from the validated Config. src/config already refuses to start without
 * the variables a sink needs; the checks here repeat that for callers that build a Config by hand.
 */
import { CodedError, ErrorCode } from '../../core/index.js';
import type { Config } from '../../config/index.js';
import { createFileSink } from './file.js';
import { createJiraSink } from './jira.js';
import type { TicketSink } from './types.js';
import { createWebhookSink } from './webhook.js';
import { createZendeskSink } from './zendesk.js';

export * from './types.js';
export { createFileSink } from './file.js';
export { createWebhookSink, signBody, verifySignature, webhookFollowUpPayload } from './webhook.js';
export { createZendeskSink, zendeskFollowUpPayload, zendeskPayload } from './zendesk.js';
export { createJiraSink, jiraFollowUpPayload, jiraPayload, jiraSummary } from './jira.js';
export { parseRetryAfter } from './http.js';

export interface SinkOptions {
  /** Time limit of one HTTP request to the ticket system, ms. Default 10,000. */
  timeoutMs?: number;
}

type Env = Config['env'];

function required<K extends keyof Env>(env: Env, name: K): NonNullable<Env[K]> {
  const v = env[name];
  if (v === undefined || v === null || v === '') {
    throw new CodedError(ErrorCode.ConfigInvalid, `${String(name)}: required when TICKET_SINK=${env.TICKET_SINK}`);
  }
  return v as NonNullable<Env[K]>;
}

export function createSink(config: Config, options: SinkOptions = {}): TicketSink {
  const env = config.env;
  switch (env.TICKET_SINK) {
    case 'file':
      return createFileSink({ dir: env.TICKET_DIR });
    case 'webhook':
      return createWebhookSink({
        url: required(env, 'TICKET_WEBHOOK_URL'),
        secret: required(env, 'TICKET_WEBHOOK_SECRET'),
        timeoutMs: options.timeoutMs,
      });
    case 'zendesk':
      return createZendeskSink({
        url: required(env, 'ZENDESK_URL'),
        email: required(env, 'ZENDESK_EMAIL'),
        apiToken: required(env, 'ZENDESK_API_TOKEN'),
        timeoutMs: options.timeoutMs,
      });
    case 'jira':
      return createJiraSink({
        url: required(env, 'JIRA_URL'),
        email: required(env, 'JIRA_EMAIL'),
        apiToken: required(env, 'JIRA_API_TOKEN'),
        serviceDeskId: required(env, 'JIRA_SERVICE_DESK_ID'),
        requestTypeId: required(env, 'JIRA_REQUEST_TYPE_ID'),
        timeoutMs: options.timeoutMs,
      });
  }
}
