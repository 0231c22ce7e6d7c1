/**
 * Stores are interfaces with a memory default and a Redis implementation, tested by one shared contract suite
 * (after bolt-js conversation-store.ts and botbuilder's storageBaseTests). Keys of one conversation share a
 * Redis hash tag (see keys.ts) so they live on one Cluster slot.
 */
import type { ConversationState } from '../dialog/types.js';

export interface ConversationStore {
  get(conversationId: string): Promise<ConversationState | undefined>;
  /** Saves and (re)sets the idle TTL (seconds). */
  set(conversationId: string, state: ConversationState, ttlSeconds: number, options?: SetOptions): Promise<void>;
  delete(conversationId: string): Promise<void>;
  /**
   * Runs `fn` while holding the conversation's lock, so turns of one conversation are serialised across
   * processes. Throws CodedError(LockTimeout) when the lock cannot be had in time, CodedError(StoreUnavailable)
   * when the store is down.
   */
  withLock<T>(conversationId: string, fn: () => Promise<T>): Promise<T>;
}

/** First-writer-wins claims, for de-duplicating redelivered events and clicks. */
export interface DedupeStore {
  /** True the first time `key` is claimed within `ttlSeconds`; false for every later claim. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
}

/** Liveness of the backing store, for /readyz and the "try again shortly" reply. */
export interface StoreHealth {
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Optional arguments of ConversationStore.set. */
export interface SetOptions {
  /**
   * Optimistic check: the `turn` of the state that was loaded before this save (-1 when there was none).
   * When the stored state's turn differs — another process saved in between, e.g. after this one's lock expired
   * while it stalled — the save is refused with CodedError(LockTimeout) and nothing is written.
   */
  expectedTurn?: number;
}

/** Hands out ticket ids `MM-YYYYMMDD-NNNN` (NNNN: a per-day sequence, at least 4 digits, unique across replicas). */
export interface TicketIds {
  /** Next id for the day of `nowMs` (ms since epoch; the day is taken in UTC unless the store was told otherwise). */
  next(nowMs: number): Promise<string>;
}

/** Everything createStores() returns: the stores of one process, over memory or one shared Redis connection. */
export interface Stores {
  store: ConversationStore;
  dedupe: DedupeStore;
  ticketIds: TicketIds;
  health: StoreHealth;
  /** 'memory' or the Redis topology in use, for logs and /readyz. */
  kind: 'memory' | 'redis-single' | 'redis-cluster' | 'redis-sentinel';
  /**
   * The one Redis connection of the process (undefined with memory stores). Other Redis-backed parts
   * (ticket outbox, transcripts) use it rather than opening their own; key them with a hash tag
   * (see keys.ts) so they work on Cluster. Closed by `health.close()`.
   */
  redis?: import('./redis.js').RedisConnection;
}
