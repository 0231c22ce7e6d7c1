/** The MicrosoftApp* settings are validated at start, and production never runs the unauthenticated Emulator mode. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { startApp } from '../../../src/main.js';
import { testEnv } from '../../http/helpers.js';
import type { Logger } from '../../../src/core/index.js';
import { createI18n } from '../../../src/i18n/index.js';
import { loadLocales } from '../../../src/data/load.js';
import { MemoryKeyValueStore } from '../../../src/state/memory.js';
import { createReferenceStore, teamsChannel } from '../../../src/channels/teams/index.js';

const APP_ID = '6f1c2a7e-3b4d-4c5e-9f60-718293a4b5c6';
const failure = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('Teams configuration', () => {
  it('runs in Emulator mode with no app id outside production', () => {
    expect(failure({})).toBe('');
    expect(failure({ NODE_ENV: 'development' })).toBe('');
  });

  it('refuses the unauthenticated Emulator mode in production: /api/messages is off, the rest of the bot runs', async () => {
    expect(failure({ NODE_ENV: 'production' })).toBe('');
    const app = await startApp({ env: testEnv({ NODE_ENV: 'production' }), port: 0, host: '127.0.0.1' });
    try {
      const activity = { type: 'message', id: 'a1', text: 'hello', channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9', from: { id: 'u' }, conversation: { id: 'c' }, recipient: { id: 'b' } };
      const teams = await fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      expect(teams.status).toBe(404);
      const web = await fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversation: 'prod-c1', text: 'メールを取得できません' }) });
      expect(web.status).toBe(200);
    } finally {
      await app.close();
    }
    expect(failure({ NODE_ENV: 'production', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's' })).toBe('');
  });

  it('names each bad or missing MicrosoftApp* variable', () => {
    expect(failure({ MicrosoftAppId: 'my-bot' })).toMatch(/MicrosoftAppId: expected the Azure Bot app id \(a GUID\)/);
    expect(failure({ MicrosoftAppId: APP_ID })).toMatch(/MicrosoftAppPassword: required when MicrosoftAppId is set/);
    expect(failure({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'Single' })).toMatch(/MicrosoftAppType/);
    expect(failure({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'SingleTenant' })).toMatch(
      /MicrosoftAppTenantId: required when MicrosoftAppType is SingleTenant/,
    );
    expect(failure({ MicrosoftAppId: APP_ID, MicrosoftAppType: 'UserAssignedMSI' })).toMatch(/MicrosoftAppTenantId: required/);
    expect(failure({ MicrosoftAppType: 'MultiTenant' })).toMatch(/MicrosoftAppId: required when MicrosoftAppType is set/);
    expect(failure({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: 't' })).toBe('');
  });
});

/** A logger that keeps every line (a real Logger, like the pipeline tests' RecordingObserver). */
function recordingLogger(lines: Array<{ level: string; obj: object; msg?: string }>): Logger {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

describe('Teams start-up log', () => {
  const i18n = createI18n(loadLocales().messages);
  const build = (settings: Parameters<typeof teamsChannel>[0]['settings']) => {
    const lines: Array<{ level: string; obj: object; msg?: string }> = [];
    const channel = teamsChannel({
      settings,
      pipeline: { links: [], handle: async () => ({ conversation: '', intent: null, node: '', status: 'active', replies: [] }) },
      i18n,
      defaultLocale: 'ja',
      logger: recordingLogger(lines),
      kv: new MemoryKeyValueStore(),
      references: createReferenceStore(new MemoryKeyValueStore()),
    });
    return { channel, lines };
  };

  it('says clearly that Emulator mode is unauthenticated', () => {
    const { channel, lines } = build({});
    expect(channel.authenticated).toBe(false);
    expect(lines.find((l) => l.level === 'warn')?.msg).toMatch(/Emulator mode.*NOT authenticated/);
  });

  it('logs the app id but never the secret when authentication is on', () => {
    const { channel, lines } = build({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'very-secret-value' });
    expect(channel.authenticated).toBe(true);
    expect(lines.find((l) => l.level === 'info')?.msg).toMatch(/authentication on/);
    expect(JSON.stringify(lines)).toContain(APP_ID);
    expect(JSON.stringify(lines)).not.toContain('very-secret-value');
  });
});
