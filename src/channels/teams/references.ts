/**
 * Conversation references for proactive messages ("your ticket is filed"). A ticket is delivered minutes or hours
 * after the turn that filed it, possibly by another replica, so the reference lives in the shared store: Redis
 * when configured (any replica can send), memory otherwise. Stored as opaque JSON: this file knows no botbuilder type.
 */
import { MemoryTtlMap } from '../../state/memory.js';
import type { RedisConnection } from '../../state/redis.js';

/** How long a reference is kept after the conversation's last activity, seconds (tickets may be retried for days). */
export const REFERENCE_TTL_SECONDS = 30 * 86_400;

export interface ReferenceStore {
  /** Saves (or refreshes) the reference of `conversationId` for `ttlSeconds`. */
  save(conversationId: string, reference: object, ttlSeconds?: number): Promise<void>;
  get(conversationId: string): Promise<object | undefined>;
}

/** One process's references (memory stores: proactive messages only from the replica that saw the conversation). */
export class MemoryReferenceStore implements ReferenceStore {
  readonly #refs: MemoryTtlMap;

  /** `max`: entries kept at most; the oldest go first (a memory store must not grow without bound). */
  constructor(options: { clock?: () => number; max?: number } = {}) {
    this.#refs = new MemoryTtlMap({ clock: options.clock, max: options.max ?? 10_000 });
  }

  async save(conversationId: string, reference: object, ttlSeconds = REFERENCE_TTL_SECONDS): Promise<void> {
    this.#refs.set(conversationId, JSON.stringify(reference), ttlSeconds);
  }

  async get(conversationId: string): Promise<object | undefined> {
    const json = this.#refs.get(conversationId);
    return json === undefined ? undefined : (JSON.parse(json) as object);
  }
}

/** References in Redis under the conversation's hash tag: `<prefix>:{c:<id>}:teams:ref`. */
export class RedisReferenceStore implements ReferenceStore {
  readonly #conn: RedisConnection;

  constructor(conn: RedisConnection) {
    this.#conn = conn;
  }

  #key(conversationId: string): string {
    return `${this.#conn.keys.tag(conversationId)}:teams:ref`;
  }

  async save(conversationId: string, reference: object, ttlSeconds = REFERENCE_TTL_SECONDS): Promise<void> {
    await this.#conn.run('save teams reference', (c) =>
      c.set(this.#key(conversationId), JSON.stringify(reference), { expiration: { type: 'EX', value: Math.max(1, Math.round(ttlSeconds)) } }),
    );
  }

  async get(conversationId: string): Promise<object | undefined> {
    const raw = await this.#conn.run('get teams reference', (c) => c.get(this.#key(conversationId)));
    if (raw === null || raw === undefined) return undefined;
    try {
      return JSON.parse(String(raw)) as object;
    } catch {
      return undefined;
    }
  }
}
