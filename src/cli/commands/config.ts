/**
 * `mailmedic config check` (lose-36): validates the environment as `serve` does at start — the zod config
 * (src/config), then the folders start-up writes to (TICKET_DIR for the file sink, RECOVERY_SPOOL_DIR when Slack or
 * Teams runs; created when missing, as `serve` does) — without starting anything. Prints `config ok` and what would
 * run on stdout, exit 0; or the start-up message (one line per bad variable, never its value) on stderr, exit 1.
 * The summary never shows a secret: tokens and passwords only as "set", URLs as their origin (no user, path or query).
 */
import { checkSpoolDir } from '../../channels/spool.js';
import { teamsRefused } from '../../channels/teams/index.js';
import { loadConfig, CONFIG_FIX_HINT, type Config } from '../../config/index.js';
import { CodedError, ErrorCode } from '../../core/index.js';
import { createSink } from '../../handoff/sinks/index.js';

const USAGE =
  'usage: mailmedic config check\n' +
  '  Validates the environment as `mailmedic serve` would (every variable, the ticket and spool folders) and prints\n' +
  '  what would run; a bad value: one line per variable and exit 1. Secrets are never printed.\n';

/** scheme://host[:port] of a URL: a webhook URL may carry a token in its path or query, a Redis URL a password. */
const origin = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(set)';
  }
};

/** What `serve` would run with this configuration, one line each; no secret's value. */
export function describeConfig(config: Config): string[] {
  const env = config.env;
  const slack = env.SLACK_BOT_TOKEN
    ? `Slack (${env.SLACK_APP_TOKEN ? 'Socket Mode' : 'HTTP, POST /slack/events'}${env.SLACK_HELPDESK_CHANNEL ? `; help desk in ${env.SLACK_HELPDESK_CHANNEL}` : ''})`
    : undefined;
  const teams = teamsRefused(config)
    ? undefined
    : `Teams (POST /api/messages, ${env.MicrosoftAppId ? `authenticated, app ${env.MicrosoftAppId}` : 'Emulator mode: NOT authenticated, development only'}${
        env.TEAMS_HELPDESK_CHANNEL ? `; help desk in ${env.TEAMS_HELPDESK_CHANNEL}` : ''
      })`;
  const channels = ['web chat (/, POST /api/chat)', slack, teams].filter((c) => c !== undefined);
  const off = [slack ? undefined : 'Slack (SLACK_BOT_TOKEN not set)', teams ? undefined : 'Teams (NODE_ENV=production without MicrosoftAppId)'].filter(
    (c) => c !== undefined,
  );
  const redis = config.redis;
  const state = !redis
    ? 'memory (lost on restart; one replica only)'
    : redis.mode === 'single'
      ? `Redis, one server ${origin(redis.url)}`
      : redis.mode === 'cluster'
        ? `Redis Cluster, ${redis.nodes.length} seed node(s)`
        : `Redis Sentinel, master ${redis.masterName}, ${redis.sentinels.length} sentinel(s)`;
  const sink =
    env.TICKET_SINK === 'file'
      ? `file, in ${env.TICKET_DIR}`
      : env.TICKET_SINK === 'webhook'
        ? `webhook, ${origin(env.TICKET_WEBHOOK_URL ?? '')} (signed)`
        : env.TICKET_SINK === 'zendesk'
          ? `Zendesk, ${origin(env.ZENDESK_URL ?? '')}`
          : `Jira Service Management, ${origin(env.JIRA_URL ?? '')} (service desk ${env.JIRA_SERVICE_DESK_ID}, request type ${env.JIRA_REQUEST_TYPE_ID})`;
  const lines = [
    `port: ${config.port}, default locale ${config.defaultLocale}, public URL ${origin(config.publicUrl)}`,
    `channels: ${channels.join('; ')}`,
    ...(off.length ? [`off: ${off.join('; ')}`] : []),
    `state: ${state}, key prefix ${env.REDIS_KEY_PREFIX}`,
    `ticket sink: ${sink}`,
  ];
  if (slack || teams) lines.push(`recovery spool: ${env.RECOVERY_SPOOL_DIR ?? 'off (kept turns in memory only)'}`);
  lines.push(`/admin: ${env.ADMIN_TOKEN ? 'on (ADMIN_TOKEN set)' : 'off (ADMIN_TOKEN not set)'}`);
  return lines;
}

/** The folders `serve` checks at start, each bad one as its start-up line. */
async function folderProblems(config: Config): Promise<string[]> {
  const problems: string[] = [];
  const line = (e: unknown) => (e instanceof CodedError && e.code === ErrorCode.ConfigInvalid ? e.message : `${String(e)}`);
  // The sink's own start-up check (the file sink's folder; the HTTP sinks check nothing before their first ticket).
  await Promise.resolve(createSink(config).init?.()).catch((e: unknown) => problems.push(line(e)));
  const spoolDir = config.env.RECOVERY_SPOOL_DIR;
  if (spoolDir && (config.env.SLACK_BOT_TOKEN || !teamsRefused(config))) {
    try {
      checkSpoolDir(spoolDir);
    } catch (e) {
      problems.push(line(e));
    }
  }
  return problems;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args[0] !== 'check' || args.length !== 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  // Bad variables: thrown, and printed by main.ts exactly as `serve` prints them (mailmedic: config_invalid: …), exit 1.
  const config = loadConfig(process.env);
  const problems = await folderProblems(config);
  if (problems.length > 0) {
    throw new CodedError(ErrorCode.ConfigInvalid, `invalid configuration:\n  ${problems.join('\n  ')}\n${CONFIG_FIX_HINT}`);
  }
  process.stdout.write(`config ok\n${describeConfig(config).map((l) => `  ${l}\n`).join('')}`);
  return 0;
}
