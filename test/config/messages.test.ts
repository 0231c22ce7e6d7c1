/**
 * What an SRE reads when a configuration value is bad (docs-35): each line names the variable and says what is
 * expected (range, choices, default) in plain words, one line per variable, never the value itself, and the message
 * ends with where the values come from and where each is described.
 */
import { describe, expect, it } from 'vitest';
import { CONFIG_FIX_HINT, loadConfig } from '../../src/config/index.js';

function message(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration error messages', () => {
  it('a number that is not one says the range and the default, not "received NaN"', () => {
    const m = message({ PORT: 'abc', STATE_TTL_SECONDS: '10' });
    expect(m).toContain('PORT: expected a whole number from 0 to 65535 (unset: 3978)');
    expect(m).toContain('STATE_TTL_SECONDS: expected a whole number from 60 to 31536000 (unset: 86400)');
    expect(m).not.toMatch(/NaN|Too small|Invalid input/);
  });

  it('a choice lists the choices plainly and the default', () => {
    const m = message({ TICKET_SINK: 'zendsk', LOG_LEVEL: 'verbose', MicrosoftAppType: 'Multi' });
    expect(m).toContain('TICKET_SINK: expected one of file, webhook, zendesk, jira (unset: file)');
    expect(m).toContain('LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (unset: info)');
    expect(m).toContain('MicrosoftAppType: expected one of MultiTenant, SingleTenant, UserAssignedMSI');
    expect(m).not.toContain('zendsk');
  });

  it('one line per bad variable: a REDIS_URL without its scheme is not reported twice', () => {
    const m = message({ REDIS_URL: 'localhost:6379' });
    expect(m.split('\n').filter((l) => l.trim().startsWith('REDIS_URL:'))).toHaveLength(1);
    expect(message({ REDIS_URL: 'redis://:99999' })).toContain('REDIS_URL: expected redis://host:port or rediss://… with a host');
  });

  it('ends with how to fix it: where the values come from and where each is described', () => {
    const m = message({ TICKET_SINK: 'webhook' });
    expect(m).toContain('TICKET_WEBHOOK_URL: required when TICKET_SINK=webhook');
    expect(m.trimEnd().endsWith(CONFIG_FIX_HINT)).toBe(true);
    expect(CONFIG_FIX_HINT).toContain('.env.example');
  });
});
