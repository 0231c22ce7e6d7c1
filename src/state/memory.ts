/**
 * In-process stores: the default with no Redis configured (one process, `npm start`, `mailmedic chat`).
 * Same contract as the Redis stores (test/state/contract.ts runs against both). Time comes from an injected
 * clock so TTLs can be tested without waiting. Keys are the Redis key names without a prefix (keys.ts), so a
 * conversation id can never collide with another kind of key.
 */
import { CodedError, ErrorCode } from '../core/index.js';
import type { UtcOffset } from '../core/time-zone.js';
import type { ConversationState } from '../dialog/types.js';
import { createKeys } from './keys.js';
import type {
  ConversationStore,
  DeliveryClaim,
  DeliveryKey,
  DeliveryStore,
  KeyValueStore,
  LogEntry,
  SetOptions,
  StoreHealth,
  StoreKey,
  TicketIds,
} from './types.js';
import { formatTicketId, ticketDay, ticketFloor } from './ticket-id.js';

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
 * store (conversations, delivery claims, the key-value store). An expired entry is dropped when read, and
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

/** Memory keys: the Redis names without a deployment prefix. */
const memoryKeys = createKeys('');

/**
 * Delivery claims in memory: a run's token while it runs, `done` once its turn is finished. The conversation
 * store built with it (createStores) marks a claim done in the same step as the save.
 */
export class MemoryDeliveryStore implements DeliveryStore {
  readonly #claims: MemoryTtlMap;
  #runs = 0;

  constructor(options: { clock?: Clock } = {}) {
    this.#claims = new MemoryTtlMap({ clock: options.clock });
  }

