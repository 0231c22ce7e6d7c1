/**
 * The Teams side of the help desk (TEAMS_HELPDESK_CHANNEL): what the channel-neutral desk (src/helpdesk) looks
 * like in a Teams channel, and the desk channel's activities translated into desk events. Escalations are
 * announced as an Adaptive Card in a new thread of the channel (ticket facts, [Take over], a link to the
 * transcript); the card is re-rendered with a status line at each change; staff @mention the bot in the thread to
 * write to the person (Teams delivers channel messages to a bot only when it is mentioned).
 *
 * Posting into a channel needs the Bot Connector's serviceUrl (per region) and the tenant: Teams gives them only in
 * activities, so they are captured from any activity in the help-desk channel (or its team) and kept in the
 * reference store — shared by the replicas when it is Redis. Set-up: install the app in the team, then @mention
 * the bot once in the help-desk channel (it answers that the channel is ready).
 */
import { ActivityTypes, CardFactory, type Activity, type Attachment, type ConversationReference, type TurnContext } from 'botbuilder';
import { KeyedQueue, withRetry, type RetryPolicy } from '../../core/delivery.js';
import type { Locale, Ticket } from '../../core/index.js';
import { describeHandoffEvent } from '../../handoff/notifier.js';
import { createHelpDesk, type DeskTransport, type EscalatedEvent, type HelpDesk, type HelpDeskOptions } from '../../helpdesk/desk.js';
import type { DeskLink, DeskThread } from '../../helpdesk/holds.js';
import type { LocaleKey } from '../../i18n/index.js';
import type { Staff } from '../../pipeline/types.js';
import type { TeamsAdapter } from './adapter.js';
import type { ReferenceStore } from './references.js';
import { CARD_VERSION, tenantOf, textWithoutMention } from './translate.js';

/** Every locale key this part renders (ja and en must both have them; test/channels/teams checks). */
export const TEAMS_DESK_KEYS = [
  'teams.desk.take_over',
  'teams.desk.hand_back',
  'teams.desk.open_transcript',
  'teams.desk.taken_by',
  'teams.desk.handed_back_by',
  'teams.desk.fact.requester',
  'teams.desk.fact.device',
  'teams.desk.fact.service',
  'teams.desk.fact.error',
  'teams.desk.fact.when',
  'teams.desk.fact.steps',
  'takeover.user_said',
  'takeover.user_clicked',
  'teams.desk.not_found',
  'teams.desk.not_held',
  'teams.desk.unreachable',
  'teams.desk.ready',
  'teams.desk.staff',
  // What the person reads: the same words whichever desk (Slack or Teams) holds the conversation.
  'takeover.taken',
  'takeover.returned',
  'takeover.staff_said',
  'takeover.staff',
] as const satisfies readonly LocaleKey[];

/** What the desk card's buttons carry back (Action.Submit data → the message's `value`). Not a dialog choice. */
export interface DeskSubmit {
  mmDesk: 'take' | 'back';
  ticket: string;
}

/** How long the desk's serviceUrl/tenant are kept after the last activity seen in the desk channel, seconds. */
export const DESK_REFERENCE_TTL_SECONDS = 365 * 86_400;

export interface TeamsDeskOptions extends Pick<HelpDeskOptions, 'holds' | 'kv' | 'i18n' | 'tellPerson' | 'recordHold' | 'logger' | 'clock'> {
  /** The channel's adapter (the same app id and credentials as /api/messages). */
  built: Pick<TeamsAdapter, 'adapter' | 'appId'>;
  /** Where the desk's serviceUrl/tenant and each announcement's card are kept (the channel's reference store). */
  references: ReferenceStore;
  /** The help-desk channel id, `19:…@thread.tacv2` (TEAMS_HELPDESK_CHANNEL). */
  channel: string;
  /** Language of the help desk (DEFAULT_LOCALE). */
  locale: Locale;
  /** Tenant to post with until one is seen in an activity (MicrosoftAppTenantId). */
  tenantId?: string;
  /** How long an announcement's card is kept for re-rendering, seconds (STATE_TTL_SECONDS, like its desk link). */
  ttlSeconds: number;
  /** First pause before retrying a Bot Connector call, ms. Default 500. */
  retryBaseMs?: number;
}

