/**
 * The Teams help desk (TEAMS_HELPDESK_CHANNEL): the Teams twin of src/channels/slack/helpdesk.ts. Escalations are
 * announced in the help-desk channel as an Adaptive Card (from the ticket, already redacted by the hand-off
 * service) with a [Take over] button; delivery news goes into that card's thread. Once taken, the person's
 * messages are relayed into the thread, what staff write there (@mentioning the bot: Teams delivers channel
 * messages to a bot only when it is mentioned) is relayed to the person, and [Hand back] returns the conversation
 * to the bot. The hold itself is the channel-neutral Takeover of src/pipeline/takeover.ts, so a person on Slack,
 * Teams or the web chat can be held from here (a web-chat person's page fetches what staff write from its mailbox);
 * when a message cannot reach the person (their channel has no sender, or it failed) staff are told in the thread.
 *
 * Posting into a channel needs the Bot Connector's serviceUrl (per region) and the tenant: Teams gives them only
 * in activities, so they are captured from any activity in the help-desk channel (or its team) and kept in the
 * reference store — shared by the replicas when it is Redis. Set-up: install the app in the team, then @mention
 * the bot once in the help-desk channel (it answers that the channel is ready).
 */
import { ActivityTypes, CardFactory, type Activity, type Attachment, type ConversationReference, type TurnContext } from 'botbuilder';
import { redact } from '../../core/redact.js';
import type { Locale, Logger, Reply, Ticket, Turn } from '../../core/index.js';
import { describeHandoffEvent, type HandoffEvent, type Notifier } from '../../handoff/notifier.js';
import type { I18n } from '../../i18n/index.js';
import { relayLine, type DeskLink, type Takeover, type TakeoverRecord } from '../../pipeline/takeover.js';
import { seenClaimKey } from '../../state/keys.js';
import type { DedupeStore } from '../../state/types.js';
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
] as const;

/** What the desk card's buttons carry back (Action.Submit data → the message's `value`). Not a dialog choice. */
export interface DeskSubmit {
  mmDesk: 'take' | 'back';
  ticket: string;
}

/** How long the desk's serviceUrl/tenant are kept after the last activity seen in the desk channel, seconds. */
export const DESK_REFERENCE_TTL_SECONDS = 365 * 86_400;

/** Attempts per Bot Connector call (429, 5xx and network errors are retried with a doubling pause). */
const ATTEMPTS = 3;

export interface TeamsDeskOptions {
  /** The channel's adapter (the same app id and credentials as /api/messages). */
  built: Pick<TeamsAdapter, 'adapter' | 'appId'>;
  i18n: I18n;
  logger: Logger;
  takeover: Takeover;
  dedupe: DedupeStore;
  /** Where the desk's serviceUrl/tenant and each announcement's card are kept (the channel's reference store). */
  references: ReferenceStore;
  /** The help-desk channel id, `19:…@thread.tacv2` (TEAMS_HELPDESK_CHANNEL). */
  channel: string;
  /** Language of the help desk (DEFAULT_LOCALE). */
  locale: Locale;
  /** Tenant to post with until one is seen in an activity (MicrosoftAppTenantId). */
  tenantId?: string;
  /** First pause before retrying a Bot Connector call, ms. Default 500. */
  retryBaseMs?: number;
  clock?: () => number;
}

export interface TeamsDesk {
  /** The hand-off Notifier (core.addNotifier). */
  notifier: Notifier;
  /** Relay of a held conversation's user turns into the card's thread (Takeover.setRelay). */
  relay(turn: Turn, record: TakeoverRecord): Promise<void>;
  /** True for holds taken in this desk (the relay is registered for those only). */
  owns(record: Pick<DeskLink, 'desk'>): boolean;
  /**
   * Sees every incoming activity first: remembers the desk's serviceUrl/tenant when the activity comes from the
   * desk channel or its team, and handles the desk channel's messages (button presses, staff replies). True when
   * the activity was the desk's and must not reach the bot's conversation logic.
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

const errText = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));

export function createTeamsDesk(options: TeamsDeskOptions): TeamsDesk {
  const { i18n, takeover, dedupe, references, locale } = options;
  const { adapter, appId } = options.built;
  const desk = options.channel;
  const log = options.logger.child({ component: 'teams-desk' });
  const clock = options.clock ?? Date.now;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const store = takeover.store;
  const t = (key: string, params?: Record<string, string | number>, loc: Locale = locale) => i18n.t(key, params, loc);
  const say = (key: string, params: Record<string, string | number>, loc: Locale): Reply => ({ key, text: t(key, params, loc) });
  /** Posts into one thread stay in order (a relayed conversation reads in the order it was written). */
  const tails = new Map<string, Promise<unknown>>();

