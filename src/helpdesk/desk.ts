/**
 * The help desk, channel-neutral: what happens when a ticket is filed, when staff press [Take over] or [Hand back],
 * when staff write in an announcement's thread, and when a held person writes. One copy for every desk platform;
 * the platform part (a DeskTransport: Slack blocks, Teams cards) lives in the channel's folder and only translates.
 *
 * Escalations are announced with the ticket (already redacted by the hand-off service) and a [Take over] button;
 * delivery news goes into the announcement's thread. Once taken, the person's turns are relayed into the thread
 * (the pipeline's take-over link calls `relay`), what staff write there reaches the person through their own
 * channel, and [Hand back] returns the conversation to the bot. The person is told at each change. Staff text is
 * redacted before it is sent on, like everything else.
 */
import type { Locale, Logger, Reply, Turn } from '../core/index.js';
import { asCodedError, fileLabel, turnFiles } from '../core/index.js';
import { asksValue, namesPassword, opensValue, redact, REDACTION_MARK, valueAlone } from '../core/redact.js';
import { describeHandoffEvent, type HandoffEvent, type Notifier } from '../handoff/notifier.js';
import type { I18n, LocaleKey } from '../i18n/index.js';
import type { DeskRelay, HeldConversation, Staff } from '../pipeline/types.js';
import type { KeyValueStore } from '../state/types.js';
import type { DeskLink, DeskThread, HoldStore, TakeoverRecord } from './holds.js';

/** Locale keys the desk renders whatever its platform (ja and en must both have them). */
export const TAKEOVER_KEYS = ['takeover.user_said', 'takeover.user_sent_files', 'takeover.file', 'takeover.user_clicked', 'takeover.taken', 'takeover.returned', 'takeover.staff_said', 'takeover.staff'] as const satisfies readonly LocaleKey[];

/**
 * The line a help desk posts for a held person's turn — what they typed (redacted) or the button they pressed —
 * in the desk's locale. Every desk relays through this, so redaction happens in one place.
 */
export function relayLine(turn: Turn, i18n: I18n, locale: Locale): string {
  const name = turn.userName ?? turn.userId;
  if (turn.action !== undefined) return i18n.t('takeover.user_clicked', { name, value: turn.action }, locale);
  const text = redact(turn.text ?? '').text;
  const files = turnFiles(turn);
  // A screenshot sent alone reaches staff as what it is, not as an empty line.
  if (files.length === 0) return i18n.t('takeover.user_said', { name, text }, locale);
  // 「IMG_0123.PNG (image/png), ファイル」: names are redacted like text (a file name can carry anything).
  const unnamed = i18n.t('takeover.file', undefined, locale);
  const listed = files.map((f) => fileLabel(f.name ? { ...f, name: redact(f.name).text } : f, unnamed)).join(', ');
  const sent = i18n.t('takeover.user_sent_files', { name, count: String(files.length), files: listed }, locale);
  return text.trim() === '' ? sent : `${i18n.t('takeover.user_said', { name, text }, locale)}\n${sent}`;
}

export type EscalatedEvent = Extract<HandoffEvent, { type: 'escalated' }>;

/** What a desk platform does; the channel implements it (rendering and API calls only). */
export interface DeskTransport {
  /** Announces an escalation with a [Take over] button; its thread, or undefined when the desk cannot be reached yet (logged). */
  announce(event: EscalatedEvent): Promise<DeskThread | undefined>;
  /**
   * Posts a line into a thread of the desk (the desk channel itself when `thread` is undefined), in order per thread.
   * False when the desk cannot be reached yet; throws when the platform refused for good (after its retries).
   */
  post(thread: DeskThread | undefined, text: string, fields: Record<string, unknown>): Promise<boolean>;
  /**
   * Re-renders the announcement with a status line and the one button that now applies. `shown` is what the
   * platform sent with the press (Slack: the message as it was), if anything.
   */
  showStatus(thread: DeskThread, link: DeskLink, status: string, next: 'take' | 'back', shown?: unknown): Promise<void>;
  /** How the desk names staff in its own lines when their name is unknown (a Slack mention, a word). */
  staffLabel(staff: Staff): string;
}

