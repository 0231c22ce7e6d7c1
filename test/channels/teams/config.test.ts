/** The MicrosoftApp* settings are validated at start, and production never runs the unauthenticated Emulator mode. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { startApp } from '../../../src/main.js';
import { testEnv } from '../../http/helpers.js';

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

  it('refuses to start in production without MicrosoftAppId, naming it', async () => {
    expect(failure({ NODE_ENV: 'production' })).toMatch(/MicrosoftAppId: required when NODE_ENV=production/);
    await expect(startApp({ env: testEnv({ NODE_ENV: 'production' }), port: 0, host: '127.0.0.1' })).rejects.toThrow(/MicrosoftAppId/);
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
