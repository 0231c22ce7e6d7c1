/**
 * Environment → one zod schema → a typed Config. Read once at start; a bad value throws a CodedError whose
 * message names the variable (design.md § Configuration — variable names are a public contract).
 */
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { CodedError, ErrorCode, LOCALES } from '../core/index.js';
import { zoneOffset } from '../core/time-zone.js';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
/** Every URL the bot calls or links to is http(s): `ftp://…`, `javascript:…` or `file://…` would only fail later, at the first ticket or reply. */
const optionalUrl = z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional());
const validPort = (port: string) => Number(port) >= 1 && Number(port) <= 65_535;
/** A whole number within min–max; every failure says the range and the default, never zod's "received NaN". */
const intFrom = (def: number, min: number, max: number) => {
  const error = `expected a whole number from ${min} to ${max} (unset: ${def})`;
  return z.preprocess(emptyToUndefined, z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(def));
};
/** One of a fixed list; the message lists the choices plainly and the default. */
const enumError = (values: readonly string[], def?: string) =>
  `expected one of ${values.join(', ')}${def === undefined ? '' : ` (unset: ${def})`}`;
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, def: T[number]) =>
  z.preprocess(emptyToUndefined, z.enum(values, { error: enumError(values, def) }).default(def as never));
const optionalOneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(emptyToUndefined, z.enum(values, { error: enumError(values) }).optional());

/**
 * Is a folder in /proc (the kernel's process files), itself or through a link on its way (/dev/fd/… is
 * /proc/self/fd/…)? Node's `mkdir(…, { recursive: true })` spins for ever on such a path, so `serve` and `mailmedic
 * config check` hung instead of naming the variable (lose-37). The nearest part of the path that exists is resolved.
 */
export function inProcFs(dir: string): boolean {
  let at = resolve(dir);
  for (;;) {
    let real: string | undefined;
    try {
      real = realpathSync(at);
    } catch {
      real = undefined;
    }
    if (real !== undefined) return real === '/proc' || real.startsWith('/proc/') || at === '/proc' || at.startsWith('/proc/');
    const up = dirname(at);
    if (up === at) return false;
    at = up;
  }
}
const folder = (what: string) => `expected a folder the bot can write ${what} to, outside /proc (the kernel's process files)`;

/** host:port[,host:port…] */
const hostPortList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .regex(/^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/, 'expected host:port[,host:port…]')
    .refine((list) => list.split(',').every((hp) => validPort(hp.trim().split(':')[1] ?? '')), 'a port is outside 1–65535')
    .optional(),
);

/** redis://[user:pass@]host[:port][/db]: parses, names a host, and its port (if any) is a real one. */
function redisUrlOk(value: string): boolean {
  try {
    const url = new URL(value);
    return url.hostname !== '' && (url.port === '' || validPort(url.port));
  } catch {
    return false;
  }
}

