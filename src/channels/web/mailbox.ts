/**
 * The web chat's mailbox: bot messages sent outside a turn (ticket delivered / failed, staff replies during a
 * take-over) wait here until the page polls `POST /api/chat/messages` (or GET). A browser cannot be written to
 * first, so the web channel's proactive sender only puts messages in the mailbox.
 *
 * Storage follows the other stores: memory by default, Redis (the process's one connection) when configured, so a
 * message sent by one replica is read through any other. Per conversation the Redis form is one stream
 * `<prefix>:{c:<id>}:webbox` (the conversation's hash tag, so it lives on the conversation's Cluster slot), capped at
 * MAX_PENDING entries, its TTL renewed by every send. Messages are not deleted when read: the page asks for what
 * came after its cursor, so a lost response or a second tab loses nothing.
 *
 * Cursors and message ids are stream ids, `<ms>-<seq>` (Redis makes them; memory imitates them), increasing within
 * a conversation.
 */
import type { Choice, Logger, Reply } from '../../core/index.js';
import { silentLogger } from '../../core/index.js';
import type { RedisConnection } from '../../state/redis.js';

/** Most messages kept per conversation; older ones are dropped first. */
export const MAX_PENDING = 50;
/** Most conversations a memory mailbox keeps (least recently written dropped first), so one process stays bounded. */
export const MAX_MEMORY_CONVERSATIONS = 5_000;

/** One waiting message, as the endpoint returns it. `choices` only when there are some. */
export interface WebMessage {
  id: string;
  text: string;
  choices?: Array<{ label: string; value: string }>;
}

/** What one poll returns: the messages after the cursor (oldest first) and the cursor to send next time. */
export interface WebMailboxRead {
  messages: WebMessage[];
  cursor: string;
}

export interface WebMailbox {
  /** Appends replies to the conversation's mailbox (renewing its TTL). Throws CodedError(StoreUnavailable) when Redis is down. */
  push(conversationId: string, replies: Reply[]): Promise<void>;
  /** Messages after `after` (a cursor from an earlier read; undefined: everything kept). */
  read(conversationId: string, after?: string): Promise<WebMailboxRead>;
}

/** The cursor before every message. */
export const START_CURSOR = '0-0';

const CURSOR = /^(\d{1,15})(?:-(\d{1,15}))?$/;

/**
 * Normalises a cursor to `<ms>-<seq>`, or undefined when it is not one. Up to 15 digits each, so both parts are
 * exact JavaScript numbers and valid Redis stream ids.
 */
export function parseCursor(value: string): string | undefined {
  const m = CURSOR.exec(value);
  if (!m) return undefined;
  return `${Number(m[1])}-${Number(m[2] ?? '0')}`;
}

const idParts = (id: string): [number, number] => {
  const [ms, seq] = id.split('-');
  return [Number(ms), Number(seq ?? '0')];
};
/** True when stream id `a` comes after `b`. */
const isAfter = (a: string, b: string): boolean => {
  const [am, as] = idParts(a);
  const [bm, bs] = idParts(b);
  return am > bm || (am === bm && as > bs);
};

/** What is stored per message: the text and choices only (a reply's locale key stays internal). */
interface Stored {
  text: string;
  choices?: Array<{ label: string; value: string }>;
}

const toStored = (r: Reply): Stored => {
  const s: Stored = { text: r.text };
  if (r.choices && r.choices.length > 0) s.choices = r.choices.map((c: Choice) => ({ label: c.label, value: c.value }));
  return s;
};

const fromStored = (id: string, raw: string): WebMessage | undefined => {
  try {
    const s = JSON.parse(raw) as Stored;
    if (typeof s.text !== 'string') return undefined;
    const m: WebMessage = { id, text: s.text };
    if (Array.isArray(s.choices) && s.choices.length > 0) m.choices = s.choices;
    return m;
  } catch {
    return undefined;
  }
};

interface Box {
  items: Array<{ id: string; stored: Stored }>;
  expiresAtMs: number;
}

/** Memory mailbox (one process). */
export class MemoryWebMailbox implements WebMailbox {
  // Insertion order is write order: the first entry is the least recently written conversation.
  readonly #boxes = new Map<string, Box>();
  readonly #ttlMs: number;
  readonly #clock: () => number;
  #lastMs = 0;
  #seq = 0;

  /** `ttlSeconds`: idle life of a conversation's mailbox (STATE_TTL_SECONDS). */
  constructor(ttlSeconds: number, clock: () => number = Date.now) {
    this.#ttlMs = ttlSeconds * 1000;
    this.#clock = clock;
  }