  function inOrder<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  }

  async function withRetry<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        const status = statusCode(e);
        const retriable = status === undefined || status === 429 || status >= 500;
        if (!retriable || attempt >= ATTEMPTS) throw e;
        log.warn({ what, status, attempt, err: errText(e) }, 'bot connector call failed; retrying');
        await new Promise((r) => setTimeout(r, retryBaseMs * 2 ** (attempt - 1)));
      }
    }
  }

  async function place(): Promise<DeskPlace | undefined> {
    return (await references.get(placeKey(desk))) as DeskPlace | undefined;
  }

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

  /** Sends into a thread of the desk channel; false (logged) when the desk was never seen. */
  async function sendToThread(conversationId: string, activity: Partial<Activity>, fields: Record<string, unknown>): Promise<boolean> {
    const p = await place();
    if (!p) {
      log.warn({ channel: desk, ...fields }, 'help-desk channel not reachable yet: @mention the bot once in it');
      return false;
    }
    await inOrder(conversationId, () =>
      withRetry('send to desk thread', () =>
        adapter.continueConversationAsync(appId, threadReference(p, conversationId), async (context) => {
          await context.sendActivity(activity);
        }),
      ),
    );
    return true;
  }

  async function updateCard(a: Announcement, status: string, action: object): Promise<void> {
    const p = await place();
    if (!p) return;
    const card = deskCard(a, status, action);
    await withRetry('update desk card', () =>
      adapter.continueConversationAsync(appId, threadReference(p, a.conversationId), async (context) => {
        await context.updateActivity({ type: ActivityTypes.Message, id: a.activityId, attachments: [card] });
      }),
    ).catch((e: unknown) => log.warn({ ticket: a.ticketId, err: errText(e) }, 'desk card not updated'));
  }

  const text = (value: string): Partial<Activity> => ({ type: ActivityTypes.Message, text: value, textFormat: 'plain' });

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
  function ticketBody(event: Extract<HandoffEvent, { type: 'escalated' }>): object[] {
    const ticket: Ticket = event.ticket;
    const f = ticket.fields;
    const value = (slot: string, v: string | undefined) => (v ? t(`engine.value.${slot}.${v}`, undefined, locale) : undefined);
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

  async function announce(event: Extract<HandoffEvent, { type: 'escalated' }>): Promise<void> {
    const ticket = event.ticket;
    const p = await place();
    if (!p) {
      log.warn({ channel: desk, ticket: ticket.id }, 'escalation not announced: the help-desk channel was never seen (@mention the bot once in it)');
      return;
    }
    const body = ticketBody(event);
    const card = deskCard({ body, transcriptUrl: ticket.transcriptUrl }, undefined, takeButton(ticket.id));
    const tenantId = p.tenantId ?? options.tenantId;
    let thread: string | undefined;
    await withRetry('create desk thread', () =>
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
    );
    const root = thread ? splitChannelConversation(thread).root : undefined;
    if (!thread || !root) throw new Error('createConversation returned no thread id');
    const announcement: Announcement = { ticketId: ticket.id, conversationId: thread, activityId: root, body, transcriptUrl: ticket.transcriptUrl };
    await references.save(announcementKey(ticket.id), announcement, takeover.ttlSeconds);
    await store.link(
      { conversationId: ticket.conversation, channel: ticket.channel, locale: ticket.locale, ticketId: ticket.id, desk: { channel: desk, thread: root } },
      takeover.ttlSeconds,
    );
    log.info({ ticket: ticket.id }, 'escalation announced in the Teams help desk');
  }

  async function followUp(event: Exclude<HandoffEvent, { type: 'escalated' }>): Promise<void> {
    const a = (await references.get(announcementKey(event.ticket.id)).catch(() => undefined)) as Announcement | undefined;
    // Without its announcement (expired, or announced before the desk was set up) the news starts its own thread.
    await sendToThread(a?.conversationId ?? desk, text(describeHandoffEvent(event, i18n, locale)), { ticket: event.ticket.id });
  }

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

  /** Claims a desk activity once (a redelivered press or message does nothing the second time). */
  const firstTime = (activity: Activity) =>
    activity.id ? dedupe.claim(seenClaimKey(placeKey(desk), 'teams', activity.id.slice(0, 256)), 86_400) : Promise.resolve(true);

  const staffOf = (activity: Activity) => {
    const from = activity.from ?? { id: '' };
    return { id: from.aadObjectId || from.id, ...(from.name ? { name: from.name } : {}) };
  };

  async function press(activity: Activity, submit: DeskSubmit, root: string | undefined): Promise<void> {
    const thread = activity.conversation.id;
    const link = root ? await store.byThread({ channel: desk, thread: root }) : undefined;
    const a = (await references.get(announcementKey(submit.ticket))) as Announcement | undefined;
    if (!link || link.ticketId !== submit.ticket || !a) {
      log.warn({ ticket: submit.ticket }, 'desk button on an announcement we no longer know');
      await sendToThread(thread, text(t('teams.desk.not_found')), { ticket: submit.ticket });
      return;
    }
    const staff = staffOf(activity);
    const name = staff.name ?? t('teams.desk.staff');
    if (submit.mmDesk === 'take') {
      const already = await store.get(link.conversationId);
      const record: TakeoverRecord = { ...link, staff, sinceMs: clock() };
      await store.set(record, takeover.ttlSeconds);
      log.info({ conversation: link.conversationId, ticket: link.ticketId, staff: staff.id }, 'conversation taken over');
      await updateCard(a, t('teams.desk.taken_by', { name }), backButton(link.ticketId));
      // A second press (or a colleague's) changes who holds it; the person was already told.
      if (already && already.desk.channel === desk && already.desk.thread === link.desk.thread) return;
      const told = await takeover.sendToPerson(link, [say('takeover.taken', { name: staff.name ?? t('takeover.staff', undefined, link.locale) }, link.locale)]);
      if (!told) await sendToThread(a.conversationId, text(t('teams.desk.unreachable', { channel: link.channel })), { ticket: link.ticketId });
    } else {
      const had = await store.clear(link.conversationId);
      log.info({ conversation: link.conversationId, ticket: link.ticketId, staff: staff.id, had }, 'conversation handed back');
      await updateCard(a, t('teams.desk.handed_back_by', { name }), takeButton(link.ticketId));
      if (had) await takeover.sendToPerson(link, [say('takeover.returned', {}, link.locale)]);
    }
  }

  async function staffMessage(activity: Activity, root: string | undefined): Promise<void> {
    const link = root ? await store.byThread({ channel: desk, thread: root }) : undefined;
    if (!link) {
      // A mention outside an announcement's thread: the set-up mention, or a question. Say the desk is wired.
      await sendToThread(activity.conversation.id, text(t('teams.desk.ready')), {});
      return;
    }
    const held = await store.get(link.conversationId);
    if (!held) {
      await sendToThread(activity.conversation.id, text(t('teams.desk.not_held')), { ticket: link.ticketId });
      return;
    }
    const said = redact(textWithoutMention(activity)).text;
    if (said === '') return;
    const name = activity.from?.name ?? held.staff.name ?? t('takeover.staff', undefined, held.locale);
    const sent = await takeover.sendToPerson(link, [say('takeover.staff_said', { name, text: said }, held.locale)]);
    if (!sent) await sendToThread(activity.conversation.id, text(t('teams.desk.unreachable', { channel: link.channel })), { ticket: link.ticketId });
    await store.set(held, takeover.ttlSeconds);
  }

  return {
    notifier: {
      async notify(event) {
        try {
          if (event.type === 'escalated') await announce(event);
          else await followUp(event);
        } catch (e) {
          log.error({ ticket: event.ticket.id, event: event.type, err: errText(e) }, 'Teams help-desk notification failed');
          throw e;
        }
      },
    },

    owns(record) {
      return record.desk.channel === desk;
    },

    async relay(turn, record) {
      const said = relayLine(turn, i18n, locale);
      const a = (await references.get(announcementKey(record.ticketId))) as Announcement | undefined;
      const thread = a?.conversationId ?? `${desk};messageid=${record.desk.thread}`;
      if (!(await sendToThread(thread, text(said), { conversation: record.conversationId }))) throw new Error('help-desk channel not reachable');
    },

    async intercept(context) {
      const activity = context.activity;
      try {
        await capture(activity);
      } catch (e) {
        log.warn({ err: errText(e) }, 'help-desk channel reference not saved');
      }
      const { channel, root } = splitChannelConversation(activity.conversation?.id ?? '');
      if (channel !== desk || activity.type !== ActivityTypes.Message) return false;
      // Everything said in the desk channel is staff's: it never reaches the troubleshooting dialog.
      if (!(await firstTime(activity))) return true;
      const submit = deskSubmitOf(activity.value);
      const thread = root ?? activity.replyToId;
      if (submit) await press(activity, submit, thread);
      else await staffMessage(activity, thread);
      return true;
    },
  };
}
