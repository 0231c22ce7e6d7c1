/**
 * The Microsoft Teams channel: POST /api/messages (Bot Framework protocol, CloudAdapter). It only translates —
 * Activity → Turn → pipeline → TurnOutcome → Activities (translate.ts) — plus what only a Bot Framework bot can
 * do: a welcome when it is added, a typing indicator while a turn works, and proactive messages ("your ticket is
 * filed") through a stored conversation reference.
 *
 * Replies are posted to the activity's serviceUrl (the Bot Connector, or the Emulator) while the request is open;
 * the request is answered 200 when they are sent, or after `ackAfterMs` at the latest so Teams (which retries a
 * request unanswered after ~15 s) never redelivers a slow turn — the turn then finishes and replies on its own.
 */
import type { Request, Response } from 'express';
import { ActivityTypes, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Locale, Logger, Reply, Turn } from '../../core/index.js';
import type { I18n, LocaleKey } from '../../i18n/index.js';
import type { Pipeline, PipelineOutcome } from '../../pipeline/types.js';
import type { HttpMount } from '../../http/types.js';
import { sendError } from '../../http/server.js';
import type { KeyValueStore } from '../../state/types.js';
import { createTeamsAdapter, type TeamsAdapter, type TeamsAuthSettings } from './adapter.js';
import type { ReferenceStore } from './references.js';
import type { TeamsDesk } from './desk.js';
import { repliesUndeliveredTotal } from '../../http/metrics.js';
import { KeyedQueue } from '../../core/delivery.js';
import { createRecovery, type Deliver } from '../recover.js';
import { checkSpoolDir, createSpool } from '../spool.js';
import { activityToTurn, botWasAdded, conversationIdOf, isForeignSubmit, localeOf, outcomeToActivities, referenceOf } from './translate.js';

/** Every locale key this channel renders (each must exist in ja and en; test/channels/teams checks). */
export const TEAMS_KEYS = [
  'teams.welcome',
  'teams.api.json_required',
  'teams.api.bad_activity',
  'teams.api.unauthorized',
  'teams.api.unavailable',
  'teams.api.internal',
  'teams.stale_button',
] as const satisfies readonly LocaleKey[];

export interface TeamsChannelOptions {
  settings: TeamsAuthSettings;
  pipeline: Pipeline;
  i18n: I18n;
  /** Locale of the welcome and of HTTP errors when the activity does not tell (DEFAULT_LOCALE). */
  defaultLocale: Locale;
  logger: Logger;
  /** Claims for de-duplicating redelivered welcomes (the pipeline de-duplicates turns itself). */
  kv: Pick<KeyValueStore, 'claim' | 'delete' | 'get' | 'set'>;
  /** Where conversation references are kept for proactive messages (shared across replicas with Redis). */
  references: ReferenceStore;
  /** Clock for Turn.receivedAtMs, ms since epoch. */
  now?: () => number;
  /** Wait before the first typing indicator, ms: fast turns show none. Default 500. */
  typingDelayMs?: number;
  /** Typing indicator repeat while the turn works, ms (Teams shows one for ~3 s). Default 2,500. */
  typingPeriodMs?: number;
  /** Longest the HTTP request is held open, ms; the turn goes on after it. Default 10,000 (Teams allows ~15 s). */
  ackAfterMs?: number;
  /** How long a welcome claim is remembered, seconds. Default 86,400. */
  dedupeTtlSeconds?: number;
  /**
   * The help desk (TEAMS_HELPDESK_CHANNEL): sees every activity first and takes the desk channel's own
   * (button presses, staff replies), which then never reach the pipeline.
   */
  desk?: Pick<TeamsDesk, 'intercept'>;
  /** Waits between the channel's own tries of a turn that failed with the store down or busy, ms (recover.ts). */
  recoveryDelaysMs?: readonly number[];
  /**
   * The recovery spool (RECOVERY_SPOOL_DIR): kept turns on disk with their conversation reference, so a restart or
   * crash of this replica does not lose them (spool.ts). `staleMs` and `scanMs`: tests shorten them.
   */
  recoverySpool?: { dir?: string | undefined; staleMs?: number; scanMs?: number };
}

export interface TeamsChannel extends HttpMount {
  /** False in Emulator mode (no MicrosoftAppId). */
  readonly authenticated: boolean;
  /**
   * Sends replies into a Teams conversation outside a turn (the core's ProactiveSender: "your ticket is filed"),
   * by its mailmedic id (`teams:…`), through the conversation reference stored when the person last wrote —
   * by any replica when references live in Redis. False when no reference is stored; throws when the connector fails.
   */
  sendProactive(conversationId: string, replies: Reply[]): Promise<boolean>;
  /** The bot's turn handler (what the adapter runs per activity); TestAdapter tests drive it directly. */
  handleTurn(context: TurnContext): Promise<void>;
}

