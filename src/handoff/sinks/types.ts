/**
 * A ticket sink delivers one (already redacted) ticket to where the help desk works. Sinks do no retrying of
 * their own: they classify every failure as retryable or permanent and the outbox decides what happens next.
 */
import { CodedError, ErrorCode, type Ticket, type TicketFollowUp } from '../../core/index.js';

export type SinkName = 'file' | 'webhook' | 'zendesk' | 'jira';

/** What the help desk's system called the ticket. */
export interface Delivered {
  /** Zendesk ticket id, Jira issue key, the webhook's id, or the file path. */
  externalRef: string;
  /** Where staff can open it, when the system has such a page. */
  url?: string;
}

export interface DeliveryContext {
  /** 1 for the first try. Sinks that cannot de-duplicate server-side look the ticket up before a retry. */
  attempt: number;
}

export interface TicketSink {
  readonly name: SinkName;
  /** Checks what can be checked without sending a ticket (folder writable …). Throws CodedError(ConfigInvalid). */
  init?(): Promise<void>;
  /**
   * Delivers the ticket. Must be idempotent on `ticket.id`: the same ticket delivered twice is one ticket
   * (Idempotency-Key, a file named by id, or a look-up before a retry). A different ticket already filed under
   * the same id is a conflict (conflictError), never a success. Throws DeliveryError.
   */
  deliver(ticket: Ticket, ctx: DeliveryContext): Promise<Delivered>;
  /**
   * Adds a follow-up to the ticket `filed` (what the ticket system called it when the ticket was delivered). Must be
   * idempotent on `followUp.id` like `deliver` on the ticket id: an Idempotency-Key, a file named by id, or a look-up of
   * the comments before a retry (the comment body starts with `[<follow-up id>]`). Throws DeliveryError.
   */
  followUp(followUp: TicketFollowUp, filed: Delivered, ctx: DeliveryContext): Promise<Delivered>;
}

/** Zendesk tags a follow-up sets: every follow-up, and one per kind (a desk view or trigger can pick them up). */
export const FOLLOW_UP_TAGS = {
  any: 'mailmedic_follow_up',
  user_resolved: 'mailmedic_user_resolved',
  still_broken: 'mailmedic_user_still_broken',
  details: 'mailmedic_user_details',
} as const;

export interface DeliveryErrorInit {
  retryable: boolean;
  /** HTTP status when there was a response. */
  status?: number;
  /** How long the server asked us to wait (Retry-After), ms. */
  retryAfterMs?: number;
  /** Short machine-readable reason: http_429, http_500, timeout, network, invalid_response … */
  reason: string;
  cause?: unknown;
}

/**
 * A failed delivery. `retryable`: 429, 5xx, 408, time-outs and network errors; anything else is permanent and
 * goes to the dead-letter list. The message never contains ticket text (it ends up in logs and the admin page).
 */
export class DeliveryError extends CodedError {
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly reason: string;
  constructor(message: string, init: DeliveryErrorInit) {
    super(ErrorCode.TicketDelivery, message, { cause: init.cause });
    this.name = 'DeliveryError';
    this.retryable = init.retryable;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.reason = init.reason;
  }
}

/** The reason of a conflict: the ticket system already holds a different ticket under this id. */
export const CONFLICT_REASON = 'conflict';

/**
 * The sink found a ticket with the same id but other content (the id was handed out twice: a counter lost with
 * Redis, two replicas in memory mode). Never a success: the outbox files the ticket again under a new id, or
 * dead-letters it and alerts.
 */
export function conflictError(what: string, status?: number): DeliveryError {
  return new DeliveryError(`${what}: a different ticket already has this id`, { retryable: false, status, reason: CONFLICT_REASON });
}

export function isConflict(e: DeliveryError): boolean {
  return e.reason === CONFLICT_REASON;
}

export function asDeliveryError(e: unknown): DeliveryError {
  if (e instanceof DeliveryError) return e;
  const message = e instanceof Error ? e.message : String(e);
  // An unexpected throw inside a sink is our bug or a local fault (disk full): retrying is the safer default.
  return new DeliveryError(`delivery failed: ${message}`, { retryable: true, reason: 'error', cause: e });
}
