/**
 * The turn JSON shared by `POST /api/chat` and `mailmedic chat --jsonl` (design.md § Public command-line contract):
 *   in:  {"conversation": "c1", "text": "…"} | {"conversation": "c1", "action": "<choice value>"}  (+ "locale", "user", "eventId")
 *   out: {"conversation", "intent", "node", "status", "replies": [{"text", "choices": [{"label", "value"}]}], "ticket"?}
 * "eventId" (optional) identifies one delivery: a client that retries a request after a time-out or a failed turn
 * sends the same eventId, and the turn is processed at least once and its effects at most once. A redelivery of a
 * turn processed (or being processed) is not processed again and is answered `"duplicate": true`. When it is the
 * conversation's last answered delivery, the answer repeats that turn's replies, node and status (its first answer may
 * never have arrived: the save reached Redis but its reply timed out, and the person was told to try again — lose-32);
 * an older repeat, or one of a turn still being processed, is `{"conversation", "intent": null, "node": "", "status":
 * "active", "replies": [], "duplicate": true}`. A retry of a turn that failed (busy, store down, an apology) is processed.
 * The web page (page.ts) sends an eventId with every message (`msg-` + 24 hex digits, made on the page) and repeats the
 * same body with the same eventId when no answer arrives (lose-33); other clients may do the same. No field changed.
 * Both channels only translate: this module turns a JSON value into a Turn and a TurnOutcome back into JSON.
 */
import { LOCALES, type ChannelName, type Locale, type Ticket, type Turn, type TurnOutcome } from '../../core/index.js';

/** Longest conversation id accepted (characters); ids are opaque, but bounded so keys stay small. */
export const MAX_CONVERSATION_ID = 200;
/** Longest user id / name accepted (characters). */
export const MAX_USER = 200;
/** Longest eventId accepted (characters). */
export const MAX_EVENT_ID = 200;

/** The response of one turn, exactly as printed and sent. */
export interface ChatJson {
  conversation: string;
  intent: string | null;
  node: string;
  status: string;
  replies: Array<{ text: string; choices: Array<{ label: string; value: string }> }>;
  ticket?: Ticket;
  /**
   * Present (true) only when the request repeated an eventId processed or being processed: replies then repeat that
   * turn's when it was the conversation's last answered delivery, else they are empty.
   */
  duplicate?: true;
  /**
   * Present only when the turn failed or was refused; `replies` then holds the polite text: store_unavailable,
   * busy, ticket_delivery, input_invalid, internal (HTTP 200), rate_limited (HTTP 429 with Retry-After).
   */
  error?: string;
  /** The server's redacted copy of the text the person typed (passwords, card numbers masked): what the page keeps. */
  echo?: string;
}

/** Why a request was refused: a locale key (web.api.*) and its parameters. */
export interface ChatInputError {
  key: string;
  params?: Record<string, string>;
}

export type ParsedChatInput = { ok: true; turn: Turn } | { ok: false; error: ChatInputError };

const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

/**
 * Validates one request body / JSON line and translates it into a Turn. Empty text is valid on purpose: the
 * pipeline answers it with a clear "what is wrong?" instead of an HTTP error, as a person would expect.
 */
export function parseChatInput(value: unknown, channel: ChannelName, receivedAtMs: number): ParsedChatInput {
  const fail = (key: string, params?: Record<string, string>): ParsedChatInput => ({ ok: false, error: { key, params } });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('web.api.not_object');
  const body = value as Record<string, unknown>;
  const { conversation, text, action, locale, user, eventId } = body;
  if (conversation === undefined || conversation === null || conversation === '') return fail('web.api.conversation_required');
  if (typeof conversation !== 'string') return fail('web.api.not_string', { field: 'conversation' });
  if (conversation.length > MAX_CONVERSATION_ID || /[\u0000-\u001f\u007f]/.test(conversation))
    return fail('web.api.conversation_invalid', { max: String(MAX_CONVERSATION_ID) });
  const hasText = text !== undefined && text !== null;
  const hasAction = action !== undefined && action !== null;
  if (hasText === hasAction) return fail('web.api.text_or_action');
  if (hasText && typeof text !== 'string') return fail('web.api.not_string', { field: 'text' });
  if (hasAction && typeof action !== 'string') return fail('web.api.not_string', { field: 'action' });
  if (locale !== undefined && locale !== null && !isLocale(locale)) return fail('web.api.bad_locale', { allowed: LOCALES.join(', ') });
  if (user !== undefined && user !== null && (typeof user !== 'string' || user.length > MAX_USER || user === ''))
    return fail('web.api.not_string', { field: 'user' });
  if (
    eventId !== undefined &&
    eventId !== null &&
    (typeof eventId !== 'string' || eventId === '' || eventId.length > MAX_EVENT_ID || /[\u0000-\u001f\u007f]/.test(eventId))
  )
    return fail('web.api.not_string', { field: 'eventId' });

  const turn: Turn = {
    conversationId: conversation,
    channel,
    // Without a user id the conversation is the requester: good enough for a local chat and stable per tab.
    userId: typeof user === 'string' ? user : `${channel}:${conversation}`,
    receivedAtMs,
  };
  if (hasText) turn.text = text as string;
  else turn.action = action as string;
  if (isLocale(locale)) turn.locale = locale;
  if (typeof eventId === 'string') turn.eventId = eventId;
  return { ok: true, turn };
}

/** Renders an outcome as the contract's JSON (reply keys stay internal; choices always present). */
export function toChatJson(outcome: TurnOutcome & { duplicate?: boolean; error?: string }): ChatJson {
  const out: ChatJson = {
    conversation: outcome.conversation,
    intent: outcome.intent,
    node: outcome.node,
    status: outcome.status,
    replies: outcome.replies.map((r) => ({
      text: r.text,
      choices: (r.choices ?? []).map((c) => ({ label: c.label, value: c.value })),
    })),
  };
  if (outcome.ticket) out.ticket = outcome.ticket;
  if (outcome.duplicate) out.duplicate = true;
  if (outcome.error) out.error = outcome.error;
  return out;
}

/** A valid poll of the web mailbox: whose messages, and after which cursor (undefined: all kept). */
export type ParsedPollInput = { ok: true; conversation: string; after?: string } | { ok: false; error: ChatInputError };

/**
 * Validates a poll (`POST /api/chat/messages` body, or the GET query): `{"conversation": "<id>", "after"?: "<cursor>"}`.
 * The conversation follows the turn's rules; `after` must be a cursor this endpoint returned (`<ms>-<seq>`).
 */
export function parsePollInput(value: unknown, parseCursor: (c: string) => string | undefined): ParsedPollInput {
  const fail = (key: string, params?: Record<string, string>): ParsedPollInput => ({ ok: false, error: { key, params } });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('web.api.poll_not_object');
  const { conversation, after } = value as Record<string, unknown>;
  if (conversation === undefined || conversation === null || conversation === '') return fail('web.api.conversation_required');
  if (typeof conversation !== 'string') return fail('web.api.not_string', { field: 'conversation' });
  if (conversation.length > MAX_CONVERSATION_ID || /[\u0000-\u001f\u007f]/.test(conversation))
    return fail('web.api.conversation_invalid', { max: String(MAX_CONVERSATION_ID) });
  if (after === undefined || after === null || after === '') return { ok: true, conversation };
  if (typeof after !== 'string') return fail('web.api.not_string', { field: 'after' });
  const cursor = parseCursor(after);
  if (cursor === undefined) return fail('web.api.cursor_invalid');
  return { ok: true, conversation, after: cursor };
}
