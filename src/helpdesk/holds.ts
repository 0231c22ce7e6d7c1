/**
 * Staff take-over state, channel-neutral: which conversations help-desk staff hold, and which desk thread (and
 * ticket) each escalation's announcement lives in. Kept in the process's KeyValueStore — memory by default, Redis
 * when configured, so a hold set by one replica is honoured by every replica.
 *
 * Keys: the hold under the conversation's hash tag (`{c:<id>}:takeover`), desk links deployment-wide
 * (`desk:thread:<channel>:<thread>`, `desk:ticket:<ticket id>`).
 */
import type { ChannelName, Locale } from '../core/index.js';
import type { HeldConversation, Staff } from '../pipeline/types.js';
import type { KeyValueStore } from '../state/types.js';

/** Where staff talk about one escalation (platform ids, opaque here: Slack channel id + thread ts, Teams channel + root id). */
export interface DeskThread {
  channel: string;
  thread: string;
}

/** What the help-desk announcement of an escalation points at. */
export interface DeskLink {
  conversationId: string;
  /** The person's channel, to pick the sender that reaches them. */
  channel: ChannelName;
  locale: Locale;
  ticketId: string;
  desk: DeskThread;
}

/** A conversation held by staff. */
export interface TakeoverRecord extends DeskLink, HeldConversation {
  staff: Staff;
  /** When staff took over, ms since epoch. */
  sinceMs: number;
  /**
   * Staff's last message ended on a password label (「新しい仮パスワードは」): their next, if a value alone (「Xy7pq」,
   * 「ホシゾラ」), goes to the person and the transcript as the mark — redaction reads one message at a time (sec-28).
   */
  staffValueNext?: true;
}

export interface HoldStore {
  get(conversationId: string): Promise<TakeoverRecord | undefined>;
  /** Holds the conversation for the store's TTL. */
  set(record: TakeoverRecord): Promise<void>;
  /** Renews a hold (every relayed turn and staff message does). */
  renew(record: TakeoverRecord): Promise<void>;
  /** Releases the hold; true when there was one. */
  clear(conversationId: string): Promise<boolean>;
  /** Remembers which conversation a help-desk thread (and a ticket id) belongs to. */
  link(link: DeskLink): Promise<void>;
  byThread(desk: DeskThread): Promise<DeskLink | undefined>;
  byTicket(ticketId: string): Promise<DeskLink | undefined>;
}

const holdKey = (conversationId: string) => ({ conversation: conversationId, name: 'takeover' });
const threadKey = (d: DeskThread) => ({ name: `desk:thread:${d.channel}:${d.thread}` });
const ticketKey = (ticketId: string) => ({ name: `desk:ticket:${ticketId}` });

/**
 * The hold store over a KeyValueStore. `ttlSeconds` is the idle life of a hold and of a desk link
 * (STATE_TTL_SECONDS): a conversation staff stopped answering is handed back to the bot by itself.
 */
export function createHoldStore(kv: KeyValueStore, ttlSeconds: number): HoldStore {
  return {
    get: (conversationId) => kv.get<TakeoverRecord>(holdKey(conversationId)),
    set: (record) => kv.set(holdKey(record.conversationId), record, ttlSeconds),
    renew: (record) => kv.set(holdKey(record.conversationId), record, ttlSeconds),
    clear: (conversationId) => kv.delete(holdKey(conversationId)),
    async link(link) {
      await kv.set(threadKey(link.desk), link, ttlSeconds);
      await kv.set(ticketKey(link.ticketId), link, ttlSeconds);
    },
    byThread: (desk) => kv.get<DeskLink>(threadKey(desk)),
    byTicket: (ticketId) => kv.get<DeskLink>(ticketKey(ticketId)),
  };
}
