/**
 * Staff take-over, channel-neutral. While a person from the help desk holds a conversation the bot stays quiet in
 * it: `withTakeover` wraps the pipeline and hands the user's turns to a relay (the help-desk channel posts them to
 * staff) instead of the NLU and the engine. Staff replies reach the person through the outlet of the person's
 * channel. The help desk (Slack today, Teams later) sets and clears the hold; the core only honours it.
 *
 * Storage follows the other stores: memory by default, Redis (the process's one connection) when configured, so a
 * hold set by one replica is honoured by every replica. Keys of a conversation share its hash tag.
 */
import type { ChannelName, Locale, Logger, Reply, Turn } from '../core/index.js';
import { asCodedError, silentLogger } from '../core/index.js';
import { redact } from '../core/redact.js';
import type { I18n } from '../i18n/index.js';
import { MemoryTtlMap } from '../state/memory.js';
import type { RedisConnection } from '../state/redis.js';
import { seenClaimKey } from '../state/keys.js';
import type { DedupeStore } from '../state/types.js';
import type { Pipeline, PipelineOutcome } from './types.js';

/**
 * The line a help desk posts for a held person's turn — what they typed (redacted) or the button they pressed —
 * in the desk's locale. Every desk (Slack, Teams) relays through this, so redaction happens in one place.
 */
export function relayLine(turn: Turn, i18n: I18n, locale: Locale): string {
  const name = turn.userName ?? turn.userId;
  return turn.action !== undefined
    ? i18n.t('takeover.user_clicked', { name, value: turn.action }, locale)
    : i18n.t('takeover.user_said', { name, text: redact(turn.text ?? '').text }, locale);
}

/** Where staff talk about one escalation (platform ids, opaque to the core: Slack channel id + thread ts …). */
export interface DeskThread {
  channel: string;
  thread: string;
}

/** What the help-desk announcement of an escalation points at. */
export interface DeskLink {
  conversationId: string;
  /** The person's channel, to pick the outlet that reaches them. */
  channel: ChannelName;
  locale: Locale;
  ticketId: string;
  desk: DeskThread;
}

/** A conversation held by staff. */
export interface TakeoverRecord extends DeskLink {
  staff: { id: string; name?: string };
  /** When staff took over, ms since epoch. */
  sinceMs: number;
}

export interface TakeoverStore {
  get(conversationId: string): Promise<TakeoverRecord | undefined>;
  /** Holds the conversation for `ttlSeconds` (renewed by every relayed turn). */
  set(record: TakeoverRecord, ttlSeconds: number): Promise<void>;
  /** Releases the hold; true when there was one. */
  clear(conversationId: string): Promise<boolean>;
  /** Remembers which conversation a help-desk thread (and a ticket id) belongs to. */
  link(link: DeskLink, ttlSeconds: number): Promise<void>;
  byThread(desk: DeskThread): Promise<DeskLink | undefined>;
  byTicket(ticketId: string): Promise<DeskLink | undefined>;
}

/** Called with every user turn of a held conversation (the help desk posts it to staff). */
export type TakeoverRelay = (turn: Turn, record: TakeoverRecord) => Promise<void>;

/**
 * The process's take-over service: the store, plus the relay the help desk registers once it is built (the core is
 * built before the channels, so it is set late).
 */
export interface Takeover {
  readonly store: TakeoverStore;
  /** Idle life of a hold and of a desk link, seconds (STATE_TTL_SECONDS). */
  readonly ttlSeconds: number;
  /**
   * Registers a help desk's relay. With `owns`, the relay gets only the holds it owns (several help desks at once:
   * Slack and Teams, each owning the holds taken in its own desk thread); a relay without `owns` gets the rest.
   */
  setRelay(relay: TakeoverRelay, owns?: (record: TakeoverRecord) => boolean): void;
  /** Sends replies to the person of `link` through their channel; false when it could not (logged). */
  sendToPerson(link: Pick<DeskLink, 'conversationId' | 'channel'>, replies: Reply[]): Promise<boolean>;
  /** The pipeline wrapped so held conversations are relayed instead of answered. */
  wrap(pipeline: Pipeline): Pipeline;
}

const parse = <T>(raw: string | null | undefined): T | undefined => {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
};

