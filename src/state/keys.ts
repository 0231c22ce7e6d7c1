/**
 * Every Redis key mailmedic writes. All keys of one conversation share the hash tag `{c:<conversationId>}` so
 * that state, lock, delivery claims and the conversation's other keys (take-over hold, web mailbox, Teams
 * reference, transcript) land on one Redis Cluster slot and can be used together in one Lua script.
 * Only src/state/ and the Redis stores' own files build keys; everyone else names a StoreKey (types.ts).
 */
import type { DeliveryKey, StoreKey } from './types.js';

/** Default key prefix. Tests use a unique prefix per run so they never touch each other's keys. */
export const DEFAULT_PREFIX = 'mm';

/**
 * Braces would end the hash tag early and `%` is the escape itself, so they are percent-encoded; every other
 * character of a platform conversation id (Slack `T1:C2:1712.33`, Teams `a:1Xb…;messageid=…`) is kept.
 */
export function escapeId(id: string): string {
  return id.replace(/[%{}]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

export interface Keys {
  readonly prefix: string;
  /** `<prefix>:{c:<id>}` — the hash-tagged base of every key of one conversation. */
  tag(conversationId: string): string;
  /** The conversation's state (a JSON string with a TTL). */
  state(conversationId: string): string;
  /** The conversation's turn lock (random token, PX). */
  lock(conversationId: string): string;
  /** The claim of one delivery of a turn: `<tag>:seen:<channel>:<eventId>` (a run's token, then `done`). */
  delivery(key: DeliveryKey): string;
  /** The ticket sequence of one day, `YYYYMMDD`. Not hash-tagged: one counter for the whole deployment. */
  ticketSeq(day: string): string;
  /** A KeyValueStore key: `<tag>:<name>` for a conversation's key, `<prefix>:<name>` for a deployment-wide one. */
  of(key: StoreKey): string;
}

export function createKeys(prefix: string = DEFAULT_PREFIX): Keys {
  const tag = (id: string) => `${prefix}:{c:${escapeId(id)}}`;
  return {
    prefix,
    tag,
    state: (id) => `${tag(id)}:state`,
    lock: (id) => `${tag(id)}:lock`,
    delivery: (d) => `${tag(d.conversationId)}:seen:${d.channel}:${d.eventId}`,
    ticketSeq: (day) => `${prefix}:ticketseq:${day}`,
    of: (key) => ('conversation' in key ? `${tag(key.conversation)}:${key.name}` : `${prefix}:${key.name}`),
  };
}
