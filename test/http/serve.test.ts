/** `mailmedic serve` as a process: a bad setting stops start-up naming the variable; SIGTERM exits 0. */
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, childEnv, requireBuild, runCli } from '../channels/cli/spawn.js';

beforeAll(() => requireBuild());

describe('mailmedic serve', () => {
  it('refuses to start with PORT=abc, naming the variable, exit code 1', async () => {
    const run = await runCli(['serve'], '', childEnv({ PORT: 'abc' }), 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/PORT/);
    expect(run.stdout).toBe('');
  });

  it('refuses to start with TICKET_DIR under /proc, naming it, instead of hanging in mkdir (lose-37)', async () => {
    const run = await runCli(['serve'], '', childEnv({ TICKET_DIR: '/proc/x' }), 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('TICKET_DIR: expected a folder the bot can write tickets to, outside /proc');
  });

  it('refuses to start with a bad REDIS_URL, naming the variable', async () => {
    const run = await runCli(['serve'], '', childEnv({ REDIS_URL: 'http://nope' }), 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/REDIS_URL/);
  });

  it('refuses to start with half a channel or a ticket system not selected, naming the missing variable (sre-22)', async () => {
    // Each of these started before: Slack silently off, Teams' /api/messages unauthenticated (Emulator mode), and
    // every ticket written to TICKET_DIR while the help desk waited for the webhook.
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ SLACK_SIGNING_SECRET: 'slack-signing-secret-1' }, 'SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET is set', 'slack-signing-secret-1'],
      [{ MicrosoftAppPassword: 'teams-app-password-1' }, 'MicrosoftAppId: required when MicrosoftAppPassword is set', 'teams-app-password-1'],
      [{ TICKET_WEBHOOK_URL: 'https://desk.example/hook', TICKET_WEBHOOK_SECRET: 'webhook-secret-1' }, 'TICKET_SINK: required when TICKET_WEBHOOK_URL is set', 'webhook-secret-1'],
    ];
    for (const [env, line, secret] of cases) {
      const run = await runCli(['serve'], '', childEnv(env), 30_000);
      expect(run.code, line).toBe(1);
      expect(run.stderr).toContain(line);
      expect(run.stderr).not.toContain(secret);
    }
  });

  it('refuses to start with URLs that are not http(s) and Redis ports that cannot exist, naming every variable', async () => {
    const bad = {
      TICKET_SINK: 'webhook',
      TICKET_WEBHOOK_URL: 'ftp://tickets.example/in',
      TICKET_WEBHOOK_SECRET: 'webhook-secret',
      SLACK_API_URL: 'javascript:alert(1)',
      PUBLIC_URL: 'file:///srv/mailmedic',
      REDIS_CLUSTER_NODES: 'redis-a:6379,redis-b:99999',
    };
    const run = await runCli(['serve'], '', childEnv(bad), 30_000);
    expect(run.code).toBe(1);
    for (const name of ['TICKET_WEBHOOK_URL', 'SLACK_API_URL', 'PUBLIC_URL', 'REDIS_CLUSTER_NODES']) expect(run.stderr).toContain(`${name}:`);
    expect(run.stdout).toBe('');
    const redis = await runCli(['serve'], '', childEnv({ REDIS_URL: 'redis://:s3cretPass@cache.internal:70000' }), 30_000);
    expect(redis.code).toBe(1);
    expect(redis.stderr).toContain('REDIS_URL:');
    // The value is never repeated: a REDIS_URL may carry a password.
    expect(redis.stderr).not.toContain('s3cretPass');
  });

  it('serves, then shuts down gracefully on SIGTERM with exit code 0', async () => {
    const child = spawn(process.execPath, [CLI, 'serve'], { cwd: ROOT, env: childEnv({ PORT: '0', LOG_LEVEL: 'info' }) });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line\n${stderr}`)), 30_000);
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const chat = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversation: 'sig1', text: 'メールを取得できません' }),
    });
    expect(chat.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Logs are JSON lines on stderr and never carry what the user typed at info level.
    const logLines = stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(stderr).not.toContain('メールを取得できません');
    expect(logLines.some((l) => JSON.parse(l).msg === 'stopped')).toBe(true);
  });
});
