/**
 * The Slack side of the help desk (SLACK_HELPDESK_CHANNEL): what the channel-neutral desk (src/helpdesk) looks like
 * in a Slack channel. Escalations are posted with the ticket (already redacted by the hand-off service), the
 * requester and a [Take over] button; the announcement is re-rendered with a status line and [Hand back] /
 * [Take over] at each change; the desk's lines go into the announcement's thread. Posts into one thread stay in order.
 */
import type { webApi } from '@slack/bolt';
import { KeyedQueue } from '../../core/delivery.js';
import type { Locale } from '../../core/index.js';
import { describeHandoffEvent } from '../../handoff/notifier.js';
import { createHelpDesk, type DeskTransport, type HelpDesk, type HelpDeskOptions } from '../../helpdesk/desk.js';
import type { LocaleKey } from '../../i18n/index.js';
import type { Staff } from '../../pipeline/types.js';
import { DEFAULT_RETRY, slackCall, type RetryPolicy } from './delivery.js';
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
  'slack.desk.unreachable',
  'takeover.taken',
  'takeover.returned',
  'takeover.staff_said',
  'takeover.staff',
] as const satisfies readonly LocaleKey[];

/** block_id of the status line under an announcement (replaced at each change). */
const STATUS_BLOCK = 'mm_status';
const ACTIONS_BLOCK = 'mm_desk';

export interface SlackDeskOptions extends Pick<HelpDeskOptions, 'holds' | 'kv' | 'i18n' | 'tellPerson' | 'recordHold' | 'logger' | 'clock'> {
  client: WebClient;
  /** Channel id or name of the help desk. */
  channel: string;
  /** Language of the help desk (DEFAULT_LOCALE). */
  locale: Locale;
  retry?: RetryPolicy;
}

/** The announcement as Slack sent it with a click (to re-render it without its old buttons). */
export interface ShownMessage {
  text?: string;
  blocks?: Block[];
}

/** The Slack help desk: the channel-neutral desk over Slack's Web API. */
export function createSlackDesk(options: SlackDeskOptions): HelpDesk {
  const { client, i18n, locale } = options;
  const log = options.logger.child({ component: 'slack-desk' });
  const retry = options.retry ?? DEFAULT_RETRY;
  const queue = new KeyedQueue();
  const t = (key: string, params?: Record<string, string | number>) => i18n.t(key, params, locale);

  const post = (args: { channel: string; text: string; blocks?: Block[]; thread_ts?: string }, fields: Record<string, unknown>) =>
    queue.run(args.thread_ts ?? args.channel, () =>
      slackCall('chat.postMessage', () => client.chat.postMessage(args as Parameters<WebClient['chat']['postMessage']>[0]), log, fields, retry),
    );

  /** The announcement re-rendered with a new status line and one button. */
  const rerender = (message: ShownMessage, status: string, action: Block): Block[] => {
    const kept = (message.blocks ?? []).filter((b) => b.block_id !== ACTIONS_BLOCK && b.block_id !== STATUS_BLOCK && b.type !== 'actions');
    return [...kept, { ...contextLine(status), block_id: STATUS_BLOCK }, { type: 'actions', block_id: ACTIONS_BLOCK, elements: [action] }];
  };

  const transport: DeskTransport = {
    async announce(event) {
      const ticket = event.ticket;
      const headline = describeHandoffEvent(event, i18n, locale);
      const requester = t('slack.desk.requester', { name: ticket.requester.name ?? ticket.requester.id, link: ticket.permalink ?? ticket.transcriptUrl });
      const blocks: Block[] = [
        ...sections(headline),
        ...sections(ticket.body),
        contextLine(requester),
        { type: 'actions', block_id: ACTIONS_BLOCK, elements: [button(t('slack.desk.take_over'), TAKEOVER_ACTION, ticket.id, 'primary')] },
      ];
      const res = await post({ channel: options.channel, text: headline, blocks }, { ticket: ticket.id });
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      return { channel: res.channel ?? options.channel, thread: res.ts };
    },

    async post(thread, text, fields) {
      await post({ channel: thread?.channel ?? options.channel, ...(thread ? { thread_ts: thread.thread } : {}), text, blocks: sections(text) }, fields);
      return true;
    },

    async showStatus(thread, link, status, next, shown) {
      const message = (shown ?? {}) as ShownMessage;
      const action =
        next === 'back'
          ? button(t('slack.desk.hand_back'), HANDBACK_ACTION, link.ticketId)
          : button(t('slack.desk.take_over'), TAKEOVER_ACTION, link.ticketId, 'primary');
      await slackCall(
        'chat.update',
        () =>
          client.chat.update({ channel: thread.channel, ts: thread.thread, text: message.text ?? status, blocks: rerender(message, status, action) } as Parameters<
            WebClient['chat']['update']
          >[0]),
        log,
        { ticket: link.ticketId },
        retry,
      );
    },

    staffLabel: (staff: Staff) => `<@${staff.id}>`,
  };

  return createHelpDesk({
    name: 'slack',
    transport,
    holds: options.holds,
    kv: options.kv,
    i18n,
    locale,
    keys: { takenBy: 'slack.desk.taken_by', handedBackBy: 'slack.desk.handed_back_by', notFound: 'slack.desk.not_found', unreachable: 'slack.desk.unreachable' },
    tellPerson: options.tellPerson,
    ...(options.recordHold ? { recordHold: options.recordHold } : {}),
    logger: options.logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
