/**
 * The Microsoft Teams channel (Bot Framework). Everything botbuilder lives in this folder; the rest of mailmedic
 * sees only an HttpMount and a proactive sender registered with the core.
 */
import type { ChannelName, Locale, Logger, Reply } from '../../core/index.js';
import type { I18n } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';
import type { Stores } from '../../state/types.js';
import type { HttpMount } from '../../http/types.js';
import type { Notifier } from '../../handoff/notifier.js';
import type { Takeover } from '../../pipeline/takeover.js';
import { createTeamsAdapter, type TeamsAuthSettings } from './adapter.js';
import { createTeamsDesk, type TeamsDesk } from './helpdesk.js';
import { teamsChannel, type TeamsChannel, type TeamsChannelOptions } from './mount.js';
import { MemoryReferenceStore, RedisReferenceStore } from './references.js';

export { teamsChannel, TEAMS_KEYS, type TeamsChannel, type TeamsChannelOptions } from './mount.js';
export { MemoryReferenceStore, RedisReferenceStore, REFERENCE_TTL_SECONDS, type ReferenceStore } from './references.js';
export type { TeamsAuthSettings } from './adapter.js';
export { createTeamsDesk, TEAMS_DESK_KEYS, type TeamsDesk, type TeamsDeskOptions } from './helpdesk.js';

/** The part of the composition root's Core the Teams channel needs (structural, so this folder imports no main.ts). */
export interface TeamsCore {
  config: { env: TeamsAuthSettings & { TEAMS_HELPDESK_CHANNEL?: string | undefined }; defaultLocale: Locale; production: boolean };
  pipeline: Pipeline;
  i18n: I18n;
  logger: Logger;
  stores: Pick<Stores, 'dedupe' | 'redis'>;
  registerSender(channel: ChannelName, sender: (conversationId: string, replies: Reply[]) => Promise<boolean>): void;
  /** Staff take-over (the help desk sets and clears holds, and relays held turns); needed for TEAMS_HELPDESK_CHANNEL. */
  takeover?: Takeover;
  /** Joins the hand-off service's help-desk notifiers; needed for TEAMS_HELPDESK_CHANNEL. */
  addNotifier?(notifier: Notifier): void;
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
    if (core.config.env.TEAMS_HELPDESK_CHANNEL) core.logger.warn({ channel: 'teams' }, 'TEAMS_HELPDESK_CHANNEL ignored: the Teams channel is off');
    return { name: 'teams', mount() {} };
  }
  const built = createTeamsAdapter(core.config.env);
  const references = overrides.references ?? (core.stores.redis ? new RedisReferenceStore(core.stores.redis) : new MemoryReferenceStore());
  const deskChannel = core.config.env.TEAMS_HELPDESK_CHANNEL;
  let desk: TeamsDesk | undefined;
  if (deskChannel && core.takeover && core.addNotifier) {
    desk = createTeamsDesk({
      built,
      i18n: core.i18n,
      logger: core.logger,
      takeover: core.takeover,
      dedupe: core.stores.dedupe,
      references,
      channel: deskChannel,
      locale: core.config.defaultLocale,
      ...(core.config.env.MicrosoftAppTenantId ? { tenantId: core.config.env.MicrosoftAppTenantId } : {}),
    });
    core.addNotifier(desk.notifier);
    const relayTo = desk;
    // Holds taken in this desk's threads only: a Slack help desk keeps relaying the holds taken in Slack.
    core.takeover.setRelay((turn, record) => relayTo.relay(turn, record), (record) => relayTo.owns(record));
    core.logger.info({ channel: 'teams', helpdesk: deskChannel }, 'Teams help desk on: escalations are announced in TEAMS_HELPDESK_CHANNEL');
  }
  const channel = teamsChannel(
    {
      settings: core.config.env,
      pipeline: core.pipeline,
      i18n: core.i18n,
      defaultLocale: core.config.defaultLocale,
      logger: core.logger,
      dedupe: core.stores.dedupe,
      references,
      ...(desk ? { desk } : {}),
      ...overrides,
    },
    built,
  );
  core.registerSender('teams', (conversationId, replies) => channel.sendProactive(conversationId, replies));
  return channel;
}
