/**
 * The web chat's mailbox: bot messages sent outside a turn (ticket delivered / failed, staff replies during a
 * take-over) wait here until the page polls `POST /api/chat/messages` (or GET). A browser cannot be written to
 * first, so the web channel's proactive sender only puts messages in the mailbox.
 *
 * It is a log of the process's KeyValueStore (`{c:<id>}:webbox`, under the conversation's hash tag): memory by
 * default, Redis when configured, so a message sent by one replica is read through any other. It keeps the last
 * MAX_PENDING messages, and its TTL is renewed by every send. Messages are not deleted when read: the page asks for
 * what came after its cursor, so a lost response or a second tab loses nothing.
 *
 * Cursors and message ids are the log's entry ids, `<ms>-<seq>`, increasing within a conversation.
 */
import type { Choice, Logger, Reply } from '../../core/index.js';
import { silentLogger } from '../../core/index.js';
import type { KeyValueStore } from '../../state/types.js';
import type { ProactiveSender } from '../types.js';

/** Most messages kept per conversation; older ones are dropped first. */
export const MAX_PENDING = 50;

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

const boxOf = (conversationId: string) => ({ conversation: conversationId, name: 'webbox' });

/** The mailbox over the process's key-value store. `ttlSeconds`: idle life of a mailbox (STATE_TTL_SECONDS). */
export function createWebMailbox(kv: KeyValueStore, ttlSeconds: number): WebMailbox {
  return {
    async push(conversationId, replies) {
      await kv.append(boxOf(conversationId), replies.map(toStored), { max: MAX_PENDING, ttlSeconds });
    },
    async read(conversationId, after) {
      const entries = await kv.entries<Stored>(boxOf(conversationId), after, MAX_PENDING);
      const messages: WebMessage[] = [];
      for (const e of entries) {
        if (typeof e.value?.text !== 'string') continue;
        const m: WebMessage = { id: e.id, text: e.value.text };
        if (Array.isArray(e.value.choices) && e.value.choices.length > 0) m.choices = e.value.choices;
        messages.push(m);
      }
      return { messages, cursor: entries.at(-1)?.id ?? after ?? START_CURSOR };
    },
  };
}

/**
 * The web channel's proactive sender: the replies wait in the mailbox until the page polls. True once stored;
 * false (logged) when the store failed — the caller then knows it did not arrive.
 */
export function webSender(mailbox: WebMailbox, logger: Logger = silentLogger): ProactiveSender {
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