export interface TeamsDesk {
  desk: HelpDesk;
  /**
   * Sees every incoming activity first: remembers the desk's serviceUrl/tenant when the activity comes from the
   * desk channel or its team, and hands the desk channel's messages (button presses, staff replies) to the desk.
   * True when the activity was the desk's and must not reach the bot's conversation logic.
   */
  intercept(context: TurnContext): Promise<boolean>;
}

/** Where the desk is reachable (captured from activities). */
interface DeskPlace {
  serviceUrl: string;
  tenantId?: string;
  bot?: { id: string; name?: string };
  channelId: string;
}

/** One announcement: its thread and the card body (re-rendered with a status line at each change). */
interface Announcement {
  ticketId: string;
  /** The thread's conversation id, `19:…@thread.tacv2;messageid=<root>`. */
  conversationId: string;
  /** The card's activity id (the thread's root). */
  activityId: string;
  body: object[];
  transcriptUrl: string;
}

// Kept as "conversations" of the reference store, as they always were (a deployment keeps its desk on upgrade).
const placeKey = (channel: string) => `teams-desk:${channel}`;
const announcementKey = (ticketId: string) => `teams-desk:ticket:${ticketId}`;

/** `19:…@thread.tacv2;messageid=123` → the channel id and the thread root id. */
export function splitChannelConversation(id: string): { channel: string; root?: string } {
  const [channel = '', ...rest] = id.split(';');
  const root = rest.map((p) => /^messageid=(.+)$/.exec(p)?.[1]).find((r) => r !== undefined);
  return root ? { channel, root } : { channel };
}

/** The desk card's {mmDesk, ticket}, or undefined for any other value. */
export function deskSubmitOf(value: unknown): DeskSubmit | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { mmDesk, ticket } = value as Record<string, unknown>;
  if ((mmDesk !== 'take' && mmDesk !== 'back') || typeof ticket !== 'string' || ticket === '') return undefined;
  return { mmDesk, ticket };
}