/** The fields every activity we act on must carry; anything else gets 400 before it reaches the SDK. */
const accountSchema = z.object({ id: z.string().min(1).max(512) }).loose();
const activitySchema = z
  .object({
    type: z.string().min(1).max(64),
    id: z.string().max(512).optional(),
    channelId: z.string().min(1).max(64),
    serviceUrl: z.url({ protocol: /^https?$/ }),
    conversation: z.object({ id: z.string().min(1).max(400) }).loose(),
    from: accountSchema,
    recipient: accountSchema,
    text: z.string().optional(),
    locale: z.string().max(35).optional(),
    membersAdded: z.array(accountSchema).optional(),
    entities: z.array(z.object({}).loose()).optional(),
  })
  .loose();

function errorStatus(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export function teamsChannel(options: TeamsChannelOptions, built: TeamsAdapter = createTeamsAdapter(options.settings)): TeamsChannel {
  const { pipeline, i18n, defaultLocale, kv, references } = options;
  const log = options.logger.child({ channel: 'teams' });
  const now = options.now ?? Date.now;
  const typingDelayMs = options.typingDelayMs ?? 500;
  const typingPeriodMs = options.typingPeriodMs ?? 2_500;
  const ackAfterMs = options.ackAfterMs ?? 10_000;
  const dedupeTtlSeconds = options.dedupeTtlSeconds ?? 86_400;
  const { adapter, auth, appId, authenticated } = built;
  /** Turns still running after their request was answered; shutdown waits for them. */
  const pending = new Set<Promise<unknown>>();
  // One turn at a time per conversation in this process, so an answer given later (recovery) keeps its place.
  const queue = new KeyedQueue();
  // The Bot Connector does not redeliver an activity answered 200: a turn that failed with Redis down or busy is run
  // again here and its answer posted into the conversation (recover.ts).
  const spoolDir = options.recoverySpool?.dir;
  if (spoolDir) checkSpoolDir(spoolDir);
  /** Posts a later answer through the conversation reference, as a reply to the person's activity `replyTo`. */
  const later = (reference: Partial<ConversationReference>, replyTo: string | undefined): Deliver =>
    async (outcome) => {
      try {
        await adapter.continueConversationAsync(appId, reference, async (context) => {
          // As a reply to the person's message (in its thread in a channel), as the in-turn answer would have been:
          // the continuation activity has an id of its own.
          if (replyTo) {
            context.onSendActivities(async (_c, activities, next) => {
              for (const a of activities) a.replyToId = replyTo;
              return next();
            });
          }
          await context.sendActivities(outcomeToActivities(outcome));
        });
      } catch (e) {
        repliesUndeliveredTotal.inc({ channel: 'teams' });
        throw e;
      }
    };
  /** Claimed by the run that posts a turn's answer (recover.ts `answered`). */
  const postedKey = (turn: Turn) => ({ conversation: turn.conversationId, name: `posted:teams:${(turn.eventId ?? '').slice(0, 256)}` });
  const recovery = createRecovery({
    pipeline,
    i18n,
    logger: log,
    queue,
    channel: 'teams',
    delaysMs: options.recoveryDelaysMs,
    spool: spoolDir ? createSpool({ dir: spoolDir, channel: 'teams', logger: log, staleMs: options.recoverySpool?.staleMs }) : undefined,
    revive: (where) => {
      const w = where as { reference?: Partial<ConversationReference>; replyTo?: unknown } | undefined;
      if (typeof w?.reference?.serviceUrl !== 'string' || typeof w.reference.conversation?.id !== 'string') return undefined;
      return later(w.reference, typeof w.replyTo === 'string' ? w.replyTo : undefined);
    },
    scanMs: options.recoverySpool?.scanMs,
    // Which answers went out, for every replica: Teams redelivers an activity it saw no 200 for (this process stopped
    // mid-answer); the saved answer is then posted once, never twice (lose-36).
    answered: {
      claim: (turn) => kv.claim(postedKey(turn), dedupeTtlSeconds),
      release: (turn) => kv.delete(postedKey(turn)),
      // A claim alone (`true`) is a post under way, or one a stop cut short (lose-37: a turn taken over posts it).
      posted: (turn) => kv.set(postedKey(turn), 'posted', dedupeTtlSeconds),
      unfinished: async (turn) => (await kv.get(postedKey(turn))) === true,
    },
  });

  adapter.onTurnError = async (context, error) => {
    // Reached only when sending to the connector (or a help-desk step) failed: the pipeline itself never throws.
    log.error({ conversation: conversationIdOf(context.activity), err: error instanceof Error ? error.message : String(error) }, 'teams turn failed');
  };

  /** Typing indicators after `typingDelayMs`, every `typingPeriodMs`, until stopped; stop() waits for the one in flight. */
  function startTyping(context: TurnContext): () => Promise<void> {
    let inFlight: Promise<unknown> = Promise.resolve();
    let stopped = false;
    const send = () => {
      if (stopped) return;
      inFlight = context.sendActivity({ type: ActivityTypes.Typing }).catch((e: unknown) => {
        log.debug({ err: e instanceof Error ? e.message : String(e) }, 'typing indicator not sent');
      });
    };
    let interval: NodeJS.Timeout | undefined;
    const begin = () => {
      send();
      interval = setInterval(send, typingPeriodMs);
    };
    // 0 means at once: a timer would only fire after a CPU-bound turn (the NLU) had already finished.
    const first = typingDelayMs > 0 ? setTimeout(begin, typingDelayMs) : undefined;
    if (!first) begin();
    return async () => {
      stopped = true;
      clearTimeout(first);
      if (interval) clearInterval(interval);
      await inFlight;
    };
  }

  async function saveReference(activity: Activity, conversationId: string): Promise<void> {
    try {
      await references.save(conversationId, referenceOf(activity));
    } catch (e) {
      // The turn still gets its answer; only a later "ticket filed" message would be lost.
      log.warn({ conversation: conversationId, err: e instanceof Error ? e.message : String(e) }, 'conversation reference not saved');
    }
  }

  async function onMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    if (isForeignSubmit(activity)) {
      log.info({ conversation: conversationIdOf(activity) }, 'card submit that is not ours: told the person to type');
      const text = i18n.t('teams.stale_button', undefined, localeOf(activity) ?? defaultLocale);
      await context.sendActivity({ type: ActivityTypes.Message, text, textFormat: 'plain' });
      return;
    }
    const turn = activityToTurn(activity, now());
    await saveReference(activity, turn.conversationId);
    const reference = referenceOf(activity);
    let live = true;
    // While the request's turn runs, its own context answers; a kept turn answered later goes through the reference.
    const afterwards = later(reference, activity.id);
    const deliver = async (outcome: PipelineOutcome) => {
      if (!live) {
        await afterwards(outcome);
        return;
      }
      await stopTyping();
      try {
        // The Bot Connector client retries 429 and 5xx itself (botframework-connector's retry policy).
        await context.sendActivities(outcomeToActivities(outcome));
      } catch (e) {
        // The Bot Connector down (5xx, 429 or no answer, after its client's own retries): thrown, so the recovery keeps
        // the answer and posts it later through the conversation reference, once (lose-35).
        const status = (e as { statusCode?: unknown }).statusCode;
        if (typeof status !== 'number' || status >= 500 || status === 429) throw e;
        // Refused for good (403: the bot was removed). The turn is saved, so a redelivery of this activity is a
        // duplicate with no reply: say so loudly, never silently.
        repliesUndeliveredTotal.inc({ channel: 'teams' });
        log.error({ conversation: turn.conversationId, err: e instanceof Error ? e.message.split('\n')[0] : String(e) }, 'teams reply not delivered');
      }
    };
    const stopTyping = startTyping(context);
    try {
      // Duplicates (a redelivered activity) get no second reply; a failure the turn can get past is kept and retried.
      // `where`: what a later start needs to post the answer (spooled with the turn when it is kept).
      await queue.run(turn.conversationId, () => recovery.run(turn, deliver, { reference, ...(activity.id ? { replyTo: activity.id } : {}) }));
    } finally {
      live = false;
      await stopTyping();
    }
  }

  async function onConversationUpdate(context: TurnContext): Promise<void> {
    const activity = context.activity;
    if (!botWasAdded(activity)) return;
    const conversationId = conversationIdOf(activity);
    await saveReference(activity, conversationId);
    if (activity.id) {
      const first = await kv.claim({ conversation: conversationId, name: `seen:teams:welcome:${activity.id.slice(0, 256)}` }, dedupeTtlSeconds);
      if (!first) return;
    }
    const locale = localeOf(activity) ?? defaultLocale;
    await context.sendActivity({ type: ActivityTypes.Message, text: i18n.t('teams.welcome', undefined, locale), textFormat: 'markdown' });
  }

  async function logic(context: TurnContext): Promise<void> {
    if (options.desk && (await options.desk.intercept(context))) return;
    switch (context.activity.type) {
      case ActivityTypes.Message:
        return onMessage(context);
      case ActivityTypes.ConversationUpdate:
        return onConversationUpdate(context);
      default:
        // installationUpdate, messageReaction, typing, invoke …: nothing to say.
        log.debug({ type: context.activity.type }, 'activity ignored');
    }
  }

  async function messages(req: Request, res: Response): Promise<void> {
    const body: unknown = req.body;
    if (body === undefined) {
      sendError(res, 415, i18n.t('teams.api.json_required', undefined, defaultLocale));
      return;
    }
    const parsed = activitySchema.safeParse(body);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join('.') || '(body)').slice(0, 5);
      log.info({ fields: where }, 'malformed activity refused');
      sendError(res, 400, i18n.t('teams.api.bad_activity', undefined, defaultLocale));
      return;
    }
    const activity = parsed.data as unknown as Activity;
    const locale = localeOf(activity) ?? defaultLocale;

    let authResult;
    try {
      authResult = await auth.authenticateRequest(activity, String(req.headers.authorization ?? ''));
    } catch (e) {
      const status = errorStatus(e);
      if (status !== undefined && status >= 400 && status < 500) {
        log.info({ status, reason: e instanceof Error ? e.message : String(e) }, 'teams request not authenticated');
        sendError(res, 401, i18n.t('teams.api.unauthorized', undefined, locale));
      } else {
        // Signing keys could not be fetched (network …): the channel retries a 503.
        log.warn({ err: e instanceof Error ? e.message : String(e) }, 'teams authentication unavailable');
        sendError(res, 503, i18n.t('teams.api.unavailable', undefined, locale));
      }
      return;
    }

    // An Action.Execute (Universal Actions) of a card that is not ours — our cards use Action.Submit: Teams shows the
    // invoke response's message on the card, so the person reads what a foreign Action.Submit gets (isForeignSubmit).
    if (activity.type === ActivityTypes.Invoke && activity.name === 'adaptiveCard/action') {
      log.info({ conversation: conversationIdOf(activity) }, 'card action that is not ours: told the person to type');
      res.status(200).json({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: i18n.t('teams.stale_button', undefined, locale) });
      return;
    }

    const work = adapter.processActivityDirect(authResult, activity, logic);
    pending.add(work);
    const settled = work.then(
      () => 'done' as const,
      (e: unknown) => {
        log.error({ err: e instanceof Error ? e.message.split('\n')[0] : String(e) }, 'teams activity failed');
        return 'failed' as const;
      },
    );
    void settled.finally(() => pending.delete(work));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ackAfterMs);
    });
    const result = await Promise.race([settled, deadline]);
    clearTimeout(timer);
    if (result === 'timeout') log.warn({ ackAfterMs, conversation: conversationIdOf(activity) }, 'slow turn: answered the request, replies follow');
    if (result === 'failed') {
      sendError(res, 500, i18n.t('teams.api.internal', undefined, locale));
      return;
    }
    res.status(200).end();
  }

  async function sendProactive(conversationId: string, replies: Reply[]): Promise<boolean> {
    const reference = (await references.get(conversationId)) as Partial<ConversationReference> | undefined;
    if (!reference?.serviceUrl || !reference.conversation || replies.length === 0) return false;
    await adapter.continueConversationAsync(appId, reference, async (context) => {
      await context.sendActivities(outcomeToActivities({ replies }));
    });
    log.info({ conversation: conversationId, messages: replies.length }, 'proactive message sent');
    return true;
  }

  if (authenticated) {
    log.info({ appId, appType: options.settings.MicrosoftAppType ?? 'MultiTenant' }, 'Teams endpoint POST /api/messages: Bot Framework authentication on');
  } else {
    log.warn(
      {},
      'Teams endpoint POST /api/messages in Emulator mode: MicrosoftAppId is not set, requests are NOT authenticated (development only; refused when NODE_ENV=production)',
    );
  }

  return {
    name: 'teams',
    authenticated,
    mount(app) {
      app.post('/api/messages', messages);
    },
    async close() {
      await recovery.close();
      // Turns answered early (slow ones) still post their replies: let them finish.
      await Promise.allSettled([...pending]);
    },
    sendProactive,
    handleTurn: logic,
  };
}
