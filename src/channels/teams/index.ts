/**
 * The Microsoft Teams channel (Bot Framework). Everything botbuilder lives in this folder; the rest of mailmedic
 * sees only an HttpMount and a proactive sender registered with the core.
 */
import type { ChannelName, Locale, Logger, Reply } from '../../core/index.js';
import type { I18n } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';
import type { Stores } from '../../state/types.js';
import type { HttpMount } from '../../http/types.js';
import type { TeamsAuthSettings } from './adapter.js';
import { teamsChannel, type TeamsChannel, type TeamsChannelOptions } from './mount.js';
import { MemoryReferenceStore, RedisReferenceStore } from './references.js';

export { teamsChannel, TEAMS_KEYS, type TeamsChannel, type TeamsChannelOptions } from './mount.js';
export { MemoryReferenceStore, RedisReferenceStore, REFERENCE_TTL_SECONDS, type ReferenceStore } from './references.js';
export type { TeamsAuthSettings } from './adapter.js';

/** The part of the composition root's Core the Teams channel needs (structural, so this folder imports no main.ts). */
export interface TeamsCore {
  config: { env: TeamsAuthSettings; defaultLocale: Locale; production: boolean };
  pipeline: Pipeline;
  i18n: I18n;
  logger: Logger;
  stores: Pick<Stores, 'dedupe' | 'redis'>;
  registerSender(channel: ChannelName, sender: (conversationId: string, replies: Reply[]) => Promise<boolean>): void;
}

/**
 * POST /api/messages, built from the core: references in Redis when the stores are (any replica can then send the
 * "ticket filed" message), and the channel's proactive sender registered for tickets of the `teams` channel.
 *
 * Without MicrosoftAppId the endpoint runs unauthenticated (Emulator mode) — except in production, where that mode
 * is refused: the Teams channel is then off (no route, one log line), so a Slack-only deployment still starts.
 */
export function teamsMount(core: TeamsCore, overrides: Partial<TeamsChannelOptions> = {}): TeamsChannel | HttpMount {
  if (core.config.production && !core.config.env.MicrosoftAppId) {
    core.logger.warn(
      { channel: 'teams' },
      'Teams channel off: MicrosoftAppId is not set and NODE_ENV=production refuses the unauthenticated Emulator mode',
    );
    return { name: 'teams', mount() {} };
  }
  const channel = teamsChannel({
    settings: core.config.env,
    pipeline: core.pipeline,
    i18n: core.i18n,
    defaultLocale: core.config.defaultLocale,
    logger: core.logger,
    dedupe: core.stores.dedupe,
    references: core.stores.redis ? new RedisReferenceStore(core.stores.redis) : new MemoryReferenceStore(),
    ...overrides,
  });
  core.registerSender('teams', (conversationId, replies) => channel.sendProactive(conversationId, replies));
  return channel;
}
