/**
 * The composition root — the only file that wires everything:
 *   config → logger → content (locales, dialogs) → NLU → stores → pipeline → channels (mounts) → HTTP server.
 * `createCore` builds everything but the HTTP server (the terminal chat uses it); `startApp` adds the server.
 * Channels added later (Slack, Teams, /admin …) join by one line in MOUNTS below.
 */
import type { Server } from 'node:http';
import { loadConfig, type Config } from './config/index.js';
import { CodedError, ErrorCode, type Logger, type Turn } from './core/index.js';
import { formatProblem, loadDialogs, loadLocales } from './data/load.js';
import type { DialogTree } from './data/schemas.js';
import { createI18n, type I18n } from './i18n/index.js';
import { createLogger, type AppLogger } from './log.js';
import { createNlu } from './nlu/index.js';
import { createPipeline } from './pipeline/pipeline.js';
import type { Pipeline, PipelineOutcome, TicketHandler, TurnObserver } from './pipeline/types.js';
import { createStores, type CreateStoresOptions } from './state/stores.js';
import type { Stores } from './state/types.js';
import type { Nlu } from './core/index.js';
import type { HttpMount } from './http/types.js';
import { metricsObserver, redisErrorsTotal, turnsInFlight, watchOutbox } from './http/metrics.js';
import { createHttpApp, listen, serverUrl, stopServer, type Readiness } from './http/server.js';
import { webChannelMount } from './channels/web/index.js';
import { teamsMount } from './channels/teams/index.js';
import { createTicketHandler, fanOutNotifier, type HandoffService, type Notifier } from './handoff/index.js';
import { slackMount } from './channels/slack/index.js';
import { createTakeover, type Takeover } from './pipeline/takeover.js';
import { createTranscriptObserver, createTranscriptStore, recordHeldTurns, type TranscriptStore } from './transcripts/index.js';
import { adminMount } from './admin/mount.js';
import type { ChannelName, Locale, Reply, Ticket } from './core/index.js';

/**
 * Sends bot messages into a conversation outside a turn (ticket delivered, staff relay …). Each channel that can
 * do so registers one for its ChannelName; returns false when the message could not be sent.
 */
export type ProactiveSender = (conversationId: string, replies: Reply[]) => Promise<boolean>;

/** Everything a channel may need, built once per process. */
export interface Core {
  config: Config;
  logger: AppLogger;
  i18n: I18n;
  tree: DialogTree;
  nlu: Nlu;
  stores: Stores;
  /** The turn pipeline, counting turns in flight for graceful shutdown. */
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
  /** A channel that can send outside a turn registers here (Slack, Teams, web); used to tell people about their ticket. */
  registerSender(channel: ChannelName, sender: ProactiveSender): void;
  /** Sends replies into a conversation through its channel's sender; false when none is registered or it failed. */
  sendProactive(channel: ChannelName, conversationId: string, replies: Reply[]): Promise<boolean>;
  /** A help-desk notifier (Slack channel, Teams channel) joins here; every escalation event reaches all of them. */
  addNotifier(notifier: Notifier): void;
  /** Staff take-over: the hold store and the relay the help desk registers; the pipeline honours it. */
  takeover: Takeover;
  /** Every turn, redacted (memory, or Redis streams when configured): the /admin review page reads it. */
  transcripts: TranscriptStore;
}

/** A channel or page joining the HTTP server, built from the core. */
export type MountFactory = (core: Core) => HttpMount;

/**
 * The HTTP mounts, in order. Add a channel here with one line, e.g. `(core) => slackMount(core),`.
 * The web chat (GET /, POST /api/chat, POST|GET /api/chat/messages) is always on.
 */
export const MOUNTS: MountFactory[] = [
  // Web chat: the page, the REST turn, and its proactive sender (messages wait in a mailbox the page polls).
  (core) => webChannelMount(core),
  // Slack: POST /slack/events (or Socket Mode), the help-desk channel and staff take-over; off without SLACK_BOT_TOKEN.
  (core) => slackMount(core),
  // Teams / Bot Framework: POST /api/messages (Emulator mode without MicrosoftAppId), proactive "ticket filed" messages.
  (core) => teamsMount(core),
  // /admin: transcript review, analytics, annotations, failed tickets; off (404) without ADMIN_TOKEN.
  (core) =>
    adminMount({
      token: core.config.env.ADMIN_TOKEN,
      store: core.transcripts,
      i18n: core.i18n,
      defaultLocale: core.config.defaultLocale,
      logger: core.logger,
      tree: core.tree,
      deadLetters: () => core.handoff.deadLetters,
      ticketUrl: async (id) => (await core.handoff.status(id))?.url,
      publicUrl: core.config.publicUrl,
    }),
];

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

/** How long a shutdown may take in total before the rest is cut (the process must exit within 10 s). */
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