export const envSchema = z
  .object({
    NODE_ENV: optionalString,
    PORT: intFrom(3978, 0, 65535),
    DEFAULT_LOCALE: oneOf(LOCALES, 'ja'),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),

    REDIS_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^rediss?:\/\//, 'expected redis://host:port or rediss://…')
        // The message never repeats the value: a REDIS_URL may carry a password. One line per variable: the host/port
        // check only speaks when the scheme is right.
        .refine((v) => !/^rediss?:\/\//.test(v) || redisUrlOk(v), 'expected redis://host:port or rediss://… with a host and a port within 1–65535')
        .optional(),
    ),
    REDIS_CLUSTER_NODES: hostPortList,
    REDIS_SENTINELS: hostPortList,
    REDIS_SENTINEL_MASTER: optionalString,
    /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. No braces: keys carry hash tags. */
    REDIS_KEY_PREFIX: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1–64 characters of A-Z a-z 0-9 _ . : -')
        .default('mm'),
    ),
    STATE_TTL_SECONDS: intFrom(86_400, 60, 31_536_000),
    /** On SIGTERM: seconds /readyz answers 503 (requests still served) before the listener closes. */
    SHUTDOWN_GRACE_SECONDS: intFrom(3, 0, 30),
    /** /api/chat token buckets (429 + Retry-After): turns per minute and burst, per conversation and per client; 0 disables. */
    RATE_LIMIT_CONVERSATION_PER_MINUTE: intFrom(60, 0, 100_000),
    RATE_LIMIT_CONVERSATION_BURST: intFrom(20, 0, 100_000),
    RATE_LIMIT_CLIENT_PER_MINUTE: intFrom(600, 0, 1_000_000),
    RATE_LIMIT_CLIENT_BURST: intFrom(120, 0, 1_000_000),
    /** Number of proxies in front whose X-Forwarded-For is trusted for the client address (0: the socket address). */
    TRUST_PROXY: intFrom(0, 0, 10),

    SLACK_BOT_TOKEN: z.preprocess(emptyToUndefined, z.string().startsWith('xoxb-', 'expected a bot token (xoxb-…)').optional()),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_APP_TOKEN: z.preprocess(emptyToUndefined, z.string().startsWith('xapp-', 'expected an app-level token (xapp-…)').optional()),
    SLACK_API_URL: optionalUrl,
    SLACK_HELPDESK_CHANNEL: optionalString,

    MicrosoftAppId: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected the Azure Bot app id (a GUID)')
        .optional(),
    ),
    MicrosoftAppPassword: optionalString,
    MicrosoftAppType: optionalOneOf(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']),
    MicrosoftAppTenantId: optionalString,
    /** Teams channel where escalations are announced and staff take over (the channel's conversation id). */
    TEAMS_HELPDESK_CHANNEL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^19:[^\s;/]{1,300}@thread\.(tacv2|skype)$/, 'expected a Teams channel id (19:…@thread.tacv2)')
        .optional(),
    ),

    TICKET_SINK: oneOf(['file', 'webhook', 'zendesk', 'jira'], 'file'),
    TICKET_DIR: z.preprocess(emptyToUndefined, z.string().refine((d) => !inProcFs(d), folder('tickets')).default('./data/tickets')),
    /**
     * Folder of the recovery spool (lose-34): Slack/Teams turns kept for a later answer while Redis is down, on disk so
     * a restart or crash does not lose them. Unset or `off`: kept in memory only. The image sets /app/data/spool.
     */
    RECOVERY_SPOOL_DIR: z.preprocess(
      (v) => {
        const s = emptyToUndefined(v);
        return typeof s === 'string' && s.trim().toLowerCase() === 'off' ? undefined : s;
      },
      z
        .string()
        .refine((d) => !d.includes('\0'), 'expected a folder path')
        .refine((d) => d.includes('\0') || !inProcFs(d), folder('kept turns'))
        .optional(),
    ),
    TICKET_WEBHOOK_URL: optionalUrl,
    TICKET_WEBHOOK_SECRET: optionalString,
    ZENDESK_URL: optionalUrl,
    ZENDESK_EMAIL: optionalString,
    ZENDESK_API_TOKEN: optionalString,
    JIRA_URL: optionalUrl,
    JIRA_EMAIL: optionalString,
    JIRA_API_TOKEN: optionalString,
    JIRA_SERVICE_DESK_ID: optionalString,
    JIRA_REQUEST_TYPE_ID: optionalString,

    ADMIN_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
    PUBLIC_URL: optionalUrl,
    /** The help desk's time zone (IANA): /admin's times, its date filters and per-day charts. Japan unless configured. */
    TIME_ZONE: z.preprocess(
      emptyToUndefined,
      z.string().refine(isTimeZone, 'not an IANA time zone (e.g. Asia/Tokyo, UTC)').default('Asia/Tokyo'),
    ),
    TRANSCRIPT_RETENTION_DAYS: intFrom(90, 1, 3650),
    /** /admin's "came back" window: days after a fix within which the same person's new conversation on the same symptom is a return. */
    CAME_BACK_DAYS: intFrom(7, 1, 90),
    INCIDENT_THRESHOLD: intFrom(5, 0, 10_000),
    INCIDENT_WINDOW_MINUTES: intFrom(15, 1, 1_440),
    INCIDENT_QUIET_MINUTES: intFrom(120, 1, 10_080),
  })
  .superRefine((env, ctx) => {
    const need = (cond: boolean, vars: Array<keyof typeof env>, why: string) => {
      if (!cond) return;
      for (const v of vars) {
        if (env[v] === undefined) ctx.addIssue({ code: 'custom', path: [v], message: `required ${why}` });
      }
    };
    need(env.SLACK_BOT_TOKEN !== undefined && env.SLACK_APP_TOKEN === undefined, ['SLACK_SIGNING_SECRET'], 'when SLACK_BOT_TOKEN is set (HTTP mode)');
    need(env.SLACK_APP_TOKEN !== undefined, ['SLACK_BOT_TOKEN'], 'when SLACK_APP_TOKEN is set');
    need(env.MicrosoftAppId !== undefined && env.MicrosoftAppType !== 'UserAssignedMSI', ['MicrosoftAppPassword'], 'when MicrosoftAppId is set');
    need(
      env.MicrosoftAppType === 'SingleTenant' || env.MicrosoftAppType === 'UserAssignedMSI',
      ['MicrosoftAppTenantId'],
      `when MicrosoftAppType is ${env.MicrosoftAppType}`,
    );
    need(env.MicrosoftAppType !== undefined, ['MicrosoftAppId'], 'when MicrosoftAppType is set');
    // Half a channel is a typo or a forgotten line, never a choice: say which variable is missing instead of starting
    // with the channel off (Slack) or, worse, with /api/messages unauthenticated (Teams' Emulator mode).
    for (const v of ['SLACK_SIGNING_SECRET', 'SLACK_HELPDESK_CHANNEL'] as const) {
      need(env[v] !== undefined && env.SLACK_BOT_TOKEN === undefined, ['SLACK_BOT_TOKEN'], `when ${v} is set`);
    }
    for (const v of ['MicrosoftAppPassword', 'MicrosoftAppTenantId'] as const) {
      need(
        env[v] !== undefined && env.MicrosoftAppId === undefined && env.MicrosoftAppType === undefined,
        ['MicrosoftAppId'],
        `when ${v} is set (without it the Teams endpoint accepts unauthenticated requests)`,
      );
    }
    // Without an app id /api/messages accepts unauthenticated activities (Bot Framework Emulator mode): development only.
    need(env.TICKET_SINK === 'webhook', ['TICKET_WEBHOOK_URL', 'TICKET_WEBHOOK_SECRET'], 'when TICKET_SINK=webhook');
    need(env.TICKET_SINK === 'zendesk', ['ZENDESK_URL', 'ZENDESK_EMAIL', 'ZENDESK_API_TOKEN'], 'when TICKET_SINK=zendesk');
    need(
      env.TICKET_SINK === 'jira',
      ['JIRA_URL', 'JIRA_EMAIL', 'JIRA_API_TOKEN', 'JIRA_SERVICE_DESK_ID', 'JIRA_REQUEST_TYPE_ID'],
      'when TICKET_SINK=jira',
    );
    need(env.REDIS_SENTINELS !== undefined, ['REDIS_SENTINEL_MASTER'], 'when REDIS_SENTINELS is set');
    const topologies = [env.REDIS_URL, env.REDIS_CLUSTER_NODES, env.REDIS_SENTINELS].filter((v) => v !== undefined);
    if (topologies.length > 1) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'set only one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS' });
    }
  });

