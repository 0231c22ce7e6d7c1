/**
 * The Slack channel: bolt 5 on the one HTTP server (POST /slack/events for events, clicks and /mailmedic), or
 * Socket Mode when SLACK_APP_TOKEN is set. It only translates — a Slack event into a Turn, an outcome into Block Kit
 * messages — and leaves state, NLU and de-duplication (on the Slack event_id, in the shared store) to the pipeline.
 *
 * Conversations: a DM is one conversation (a thread inside it is its own); a mention in a channel is answered in
 * its thread and the thread is the conversation. Bot messages, edits/deletions and our own posts are ignored.
 */
import express from 'express';
import { App, ExpressReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger, type webApi } from '@slack/bolt';
import type { Config } from '../../config/index.js';
import type { Locale, Logger, Reply, Turn } from '../../core/index.js';
import type { HelpDesk, HelpDeskOptions } from '../../helpdesk/desk.js';
import type { I18n, LocaleKey } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';
import type { KeyValueStore } from '../../state/types.js';
import { createRecovery } from '../recover.js';
import { checkSpoolDir, createSpool } from '../spool.js';
import type { ChannelParts } from '../types.js';
import { DEFAULT_RETRY, KeyedQueue, slackCall, slackFailure, type RetryPolicy } from './delivery.js';
import { createDirectory } from './directory.js';
import { createSlackDesk } from './desk.js';
import { conversationIdOf, mentions, placeOf, stripMentions, unescapeSlack, type SlackPlace } from './ids.js';
import { answeredMessage, CHOICE_ACTION, HANDBACK_ACTION, parseChoiceBlockId, renderTurn, scriptLocale, TAKEOVER_ACTION, type Block } from './render.js';
import { slackVerifier } from './verify.js';

type WebClient = webApi.WebClient;

/** Every locale key the Slack channel renders itself (ja and en must both have them). */
export const SLACK_KEYS = ['slack.command.ack', 'slack.command.welcome', 'slack.chosen', 'slack.stale_button'] as const satisfies readonly LocaleKey[];

/** What the Slack channel needs from the composition root (structural, so this folder imports no main.ts). */
export interface SlackChannelDeps {
  config: Config;
  pipeline: Pipeline;
  i18n: I18n;
  logger: Logger;
  /** One-off claims (redelivered desk events). */
  kv: KeyValueStore;
  /** The help desk's take-over state (also: is a channel thread's conversation held?) and the way to reach a person. */
  holds: HelpDeskOptions['holds'];
  tellPerson: HelpDeskOptions['tellPerson'];
  recordHold?: HelpDeskOptions['recordHold'];
}

export interface SlackMountOptions {
  retry?: RetryPolicy;
  /** Clock for Turn.receivedAtMs and the signature's time check, ms since epoch. */
  now?: () => number;
  /** Waits between the channel's own tries of a turn that failed with the store down or busy, ms (recover.ts). */
  recoveryDelaysMs?: readonly number[];
  /** The recovery spool's staleness (a file untouched this long is a stopped replica's) and scan period, ms (spool.ts). */
  recoverySpool?: { staleMs?: number; scanMs?: number };
}

/** WebClient options shared by the app and the help-desk notifier. Retries are ours (delivery.ts), not the client's. */
export function slackClientOptions(config: Config, logger: BoltLogger): webApi.WebClientOptions {
  return {
    slackApiUrl: config.env.SLACK_API_URL,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    // One call must not hang a conversation's queue forever.
    timeout: 15_000,
    logger,
  };
}

/**
 * WebClient options for the Socket Mode connection (apps.connections.open with the app-level token). Not
 * slackClientOptions: the connection must keep socket-mode's own retries (no `retries: 0`), or one 5xx or network
 * error while reconnecting after Slack's routine `disconnect` leaves the app without a socket (an unhandled rejection
 * inside socket-mode).
 */
export function socketClientOptions(config: Config): Omit<webApi.WebClientOptions, 'logger' | 'logLevel'> {
  return {
    ...(config.env.SLACK_API_URL ? { slackApiUrl: config.env.SLACK_API_URL } : {}),
    // One attempt must not hang forever; socket-mode retries after it.
    timeout: 15_000,
  };
}

