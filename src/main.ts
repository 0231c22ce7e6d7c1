/**
 * The composition root — the only file that wires everything:
 *   config → logger → content (locales, dialogs) → NLU → stores → hand-off, transcripts, holds → pipeline →
 *   channels (their parts: mounts, senders, help desks) → HTTP server.
 * `createCore` builds everything but the channels and the HTTP server (the terminal chat uses it); `startApp` builds
 * the channels from MOUNTS, wires their parts into the core, and starts the server. Channels never register
 * themselves: each returns its parts and this file connects them.
 */
import type { Server } from 'node:http';
import { loadConfig, type Config } from './config/index.js';
import { CodedError, ErrorCode, type ChannelName, type Locale, type Logger, type Nlu, type Reply, type Ticket } from './core/index.js';
import { formatProblem, loadDialogs, loadLocales } from './data/load.js';
import type { DialogTree } from './data/schemas.js';
import { createI18n, type I18n } from './i18n/index.js';
import { createLogger, type AppLogger } from './log.js';
import { createNlu } from './nlu/index.js';
import { createPipeline } from './pipeline/pipeline.js';
import { countInFlight } from './pipeline/inflight.js';
import { turnLogObserver } from './pipeline/log-observer.js';
import type { Pipeline, TurnObserver } from './pipeline/types.js';
import { createStores, type CreateStoresOptions } from './state/stores.js';
import type { Stores } from './state/types.js';
import type { HttpMount } from './http/types.js';
import { metricsObserver, redisErrorsTotal, turnsInFlight, watchOutbox } from './http/metrics.js';
import { createHttpApp, listen, serverUrl, stopServer, type Readiness } from './http/server.js';
import type { ChannelParts, ProactiveSender } from './channels/types.js';
import { createWebMailbox, webChannel } from './channels/web/index.js';
import { createReferenceStore, teamsMount, type TeamsChannelOptions } from './channels/teams/index.js';
import { slackMount, type SlackMountOptions } from './channels/slack/index.js';
import { createTicketHandler, fanOutNotifier, type HandoffService, type Notifier } from './handoff/index.js';
import { MemoryOutboxStore, type OutboxStore } from './handoff/outbox.js';
import { redisOutboxStore } from './handoff/outbox-redis.js';
import { createHoldStore, type HelpDesk, type HoldStore, type TakeoverRecord } from './helpdesk/index.js';
import { createIncidents, type IncidentService } from './incidents/index.js';
import { createTranscriptObserver, createTranscriptStore, type TranscriptStore } from './transcripts/index.js';
import { adminParts } from './admin/mount.js';
import { redact } from './core/redact.js';

export type { ChannelParts, ProactiveSender } from './channels/types.js';

/** Everything a channel may need, built once per process. */
export interface Core {
  config: Config;
  logger: AppLogger;
  i18n: I18n;
  tree: DialogTree;
  nlu: Nlu;
  stores: Stores;
  /** The turn pipeline (one composed chain; its first link counts turns in flight for graceful shutdown). */
  pipeline: Pipeline;
  /** Turns being processed right now. */
  inFlight(): number;
  /** Resolves true when no turn is in flight, or false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean>;
  /** Readiness: store reachable and NLU loaded. */
  ready(): Promise<Readiness>;
  /** Stops background work (ticket outbox …) and closes the stores. Idempotent. */
  close(): Promise<void>;
  /** The ticket outbox (TicketHandler of the pipeline), dead letters and status for the admin page. */
  handoff: HandoffService;
  /** Staff take-over: which conversations help-desk staff hold, and the desk threads of escalations. */
  holds: HoldStore;
  /**
   * Sends replies into a conversation outside a turn through its channel's sender (ticket news, staff replies);
   * false when the channel has none or it failed.
   */
  sendProactive(channel: ChannelName, conversationId: string, replies: Reply[]): Promise<boolean>;
  /** Every turn, redacted (memory, or Redis streams when configured): the /admin review page reads it. */
  transcripts: TranscriptStore;
  /** Incident detection (INCIDENT_THRESHOLD; off at 0): the /admin banner and API, StepMeta.incidents. */
  incidents: IncidentService;
}

/**
 * A channel or page joining the HTTP server, built from the core: a plain mount, or a channel's parts (its mount,
 * its sender, its help desk), which startApp wires into the core.
 */