  #nextId(): string {
    const now = this.#clock();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = 0;
    } else this.#seq++;
    return `${this.#lastMs}-${this.#seq}`;
  }

  #box(conversationId: string): Box | undefined {
    const box = this.#boxes.get(conversationId);
    if (box && box.expiresAtMs <= this.#clock()) {
      this.#boxes.delete(conversationId);
      return undefined;
    }
    return box;
  }

  async push(conversationId: string, replies: Reply[]): Promise<void> {
    const box = this.#box(conversationId) ?? { items: [], expiresAtMs: 0 };
    for (const r of replies) box.items.push({ id: this.#nextId(), stored: toStored(r) });
    if (box.items.length > MAX_PENDING) box.items.splice(0, box.items.length - MAX_PENDING);
    box.expiresAtMs = this.#clock() + this.#ttlMs;
    this.#boxes.delete(conversationId);
    this.#boxes.set(conversationId, box);
    while (this.#boxes.size > MAX_MEMORY_CONVERSATIONS) {
      const oldest = this.#boxes.keys().next().value as string;
      this.#boxes.delete(oldest);
    }
  }

  async read(conversationId: string, after?: string): Promise<WebMailboxRead> {
    const items = this.#box(conversationId)?.items ?? [];
    const fresh = after === undefined ? items : items.filter((i) => isAfter(i.id, after));
    const messages = fresh.map((i) => ({ id: i.id, ...structuredClone(i.stored) }));
    return { messages, cursor: messages.at(-1)?.id ?? after ?? START_CURSOR };
  }
}

/** Appends every message (ARGV[3..]) in one step, trims to the cap and renews the TTL; returns nothing. */
const PUSH = `
for i = 3, #ARGV do redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'm', ARGV[i]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Redis mailbox: one capped stream per conversation under its hash tag, shared by every replica. */
export class RedisWebMailbox implements WebMailbox {
  readonly #conn: RedisConnection;
  readonly #ttlSeconds: number;

  constructor(conn: RedisConnection, ttlSeconds: number) {
    this.#conn = conn;
    this.#ttlSeconds = Math.max(1, Math.round(ttlSeconds));
  }

  #key(conversationId: string): string {
    return `${this.#conn.keys.tag(conversationId)}:webbox`;
  }

  async push(conversationId: string, replies: Reply[]): Promise<void> {
    if (replies.length === 0) return;
    await this.#conn.run('web mailbox push', (c) =>
      c.eval(PUSH, {
        keys: [this.#key(conversationId)],
        arguments: [String(MAX_PENDING), String(this.#ttlSeconds), ...replies.map((r) => JSON.stringify(toStored(r)))],
      }),
    );
  }

  async read(conversationId: string, after?: string): Promise<WebMailboxRead> {
    // '(' makes the start exclusive (Redis 6.2+): only what came after the cursor.
    const start = after === undefined ? '-' : `(${after}`;
    const entries = await this.#conn.run('web mailbox read', (c) =>
      c.xRange(this.#key(conversationId), start, '+', { COUNT: MAX_PENDING }),
    );
    const messages: WebMessage[] = [];
    let cursor = after ?? START_CURSOR;
    for (const e of entries ?? []) {
      cursor = e.id;
      const raw = (e.message as Record<string, string | undefined>)['m'];
      const m = raw === undefined ? undefined : fromStored(e.id, raw);
      if (m) messages.push(m);
    }
    return { messages, cursor };
  }
}

export interface WebMailboxOptions {
  /** The process's Redis connection (Stores.redis); memory when absent. */
  redis?: RedisConnection;
  /** Idle life of a conversation's mailbox, seconds (STATE_TTL_SECONDS). */
  ttlSeconds: number;
}

export function createWebMailbox(options: WebMailboxOptions): WebMailbox {
  return options.redis ? new RedisWebMailbox(options.redis, options.ttlSeconds) : new MemoryWebMailbox(options.ttlSeconds);
}

/**
 * The web channel's proactive sender (for `core.registerSender('web', …)`): the replies wait in the mailbox until
 * the page polls. True once stored; false (logged) when the store failed — the caller then knows it did not arrive.
 */
export function webSender(mailbox: WebMailbox, logger: Logger = silentLogger): (conversationId: string, replies: Reply[]) => Promise<boolean> {
  return async (conversationId, replies) => {
    try {
      await mailbox.push(conversationId, replies);
      return true;
    } catch (e) {
      logger.warn({ channel: 'web', conversation: conversationId, err: e instanceof Error ? e.name : 'error' }, 'web mailbox push failed');
      return false;
    }
  };
}