/** The desk's own lines (platform keys: `slack.desk.*`, `teams.desk.*`); optional ones are not said when absent. */
export interface DeskKeys {
  /** Status line once taken: `{name}`. */
  takenBy: string;
  /** Status line once handed back: `{name}`. */
  handedBackBy: string;
  /** A press on an announcement the desk no longer knows. */
  notFound: string;
  /** Staff wrote in an announcement's thread before taking over (unset: the thread is staff's own discussion). */
  notHeld?: string;
  /** The person could not be reached on their channel: `{channel}` (unset: only logged). */
  unreachable?: string;
  /** Staff addressed the bot outside any announcement (unset: not the desk's message). */
  ready?: string;
}

export interface HelpDeskOptions {
  /** For logs: 'slack', 'teams'. Also scopes the desk's redelivery claims. */
  name: string;
  transport: DeskTransport;
  holds: HoldStore;
  /** Where redelivered presses and staff messages are recognised (one claim per platform event id). */
  kv: KeyValueStore;
  i18n: I18n;
  /** Language of the help desk (DEFAULT_LOCALE). */
  locale: Locale;
  keys: DeskKeys;
  /** Reaches the person in their own conversation (the composition root's proactive senders); false when it could not. */
  tellPerson(link: Pick<DeskLink, 'conversationId' | 'channel'>, replies: Reply[]): Promise<boolean>;
  /**
   * Records a take-over or a hand-back in the conversation's transcript (the composition root's transcript store), so
   * /admin shows who holds it — and that it was handed back — whichever desk it happened in. Errors are logged.
   */
  recordHold?(conversationId: string, event: { type: 'taken_over' | 'handed_back'; by?: string }): Promise<unknown>;
  /**
   * Which holds this desk relays, when several desks run (Slack and Teams): those taken in its own threads. A desk
   * without it relays every hold no other desk owns.
   */
  owns?(hold: TakeoverRecord): boolean;
  logger: Logger;
  clock?: () => number;
}

/** A press on an announcement's button, as the channel translated it. */
export interface DeskPress {
  /** The announcement's thread (undefined when the platform did not say: then it cannot be one we know). */
  thread?: DeskThread;
  action: 'take' | 'back';
  staff: Staff;
  /** The ticket the button was rendered for, when the platform carries it (a stale card must not act on another). */
  ticketId?: string;
  /** What the platform sent of the announcement (see DeskTransport.showStatus). */
  shown?: unknown;
  /** The platform's event id: a redelivered press does nothing the second time. */
  eventId?: string;
}

/** A message staff wrote in a desk thread, as the channel translated it (mentions of the bot removed). */
export interface StaffMessage {
  /** Undefined when the message is in the desk channel but in no thread. */
  thread?: DeskThread;
  staff: Staff;
  text: string;
  eventId?: string;
}

export interface HelpDesk extends DeskRelay {
  readonly name: string;
  /** The hand-off Notifier: announces escalations, posts delivery news into their threads. */
  notifier: Notifier;
  /** See HelpDeskOptions.owns. */
  owns?(hold: TakeoverRecord): boolean;
  press(press: DeskPress): Promise<void>;
  /**
   * A message in a desk thread. True when it was the desk's (relayed while held, or answered), false when the thread
   * is no announcement's and the desk has no `ready` line — then it is not the desk's business.
   */
  staffMessage(message: StaffMessage): Promise<boolean>;
}

/** How long a press or a staff message is remembered to recognise its redelivery, seconds. */
const REDELIVERY_TTL_SECONDS = 86_400;