export type MountFactory = (core: Core) => HttpMount | ChannelParts;

/** The web chat's parts, its mailbox on the process's key-value store. */
export const webParts = (core: Core): ChannelParts =>
  webChannel({ ...core, mailbox: createWebMailbox(core.stores.kv, core.config.stateTtlSeconds) });

/** The Slack channel's parts (`options`: tests shorten the retry policy). */
export const slackParts = (core: Core, options?: SlackMountOptions): ChannelParts => slackMount(deskDeps(core), options);

/** The Teams channel's parts, its conversation references on the process's key-value store (`overrides`: tests). */
export const teamsParts = (core: Core, overrides?: Partial<TeamsChannelOptions>): ChannelParts =>
  teamsMount({ ...deskDeps(core), references: createReferenceStore(core.stores.kv) }, overrides);

/**
 * The HTTP mounts, in order. Add a channel here with one line returning its parts. Stores a channel keeps (the
 * web mailbox, Teams references) are built here, on the process's key-value store.
 * The web chat (GET /, POST /api/chat, POST|GET /api/chat/messages) is always on.
 */
export const MOUNTS: MountFactory[] = [
  // Web chat: the page, the REST turn, and its proactive sender (messages wait in a mailbox the page polls).
  (core) => webParts(core),
  // Slack: POST /slack/events (or Socket Mode), the help-desk channel and staff take-over; off without SLACK_BOT_TOKEN.
  (core) => slackParts(core),
  // Teams / Bot Framework: POST /api/messages (Emulator mode without MicrosoftAppId), proactive "ticket filed" messages.
  (core) => teamsParts(core),
  // /admin: transcript review, analytics, annotations, failed tickets; off (404) without ADMIN_TOKEN.
  (core) =>
    adminParts({
      token: core.config.env.ADMIN_TOKEN,
      store: core.transcripts,
      i18n: core.i18n,
      defaultLocale: core.config.defaultLocale,
      logger: core.logger,
      tree: core.tree,
      deadLetters: () => core.handoff.deadLetters,
      ticketUrl: async (id) => (await core.handoff.status(id))?.url,
      ticket: (id) => core.handoff.status(id),
      publicUrl: core.config.publicUrl,
      utcOffset: core.config.utcOffset,
      cameBackDays: core.config.env.CAME_BACK_DAYS,
      incidents: core.incidents,
      nlu: core.nlu,
      desk: { holds: core.holds, sendProactive: core.sendProactive },
    }),
];

/** What a channel with a help desk gets from the core: the store's claims, the holds, and a way to reach a person. */
function deskDeps(core: Core) {
  return {
    config: core.config,
    pipeline: core.pipeline,
    i18n: core.i18n,
    logger: core.logger,
    kv: core.stores.kv,
    holds: core.holds,
    tellPerson: (link: { conversationId: string; channel: ChannelName }, replies: Reply[]) => core.sendProactive(link.channel, link.conversationId, replies),
    // A take-over or hand-back in Slack/Teams shows on /admin like one made there.
    recordHold: (conversationId: string, event: { type: 'taken_over' | 'handed_back'; by?: string }) => core.transcripts.addEvent(conversationId, event, Date.now()),
  };
}

export interface CoreOptions {
  /** Environment to read the configuration from; default process.env. */
  env?: Record<string, string | undefined>;
  /** A logger to use instead of one built from LOG_LEVEL. */
  logger?: AppLogger;
  /** Store options (tests pass a unique Redis key prefix). */
  storeOptions?: CreateStoresOptions;
  /** How long to wait for Redis at start-up before starting anyway (not ready until it comes), ms. Default 5,000. */
  redisWaitMs?: number;
}

/** How a shutdown may take in total before the rest is cut (the process must exit within 10 s). */
export const SHUTDOWN_BUDGET_MS = 8_000;

/** Longest one part (ticket outbox, transcripts …) may take to close, ms; the total stays within SHUTDOWN_BUDGET_MS. */
const CLOSE_PART_MS = 2_500;

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new CodedError(ErrorCode.Internal, `did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

function loadContent(): { i18n: I18n; tree: DialogTree } {
  const locales = loadLocales();
  const dialogs = loadDialogs();
  const problems = [...locales.problems, ...dialogs.problems];
  if (problems.length > 0 || !dialogs.tree) {
    throw new CodedError(ErrorCode.DataInvalid, `content has problems (run \`mailmedic lint\`):\n  ${problems.map(formatProblem).join('\n  ')}`);
  }
  return { i18n: createI18n(locales.messages), tree: dialogs.tree };
}