  async claim(key: DeliveryKey, leaseSeconds: number): Promise<DeliveryClaim | undefined> {
    const k = memoryKeys.delivery(key);
    if (this.#claims.get(k) !== undefined) return undefined;
    const token = `run-${++this.#runs}`;
    this.#claims.set(k, token, leaseSeconds);
    return { key, token };
  }

  async release(claim: DeliveryClaim): Promise<void> {
    const k = memoryKeys.delivery(claim.key);
    if (this.#claims.get(k) === claim.token) this.#claims.delete(k);
  }

  async done(claim: DeliveryClaim, ttlSeconds: number): Promise<void> {
    this.commit(claim, ttlSeconds);
  }

  /** Marks the claim done unless another run holds the delivery now; false then (nothing changed). */
  commit(claim: DeliveryClaim, ttlSeconds: number): boolean {
    if (!this.ownedBy(claim)) return false;
    this.#claims.set(memoryKeys.delivery(claim.key), 'done', ttlSeconds);
    return true;
  }

  /** True while the delivery is this run's (or its lease ran out and nobody took it since). */
  ownedBy(claim: DeliveryClaim): boolean {
    const v = this.#claims.get(memoryKeys.delivery(claim.key));
    return v === undefined || v === claim.token;
  }
}

export class MemoryConversationStore implements ConversationStore {
  readonly #lockWaitMs: number;
  // States are kept as JSON so a caller mutating its copy never changes the stored one (as with Redis).
  readonly #data: MemoryTtlMap;
  readonly #locks = new Map<string, Promise<void>>();
  readonly #deliveries?: MemoryDeliveryStore;

  /** `deliveries`: the claims SetOptions.delivery refers to (createStores passes the process's one). */
  constructor(options: MemoryStoreOptions & { deliveries?: MemoryDeliveryStore } = {}) {
    this.#lockWaitMs = options.lockWaitMs ?? 10_000;
    this.#data = new MemoryTtlMap({ clock: options.clock });
    this.#deliveries = options.deliveries;
  }

  async get(conversationId: string): Promise<ConversationState | undefined> {
    const json = this.#data.get(conversationId);
    return json === undefined ? undefined : (JSON.parse(json) as ConversationState);
  }

  async set(conversationId: string, state: ConversationState, ttlSeconds: number, options: SetOptions = {}): Promise<void> {
    const { delivery } = options;
    if (delivery) {
      if (!this.#deliveries) throw new CodedError(ErrorCode.Internal, 'a delivery claim was given to a store built without delivery claims');
      if (!this.#deliveries.ownedBy(delivery.claim)) {
        throw new CodedError(ErrorCode.LockTimeout, 'delivery claim lost: another run of this delivery holds it');
      }
    }
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
    if (delivery) this.#deliveries!.commit(delivery.claim, delivery.doneTtlSeconds);
  }

  async delete(conversationId: string): Promise<void> {
    this.#data.delete(conversationId);
  }

  /**
   * A promise chain per conversation: each turn waits for the previous one. A turn that waited longer than
   * lockWaitMs gives up with LockTimeout (and its successors still wait for the turn it was waiting on).
   * A free conversation (the usual case) runs at once: no timer, no extra promise. A timer is armed only while a
   * turn actually waits, and cleared as soon as it stops waiting — one live 10-second timer per turn used to pile
   * up (≈ 10,000 at 1,000 turns/s) and cost the memory store its lead over Redis.
   */
  async withLock<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(conversationId);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    // The next turn waits for the previous one AND this one, so giving up on a wait never lets two run at once.
    const tail = previous ? Promise.all([previous, mine]).then(() => undefined) : mine;
    this.#locks.set(conversationId, tail);
    try {
      if (previous) await this.#wait(previous);
      return await fn();
    } finally {
      release();
      // Forget the chain once it ran out with nothing queued behind, so the map holds only busy conversations.
      if (tail === mine) {
        if (this.#locks.get(conversationId) === tail) this.#locks.delete(conversationId);
      } else
        void tail.then(() => {
          if (this.#locks.get(conversationId) === tail) this.#locks.delete(conversationId);
        });
    }
  }

  /** Waits for `previous`, at most lockWaitMs (then LockTimeout); the timer lives only while waiting. */
  async #wait(previous: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#lockWaitMs);
      timer.unref();
    });
    try {
      const waited = await Promise.race([previous.then(() => true), limit]);
      if (!waited) throw new CodedError(ErrorCode.LockTimeout, `conversation busy for more than ${this.#lockWaitMs} ms`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Most values a memory key-value store keeps (least recently written dropped first): one process stays bounded. */
export const MAX_MEMORY_VALUES = 100_000;
/** Most logs (web mailboxes) a memory key-value store keeps, least recently written dropped first. */
export const MAX_MEMORY_LOGS = 5_000;

interface MemoryLog {
  entries: Array<{ id: string; json: string }>;
  expiresAtMs: number;
}

const idParts = (id: string): [number, number] => {
  const [ms, seq] = id.split('-');
  return [Number(ms), Number(seq ?? '0')];
};

/** True when log id `a` comes after `b` (`<ms>-<seq>` compared as numbers, like Redis stream ids). */
export function isAfter(a: string, b: string): boolean {
  const [am, as] = idParts(a);
  const [bm, bs] = idParts(b);
  return am > bm || (am === bm && as > bs);
}

/** The key-value store in this process's memory; values are kept as JSON, so callers never share an object with it. */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly #values: MemoryTtlMap;
  // Insertion order is write order: the first entry is the least recently written log.
  readonly #logs = new Map<string, MemoryLog>();
  readonly #clock: Clock;
  readonly #maxLogs: number;
  #lastMs = 0;
  #seq = 0;

  constructor(options: { clock?: Clock; maxValues?: number; maxLogs?: number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#values = new MemoryTtlMap({ clock: this.#clock, max: options.maxValues ?? MAX_MEMORY_VALUES });
    this.#maxLogs = options.maxLogs ?? MAX_MEMORY_LOGS;
  }

  async get<T>(key: StoreKey): Promise<T | undefined> {
    const json = this.#values.get(memoryKeys.of(key));
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  async set(key: StoreKey, value: unknown, ttlSeconds: number): Promise<void> {
    this.#values.set(memoryKeys.of(key), JSON.stringify(value), ttlSeconds);
  }

  async claim(key: StoreKey, ttlSeconds: number): Promise<boolean> {
    const k = memoryKeys.of(key);
    if (this.#values.get(k) !== undefined) return false;
    this.#values.set(k, 'true', ttlSeconds);
    return true;
  }

  async delete(key: StoreKey): Promise<boolean> {
    const k = memoryKeys.of(key);
    return this.#values.delete(k) || this.#logs.delete(k);
  }

  #nextId(): string {
    // Like Redis stream ids: increasing even when the clock stands still or goes back.
    const now = this.#clock();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = 0;
    } else this.#seq++;
    return `${this.#lastMs}-${this.#seq}`;
  }

  #log(k: string): MemoryLog | undefined {
    const log = this.#logs.get(k);
    if (log && log.expiresAtMs <= this.#clock()) {
      this.#logs.delete(k);
      return undefined;
    }
    return log;
  }

  async append(key: StoreKey, values: unknown[], options: { max: number; ttlSeconds: number }): Promise<void> {
    if (values.length === 0) return;
    const k = memoryKeys.of(key);
    const log = this.#log(k) ?? { entries: [], expiresAtMs: 0 };
    for (const v of values) log.entries.push({ id: this.#nextId(), json: JSON.stringify(v) });
    if (log.entries.length > options.max) log.entries.splice(0, log.entries.length - options.max);
    log.expiresAtMs = this.#clock() + options.ttlSeconds * 1000;
    this.#logs.delete(k);
    this.#logs.set(k, log);
    while (this.#logs.size > this.#maxLogs) {
      const oldest = this.#logs.keys().next().value;
      if (oldest === undefined) break;
      this.#logs.delete(oldest);
    }
  }

  async entries<T>(key: StoreKey, after: string | undefined, limit: number): Promise<Array<LogEntry<T>>> {
    const all = this.#log(memoryKeys.of(key))?.entries ?? [];
    const fresh = after === undefined ? all : all.filter((e) => isAfter(e.id, after));
    return fresh.slice(0, limit).map((e) => ({ id: e.id, value: JSON.parse(e.json) as T }));
  }
}

export class MemoryTicketIds implements TicketIds {
  readonly #utcOffset: UtcOffset;
  readonly #seq = new Map<string, number>();

  constructor(options: { utcOffset?: UtcOffset } = {}) {
    this.#utcOffset = options.utcOffset ?? 0;
  }

  async next(nowMs: number, atLeast = 0): Promise<string> {
    const day = ticketDay(nowMs, this.#utcOffset);
    // Never below the tenths of a second of the day: a restarted process starts above what it handed out before.
    const n = Math.max((this.#seq.get(day) ?? 0) + 1, ticketFloor(nowMs, this.#utcOffset) + 1, atLeast);
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
