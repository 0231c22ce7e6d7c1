/**
 * `mailmedic config check` (lose-36), as an SRE runs it before a deploy: the same verdict and lines as `serve`'s
 * start-up, without starting anything, and a summary of what would run that never shows a secret.
 * Spawns the built command (dist/).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FIX_HINT } from '../../src/config/index.js';
import { childEnv, requireBuild, runCli } from '../channels/cli/spawn.js';

let dir: string;
beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'mm-config-check-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const check = (env: Record<string, string>) => runCli(['config', 'check'], '', childEnv(env), 30_000);

describe('mailmedic config check', () => {
  it('with nothing set: config ok, exit 0, and what would run (web chat, Teams in Emulator mode, memory, file tickets)', async () => {
    const r = await check({ TICKET_DIR: join(dir, 'tickets') });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('config ok');
    expect(r.stdout).toMatch(/channels: web chat.*Teams \(POST \/api\/messages, Emulator mode: NOT authenticated/);
    expect(r.stdout).toContain('off: Slack (SLACK_BOT_TOKEN not set)');
    expect(r.stdout).toContain('state: memory');
    expect(r.stdout).toContain(`ticket sink: file, in ${join(dir, 'tickets')}`);
  });

  it('a bad value: the start-up lines on stderr, one per variable, never the value, exit 1 and no "config ok"', async () => {
    const r = await check({ PORT: 'abc', TICKET_SINK: 'zendsk', REDIS_URL: 'localhost:6379' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('mailmedic: config_invalid: invalid configuration:');
    expect(lines).toContain('  PORT: expected a whole number from 0 to 65535 (unset: 3978)');
    expect(lines).toContain('  TICKET_SINK: expected one of file, webhook, zendesk, jira (unset: file)');
    expect(lines.filter((l) => l.trim().startsWith('REDIS_URL:'))).toHaveLength(1);
    expect(lines.at(-1)).toBe(CONFIG_FIX_HINT);
    expect(r.stderr).not.toMatch(/zendsk|localhost:6379/);
  });

  it('half a channel is refused as at start-up (a Slack signing secret without its bot token)', async () => {
    const r = await check({ SLACK_SIGNING_SECRET: 'shh-signing-secret' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET is set');
    expect(r.stderr).not.toContain('shh-signing-secret');
  });

  it('a folder in /proc (itself, or through /dev/fd) stops with both variables named — before, mkdir spun for ever and check hung (lose-37)', async () => {
    for (const [tickets, spool] of [
      ['/proc/x', '/proc/mailmedic/spool'],
      ['/dev/fd/x/tickets', '/proc'],
    ] as const) {
      const r = await runCli(['config', 'check'], '', childEnv({ TICKET_DIR: tickets, RECOVERY_SPOOL_DIR: spool, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }), 30_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("TICKET_DIR: expected a folder the bot can write tickets to, outside /proc (the kernel's process files)");
      expect(r.stderr).toContain("RECOVERY_SPOOL_DIR: expected a folder the bot can write kept turns to, outside /proc (the kernel's process files)");
    }
  });

  it('a folder start-up could not write (TICKET_DIR, RECOVERY_SPOOL_DIR) is named, as serve names it', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const r = await check({ TICKET_DIR: join(file, 'tickets'), RECOVERY_SPOOL_DIR: join(file, 'spool') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`TICKET_DIR: cannot write to ${join(file, 'tickets')}`);
    expect(r.stderr).toContain(`RECOVERY_SPOOL_DIR: cannot write to ${join(file, 'spool')}`);
  });

  it('a full production set-up: each part summarised, no secret printed (tokens, passwords, URL credentials and queries)', async () => {
    const secrets = {
      REDIS_URL: 'redis://:redis-pass-123@redis.internal:6380/0',
      SLACK_BOT_TOKEN: 'xoxb-slack-token-456',
      SLACK_SIGNING_SECRET: 'signing-secret-789',
      MicrosoftAppPassword: 'teams-password-abc',
      TICKET_WEBHOOK_URL: 'https://hooks.example.com/in/xyz?token=hook-token-def',
      TICKET_WEBHOOK_SECRET: 'webhook-secret-ghi',
      ADMIN_TOKEN: 'admin-token-0123456789',
    };
    const r = await check({
      ...secrets,
      NODE_ENV: 'production',
      MicrosoftAppId: '00000000-0000-0000-0000-000000000001',
      SLACK_HELPDESK_CHANNEL: 'C0HELPDESK',
      TICKET_SINK: 'webhook',
      RECOVERY_SPOOL_DIR: join(dir, 'spool'),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Slack (HTTP, POST /slack/events; help desk in C0HELPDESK)');
    expect(r.stdout).toContain('Teams (POST /api/messages, authenticated, app 00000000-0000-0000-0000-000000000001)');
    expect(r.stdout).toContain('state: Redis, one server redis://redis.internal:6380');
    expect(r.stdout).toContain('ticket sink: webhook, https://hooks.example.com (signed)');
    expect(r.stdout).toContain(`recovery spool: ${join(dir, 'spool')}`);
    expect(r.stdout).toContain('/admin: on (ADMIN_TOKEN set)');
    const said = r.stdout + r.stderr;
    for (const secret of ['redis-pass-123', 'xoxb-slack-token-456', 'signing-secret-789', 'teams-password-abc', 'hook-token-def', '/in/xyz', 'webhook-secret-ghi', 'admin-token-0123456789']) {
      expect(said).not.toContain(secret);
    }
    expect(Object.values(secrets).some((v) => said.includes(v))).toBe(false);
  });

  it('production without a Teams app id: Teams is said to be off, as serve leaves it off', async () => {
    const r = await check({ NODE_ENV: 'production', TICKET_DIR: join(dir, 'tickets') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('off: Slack (SLACK_BOT_TOKEN not set); Teams (NODE_ENV=production without MicrosoftAppId)');
    expect(r.stdout).not.toContain('Teams (POST');
  });
});
