/**
 * The Bot Framework side of the Teams channel: a CloudAdapter and the request authentication built from the
 * MicrosoftApp* settings. Without MicrosoftAppId authentication is off (Bot Framework Emulator mode); src/config
 * refuses that mode when NODE_ENV=production.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
} from 'botbuilder';

/** The four settings of design.md § Configuration, as read from the environment. */
export interface TeamsAuthSettings {
  MicrosoftAppId?: string;
  MicrosoftAppPassword?: string;
  MicrosoftAppType?: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  MicrosoftAppTenantId?: string;
}

export interface TeamsAdapter {
  adapter: CloudAdapter;
  auth: ConfigurationBotFrameworkAuthentication;
  /** The bot's app id ('' in Emulator mode), for proactive messages. */
  appId: string;
  /** False in Emulator mode: any request is accepted and replies go to the activity's serviceUrl unauthenticated. */
  authenticated: boolean;
}

/** Builds the adapter. No network call happens here: tokens and signing keys are fetched on first use. */
export function createTeamsAdapter(settings: TeamsAuthSettings): TeamsAdapter {
  const options = {
    MicrosoftAppId: settings.MicrosoftAppId ?? '',
    MicrosoftAppPassword: settings.MicrosoftAppPassword ?? '',
    MicrosoftAppType: settings.MicrosoftAppType ?? (settings.MicrosoftAppId ? 'MultiTenant' : ''),
    MicrosoftAppTenantId: settings.MicrosoftAppTenantId ?? '',
  };
  const credentials = new ConfigurationServiceClientCredentialFactory(options);
  const auth = new ConfigurationBotFrameworkAuthentication(options, credentials);
  return {
    adapter: new CloudAdapter(auth),
    auth,
    appId: options.MicrosoftAppId,
    authenticated: options.MicrosoftAppId !== '',
  };
}
