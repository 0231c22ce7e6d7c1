/**
 * The Slack help desk (SLACK_HELPDESK_CHANNEL): escalations are announced there with the ticket (already
 * redacted by the hand-off service) and a [Take over] button; once taken, the person's messages are relayed into
 * the announcement's thread, what staff write in that thread is relayed to the person, and [Hand back] returns
 * the conversation to the bot. The person is told at each change. The hold itself is the channel-neutral
 * Takeover of src/pipeline/takeover.ts, so a Teams conversation can be held from Slack just the same.
 */
import type { webApi } from '@slack/bolt';
import type { Locale, Logger, Reply, Turn } from '../../core/index.js';
import { describeHandoffEvent, type HandoffEvent, type Notifier } from '../../handoff/notifier.js';
import type { I18n } from '../../i18n/index.js';
import { relayLine, type DeskLink, type Takeover, type TakeoverRecord } from '../../pipeline/takeover.js';
import { seenClaimKey } from '../../state/keys.js';
import type { DedupeStore } from '../../state/types.js';
import { withRetry, type RetryPolicy, DEFAULT_RETRY, KeyedQueue } from './delivery.js';
import { button, contextLine, HANDBACK_ACTION, sections, TAKEOVER_ACTION, type Block } from './render.js';

type WebClient = webApi.WebClient;

/** Every locale key this part renders (ja and en must both have them). */
export const SLACK_DESK_KEYS = [
  'slack.desk.take_over',
  'slack.desk.hand_back',
  'slack.desk.taken_by',
  'slack.desk.handed_back_by',
  'slack.desk.requester',
  'takeover.user_said',
  'takeover.user_clicked',
  'slack.desk.not_found',
  'takeover.taken',
  'takeover.returned',
  'takeover.staff_said',
  'takeover.staff',
] as const;

/** block_id of the status line under an announcement (replaced at each change). */
const STATUS_BLOCK = 'mm_status';
const ACTIONS_BLOCK = 'mm_desk';

export interface SlackDeskOptions {
  client: WebClient;
  i18n: I18n;
  logger: Logger;
  takeover: Takeover;
  dedupe: DedupeStore;
  /** Channel id or name of the help desk. */
  channel: string;
  /** Language of the help desk (DEFAULT_LOCALE). */
  locale: Locale;
  retry?: RetryPolicy;
  clock?: () => number;
}

export interface Staff {
  id: string;
  name?: string;
}

/** A click on an announcement's button, as the Slack app hands it over. */
export interface DeskClick {
  channel: string;
  messageTs: string;
  staff: Staff;
  /** The announcement as Slack sent it with the click (to re-render it without its old buttons). */
  message: { text?: string; blocks?: Block[] };
}

export interface SlackDesk {
  /** The hand-off Notifier (for createTicketHandler). */
  notifier: Notifier;
  /** Relay of a held conversation's user turns into the desk thread (Takeover.setRelay). */
  relay(turn: Turn, record: TakeoverRecord): Promise<void>;
  takeOver(click: DeskClick): Promise<void>;
  handBack(click: DeskClick): Promise<void>;
  /**
   * A message written in a thread of the help-desk channel. True when the thread is an announcement's (the
   * message was staff's and was relayed if the conversation is held), false for any other thread.
   */
  staffMessage(msg: { channel: string; threadTs: string; user: Staff; text: string; eventId?: string }): Promise<boolean>;
}

