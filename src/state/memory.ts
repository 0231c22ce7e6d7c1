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

interface Entry<T> {
  value: T;
  expiresAtMs: number;
}

/** Drops expired entries now and then so an idle map does not grow forever (cost: one pass per `every` writes). */
function sweeper<T>(map: Map<string, Entry<T>>, clock: Clock, every = 1_000) {
  let writes = 0;
  return () => {
    if (++writes % every !== 0) return;
    const now = clock();
    for (const [k, e] of map) if (e.expiresAtMs <= now) map.delete(k);
  };
}

export class MemoryConversationStore implements ConversationStore {
  readonly #clock: Clock;
  readonly #lockWaitMs: number;
  // States are kept as JSON so a caller mutating its copy never changes the stored one (as with Redis).
  readonly #data = new Map<string, Entry<string>>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #sweep: () => void;

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#lockWaitMs = options.lockWaitMs ?? 10_000;
    this.#sweep = sweeper(this.#data, this.#clock);
  }

  async get(conversationId: string): Promise<ConversationState | undefined> {
    const e = this.#data.get(conversationId);
    if (!e) return undefined;
    if (e.expiresAtMs <= this.#clock()) {
      this.#data.delete(conversationId);
      return undefined;
    }
    return JSON.parse(e.value) as ConversationState;
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
    this.#data.set(conversationId, { value: JSON.stringify(state), expiresAtMs: this.#clock() + ttlSeconds * 1000 });
    this.#sweep();
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
  readonly #clock: Clock;
  readonly #seen = new Map<string, Entry<true>>();
  readonly #sweep: () => void;

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#sweep = sweeper(this.#seen, this.#clock);
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.#clock();
    const e = this.#seen.get(key);
    if (e && e.expiresAtMs > now) return false;
    this.#seen.set(key, { value: true, expiresAtMs: now + ttlSeconds * 1000 });
    this.#sweep();
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