/** bolt's Logger over ours. bolt is chatty at info; its lines go to debug except warnings and errors. */
export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ component: 'bolt' });
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => log.debug({}, text(msg)),
    info: (...msg: unknown[]) => log.debug({}, text(msg)),
    warn: (...msg: unknown[]) => log.warn({}, text(msg)),
    error: (...msg: unknown[]) => log.error({}, text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** How long the claim of a posted answer is remembered (recover.ts `answered`), seconds: the pipeline's own dedupe window. */
const POSTED_TTL_SECONDS = 86_400;
/** What the claim says once the post went out (a claim alone is `true`: a post under way, or cut short by a stop). */
const POSTED = 'posted';
/** Claimed by the run that posts a turn's answer (recover.ts `answered`). */
const postedKey = (turn: Turn) => ({ conversation: turn.conversationId, name: `posted:slack:${(turn.eventId ?? '').slice(0, 256)}` });

/** The place a kept turn was spooled with (team, channel, thread ts); undefined when it is not one. */
function placeOfSpooled(where: unknown): SlackPlace | undefined {
  const w = where as Partial<SlackPlace> | undefined;
  if (typeof w?.team !== 'string' || typeof w.channel !== 'string' || w.team === '' || w.channel === '') return undefined;
  return typeof w.threadTs === 'string' && w.threadTs !== '' ? { team: w.team, channel: w.channel, threadTs: w.threadTs } : { team: w.team, channel: w.channel };
}

/** Loose shapes of the Slack payload fields we read (bolt's unions are wider than what we need). */
interface MessageEvent {
  type: string;
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  /** A file share's files (a screenshot of the error …): only counted, the bot reads text. */
  files?: unknown[];
  ts: string;
  thread_ts?: string;
  channel: string;
  channel_type?: string;
  team?: string;
}

const USER_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/**
 * The Slack channel's parts: the mount of the HTTP server (an inert mount, with one log line, when Slack is not
 * configured), the proactive sender, and the help desk with SLACK_HELPDESK_CHANNEL.
 */
export function slackMount(deps: SlackChannelDeps, options: SlackMountOptions = {}): ChannelParts {
  const { config, pipeline, i18n, holds } = deps;
  const env = config.env;
  const log = deps.logger.child({ channel: 'slack' });
  const now = options.now ?? Date.now;
  const retry = options.retry ?? DEFAULT_RETRY;

  if (!env.SLACK_BOT_TOKEN) {
    log.info({}, 'slack channel off (SLACK_BOT_TOKEN not set)');
    return { mount: { name: 'slack', mount() {} } };
  }
  // Before anything starts talking to Slack: a spool folder that cannot be written stops start-up, naming it.
  const spoolDir = env.RECOVERY_SPOOL_DIR;
  if (spoolDir) checkSpoolDir(spoolDir);
  const socketMode = env.SLACK_APP_TOKEN !== undefined;
  const bLogger = boltLogger(log);
  const clientOptions = slackClientOptions(config, bLogger);
  const router = express.Router();
  // Our own receiver in Socket Mode, so readiness can follow the connection (see socketUp below).
  const socketReceiver = socketMode
    ? new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN!, logger: bLogger, installerOptions: { clientOptions: socketClientOptions(config) } })
    : undefined;
  const receiver = socketMode
    ? socketReceiver
    : new ExpressReceiver({
        signingSecret: env.SLACK_SIGNING_SECRET ?? '',
        router,
        endpoints: '/slack/events',
        // Ack first (the HTTP response goes out at once), then the pipeline and the posts.
        processBeforeResponse: false,
        logger: bLogger,
      });
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    ...(socketMode ? { socketMode: true } : {}),
    receiver,
    clientOptions,
    logger: bLogger,
  });
  const client: WebClient = app.client;
  const directory = createDirectory(client, log);
  const queue = new KeyedQueue();
  // Slack does not redeliver an acked event: a turn that failed with Redis down or busy is run again here, and its
  // answer posted in the same place (recover.ts).
  // With RECOVERY_SPOOL_DIR the kept turns are also on disk (masked), with their place: a restart or crash of this
  // replica does not lose them (spool.ts).
  const recovery = createRecovery({
    pipeline,
    i18n,
    logger: log,
    queue,
    channel: 'slack',
    delaysMs: options.recoveryDelaysMs,
    spool: spoolDir ? createSpool({ dir: spoolDir, channel: 'slack', logger: log, staleMs: options.recoverySpool?.staleMs }) : undefined,
    revive: (where) => {
      const place = placeOfSpooled(where);
      return place ? (outcome) => postAnswer(conversationIdOf(place), place, outcome) : undefined;
    },
    scanMs: options.recoverySpool?.scanMs,
    // Which answers went out, for every replica: a turn journaled in the spool whose process stopped mid-answer is run
    // again by the next start — the saved answer is then posted once, never twice (lose-37; Teams since lose-36).
    answered: {
      claim: (turn) => deps.kv.claim(postedKey(turn), POSTED_TTL_SECONDS),
      release: (turn) => deps.kv.delete(postedKey(turn)),
      posted: (turn) => deps.kv.set(postedKey(turn), POSTED, POSTED_TTL_SECONDS),
      unfinished: async (turn) => (await deps.kv.get(postedKey(turn))) === true,
    },
  });
  const desk: HelpDesk | undefined = env.SLACK_HELPDESK_CHANNEL
    ? createSlackDesk({
        client,
        i18n,
        logger: log,
        holds,
        kv: deps.kv,
        tellPerson: deps.tellPerson,
        ...(deps.recordHold ? { recordHold: deps.recordHold } : {}),
        channel: env.SLACK_HELPDESK_CHANNEL,
        locale: config.defaultLocale,
        retry,
      })
    : undefined;

  const post = (conversationId: string, place: SlackPlace, message: { text: string; blocks: Block[] }, keys: string[]) =>
    slackCall(
      'chat.postMessage',
      () =>
        client.chat.postMessage({
          channel: place.channel,
          text: message.text,
          blocks: message.blocks as never,
          // The locale key travels as message metadata: other apps and tests can tell replies apart without the wording.
          // `key` is the turn's last reply (the question or step on screen), `keys` every reply's key, space-separated.
          metadata: { event_type: 'mailmedic_reply', event_payload: { key: keys[keys.length - 1] ?? '', keys: keys.join(' ') } },
          ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
        }),
      log,
      { conversation: conversationId },
      retry,
    );

  /**
   * Posts replies as ONE message (sections, then the buttons); a failure is logged by withRetry. True when every
   * message was posted: ticket news and staff's words that Slack did not take are reported, never counted as told
   * (the desk then tells staff the person could not be reached; lose-36).
   */
  async function postReplies(conversationId: string, place: SlackPlace, replies: Reply[], offer: string | undefined): Promise<boolean> {
    const keys = replies.map((r) => r.key);
    let all = true;
    for (const message of renderTurn(replies, offer, place.threadTs)) {
      await post(conversationId, place, message, keys).catch(() => (all = false));
    }
    return all;
  }

  /** How many of an answer's messages are posted already (an answer posted again after a failure skips them). */
  const postedOf = new WeakMap<object, number>();
  /**
   * Posts a turn's answer for the recovery (recover.ts `Deliver`): throws when a message could not be posted for a
   * reason that may pass (Slack down, 5xx, still rate limited after our own retries), so the answer is kept and posted
   * later — once: the messages already posted are not posted again (lose-35). A permanent refusal (channel_not_found,
   * not_in_channel) is logged by slackCall and skipped, as before.
   */
  async function postAnswer(conversationId: string, place: SlackPlace, outcome: { replies: Reply[]; offer?: string | undefined }) {
    const keys = outcome.replies.map((r) => r.key);
    const messages = renderTurn(outcome.replies, outcome.offer, place.threadTs);
    for (let i = postedOf.get(outcome) ?? 0; i < messages.length; i++) {
      try {
        await post(conversationId, place, messages[i]!, keys);
      } catch (e) {
        if (slackFailure(e).kind !== 'permanent') throw e;
      }
      postedOf.set(outcome, i + 1);
    }
  }

  // Ticket news and staff replies reach a Slack person here, queued with the bot's own posts to that conversation.
  const send = async (conversationId: string, replies: Reply[]) => {
    const place = placeOf(conversationId);
    if (!place) return false;
    return queue.run(conversationId, () => postReplies(conversationId, place, replies, undefined));
  };

  /** One user turn: look-ups, the pipeline, the replies — in the conversation's queue, so replies keep their order. */
  function runTurn(place: SlackPlace, user: string, input: Pick<Turn, 'text' | 'attachments' | 'files' | 'action' | 'nonce' | 'eventId'>, linkTs: string) {
    const conversationId = conversationIdOf(place);
    return queue.run(conversationId, async () => {
      const [profile, permalink] = await Promise.all([directory.profile(user), directory.permalink(conversationId, place.channel, linkTs)]);
      const turn: Turn = { conversationId, channel: 'slack', userId: user, ...input, receivedAtMs: now() };
      if (profile.name) turn.userName = profile.name;
      if (profile.locale) turn.locale = profile.locale;
      if (permalink) turn.permalink = permalink;
      // Duplicates (a redelivered event) are not answered again; a failure the turn can get past is kept and retried.
      await recovery.run(turn, (outcome) => postAnswer(conversationId, place, outcome), {
        team: place.team,
        channel: place.channel,
        ...(place.threadTs ? { threadTs: place.threadTs } : {}),
      });
    });
  }

  const nonEmpty = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  /**
   * The files shared with a message (a screenshot of the error): counted so a message of files alone is answered as
   * such, and named (file name, media type) so staff holding the conversation see what was sent.
   */
  const filesOf = (e: MessageEvent): Pick<Turn, 'attachments' | 'files'> => {
    const list = Array.isArray(e.files) ? e.files : [];
    if (list.length === 0) return { attachments: 0 };
    const files = list.map((f) => {
      const x = (f ?? {}) as { name?: unknown; title?: unknown; mimetype?: unknown; filetype?: unknown };
      const name = nonEmpty(x.name) ?? nonEmpty(x.title);
      const type = nonEmpty(x.mimetype) ?? nonEmpty(x.filetype);
      return { ...(name ? { name } : {}), ...(type ? { type } : {}) };
    });
    return { attachments: list.length, files };
  };

  /**
   * The event as we read it: a `text` that is not a string (Slack never sends one; a proxy or a replay tool might) is
   * no text, so the message is answered as empty rather than failing the listener and going unanswered (rob-25).
   */
  const messageEventOf = (event: unknown): MessageEvent => {
    const e = event as MessageEvent;
    if (e.text === undefined || typeof e.text === 'string') return e;
    const { text: _notText, ...rest } = e;
    return rest;
  };

  /**
   * The delivery id of a person's message: its channel and `ts` (one message, however Slack delivers it), else the
   * event_id. Slack has been seen to send one message several times with a new event_id each time and no retry
   * header (slackapi/node-slack-sdk#2141); keyed on the message, those are duplicates, not new turns (lose-33).
   */
  const messageIdOf = (e: MessageEvent, body: unknown): string | undefined =>
    typeof e.ts === 'string' && e.ts !== '' && typeof e.channel === 'string' ? `msg:${e.channel}:${e.ts}` : (body as { event_id?: string }).event_id;

  const isUserMessage = (e: MessageEvent, botUserId: string | undefined) =>
    USER_SUBTYPES.has(e.subtype) && !e.bot_id && !!e.user && e.user !== botUserId;

  app.event('message', async ({ event, body, context }) => {
    const e = messageEventOf(event);
    if (!isUserMessage(e, context.botUserId)) return;
    const team = context.teamId ?? (body as { team_id?: string }).team_id ?? e.team ?? 'T';
    const eventId = messageIdOf(e, body);
    const text = unescapeSlack(e.text ?? '');
    if (e.channel_type === 'im') {
      await runTurn({ team, channel: e.channel, threadTs: e.thread_ts }, e.user!, { text, ...filesOf(e), eventId }, e.thread_ts ?? e.ts);
      return;
    }
    // Channel messages: a mention is app_mention's; a thread reply matters only in a help-desk thread or in a
    // conversation staff hold (the person may answer them without mentioning the bot).
    if (!e.thread_ts || mentions(e.text, context.botUserId)) return;
    if (desk) {
      const staff = { id: e.user!, name: (await directory.profile(e.user!)).name };
      if (await desk.staffMessage({ thread: { channel: e.channel, thread: e.thread_ts }, staff, text, ...(eventId ? { eventId } : {}) })) return;
    }
    const place = { team, channel: e.channel, threadTs: e.thread_ts };
    if (await holds.get(conversationIdOf(place)).catch(() => undefined)) await runTurn(place, e.user!, { text, ...filesOf(e), eventId }, e.thread_ts);
  });

  app.event('app_mention', async ({ event, body, context }) => {
    const e = messageEventOf(event);
    if (!isUserMessage(e, context.botUserId)) return;
    const team = context.teamId ?? (body as { team_id?: string }).team_id ?? e.team ?? 'T';
    const eventId = messageIdOf(e, body);
    const text = stripMentions(unescapeSlack(e.text ?? ''));
    const threadTs = e.thread_ts ?? e.ts;
    if (desk && e.thread_ts) {
      const staff = { id: e.user!, name: (await directory.profile(e.user!)).name };
      if (await desk.staffMessage({ thread: { channel: e.channel, thread: e.thread_ts }, staff, text, ...(eventId ? { eventId } : {}) })) return;
    }
    await runTurn({ team, channel: e.channel, threadTs }, e.user!, { text, ...filesOf(e), eventId }, threadTs);
  });

  app.command('/mailmedic', async ({ command, ack }) => {
    const profile = await Promise.race([directory.profile(command.user_id), new Promise<{ locale?: Locale }>((r) => setTimeout(() => r({}), 1_000))]);
    const locale = profile.locale ?? config.defaultLocale;
    await ack({ response_type: 'ephemeral', text: i18n.t('slack.command.ack', undefined, locale) });
    // The conversation goes on in the person's DM with the bot: mail problems are personal, and a DM needs no mention.
    const opened = await slackCall('conversations.open', () => client.conversations.open({ users: command.user_id }), log, {}, retry).catch(() => undefined);
    const channel = opened?.channel?.id;
    if (!channel) return;
    const place: SlackPlace = { team: command.team_id, channel };
    const text = command.text.trim();
    if (text !== '') {
      await runTurn(place, command.user_id, { text: unescapeSlack(text), eventId: `cmd:${command.trigger_id}` }, '');
      return;
    }
    const welcome = i18n.t('slack.command.welcome', undefined, locale);
    await queue.run(conversationIdOf(place), () => postReplies(conversationIdOf(place), place, [{ key: 'slack.command.welcome', text: welcome }], undefined));
  });

  /** The fields of a block_actions payload we read. */
  type ClickBody = {
    user: { id: string; team_id?: string };
    team?: { id: string } | null;
    channel?: { id: string };
    message?: { ts: string; text?: string; thread_ts?: string; blocks?: Block[] };
  };

  /**
   * A click we cannot take (a button of an older version of the app or of another app in the same message, a choice
   * whose block id is not ours): the click was acked, and only the person who clicked is told, where they clicked
   * (ephemeral, in the thread if any), in their language, to type instead. Nothing reaches the pipeline.
   */
  async function staleClick(b: ClickBody, a: { action_id?: string; block_id?: string }): Promise<void> {
    log.info({ action_id: a.action_id, block_id: a.block_id, channel: b.channel?.id }, 'click on a button that is not ours: told the person to type');
    if (!b.channel) return;
    const channel = b.channel.id;
    const locale = (await directory.profile(b.user.id)).locale ?? (b.message?.text ? scriptLocale(b.message.text) : config.defaultLocale);
    const threadTs = b.message?.thread_ts;
    await slackCall(
      'chat.postEphemeral',
      () => client.chat.postEphemeral({ channel, user: b.user.id, text: i18n.t('slack.stale_button', undefined, locale), ...(threadTs ? { thread_ts: threadTs } : {}) }),
      log,
      {},
      retry,
    ).catch(() => undefined);
  }

  app.action(CHOICE_ACTION, async ({ ack, body, action }) => {
    await ack();
    const b = body as unknown as ClickBody;
    const a = action as unknown as { action_id?: string; value?: string; block_id?: string; text?: { text?: string } };
    const meta = parseChoiceBlockId(a.block_id);
    if (!meta || !a.value) {
      await staleClick(b, a);
      return;
    }
    if (!b.channel || !b.message) return;
    const place: SlackPlace = { team: b.team?.id ?? b.user.team_id ?? 'T', channel: b.channel.id, threadTs: meta.threadTs };
    const conversationId = conversationIdOf(place);
    const message = b.message;
    // Buttons off first, so the same set cannot be clicked again (the nonce refuses it anyway).
    const chosen = answeredMessage(message, i18n.t('slack.chosen', { label: a.text?.text ?? a.value }, meta.locale));
    void slackCall('chat.update', () => client.chat.update({ channel: place.channel, ts: message.ts, text: chosen.text, blocks: chosen.blocks as never }), log, { conversation: conversationId }, retry).catch(() => undefined);
    // One click per set of buttons: a redelivered or double click of the same message is the same event.
    await runTurn(place, b.user.id, { action: a.value, nonce: meta.nonce, eventId: `act:${message.ts}:${meta.nonce ?? ''}` }, meta.threadTs ?? message.ts);
  });

  const deskClick = async (args: { ack: () => Promise<void>; body: unknown; action?: unknown }, kind: 'take' | 'back') => {
    await args.ack();
    if (!desk) return;
    const b = args.body as { user: { id: string }; channel?: { id: string }; message?: { ts: string; text?: string; blocks?: Block[] } };
    if (!b.channel || !b.message) return;
    const staff = { id: b.user.id, name: (await directory.profile(b.user.id)).name };
    const a = (args as { action?: { value?: string } }).action;
    await desk.press({
      thread: { channel: b.channel.id, thread: b.message.ts },
      action: kind,
      staff,
      shown: b.message,
      // One press per announcement state: a double click or a redelivery of the same one does nothing twice.
      eventId: `${kind}:${b.message.ts}:${a?.value ?? ''}:${(args.body as { trigger_id?: string }).trigger_id ?? ''}`,
    });
  };
  app.action(TAKEOVER_ACTION, (args) => deskClick(args, 'take'));
  app.action(HANDBACK_ACTION, (args) => deskClick(args, 'back'));
  // Every other block_actions click: without a listener bolt answers Slack a bare 404 after three seconds (Slack then
  // shows the person a warning triangle and the admin an error); ours is acked above, once.
  app.action({ type: 'block_actions' }, async ({ ack, body, action }) => {
    const a = action as unknown as { action_id?: string; block_id?: string };
    const id = a.action_id ?? '';
    if (CHOICE_ACTION.test(id) || id === TAKEOVER_ACTION || id === HANDBACK_ACTION) return;
    await ack();
    await staleClick(body as unknown as ClickBody, a);
  });

  app.error(async (error) => {
    log.error({ err: error.message, code: (error as { code?: string }).code }, 'slack listener failed');
  });

  // Ready only while a socket is connected: from Slack's `hello` until that socket closes (a `disconnect` frame, a
  // dropped connection), so a replica that is reconnecting, or gave up, leaves the balancer's rotation.
  let socketUp = false;
  if (socketReceiver) {
    socketReceiver.client.on('connected', () => {
      socketUp = true;
    });
    for (const down of ['close', 'reconnecting', 'disconnecting', 'disconnected']) {
      socketReceiver.client.on(down, () => {
        socketUp = false;
      });
    }
  }
  const mount = {
    name: 'slack',
    mount(server: express.Express) {
      if (socketMode) {
        app.start().then(
          () => log.info({ mode: 'socket' }, 'slack channel on'),
          (err: unknown) => log.error({ err: (err as Error).message }, 'slack socket mode failed to start'),
        );
        return;
      }
      server.post('/slack/events', slackVerifier(env.SLACK_SIGNING_SECRET ?? '', log, now));
      server.use(router);
      log.info({ mode: 'http', path: '/slack/events' }, 'slack channel on');
    },
    async ready() {
      return socketMode ? socketUp : true;
    },
    async close() {
      await recovery.close();
      if (socketMode) await app.stop().catch(() => undefined);
      // Turns already acked to Slack finish their posts (bounded by the server's shutdown budget).
      await Promise.race([queue.idle(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    },
  };
  return { mount, sender: { channel: 'slack', send }, ...(desk ? { desk, notifier: desk.notifier } : {}) };
}