export function createSlackDesk(options: SlackDeskOptions): SlackDesk {
  const { client, i18n, takeover, dedupe, locale } = options;
  const log = options.logger.child({ component: 'slack-desk' });
  const retry = options.retry ?? DEFAULT_RETRY;
  const clock = options.clock ?? Date.now;
  const store = takeover.store;
  // Posts into one desk thread stay in order; threads do not wait for each other.
  const queue = new KeyedQueue();
  const t = (key: string, params?: Record<string, string | number> | undefined, loc: Locale = locale) => i18n.t(key, params, loc);
  const say = (key: string, params: Record<string, string | number>, loc: Locale): Reply => ({ key, text: t(key, params, loc) });
  const staffName = (s: Staff) => s.name ?? `<@${s.id}>`;

  const post = (what: string, args: { channel: string; text: string; blocks?: Block[]; thread_ts?: string }, fields: Record<string, unknown>) =>
    queue.run(args.thread_ts ?? args.channel, () =>
      withRetry(what, () => client.chat.postMessage(args as Parameters<WebClient['chat']['postMessage']>[0]), log, fields, retry),
    );

  const update = (args: { channel: string; ts: string; text: string; blocks: Block[] }, fields: Record<string, unknown>) =>
    withRetry('chat.update', () => client.chat.update(args as Parameters<WebClient['chat']['update']>[0]), log, fields, retry);

  /** The announcement re-rendered with a new status line and one button. */
  const rerender = (message: DeskClick['message'], status: string, action: Block): Block[] => {
    const kept = (message.blocks ?? []).filter((b) => b.block_id !== ACTIONS_BLOCK && b.block_id !== STATUS_BLOCK && b.type !== 'actions');
    return [...kept, { ...contextLine(status), block_id: STATUS_BLOCK }, { type: 'actions', block_id: ACTIONS_BLOCK, elements: [action] }];
  };

  async function announce(event: Extract<HandoffEvent, { type: 'escalated' }>): Promise<void> {
    const ticket = event.ticket;
    const headline = describeHandoffEvent(event, i18n, locale);
    const requester = t('slack.desk.requester', { name: ticket.requester.name ?? ticket.requester.id, link: ticket.permalink ?? ticket.transcriptUrl });
    const blocks: Block[] = [
      ...sections(headline),
      ...sections(ticket.body),
      contextLine(requester),
      { type: 'actions', block_id: ACTIONS_BLOCK, elements: [button(t('slack.desk.take_over'), TAKEOVER_ACTION, ticket.id, 'primary')] },
    ];
    const res = await post('chat.postMessage', { channel: options.channel, text: headline, blocks }, { ticket: ticket.id });
    const ts = res.ts;
    const channel = res.channel ?? options.channel;
    if (!ts) throw new Error('chat.postMessage returned no ts');
    await store.link(
      { conversationId: ticket.conversation, channel: ticket.channel, locale: ticket.locale, ticketId: ticket.id, desk: { channel, thread: ts } },
      takeover.ttlSeconds,
    );
    log.info({ ticket: ticket.id, channel }, 'escalation announced to the help desk');
  }

  async function followUp(event: Exclude<HandoffEvent, { type: 'escalated' }>): Promise<void> {
    // Delivery news goes into the announcement's thread, so the desk reads one ticket's story in one place.
    const link = await store.byTicket(event.ticket.id).catch(() => undefined);
    const text = describeHandoffEvent(event, i18n, locale);
    await post('chat.postMessage', { channel: link?.desk.channel ?? options.channel, thread_ts: link?.desk.thread, text, blocks: sections(text) }, {
      ticket: event.ticket.id,
    });
  }

  async function findLink(click: DeskClick): Promise<DeskLink | undefined> {
    const link = await store.byThread({ channel: click.channel, thread: click.messageTs });
    if (!link) {
      log.warn({ channel: click.channel }, 'desk button on an announcement we no longer know');
      await post('chat.postMessage', { channel: click.channel, thread_ts: click.messageTs, text: t('slack.desk.not_found') }, {});
    }
    return link;
  }

  return {
    notifier: {
      async notify(event) {
        if (event.type === 'escalated') await announce(event);
        else await followUp(event);
      },
    },

    async relay(turn, record) {
      const text = relayLine(turn, i18n, locale);
      await post('chat.postMessage', { channel: record.desk.channel, thread_ts: record.desk.thread, text, blocks: sections(text) }, {
        conversation: record.conversationId,
      });
    },

    async takeOver(click) {
      const link = await findLink(click);
      if (!link) return;
      const record: TakeoverRecord = { ...link, staff: click.staff, sinceMs: clock() };
      await store.set(record, takeover.ttlSeconds);
      log.info({ conversation: link.conversationId, ticket: link.ticketId, staff: click.staff.id }, 'conversation taken over');
      const status = t('slack.desk.taken_by', { name: staffName(click.staff) });
      await update(
        { channel: click.channel, ts: click.messageTs, text: click.message.text ?? status, blocks: rerender(click.message, status, button(t('slack.desk.hand_back'), HANDBACK_ACTION, link.ticketId)) },
        { ticket: link.ticketId },
      ).catch(() => undefined);
      await takeover.sendToPerson(link, [say('takeover.taken', { name: click.staff.name ?? t('takeover.staff', undefined, link.locale) }, link.locale)]);
    },

    async handBack(click) {
      const link = await findLink(click);
      if (!link) return;
      const had = await store.clear(link.conversationId);
      log.info({ conversation: link.conversationId, ticket: link.ticketId, staff: click.staff.id, had }, 'conversation handed back');
      const status = t('slack.desk.handed_back_by', { name: staffName(click.staff) });
      await update(
        { channel: click.channel, ts: click.messageTs, text: click.message.text ?? status, blocks: rerender(click.message, status, button(t('slack.desk.take_over'), TAKEOVER_ACTION, link.ticketId, 'primary')) },
        { ticket: link.ticketId },
      ).catch(() => undefined);
      if (had) await takeover.sendToPerson(link, [say('takeover.returned', {}, link.locale)]);
    },

    async staffMessage(msg) {
      const link = await store.byThread({ channel: msg.channel, thread: msg.threadTs });
      if (!link) return false;
      const held = await store.get(link.conversationId);
      // Before take-over (or after hand-back) the thread is the desk's own discussion: nothing goes to the person.
      if (!held) return true;
      if (msg.eventId && !(await dedupe.claim(seenClaimKey(link.conversationId, 'slack-desk', msg.eventId.slice(0, 256)), 86_400))) return true;
      const name = msg.user.name ?? held.staff.name ?? msg.user.id;
      await takeover.sendToPerson(link, [say('takeover.staff_said', { name, text: msg.text }, held.locale)]);
      await store.set(held, takeover.ttlSeconds);
      return true;
    },
  };
}

