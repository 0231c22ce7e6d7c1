/**
 * Stores are interfaces with a memory default and a Redis implementation, tested by one shared contract suite
 * (after bolt-js conversation-store.ts and botbuilder's storageBaseTests). Keys of one conversation share a
 * Redis hash tag (see keys.ts) so they live on one Cluster slot.
 */
import type { ConversationState } from '../dialog/types.js';

export interface ConversationStore {
  get(conversationId: string): Promise<ConversationState | undefined>;
  /** Saves and (re)sets the idle TTL. */
  set(conversationId: string, state: ConversationState, ttlSeconds: number): Promise<void>;
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