/** The core, and the one way to connect a channel's parts to it (used by startApp only). */
interface Built {
  core: Core;
  wire(parts: ChannelParts): void;
}

async function buildCore(options: CoreOptions): Promise<Built> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger({ level: config.env.LOG_LEVEL });
  const { i18n, tree } = loadContent();
  const startedMs = Date.now();
  const nlu = await createNlu({ logger });
  logger.info({ ms: Date.now() - startedMs }, 'nlu loaded');

  const stores = createStores(config, logger, {
    prefix: config.env.REDIS_KEY_PREFIX,
    // Ticket numbers take the help desk's day (TIME_ZONE), as its pages do: 08:00 in Tokyo on the 7th is MM-…07-….
    ticketUtcOffsetMinutes: config.utcOffset,
    onError: (op) => redisErrorsTotal.inc({ op }),
    ...options.storeOptions,
  });
  if (stores.redis) {
    try {
      await stores.redis.waitReady(options.redisWaitMs ?? 5_000);
    } catch {
      // Start anyway: turns answer "try again shortly" and /readyz says not ready until Redis is back.
      logger.warn({ store: stores.kind }, 'redis not reachable at start-up; retrying in the background');
    }
  }

  // Filled by startApp from the channels' parts (wire below); empty for the terminal chat.
  const senders = new Map<ChannelName, ProactiveSender>();
  const notifiers: Notifier[] = [];
  const desks: HelpDesk[] = [];

  const closers: Array<() => Promise<void>> = [];
  const sendProactive = async (channel: ChannelName, conversationId: string, replies: Reply[]): Promise<boolean> => {
    const send = senders.get(channel);
    if (!send) return false;
    try {
      const sent = await send(conversationId, replies);
      // What the person received after the turn (ticket news, staff replies) belongs in their transcript, redacted.
      if (sent) for (const r of replies) void recordSent(conversationId, r);
      return sent;
    } catch (err) {
      logger.warn({ conversation: conversationId, channel, err: err instanceof Error ? err.name : 'error' }, 'proactive send failed');
      return false;
    }
  };
  /** Tells the person about their ticket in their own conversation, in the ticket's locale. */
  const tellRequester = (ticket: Ticket, key: string, params: Record<string, string>) => {
    const locale: Locale = ticket.locale;
    void sendProactive(ticket.channel, ticket.conversation, [{ key, text: i18n.t(key, params, locale) }]);
  };
  const handoff = createTicketHandler(config, {
    logger,
    store: stores.open<OutboxStore>({ memory: () => new MemoryOutboxStore(), redis: (connection) => redisOutboxStore(connection) }),
    // A sink that already holds another ticket under an id (a number handed out twice) gets the ticket under a new one.
    ticketIds: stores.ticketIds,
    notifier: { notify: (event) => fanOutNotifier(notifiers).notify(event) },
    // The person gets the ticket system's own number (#123, ITSM-42) beside ours, each named — never an agent-only
    // URL or, for the file sink (no number of its own), a path on the server: then ours is the one to quote.
    onDelivered: (ticket, externalRef) =>
      config.env.TICKET_SINK === 'file' || !externalRef || externalRef === ticket.id
        ? tellRequester(ticket, 'handoff.user.delivered', { id: ticket.id })
        : tellRequester(ticket, 'handoff.user.delivered_ref', { id: ticket.id, ref: externalRef }),
    onFailed: (ticket) => tellRequester(ticket, 'handoff.user.failed', { id: ticket.id }),
  });
  await handoff.start();
  const unwatchOutbox = watchOutbox(handoff);
  closers.push(async () => {
    unwatchOutbox();
    await handoff.stop();
  });

  // Transcripts: recorded off the reply path (queued), redacted, flushed before the stores close.
  const transcripts = createTranscriptStore(config, stores, logger);
  const transcriptObserver = createTranscriptObserver(transcripts, { logger });
  closers.push(async () => {
    await transcriptObserver.flush(2_000);
  });
  // Incidents: detected from the transcripts (every replica's, on Redis), announced to the help desk.
  const incidents = createIncidents(stores, {
    threshold: config.env.INCIDENT_THRESHOLD,
    windowMs: config.env.INCIDENT_WINDOW_MINUTES * 60_000,
    quietMs: config.env.INCIDENT_QUIET_MINUTES * 60_000,
    transcripts,
    i18n,
    locale: config.defaultLocale,
    logger,
    publicUrl: config.publicUrl,
    flushTranscripts: () => transcriptObserver.flush(2_000),
    announce: (text, fields) => fanOutNotifier(notifiers).broadcast?.(text, fields) ?? Promise.resolve(),
  });
  closers.push(() => incidents.close());
  const observers: TurnObserver[] = [turnLogObserver(logger), metricsObserver, transcriptObserver, incidents.observer];
  const recordSent = (conversationId: string, r: Reply) =>
    transcripts
      .addEvent(conversationId, { type: 'sent', key: r.key, text: redact(r.text).text, ...(r.key === 'takeover.staff_said' ? { by: 'staff' } : {}) }, Date.now())
      .catch((err: unknown) => logger.warn({ conversation: conversationId, err: err instanceof Error ? err.name : 'error' }, 'sent message not recorded'));

  // While help-desk staff hold a conversation its turns are relayed to the desk that holds it (any channel).
  const holds = createHoldStore(stores.kv, config.stateTtlSeconds);
  const inFlight = countInFlight(turnsInFlight);
  // The pipeline sees a hold as HeldConversation; the holds it gets are this store's TakeoverRecords.
  const deskFor = (hold: TakeoverRecord) => desks.find((d) => d.owns?.(hold)) ?? desks.find((d) => !d.owns);
  const pipeline = createPipeline({
    nlu,
    tree,
    i18n,
    store: stores.store,
    deliveries: stores.deliveries,
    ticketIds: stores.ticketIds,
    tickets: handoff,
    observers,
    logger,
    publicUrl: config.publicUrl,
    defaultLocale: config.defaultLocale,
    stateTtlSeconds: config.stateTtlSeconds,
    outer: [inFlight.link],
    ...(incidents.enabled ? { incidents: () => incidents.active() } : {}),
    takeover: {
      holds,
      // The desk whose thread the hold was taken in; a desk that claims no threads (Slack) relays the rest.
      relayFor: (hold) => deskFor(hold as TakeoverRecord),
      active: () => desks.length > 0,
    },
  });

  let closed: Promise<void> | undefined;
  const core: Core = {
    config,
    logger,
    i18n,
    tree,
    nlu,
    stores,
    pipeline,
    handoff,
    holds,
    transcripts,
    incidents,
    sendProactive,
    inFlight: inFlight.count,
    drained: inFlight.drained,
    async ready() {
      const store = await Promise.race([
        stores.health.ping().catch(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000).unref()),
      ]);
      return { ok: store, checks: { store, nlu: true } };
    },
    close() {
      closed ??= (async () => {
        for (const close of closers.reverse()) {
          // Each part gets a bounded slice of the shutdown budget: a stuck sink must not keep the replica alive.
          await withTimeout(close(), CLOSE_PART_MS).catch((err: unknown) => logger.warn({ err }, 'close failed'));
        }
        await stores.health.close().catch((err: unknown) => logger.warn({ err }, 'store close failed'));
      })();
      return closed;
    },
  };
  logger.info({ store: stores.kind, tree: tree.version, nodes: tree.nodes.size }, 'core ready');
  return {
    core,
    wire(parts) {
      if (parts.sender) senders.set(parts.sender.channel, parts.sender.send);
      const notifier = parts.notifier ?? parts.desk?.notifier;
      if (notifier) notifiers.push(notifier);
      if (parts.desk) desks.push(parts.desk);
    },
  };
}

