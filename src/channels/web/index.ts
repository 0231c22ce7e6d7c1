/** The web channel: the page, the REST turn and the mailbox of messages sent after the turn. */
import type { Locale, Logger } from '../../core/index.js';
import type { I18n } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';
import type { ChannelParts } from '../types.js';
import { webSender, type WebMailbox } from './mailbox.js';
import { webMount } from './mount.js';
import { createLimiter } from '../../http/rate-limit.js';

type RateLimitVar =
  | 'RATE_LIMIT_CONVERSATION_PER_MINUTE'
  | 'RATE_LIMIT_CONVERSATION_BURST'
  | 'RATE_LIMIT_CLIENT_PER_MINUTE'
  | 'RATE_LIMIT_CLIENT_BURST'
  | 'TRUST_PROXY';

export { webMount, type WebChannelOptions } from './mount.js';
export { createWebMailbox, webSender, MAX_PENDING, type WebMailbox, type WebMessage } from './mailbox.js';

/** What the web channel needs from the composition root (structural, so this folder imports no main.ts). */
export interface WebChannelDeps {
  config: { defaultLocale: Locale; env?: Partial<Record<RateLimitVar, number>> };
  pipeline: Pipeline;
  i18n: I18n;
  logger: Logger;
  /** Where messages sent after the turn wait for the page (built by the composition root). */
  mailbox: WebMailbox;
}

/**
 * GET /, POST /api/chat and POST|GET /api/chat/messages, and the channel's proactive sender for the `web` channel:
 * ticket news and staff replies wait in the mailbox (Redis when the stores are, so any replica can deliver) until
 * the page polls.
 */
export function webChannel(deps: WebChannelDeps): ChannelParts {
  const { mailbox } = deps;
  const env = deps.config.env ?? {};
  const rateLimit = {
    conversation: createLimiter({ perMinute: env.RATE_LIMIT_CONVERSATION_PER_MINUTE ?? 60, burst: env.RATE_LIMIT_CONVERSATION_BURST ?? 20 }),
    client: createLimiter({ perMinute: env.RATE_LIMIT_CLIENT_PER_MINUTE ?? 600, burst: env.RATE_LIMIT_CLIENT_BURST ?? 120 }),
    trustProxy: env.TRUST_PROXY ?? 0,
  };
  return {
    mount: webMount({ pipeline: deps.pipeline, i18n: deps.i18n, defaultLocale: deps.config.defaultLocale, logger: deps.logger, mailbox, rateLimit }),
    sender: { channel: 'web', send: webSender(mailbox, deps.logger) },
  };
}
