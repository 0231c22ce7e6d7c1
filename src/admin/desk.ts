/**
 * Answering from /admin: staff take a conversation over (any channel), write to the person, and hand it back.
 *
 * A hold taken here is an ordinary take-over record of the shared HoldStore (so every replica's pipeline keeps the
 * bot quiet), whose desk thread is `{ channel: 'admin', thread: <conversation id> }`. The admin desk is a help desk
 * like Slack's and Teams': it "relays" a held person's turns by leaving them where the page reads them — the
 * transcript, which the pipeline's observer writes anyway — so it posts nothing. What staff write reaches the person
 * through their channel's proactive sender (web chat: its mailbox; Slack: the thread; Teams: the conversation), and
 * the composition root records every message sent outside a turn in the transcript, redacted.
 */
import type { ChannelName, Locale, Logger, Reply } from '../core/index.js';
import { redact } from '../core/redact.js';
import type { HelpDesk } from '../helpdesk/desk.js';
import type { HoldStore, TakeoverRecord } from '../helpdesk/holds.js';
import type { I18n } from '../i18n/index.js';
import type { ConversationSummary, TranscriptStore } from '../transcripts/types.js';

/** The desk thread channel of holds taken in /admin. */
export const ADMIN_DESK = 'admin';

export interface AdminDeskDeps {
  holds: HoldStore;
  /** Reaches the person in their own conversation (core.sendProactive); false when it could not. */
  sendProactive(channel: ChannelName, conversationId: string, replies: Reply[]): Promise<boolean>;
}

export interface AdminDeskOptions extends AdminDeskDeps {
  store: TranscriptStore;
  i18n: I18n;
  defaultLocale: Locale;
  logger: Logger;
  now: () => number;
}

export type DeskResult = { ok: true; told: boolean } | { ok: false; reason: 'not_found' | 'not_held' | 'empty' };

export interface AdminDesk {
  /** The help desk the pipeline relays admin holds to (wired by the composition root). */
  helpDesk: HelpDesk;
  hold(conversationId: string): Promise<TakeoverRecord | undefined>;
  takeOver(conversationId: string, staff: string): Promise<DeskResult>;
  handBack(conversationId: string, staff: string): Promise<DeskResult>;
  /** Sends staff's text (redacted) to the person; the conversation must be held (from here or a desk channel). */
  reply(conversationId: string, staff: string, text: string): Promise<DeskResult>;
}

export function createAdminDesk(o: AdminDeskOptions): AdminDesk {
  const log = o.logger.child({ component: 'admin-desk' });
  const localeOf = (s: ConversationSummary): Locale => s.locale ?? o.defaultLocale;
  const say = (key: string, params: Record<string, string>, locale: Locale): Reply => ({ key, text: o.i18n.t(key, params, locale) });
  const staffName = (staff: string, locale: Locale) => staff.trim() || o.i18n.t('takeover.staff', undefined, locale);

  const helpDesk: HelpDesk = {
    name: ADMIN_DESK,
    owns: (hold) => hold.desk.channel === ADMIN_DESK,
    notifier: { notify: async () => {} },
    // The turn is in the transcript (the observer records it, marked taken over): the page is where staff read it.
    relay: async () => {},
    press: async () => {},
    staffMessage: async () => false,
  };

  return {
    helpDesk,
    hold: (id) => o.holds.get(id),

    async takeOver(id, staff) {
      const s = await o.store.summary(id);
      if (!s) return { ok: false, reason: 'not_found' };
      const locale = localeOf(s);
      const name = staffName(staff, locale);
      const before = await o.holds.get(id);
      const record: TakeoverRecord = {
        conversationId: id,
        channel: s.channel,
        locale,
        ticketId: s.ticketId ?? '',
        desk: { channel: ADMIN_DESK, thread: id },
        staff: { id: `admin:${name}`, name },
        sinceMs: o.now(),
      };
      await o.holds.set(record);
      await o.store.addEvent(id, { type: 'taken_over', by: name }, o.now());
      log.info({ conversation: id, channel: s.channel, from: before?.desk.channel }, 'conversation taken over from /admin');
      // A colleague taking over from another colleague: the person was told already.
      if (before) return { ok: true, told: false };
      const told = await o.sendProactive(s.channel, id, [say('takeover.taken', { name }, locale)]);
      return { ok: true, told };
    },

    async handBack(id, staff) {
      const s = await o.store.summary(id);
      if (!s) return { ok: false, reason: 'not_found' };
      const had = await o.holds.clear(id);
      if (!had) return { ok: false, reason: 'not_held' };
      await o.store.addEvent(id, { type: 'handed_back', by: staffName(staff, localeOf(s)) }, o.now());
      log.info({ conversation: id }, 'conversation handed back from /admin');
      const told = await o.sendProactive(s.channel, id, [say('takeover.returned', {}, localeOf(s))]);
      return { ok: true, told };
    },

    async reply(id, staff, text) {
      const s = await o.store.summary(id);
      if (!s) return { ok: false, reason: 'not_found' };
      const hold = await o.holds.get(id);
      if (!hold) return { ok: false, reason: 'not_held' };
      const said = redact(text).text.trim();
      if (said === '') return { ok: false, reason: 'empty' };
      const locale = localeOf(s);
      const told = await o.sendProactive(s.channel, id, [say('takeover.staff_said', { name: staffName(staff, locale), text: said }, locale)]);
      await o.holds.renew(hold);
      if (!told) log.warn({ conversation: id, channel: s.channel }, 'staff reply could not reach the person');
      return { ok: true, told };
    },
  };
}