function statusCode(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** A Bot Connector failure: 429, 5xx and network errors (no status) are worth another attempt. */
export function connectorFailure(e: unknown): { kind: 'transient' } | { kind: 'permanent' } {
  const status = statusCode(e);
  return status === undefined || status === 429 || status >= 500 ? { kind: 'transient' } : { kind: 'permanent' };
}

export function createTeamsDesk(options: TeamsDeskOptions): TeamsDesk {
  const { i18n, references, locale } = options;
  const { adapter, appId } = options.built;
  const desk = options.channel;
  const log = options.logger.child({ component: 'teams-desk' });
  const policy: RetryPolicy = { attempts: 3, baseDelayMs: options.retryBaseMs ?? 500, maxDelayMs: 30_000, rateLimitWaits: 0, maxRetryAfterMs: 0 };
  const t = (key: string, params?: Record<string, string | number>) => i18n.t(key, params, locale);
  /** Posts into one thread stay in order (a relayed conversation reads in the order it was written). */
  const queue = new KeyedQueue();
  const call = <T>(what: string, fn: () => Promise<T>, fields: Record<string, unknown> = {}) =>
    withRetry(what, fn, { classify: connectorFailure, log, fields, policy });

  const place = async () => (await references.get(placeKey(desk))) as DeskPlace | undefined;
  const threadId = (thread: DeskThread | undefined) => (thread ? `${thread.channel};messageid=${thread.thread}` : desk);

  /** A reference to a thread of the desk channel (or the channel itself), for continueConversationAsync. */
  function threadReference(p: DeskPlace, conversationId: string): Partial<ConversationReference> {
    const tenantId = p.tenantId ?? options.tenantId;
    return {
      channelId: p.channelId,
      serviceUrl: p.serviceUrl,
      conversation: { id: conversationId, isGroup: true, conversationType: 'channel', name: '', ...(tenantId ? { tenantId } : {}) },
      ...(p.bot ? { bot: { id: p.bot.id, name: p.bot.name ?? '' } } : {}),
    };
  }

  const takeButton = (ticketId: string) => ({ type: 'Action.Submit', title: t('teams.desk.take_over'), style: 'positive', data: { mmDesk: 'take', ticket: ticketId } satisfies DeskSubmit });
  const backButton = (ticketId: string) => ({ type: 'Action.Submit', title: t('teams.desk.hand_back'), data: { mmDesk: 'back', ticket: ticketId } satisfies DeskSubmit });

  function deskCard(a: Pick<Announcement, 'body' | 'transcriptUrl'>, status: string | undefined, action: object): Attachment {
    const body = status ? [...a.body, { type: 'TextBlock', text: status, wrap: true, isSubtle: true, spacing: 'Medium' }] : a.body;
    const actions: object[] = [action];
    if (/^https?:\/\//.test(a.transcriptUrl)) actions.push({ type: 'Action.OpenUrl', title: t('teams.desk.open_transcript'), url: a.transcriptUrl });
    return CardFactory.adaptiveCard({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: CARD_VERSION,
      body,
      actions,
    });
  }

  /** The card body of a ticket: headline, summary, the facts staff act on, steps tried. All from the redacted ticket. */
  function ticketBody(event: EscalatedEvent): object[] {
    const ticket: Ticket = event.ticket;
    const f = ticket.fields;
    const value = (slot: string, v: string | undefined) => (v ? t(`engine.value.${slot}.${v}`) : undefined);
    const unknown = t('ticket.unknown');
    const join = (...parts: Array<string | undefined>) => parts.filter(Boolean).join(' / ') || unknown;
    const facts = [
      { title: t('teams.desk.fact.requester'), value: ticket.requester.name ?? ticket.requester.id },
      { title: t('teams.desk.fact.device'), value: join(f.model ?? value('device', f.device), f.os) },
      { title: t('teams.desk.fact.service'), value: join(value('service', f.service), value('carrier', f.carrier)) },
      { title: t('teams.desk.fact.error'), value: f.errorMessage ?? unknown },
      { title: t('teams.desk.fact.when'), value: join(f.occurredAt, f.frequency) },
    ];
    const steps = f.stepsTried.length
      ? f.stepsTried.map((s, i) => `${i + 1}. ${s.step} → ${t(`ticket.result.${s.result}`)}`).join('\n')
      : t('ticket.no_steps');
    return [
      { type: 'TextBlock', text: describeHandoffEvent(event, i18n, locale), wrap: true, weight: 'Bolder' },
      { type: 'TextBlock', text: ticket.summary, wrap: true },
      { type: 'FactSet', facts },
      { type: 'TextBlock', text: t('teams.desk.fact.steps'), wrap: true, weight: 'Bolder', spacing: 'Medium' },
      { type: 'TextBlock', text: steps, wrap: true },
    ];
  }

  const transport: DeskTransport = {
    async announce(event) {
      const ticket = event.ticket;
      const p = await place();
      if (!p) {
        log.warn({ channel: desk, ticket: ticket.id }, 'escalation not announced: the help-desk channel was never seen (@mention the bot once in it)');
        return undefined;
      }
      const body = ticketBody(event);
      const card = deskCard({ body, transcriptUrl: ticket.transcriptUrl }, undefined, takeButton(ticket.id));
      const tenantId = p.tenantId ?? options.tenantId;
      let thread: string | undefined;
      await call('create desk thread', () =>
        adapter.createConversationAsync(
          appId,
          p.channelId,
          p.serviceUrl,
          // No audience: the connector factory then uses the one of the app's cloud, as continueConversationAsync does.
          undefined as unknown as string,
          {
            isGroup: true,
            // A new thread in the channel, started by the card itself (one call, and its id names the thread).
            channelData: { channel: { id: desk }, ...(tenantId ? { tenant: { id: tenantId } } : {}) },
            activity: { type: ActivityTypes.Message, text: describeHandoffEvent(event, i18n, locale), attachments: [card] } as Activity,
            ...(p.bot ? { bot: { id: p.bot.id, name: p.bot.name ?? '' } } : {}),
            ...(tenantId ? { tenantId } : {}),
          } as Parameters<typeof adapter.createConversationAsync>[4],
          async (context) => {
            thread = context.activity.conversation?.id;
          },
        ),
        { ticket: ticket.id },
      );
      const root = thread ? splitChannelConversation(thread).root : undefined;
      if (!thread || !root) throw new Error('createConversation returned no thread id');
      const announcement: Announcement = { ticketId: ticket.id, conversationId: thread, activityId: root, body, transcriptUrl: ticket.transcriptUrl };
      await references.save(announcementKey(ticket.id), announcement, options.ttlSeconds);
      return { channel: desk, thread: root };
    },

    async post(thread, text, fields) {
      const p = await place();
      if (!p) {
        log.warn({ channel: desk, ...fields }, 'help-desk channel not reachable yet: @mention the bot once in it');
        return false;
      }
      const conversationId = threadId(thread);
      await queue.run(conversationId, () =>
        call(
          'send to desk thread',
          () =>
            adapter.continueConversationAsync(appId, threadReference(p, conversationId), async (context) => {
              await context.sendActivity({ type: ActivityTypes.Message, text, textFormat: 'plain' });
            }),
          fields,
        ),
      );
      return true;
    },

    async showStatus(_thread, link: DeskLink, status, next) {
      const p = await place();
      const a = (await references.get(announcementKey(link.ticketId))) as Announcement | undefined;
      if (!p || !a) return;
      const card = deskCard(a, status, next === 'take' ? takeButton(link.ticketId) : backButton(link.ticketId));
      await call(
        'update desk card',
        () =>
          adapter.continueConversationAsync(appId, threadReference(p, a.conversationId), async (context) => {
            await context.updateActivity({ type: ActivityTypes.Message, id: a.activityId, attachments: [card] });
          }),
        { ticket: a.ticketId },
      );
    },

    staffLabel: () => t('teams.desk.staff'),
  };

  const helpDesk = createHelpDesk({
    name: 'teams',
    transport,
    holds: options.holds,
    kv: options.kv,
    i18n,
    locale,
    keys: {
      takenBy: 'teams.desk.taken_by',
      handedBackBy: 'teams.desk.handed_back_by',
      notFound: 'teams.desk.not_found',
      notHeld: 'teams.desk.not_held',
      unreachable: 'teams.desk.unreachable',
      ready: 'teams.desk.ready',
    },
    tellPerson: options.tellPerson,
    ...(options.recordHold ? { recordHold: options.recordHold } : {}),
    // Holds taken in this desk's threads only: a Slack help desk keeps relaying the holds taken in Slack.
    owns: (hold) => hold.desk.channel === desk,
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });

  /** Remembers the desk's serviceUrl/tenant from an activity of the desk channel or of its team. */
  async function capture(activity: Activity): Promise<void> {
    const data = (activity.channelData ?? {}) as { channel?: { id?: unknown }; team?: { id?: unknown } };
    const inDesk =
      splitChannelConversation(activity.conversation?.id ?? '').channel === desk || data.channel?.id === desk || data.team?.id === desk;
    if (!inDesk || !activity.serviceUrl) return;
    const p: DeskPlace = { serviceUrl: activity.serviceUrl, channelId: activity.channelId || 'msteams' };
    const tenantId = tenantOf(activity);
    if (tenantId) p.tenantId = tenantId;
    if (activity.recipient?.id) p.bot = { id: activity.recipient.id, ...(activity.recipient.name ? { name: activity.recipient.name } : {}) };
    const before = await place().catch(() => undefined);
    if (before && before.serviceUrl === p.serviceUrl && before.tenantId === p.tenantId && before.bot?.id === p.bot?.id) return;
    await references.save(placeKey(desk), p, DESK_REFERENCE_TTL_SECONDS);
    log.info({ channel: desk, serviceUrl: p.serviceUrl }, 'help-desk channel reachable');
  }

  const staffOf = (activity: Activity): Staff => {
    const from = activity.from ?? { id: '' };
    return { id: from.aadObjectId || from.id, ...(from.name ? { name: from.name } : {}) };
  };

  return {
    desk: helpDesk,
    async intercept(context) {
      const activity = context.activity;
      try {
        await capture(activity);
      } catch (e) {
        log.warn({ err: e instanceof Error ? e.message : String(e) }, 'help-desk channel reference not saved');
      }
      const { channel, root } = splitChannelConversation(activity.conversation?.id ?? '');
      if (channel !== desk || activity.type !== ActivityTypes.Message) return false;
      // Everything said in the desk channel is staff's: it never reaches the troubleshooting dialog.
      const rootId = root ?? activity.replyToId;
      const thread = rootId ? { channel: desk, thread: rootId } : undefined;
      const submit = deskSubmitOf(activity.value);
      const staff = staffOf(activity);
      if (submit) await helpDesk.press({ ...(thread ? { thread } : {}), action: submit.mmDesk, staff, ticketId: submit.ticket, ...(activity.id ? { eventId: activity.id } : {}) });
      else await helpDesk.staffMessage({ ...(thread ? { thread } : {}), staff, text: textWithoutMention(activity), ...(activity.id ? { eventId: activity.id } : {}) });
      return true;
    },
  };
}
