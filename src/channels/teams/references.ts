/**
 * Conversation references for proactive messages ("your ticket is filed"). A ticket is delivered minutes or hours
 * after the turn that filed it, possibly by another replica, so the reference lives in the process's key-value
 * store (Redis when configured: any replica can send; memory otherwise), under the conversation's hash tag
 * (`{c:<id>}:teams:ref`). Stored as opaque JSON: this file knows no botbuilder type.
 */
import type { KeyValueStore } from '../../state/types.js';

/** How long a reference is kept after the conversation's last activity, seconds (tickets may be retried for days). */
export const REFERENCE_TTL_SECONDS = 30 * 86_400;

export interface ReferenceStore {
  /** Saves (or refreshes) the reference of `conversationId` for `ttlSeconds`. */
  save(conversationId: string, reference: object, ttlSeconds?: number): Promise<void>;
  get(conversationId: string): Promise<object | undefined>;
}

const refKey = (conversationId: string) => ({ conversation: conversationId, name: 'teams:ref' });

export function createReferenceStore(kv: KeyValueStore): ReferenceStore {
  return {
    save: (conversationId, reference, ttlSeconds = REFERENCE_TTL_SECONDS) => kv.set(refKey(conversationId), reference, ttlSeconds),
    get: (conversationId) => kv.get<object>(refKey(conversationId)),
  };
}
