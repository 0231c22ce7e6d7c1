/**
 * The Microsoft Teams channel (Bot Framework). Everything botbuilder lives in this folder; the rest of mailmedic
 * sees only the channel's parts: an HttpMount, a proactive sender and, with TEAMS_HELPDESK_CHANNEL, a help desk.
 */
import type { Locale, Logger } from '../../core/index.js';
import type { HelpDeskOptions } from '../../helpdesk/desk.js';
import type { I18n } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';
import type { KeyValueStore } from '../../state/types.js';
import type { ChannelParts } from '../types.js';
import { createTeamsAdapter, type TeamsAuthSettings } from './adapter.js';
import { createTeamsDesk, type TeamsDesk } from './desk.js';
import { teamsChannel, type TeamsChannelOptions } from './mount.js';
import type { ReferenceStore } from './references.js';

export { teamsChannel, TEAMS_KEYS, type TeamsChannel, type TeamsChannelOptions } from './mount.js';
export { createReferenceStore, REFERENCE_TTL_SECONDS, type ReferenceStore } from './references.js';
export type { TeamsAuthSettings } from './adapter.js';
export { createTeamsDesk, TEAMS_DESK_KEYS, type TeamsDesk, type TeamsDeskOptions } from './desk.js';

/** What the Teams channel needs from the composition root (structural, so this folder imports no main.ts). */
export interface TeamsChannelDeps {
  config: {
    env: TeamsAuthSettings & { TEAMS_HELPDESK_CHANNEL?: string | undefined; RECOVERY_SPOOL_DIR?: string | undefined };
    defaultLocale: Locale;
    production: boolean;
    stateTtlSeconds: number;
  };
  pipeline: Pipeline;
  i18n: I18n;
  logger: Logger;
  /** Conversation references for proactive messages (the desk's place and cards too), built by the composition root. */
  references: ReferenceStore;
  /** One-off claims (redelivered welcomes, desk events). */
  kv: KeyValueStore;
  /** The help desk's take-over state and the way to reach a person on their own channel. */
  holds: HelpDeskOptions['holds'];
  tellPerson: HelpDeskOptions['tellPerson'];
  recordHold?: HelpDeskOptions['recordHold'];
}

/** True when the Teams channel stays off: no MicrosoftAppId, and NODE_ENV=production refuses the Emulator mode (also `mailmedic config check`). */
export const teamsRefused = (config: { production: boolean; env: { MicrosoftAppId?: string | undefined } }): boolean =>
  config.production && !config.env.MicrosoftAppId;

/**
 * POST /api/messages and the channel's proactive sender (any replica can send the "ticket filed" message when
 * references live in Redis); with TEAMS_HELPDESK_CHANNEL, the Teams help desk.
 *
 * Without MicrosoftAppId the endpoint runs unauthenticated (Emulator mode) — except in production, where that mode
 * is refused: the Teams channel is then off (no route, one log line), so a Slack-only deployment still starts.
 */
export function teamsMount(deps: TeamsChannelDeps, overrides: Partial<TeamsChannelOptions> = {}): ChannelParts {
  const { config, logger } = deps;
  if (teamsRefused(config)) {
    logger.warn({ channel: 'teams' }, 'Teams channel off: MicrosoftAppId is not set and NODE_ENV=production refuses the unauthenticated Emulator mode');
    if (config.env.TEAMS_HELPDESK_CHANNEL) logger.warn({ channel: 'teams' }, 'TEAMS_HELPDESK_CHANNEL ignored: the Teams channel is off');
    return { mount: { name: 'teams', mount() {} } };
  }
  const built = createTeamsAdapter(config.env);
  const references = overrides.references ?? deps.references;
  const deskChannel = config.env.TEAMS_HELPDESK_CHANNEL;
  let desk: TeamsDesk | undefined;
  if (deskChannel) {
    desk = createTeamsDesk({
      built,
      i18n: deps.i18n,
      logger,
      holds: deps.holds,
      kv: deps.kv,
      tellPerson: deps.tellPerson,
      ...(deps.recordHold ? { recordHold: deps.recordHold } : {}),
      references,
      channel: deskChannel,
      locale: config.defaultLocale,
      ttlSeconds: config.stateTtlSeconds,
      ...(config.env.MicrosoftAppTenantId ? { tenantId: config.env.MicrosoftAppTenantId } : {}),
    });
    logger.info({ channel: 'teams', helpdesk: deskChannel }, 'Teams help desk on: escalations are announced in TEAMS_HELPDESK_CHANNEL');
  }
  const channel = teamsChannel(
    {
      settings: config.env,
      pipeline: deps.pipeline,
      i18n: deps.i18n,
      defaultLocale: config.defaultLocale,
      logger,
      kv: deps.kv,
      references,
      ...(desk ? { desk } : {}),
      ...overrides,
      // RECOVERY_SPOOL_DIR, with what a test overrides of the spool's timing.
      recoverySpool: { dir: config.env.RECOVERY_SPOOL_DIR, ...overrides.recoverySpool },
    },
    built,
  );
  return {
    mount: channel,
    sender: { channel: 'teams', send: (conversationId, replies) => channel.sendProactive(conversationId, replies) },
    ...(desk ? { desk: desk.desk, notifier: desk.desk.notifier } : {}),
  };
}
