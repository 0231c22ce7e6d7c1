/**
 * Stores are interfaces with a memory default and a Redis implementation, tested by one shared contract suite
 * (after bolt-js conversation-store.ts and botbuilder's storageBaseTests). Keys of one conversation share a
 * Redis hash tag (see keys.ts) so they live on one Cluster slot. Nothing outside src/state/ (and the Redis stores'
 * own files: transcripts, ticket outbox) sees a Redis connection: the rest of mailmedic speaks these contracts.
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

/** Optional arguments of ConversationStore.set. */
export interface SetOptions {
  /**
   * Optimistic check: the `turn` of the state that was loaded before this save (-1 when there was none).
   * When the stored state's turn differs — another process saved in between, e.g. after this one's lock expired
   * while it stalled — the save is refused with CodedError(LockTimeout) and nothing is written.
   */
  expectedTurn?: number;
  /**
   * The delivery this turn runs for (DeliveryStore.claim of the same Stores): marked done in the same atomic step
   * as the save, so a saved turn is never processed again and an unsaved one can be. When the claim is no longer
   * this run's (its lease ran out and another delivery took it) the save is refused with CodedError(LockTimeout).
   */
  delivery?: { claim: DeliveryClaim; doneTtlSeconds: number };
}

/** One delivery of a turn: the channel's id of the event (Slack `event_id`, Teams `activity.id`, /api/chat `eventId`). */
export interface DeliveryKey {
  conversationId: string;
  channel: string;
  eventId: string;
}

/** A delivery claimed by one run of its turn (opaque outside the store that issued it). */
export interface DeliveryClaim {
  readonly key: DeliveryKey;
  /** Random per run: a claim whose lease ran out and was taken by another run is no longer this one's. */
  readonly token: string;
}

/**
 * At-least-once turns, at-most-once effects. A delivery is `claimed` while a run of its turn is in flight (with a
 * lease, in case the process dies), then either `done` (the turn's state was saved — later deliveries are
 * duplicates) or released (the turn failed — the next delivery is processed). Two deliveries of one id never run
 * at once: the second finds the claim and is a duplicate.
 */
export interface DeliveryStore {
  /**
   * Claims the delivery for one run, for `leaseSeconds`. Undefined when it was processed already or another run
   * holds it (a duplicate: render nothing).
   */
  claim(key: DeliveryKey, leaseSeconds: number): Promise<DeliveryClaim | undefined>;
  /** The run failed: forget the claim, so a retry is processed. Does nothing when the claim is no longer this run's. */
  release(claim: DeliveryClaim): Promise<void>;
  /**
   * The run succeeded without saving state (a polite "empty message" answer, a turn relayed to staff): later
   * deliveries are duplicates for `ttlSeconds`. Turns that save state mark it done through SetOptions.delivery.
   */
  done(claim: DeliveryClaim, ttlSeconds: number): Promise<void>;
}

/**
 * A key of the KeyValueStore: under one conversation's hash tag (its Cluster slot, so it goes with the
 * conversation's other keys), or deployment-wide. `name` is the key's own part, e.g. `takeover`, `desk:ticket:<id>`.
 */
export type StoreKey = { conversation: string; name: string } | { name: string };

/** One entry of a KeyValueStore log, with its id `<ms>-<seq>` (increasing within a log). */
export interface LogEntry<T> {
  id: string;
  value: T;
}

/**
 * The small keyed store behind the channels' and the help desk's state (web mailbox, take-over holds, desk links,
 * Teams conversation references, one-off claims): JSON values with a TTL, and capped logs read after a cursor.
 * Memory by default, the process's Redis when configured (shared by replicas). Every call may throw
 * CodedError(StoreUnavailable) when Redis is down.
 */
export interface KeyValueStore {
  /** The value stored at `key`, or undefined when absent, expired or unreadable. */
  get<T>(key: StoreKey): Promise<T | undefined>;
  /** Stores `value` (as JSON) for `ttlSeconds`, replacing any value and its TTL. */
  set(key: StoreKey, value: unknown, ttlSeconds: number): Promise<void>;
  /** First writer wins: stores `true` for `ttlSeconds` only when the key is absent; true when this call stored it. */
  claim(key: StoreKey, ttlSeconds: number): Promise<boolean>;
  /** Removes `key`; true when a live value was there. */
  delete(key: StoreKey): Promise<boolean>;
  /**
   * Appends `values` to the log at `key` in one step, keeping only the newest `max` entries, and renews the log's
   * TTL. Entry ids are `<ms>-<seq>` and increase within the log.
   */
  append(key: StoreKey, values: unknown[], options: { max: number; ttlSeconds: number }): Promise<void>;
  /** Up to `limit` entries after the id `after` (all kept when undefined), oldest first. */
  entries<T>(key: StoreKey, after: string | undefined, limit: number): Promise<Array<LogEntry<T>>>;
}

/** Liveness of the backing store, for /readyz and the "try again shortly" reply. */
export interface StoreHealth {
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Hands out ticket ids `MM-YYYYMMDD-NNNN` (NNNN: a per-day sequence, at least 4 digits, unique across replicas). */
export interface TicketIds {
  /**
   * Next id for the day of `nowMs` (ms since epoch; the day is taken in UTC unless the store was told otherwise).
   * The number is above the tenths of a second of the day (ticket-id.ts) and at least `atLeast` when given (a
   * sink already holds lower numbers: the counter jumps past them).
   */
  next(nowMs: number, atLeast?: number): Promise<string>;
}

/** The Redis connection as the rest of the process may see it: its state, for start-up and readiness. */
export interface ConnectionStatus {
  readonly mode: 'single' | 'cluster' | 'sentinel';
  /** True while commands can be sent. */
  isReady(): boolean;
  /** Resolves once connected; rejects with StoreUnavailable after `timeoutMs` (reconnecting goes on either way). */
  waitReady(timeoutMs: number): Promise<void>;
}

/**
 * How to build a store of one's own on this process's backend (Stores.open): a memory form, and a Redis form that
 * gets the connection. Only the Redis stores' own files (transcripts, ticket outbox) write a `redis` factory.
 */
export interface StoreFactories<T> {
  memory(): T;
  redis(connection: import('./redis.js').RedisConnection): T;
}

/** Everything createStores() returns: the stores of one process, over memory or one shared Redis connection. */
export interface Stores {
  store: ConversationStore;
  deliveries: DeliveryStore;
  kv: KeyValueStore;
  ticketIds: TicketIds;
  health: StoreHealth;
  /** 'memory' or the Redis topology in use, for logs and /readyz. */
  kind: 'memory' | 'redis-single' | 'redis-cluster' | 'redis-sentinel';
  /** The Redis connection's status (undefined with memory stores), to wait for it at start-up. */
  redis?: ConnectionStatus;
  /**
   * Builds another store on the same backend — the memory form, or the Redis form on this process's one
   * connection (its key prefix, closed by `health.close()`). Transcripts and the ticket outbox are built this way.
   */
  open<T>(factories: StoreFactories<T>): T;
}