export type Env = z.infer<typeof envSchema>;

export type RedisConfig =
  | { mode: 'single'; url: string }
  | { mode: 'cluster'; nodes: Array<{ host: string; port: number }> }
  | { mode: 'sentinel'; sentinels: Array<{ host: string; port: number }>; masterName: string };

export interface Config {
  env: Env;
  production: boolean;
  port: number;
  defaultLocale: Env['DEFAULT_LOCALE'];
  /** Undefined: memory stores. */
  redis?: RedisConfig;
  stateTtlSeconds: number;
  publicUrl: string;
  /** TIME_ZONE's minutes from UTC at an instant (540 for Asia/Tokyo; Europe/Berlin: 60 in January, 120 in July). */
  utcOffset: (atMs: number) => number;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function parseHostPorts(list: string): Array<{ host: string; port: number }> {
  return list.split(',').map((hp) => {
    const [host, port] = hp.trim().split(':');
    return { host: host ?? '', port: Number(port) };
  });
}

/** The URL variable of each ticket system that is not the default file sink. */
const SINK_URLS = { webhook: 'TICKET_WEBHOOK_URL', zendesk: 'ZENDESK_URL', jira: 'JIRA_URL' } as const;

/**
 * A ticket system configured while TICKET_SINK is left unset: the tickets would go to files in TICKET_DIR that nobody
 * reads while the help desk waits in Zendesk. An explicit TICKET_SINK (file included) is respected.
 */
function unselectedSink(source: Record<string, string | undefined>): string[] {
  if ((source.TICKET_SINK ?? '').trim() !== '') return [];
  return Object.entries(SINK_URLS)
    .filter(([, url]) => (source[url] ?? '').trim() !== '')
    .map(([sink, url]) => `TICKET_SINK: required when ${url} is set (TICKET_SINK=${sink}; unset, tickets go to files in TICKET_DIR)`);
}

/** Said after the list of bad variables: where the values come from and where each one is described. */
export const CONFIG_FIX_HINT =
  'Fix these in the environment (docker compose: .env; npm start: the shell, e.g. `set -a; . ./.env; set +a`), then start again; ' +
  'every variable, its meaning and its default: .env.example and README § Configuration.';

/** Reads and validates the environment. Throws CodedError(ConfigInvalid) naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(source);
  const lines = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
  lines.push(...unselectedSink(source));
  if (!parsed.success || lines.length > 0) {
    throw new CodedError(ErrorCode.ConfigInvalid, `invalid configuration:\n  ${lines.join('\n  ')}\n${CONFIG_FIX_HINT}`);
  }
  const env = parsed.data;
  let redis: RedisConfig | undefined;
  if (env.REDIS_URL) redis = { mode: 'single', url: env.REDIS_URL };
  else if (env.REDIS_CLUSTER_NODES) redis = { mode: 'cluster', nodes: parseHostPorts(env.REDIS_CLUSTER_NODES) };
  else if (env.REDIS_SENTINELS && env.REDIS_SENTINEL_MASTER)
    redis = { mode: 'sentinel', sentinels: parseHostPorts(env.REDIS_SENTINELS), masterName: env.REDIS_SENTINEL_MASTER };
  return {
    env,
    production: env.NODE_ENV === 'production',
    port: env.PORT,
    defaultLocale: env.DEFAULT_LOCALE,
    redis,
    stateTtlSeconds: env.STATE_TTL_SECONDS,
    // Without PUBLIC_URL, links (ticket transcript URLs) point at this server's own port, not a fixed 3978.
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    utcOffset: zoneOffset(env.TIME_ZONE),
  };
}
