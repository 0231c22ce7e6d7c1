/** The web channel, built from the core: the page, the REST turn and the mailbox of messages sent after the turn. */
import type { ChannelName, Locale, Logger, Reply } from '../../core/index.js';
import type { HttpMount } from '../../http/types.js';
import type { I18n } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';
import type { Stores } from '../../state/types.js';
import { createWebMailbox, webSender } from './mailbox.js';
import { webMount } from './mount.js';

export { webMount, type WebChannelOptions } from './mount.js';
export { createWebMailbox, MemoryWebMailbox, RedisWebMailbox, webSender, MAX_PENDING, type WebMailbox, type WebMessage } from './mailbox.js';

/** The part of the composition root's Core the web channel needs (structural, so this folder imports no main.ts). */
export interface WebCore {
  config: { defaultLocale: Locale; stateTtlSeconds: number };
  pipeline: Pipeline;
  i18n: I18n;
  logger: Logger;
  stores: Pick<Stores, 'redis'>;
  registerSender(channel: ChannelName, sender: (conversationId: string, replies: Reply[]) => Promise<boolean>): void;
}

/**
 * GET /, POST /api/chat and POST|GET /api/chat/messages, with the channel's proactive sender registered for the
 * `web` channel: ticket news and staff replies wait in the mailbox (Redis when the stores are, so any replica
 * can deliver) until the page polls.
 */
export function webChannelMount(core: WebCore): HttpMount {
  const mailbox = createWebMailbox({ redis: core.stores.redis, ttlSeconds: core.config.stateTtlSeconds });
  core.registerSender('web', webSender(mailbox, core.logger));
  return webMount({ pipeline: core.pipeline, i18n: core.i18n, defaultLocale: core.config.defaultLocale, logger: core.logger, mailbox });
}