/** Wraps the pipeline so shutdown can wait for the turns it already accepted. */
function countInFlight(pipeline: Pipeline) {
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const wrapped: Pipeline = {
    async handle(turn: Turn): Promise<PipelineOutcome> {
      inFlight++;
      turnsInFlight.inc();
      try {
        return await pipeline.handle(turn);
      } finally {
        inFlight--;
        turnsInFlight.dec();
        if (inFlight === 0) {
          const w = waiters;
          waiters = [];
          for (const resolve of w) resolve();
        }
      }
    },
  };
  const drained = (timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (inFlight === 0) {
        resolve(true);
        return;
      }
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  return { pipeline: wrapped, inFlight: () => inFlight, drained };
}

/**
 * Builds config, content, NLU, stores and the pipeline. Throws CodedError(ConfigInvalid) naming the bad variable,
 * or CodedError(DataInvalid) listing the content problems — the caller prints it and exits 1.
 */
export async function createCore(options: CoreOptions = {}): Promise<Core> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger({ level: config.env.LOG_LEVEL });
  const { i18n, tree } = loadContent();
  const startedMs = Date.now();
  const nlu = await createNlu({ logger });
  logger.info({ ms: Date.now() - startedMs }, 'nlu loaded');

  const stores = createStores(config, logger, {
    prefix: config.env.REDIS_KEY_PREFIX,
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

  const closers: Array<() => Promise<void>> = [];
  const senders = new Map<ChannelName, ProactiveSender>();
  const notifiers: Notifier[] = [];
  const sendProactive = async (channel: ChannelName, conversationId: string, replies: Reply[]): Promise<boolean> => {
    const send = senders.get(channel);
    if (!send) return false;
    try {
      return await send(conversationId, replies);
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
    redis: stores.redis?.client,
    redisPrefix: stores.redis?.keys.prefix,
    notifier: { notify: (event) => fanOutNotifier(notifiers).notify(event) },
    // The person gets the ticket system's own number (#123, ITSM-42), never an agent-only URL or, for the file
    // sink, a path on the server.
    onDelivered: (ticket, externalRef) =>
      tellRequester(ticket, 'handoff.user.delivered', { id: ticket.id, ref: config.env.TICKET_SINK === 'file' ? ticket.id : externalRef }),
    onFailed: (ticket) => tellRequester(ticket, 'handoff.user.failed', { id: ticket.id }),
  });
  await handoff.start();
  const unwatchOutbox = watchOutbox(handoff);
  closers.push(async () => {
    unwatchOutbox();
    await handoff.stop();
  });

  // Extra observers (transcripts …) join here as they are built.
  const tickets: TicketHandler = handoff;
  // Transcripts: recorded off the reply path (queued), redacted, flushed before the stores close.
  const transcripts = createTranscriptStore(config, stores, logger);
  const transcriptObserver = createTranscriptObserver(transcripts, { logger });
  closers.push(async () => {
    await transcriptObserver.flush(2_000);
  });
  const observers: TurnObserver[] = [metricsObserver, transcriptObserver];

  // While help-desk staff hold a conversation its turns are relayed to them instead of answered (any channel).
  const takeover = createTakeover({ redis: stores.redis, dedupe: stores.dedupe, ttlSeconds: config.stateTtlSeconds, send: sendProactive, logger });
  const counted = countInFlight(
    recordHeldTurns(takeover.wrap(createPipeline({
      nlu,
      tree,
      i18n,
      store: stores.store,
      dedupe: stores.dedupe,
      ticketIds: stores.ticketIds,
      tickets,
      observers,
      logger,
      publicUrl: config.publicUrl,
      defaultLocale: config.defaultLocale,
      stateTtlSeconds: config.stateTtlSeconds,
    })), { takeover: takeover.store, observer: transcriptObserver, logger }),
  );

  let closed: Promise<void> | undefined;
  const core: Core = {
    config,
    logger,
    i18n,
    tree,
    nlu,
    stores,
    pipeline: counted.pipeline,
    handoff,
    takeover,
    transcripts,
    registerSender(channel, sender) {
      senders.set(channel, sender);
    },
    sendProactive,
    addNotifier(notifier) {
      notifiers.push(notifier);
    },
    inFlight: counted.inFlight,
    drained: counted.drained,
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
  return core;
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
  close(): Promise<void>;
}

/** Builds the core and starts the one HTTP server. */
export async function startApp(options: StartOptions = {}): Promise<App> {
  const core = await createCore(options);
  const { logger } = core;
  let draining = false;
  const mounts = (options.mounts ?? MOUNTS).map((make) => make(core));
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
  const close = () => {
    closing ??= (async () => {
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
export function exitOnSignals(close: () => Promise<void>, logger: Logger): void {
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
    }, 9_500);
    guard.unref();
    close().then(
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