/** Memory store (one process). */
export class MemoryTakeoverStore implements TakeoverStore {
  readonly #map: MemoryTtlMap;
  constructor(clock: () => number = Date.now) {
    this.#map = new MemoryTtlMap({ clock });
  }
  #get(key: string): string | undefined {
    return this.#map.get(key);
  }
  #set(key: string, value: unknown, ttlSeconds: number): void {
    this.#map.set(key, JSON.stringify(value), ttlSeconds);
  }
  async get(conversationId: string) {
    return parse<TakeoverRecord>(this.#get(`hold:${conversationId}`));
  }
  async set(record: TakeoverRecord, ttlSeconds: number) {
    this.#set(`hold:${record.conversationId}`, record, ttlSeconds);
  }
  async clear(conversationId: string) {
    return this.#map.delete(`hold:${conversationId}`);
  }
  async link(link: DeskLink, ttlSeconds: number) {
    this.#set(`thread:${link.desk.channel}:${link.desk.thread}`, link, ttlSeconds);
    this.#set(`ticket:${link.ticketId}`, link, ttlSeconds);
  }
  async byThread(desk: DeskThread) {
    return parse<DeskLink>(this.#get(`thread:${desk.channel}:${desk.thread}`));
  }
  async byTicket(ticketId: string) {
    return parse<DeskLink>(this.#get(`ticket:${ticketId}`));
  }
}

/**
 * Redis store. The hold lives under the conversation's hash tag (`<prefix>:{c:<id>}:takeover`); desk links are
 * keyed by the desk thread and the ticket id (`<prefix>:desk:…`), each a JSON string with a TTL.
 */
export class RedisTakeoverStore implements TakeoverStore {
  readonly #conn: RedisConnection;
  constructor(conn: RedisConnection) {
    this.#conn = conn;
  }
  #hold(id: string) {
    return `${this.#conn.keys.tag(id)}:takeover`;
  }
  #thread(d: DeskThread) {
    return `${this.#conn.keys.prefix}:desk:thread:${d.channel}:${d.thread}`;
  }
  #ticket(id: string) {
    return `${this.#conn.keys.prefix}:desk:ticket:${id}`;
  }
  #setJson(what: string, key: string, value: unknown, ttlSeconds: number) {
    return this.#conn.run(what, (c) => c.set(key, JSON.stringify(value), { expiration: { type: 'EX', value: Math.max(1, Math.round(ttlSeconds)) } }));
  }
  async get(conversationId: string) {
    return parse<TakeoverRecord>(await this.#conn.run('takeover get', (c) => c.get(this.#hold(conversationId))));
  }
  async set(record: TakeoverRecord, ttlSeconds: number) {
    await this.#setJson('takeover set', this.#hold(record.conversationId), record, ttlSeconds);
  }
  async clear(conversationId: string) {
    return (await this.#conn.run('takeover clear', (c) => c.del(this.#hold(conversationId)))) > 0;
  }
  async link(link: DeskLink, ttlSeconds: number) {
    await this.#setJson('desk link', this.#thread(link.desk), link, ttlSeconds);
    await this.#setJson('desk link', this.#ticket(link.ticketId), link, ttlSeconds);
  }
  async byThread(desk: DeskThread) {
    return parse<DeskLink>(await this.#conn.run('desk link get', (c) => c.get(this.#thread(desk))));
  }
  async byTicket(ticketId: string) {
    return parse<DeskLink>(await this.#conn.run('desk link get', (c) => c.get(this.#ticket(ticketId))));
  }
}

export interface TakeoverOptions {
  /** The process's Redis connection (Stores.redis); memory when absent. */
  redis?: RedisConnection;
  /** For de-duplicating redelivered user turns of held conversations (the same claims the pipeline uses). */
  dedupe: DedupeStore;
  ttlSeconds: number;
  /**
   * Reaches a person outside a turn on their channel (the composition root's proactive senders: Slack posts into
   * the thread, Teams sends a proactive message …); false when the channel cannot.
   */
  send(channel: ChannelName, conversationId: string, replies: Reply[]): Promise<boolean>;
  logger?: Logger;
}

export function createTakeover(options: TakeoverOptions): Takeover {
  const log = (options.logger ?? silentLogger).child({ component: 'takeover' });
  const store: TakeoverStore = options.redis ? new RedisTakeoverStore(options.redis) : new MemoryTakeoverStore();
  let relay: TakeoverRelay | undefined;
  const owned: Array<{ relay: TakeoverRelay; owns: (record: TakeoverRecord) => boolean }> = [];
  const relayFor = (record: TakeoverRecord) => owned.find((o) => o.owns(record))?.relay ?? relay;

  return {
    store,
    ttlSeconds: options.ttlSeconds,
    setRelay(r, owns) {
      if (owns) owned.push({ relay: r, owns });
      else relay = r;
    },
    async sendToPerson(link, replies) {
      const sent = await options.send(link.channel, link.conversationId, replies).catch(() => false);
      if (!sent) log.warn({ conversation: link.conversationId, channel: link.channel }, 'could not reach the person on their channel');
      return sent;
    },
    wrap(pipeline) {
      return {
        async handle(turn: Turn): Promise<PipelineOutcome> {
          let held: TakeoverRecord | undefined;
          try {
            held = relay || owned.length ? await store.get(turn.conversationId) : undefined;
          } catch (e) {
            // Store down: the pipeline meets the same outage and answers "try again shortly" politely.
            log.warn({ conversation: turn.conversationId, err: asCodedError(e).message }, 'take-over check failed');
          }
          const deskRelay = held ? relayFor(held) : undefined;
          if (!held || !deskRelay) return pipeline.handle(turn);
          const quiet: PipelineOutcome = { conversation: turn.conversationId, intent: null, node: '', status: 'escalated', replies: [] };
          try {
            if (turn.eventId) {
              const first = await options.dedupe.claim(seenClaimKey(turn.conversationId, turn.channel, turn.eventId.slice(0, 256)), 86_400);
              if (!first) return { ...quiet, duplicate: true };
            }
            await deskRelay(turn, held);
            // Every relayed turn renews the hold: a conversation in progress with staff does not expire under them.
            await store.set(held, options.ttlSeconds);
          } catch (e) {
            log.error({ conversation: turn.conversationId, err: asCodedError(e).message }, 'relaying a held conversation failed');
          }
          return quiet;
        },
      };
    },
  };
}