export function createHelpDesk(options: HelpDeskOptions): HelpDesk {
  const { transport, holds, i18n, locale, keys } = options;
  const log = options.logger.child({ component: `${options.name}-desk` });
  const clock = options.clock ?? Date.now;
  const t = (key: string, params?: Record<string, string | number>, loc: Locale = locale) => i18n.t(key, params, loc);
  const say = (key: string, params: Record<string, string | number>, loc: Locale): Reply => ({ key, text: t(key, params, loc) });

  /** True the first time an event id is seen (no id: always). */
  const firstTime = (eventId: string | undefined) =>
    eventId ? options.kv.claim({ name: `desk:${options.name}:seen:${eventId.slice(0, 256)}` }, REDELIVERY_TTL_SECONDS) : Promise.resolve(true);

  const post = (thread: DeskThread | undefined, text: string, fields: Record<string, unknown>) =>
    transport.post(thread, text, fields).catch((e: unknown) => {
      log.warn({ ...fields, err: asCodedError(e).message }, 'desk line not posted');
      return false;
    });

  /** Tells the person; when that fails, staff are told too (if the desk has a line for it). */
  async function tell(link: DeskLink, thread: DeskThread, reply: Reply): Promise<void> {
    const told = await options.tellPerson(link, [reply]).catch(() => false);
    if (told) return;
    log.warn({ conversation: link.conversationId, channel: link.channel }, 'could not reach the person on their channel');
    if (keys.unreachable) await post(thread, t(keys.unreachable, { channel: link.channel }), { ticket: link.ticketId });
  }

  async function announce(event: EscalatedEvent): Promise<void> {
    const ticket = event.ticket;
    const thread = await transport.announce(event);
    if (!thread) return;
    await holds.link({ conversationId: ticket.conversation, channel: ticket.channel, locale: ticket.locale, ticketId: ticket.id, desk: thread });
    log.info({ ticket: ticket.id, channel: thread.channel }, 'escalation announced to the help desk');
  }

  async function followUp(event: Exclude<HandoffEvent, { type: 'escalated' }>): Promise<void> {
    // Delivery news goes into the announcement's thread, so the desk reads one ticket's story in one place.
    const link = await holds.byTicket(event.ticket.id).catch(() => undefined);
    await transport.post(link?.desk, describeHandoffEvent(event, i18n, locale), { ticket: event.ticket.id });
  }

  async function takeOver(p: DeskPress & { thread: DeskThread }, link: DeskLink): Promise<void> {
    const already = await holds.get(link.conversationId);
    const hold: TakeoverRecord = { ...link, staff: p.staff, sinceMs: clock() };
    await holds.set(hold);
    log.info({ conversation: link.conversationId, ticket: link.ticketId, staff: p.staff.id }, 'conversation taken over');
    await transport
      .showStatus(p.thread, link, t(keys.takenBy, { name: p.staff.name ?? transport.staffLabel(p.staff) }), 'back', p.shown)
      .catch((e: unknown) => log.warn({ ticket: link.ticketId, err: asCodedError(e).message }, 'announcement not updated'));
    const name = p.staff.name ?? transport.staffLabel(p.staff);
    if (already?.staff.id !== p.staff.id) await recordHold(link.conversationId, { type: 'taken_over', by: name });
    // A second press (or a colleague's) in the same thread changes who holds it; the person was already told.
    if (already && already.desk.channel === link.desk.channel && already.desk.thread === link.desk.thread) return;
    await tell(link, p.thread, say('takeover.taken', { name: p.staff.name ?? t('takeover.staff', undefined, link.locale) }, link.locale));
  }

  async function handBack(p: DeskPress & { thread: DeskThread }, link: DeskLink): Promise<void> {
    const had = await holds.clear(link.conversationId);
    log.info({ conversation: link.conversationId, ticket: link.ticketId, staff: p.staff.id, had }, 'conversation handed back');
    await transport
      .showStatus(p.thread, link, t(keys.handedBackBy, { name: p.staff.name ?? transport.staffLabel(p.staff) }), 'take', p.shown)
      .catch((e: unknown) => log.warn({ ticket: link.ticketId, err: asCodedError(e).message }, 'announcement not updated'));
    if (had) await recordHold(link.conversationId, { type: 'handed_back', by: p.staff.name ?? transport.staffLabel(p.staff) });
    if (had) await options.tellPerson(link, [say('takeover.returned', {}, link.locale)]).catch(() => false);
  }

  async function recordHold(conversationId: string, event: { type: 'taken_over' | 'handed_back'; by?: string }): Promise<void> {
    await options.recordHold?.(conversationId, event).catch((e: unknown) => log.warn({ conversation: conversationId, err: asCodedError(e).message }, 'take-over not recorded in the transcript'));
  }

  return {
    name: options.name,
    ...(options.owns ? { owns: options.owns } : {}),

    notifier: {
      async notify(event) {
        try {
          if (event.type === 'escalated') await announce(event);
          else await followUp(event);
        } catch (e) {
          log.error({ ticket: event.ticket.id, event: event.type, err: asCodedError(e).message }, 'help-desk notification failed');
          throw e;
        }
      },
      // A line of its own in the desk channel (an incident): not about one ticket, so no thread.
      async broadcast(text, fields) {
        await post(undefined, text, fields);
      },
    },

    async relay(turn: Turn, hold: HeldConversation) {
      const record = hold as TakeoverRecord;
      const sent = await transport.post(record.desk, relayLine(turn, i18n, locale), { conversation: record.conversationId });
      if (!sent) throw new Error('help-desk channel not reachable');
    },

    async press(p) {
      if (!(await firstTime(p.eventId))) return;
      const thread = p.thread;
      const link = thread ? await holds.byThread(thread) : undefined;
      if (!thread || !link || (p.ticketId !== undefined && link.ticketId !== p.ticketId)) {
        log.warn({ channel: thread?.channel, ticket: p.ticketId }, 'desk button on an announcement we no longer know');
        await post(thread, t(keys.notFound), { ticket: p.ticketId });
        return;
      }
      if (p.action === 'take') await takeOver({ ...p, thread }, link);
      else await handBack({ ...p, thread }, link);
    },

    async staffMessage(m) {
      const link = m.thread ? await holds.byThread(m.thread) : undefined;
      if (!link) {
        if (!keys.ready) return false;
        // Addressed to the bot outside an announcement's thread: the set-up mention, or a question. Say the desk is wired.
        if (await firstTime(m.eventId)) await post(m.thread, t(keys.ready), {});
        return true;
      }
      if (!(await firstTime(m.eventId))) return true;
      const held = await holds.get(link.conversationId);
      if (!held) {
        // Before take-over (or after hand-back) the thread is the desk's own discussion: nothing goes to the person.
        if (keys.notHeld) await post(m.thread, t(keys.notHeld), { ticket: link.ticketId });
        return true;
      }
      // After a password was talked about while held (hold.passwordTalk), 「新しいのはアサガオです」 is a value here too (sec-27).
      // Staff's own value sent alone right after their label (「新しい仮パスワードは」 → 「Xy7pq」) is the mark (sec-28).
      const alone = held.staffValueNext === true && valueAlone(m.text);
      const said = alone ? REDACTION_MARK[held.locale] : redact(m.text, { passwordTopic: held.passwordTalk === true }).text.trim();
      if (said === '') return true;
      const name = m.staff.name ?? held.staff.name ?? t('takeover.staff', undefined, held.locale);
      await tell(link, m.thread!, say('takeover.staff_said', { name, text: said }, held.locale));
      // Staff asked for a password (「新しいパスワードは？」): the person's next message, if a value alone, reaches the desk
      // and the transcript as the mark (the take-over link reads hold.valueNext); staff talking of a password makes it the
      // topic, as the person's own words do (hold.passwordTalk). sec-27.
      const asked = asksValue(m.text);
      const talk = held.passwordTalk === true || namesPassword(m.text);
      const { staffValueNext: _was, ...rest } = held;
      const opens = !alone && opensValue(m.text);
      await holds.renew({
        ...rest,
        ...(asked ? { valueNext: true } : {}),
        ...(talk ? { passwordTalk: true as const } : {}),
        ...(opens ? { staffValueNext: true as const } : {}),
      });
      return true;
    },
  };
}
