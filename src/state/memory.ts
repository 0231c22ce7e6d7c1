/**
 * In-process stores: the default with no Redis configured (one process, `npm start`, `mailmedic chat`).
 * Same contract as the Redis stores (test/state/contract.ts runs against both). Time comes from an injected
 * clock so TTLs can be tested without waiting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CodedError, ErrorCode } from '../core/index.js';
import type { ConversationState } from '../dialog/types.js';
import type { ConversationStore, DedupeStore, SetOptions, StoreHealth, TicketIds } from './types.js';
import { formatTicketId, ticketDay } from './ticket-id.js';

/** Clock, ms since epoch. */
export type Clock = () => number;

export interface MemoryStoreOptions {
  clock?: Clock;
  /** How long withLock waits for the conversation's previous turn, ms, before LockTimeout. Default 10,000. */
  lockWaitMs?: number;
}

interface Entry {
  value: string;
  expiresAtMs: number;
}

/**
 * Strings that expire like Redis keys with EX, in this process's memory: the one mechanism behind every memory
 * store (conversations, dedupe, take-over holds, Teams references). An expired entry is dropped when read, and
 * all expired entries now and then (one pass per `sweepEvery` writes) so an idle map does not grow forever.
 * With `max`, the least recently written entries go first once it is exceeded.
 */
export class MemoryTtlMap {
  readonly #map = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #max: number;
  readonly #sweepEvery: number;
  #writes = 0;

  constructor(options: { clock?: Clock; max?: number; sweepEvery?: number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#max = options.max ?? Infinity;
    this.#sweepEvery = options.sweepEvery ?? 1_000;
  }

  /** The live value of `key`, or undefined when absent or expired. */
  get(key: string): string | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (e.expiresAtMs <= this.#clock()) {
      this.#map.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Sets `key` for `ttlSeconds` (replacing any value and its TTL). */
  set(key: string, value: string, ttlSeconds: number): void {
    const now = this.#clock();
    // Deleted first so Map order is write order: the oldest write is the first key, which `max` evicts.
    this.#map.delete(key);
    this.#map.set(key, { value, expiresAtMs: now + ttlSeconds * 1000 });
    if (++this.#writes % this.#sweepEvery === 0) for (const [k, e] of this.#map) if (e.expiresAtMs <= now) this.#map.delete(k);
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value;
      if (oldest === undefined) break;
      this.#map.delete(oldest);
    }
  }

  /** Removes `key`; true when a live value was there. */
  delete(key: string): boolean {
    const live = this.get(key) !== undefined;
    this.#map.delete(key);
    return live;
  }
}

export class MemoryConversationStore implements ConversationStore {
  readonly #lockWaitMs: number;
  // States are kept as JSON so a caller mutating its copy never changes the stored one (as with Redis).
  readonly #data: MemoryTtlMap;
  readonly #locks = new Map<string, Promise<void>>();

  constructor(options: MemoryStoreOptions = {}) {
    this.#lockWaitMs = options.lockWaitMs ?? 10_000;
    this.#data = new MemoryTtlMap({ clock: options.clock });
  }

  async get(conversationId: string): Promise<ConversationState | undefined> {
    const json = this.#data.get(conversationId);
    return json === undefined ? undefined : (JSON.parse(json) as ConversationState);
  }

  async set(conversationId: string, state: ConversationState, ttlSeconds: number, options: SetOptions = {}): Promise<void> {
    if (options.expectedTurn !== undefined) {
      const current = await this.get(conversationId);
      const turn = current ? current.turn : -1;
      if (turn !== options.expectedTurn) {
        throw new CodedError(
          ErrorCode.LockTimeout,
          `conversation changed under the turn (stored turn ${turn}, expected ${options.expectedTurn})`,
        );
      }
    }
    this.#data.set(conversationId, JSON.stringify(state), ttlSeconds);
  }

  async delete(conversationId: string): Promise<void> {
    this.#data.delete(conversationId);
  }

  /**
   * A promise chain per conversation: each turn waits for the previous one. A turn that waited longer than
   * lockWaitMs gives up with LockTimeout (and its successors still wait for the turn it was waiting on).
   */
  async withLock<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(conversationId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    // The next turn waits for the previous one AND this one, so giving up on a wait never lets two run at once.
    const tail = Promise.all([previous, mine]).then(() => undefined);
    this.#locks.set(conversationId, tail);
    // Forget the chain once it ran out with nothing queued behind, so the map holds only busy conversations.
    void tail.then(() => {
      if (this.#locks.get(conversationId) === tail) this.#locks.delete(conversationId);
    });
    try {
      const waited = await Promise.race([previous.then(() => true), sleep(this.#lockWaitMs, false, { ref: false })]);
      if (!waited) throw new CodedError(ErrorCode.LockTimeout, `conversation busy for more than ${this.#lockWaitMs} ms`);
      return await fn();
    } finally {
      release();
    }
  }
}

export class MemoryDedupeStore implements DedupeStore {
  readonly #seen: MemoryTtlMap;

  constructor(options: { clock?: Clock } = {}) {
    this.#seen = new MemoryTtlMap({ clock: options.clock });
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    if (this.#seen.get(key) !== undefined) return false;
    this.#seen.set(key, '1', ttlSeconds);
    return true;
  }
}

export class MemoryTicketIds implements TicketIds {
  readonly #utcOffsetMinutes: number;
  readonly #seq = new Map<string, number>();

  constructor(options: { utcOffsetMinutes?: number } = {}) {
    this.#utcOffsetMinutes = options.utcOffsetMinutes ?? 0;
  }

  async next(nowMs: number): Promise<string> {
    const day = ticketDay(nowMs, this.#utcOffsetMinutes);
    const n = (this.#seq.get(day) ?? 0) + 1;
    // Only today's counter matters; older days are dropped so the map stays at one or two entries.
    if (!this.#seq.has(day)) for (const d of this.#seq.keys()) if (d < day) this.#seq.delete(d);
    this.#seq.set(day, n);
    return formatTicketId(day, n);
  }
}

export const memoryHealth: StoreHealth = {
  async ping() {
    return true;
  },
  async close() {},
};