/**
 * Builds config, content, NLU, stores and the pipeline. Throws CodedError(ConfigInvalid) naming the bad variable,
 * or CodedError(DataInvalid) listing the content problems — the caller prints it and exits 1.
 */
export async function createCore(options: CoreOptions = {}): Promise<Core> {
  return (await buildCore(options)).core;
}

/** A mount factory's result as a channel's parts (a plain mount has no sender or desk). */
function partsOf(made: HttpMount | ChannelParts): ChannelParts {
  return typeof made.mount === 'function' ? { mount: made as HttpMount } : (made as ChannelParts);
}

export interface StartOptions extends CoreOptions {
  /** HTTP port; default PORT from the configuration (3978). 0 = any free port. */
  port?: number;
  /** Bind address; default all interfaces. */
  host?: string;
  /** Mounts instead of MOUNTS (tests). */
  mounts?: MountFactory[];
}

export interface App {
  server: Server;
  /** Base URL the server answers on, e.g. http://127.0.0.1:3978 */
  url: string;
  pipeline: Pipeline;
  core: Core;
  /**
   * Graceful shutdown: stop accepting (new requests get 503, /readyz fails), finish the turns in flight,
   * close the mounts, then the stores. Bounded by SHUTDOWN_BUDGET_MS. Idempotent.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Builds the core and starts the one HTTP server. */
export async function startApp(options: StartOptions = {}): Promise<App> {
  const { core, wire } = await buildCore(options);
  const { logger } = core;
  let draining = false;
  // Shutting down, still serving: /readyz answers 503 so the balancer stops sending, answers close the connection.
  let leaving = false;
  const parts = (options.mounts ?? MOUNTS).map((make) => partsOf(make(core)));
  for (const p of parts) wire(p);
  const mounts = parts.map((p) => p.mount);
  const app = createHttpApp({
    mounts,
    logger,
    i18n: core.i18n,
    defaultLocale: core.config.defaultLocale,
    ready: async () => {
      const r = await core.ready();
      for (const m of mounts) {
        if (!m.ready) continue;
        const ok = await m.ready().catch(() => false);
        r.checks[`mount:${m.name}`] = ok;
        r.ok &&= ok;
      }
      return r;
    },
    draining: () => draining,
    leaving: () => leaving,
  });
  let server: Server;
  try {
    server = await listen(app, options.port ?? core.config.port, options.host);
  } catch (e) {
    await core.close();
    throw e;
  }
  const url = serverUrl(server);
  logger.info({ url, mounts: mounts.map((m) => m.name) }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (closeOptions: { graceMs?: number } = {}) => {
    closing ??= (async () => {
      const graceMs = closeOptions.graceMs ?? 0;
      if (graceMs > 0) {
        // The readiness grace: the balancer notices /readyz 503 and stops routing here while every request that
        // still arrives is served; only then does the listener close (no connection reset for a request in flight).
        leaving = true;
        logger.info({ graceMs }, 'shutdown: readiness off, serving during the grace period');
        await new Promise((r) => setTimeout(r, graceMs));
      }
      const deadline = Date.now() + SHUTDOWN_BUDGET_MS;
      draining = true;
      logger.info({ inFlight: core.inFlight() }, 'shutting down');
      const stopped = stopServer(server, Math.max(0, deadline - Date.now() - 500));
      const drained = await core.drained(Math.max(0, deadline - Date.now() - 1_000));
      if (!drained) logger.warn({ inFlight: core.inFlight() }, 'turns still in flight at the shutdown deadline');
      await stopped;
      for (const m of [...mounts].reverse()) {
        await m.close?.().catch((err: unknown) => logger.warn({ err, mount: m.name }, 'mount close failed'));
      }
      await core.close();
      logger.info({}, 'stopped');
    })();
    return closing;
  };
  return { server, url, pipeline: core.pipeline, core, close };
}

/**
 * SIGTERM / SIGINT → graceful close, then exit 0 (1 if closing failed). A second signal or the 10 s guard
 * exits at once: a stuck shutdown must not keep a replica around.
 */
export function exitOnSignals(close: (options?: { graceMs?: number }) => Promise<void>, logger: Logger, graceMs = 0): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'signal received');
    const guard = setTimeout(() => {
      logger.error({}, 'shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 9_500 + graceMs);
    guard.unref();
    close({ graceMs }).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A library promise nobody awaits (e.g. a Slack Socket Mode reconnect whose token was revoked) must not take every
  // conversation down with it: log it; /readyz reports the part that is down, so an orchestrator can replace the pod.
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: reason instanceof Error ? { name: reason.name, message: reason.message } : String(reason) }, 'unhandled promise rejection');
  });
}
