/**
 * The ticket outbox: `submit` persists a ticket for delivery (fast, idempotent on the ticket id); workers
 * deliver it to the sink with capped exponential backoff + jitter, honour Retry-After, and move a ticket that
 * finally fails to a dead-letter list staff can see, retry or discard.
 *
 * Exactly once, from our side:
 *  - `submit` claims the ticket id (and an escalation fingerprint, see below) atomically with the enqueue, before
 *    any API call. A second submit of the same ticket — a double click, a redelivered event, another replica —
 *    finds the claim and is a no-op.
 *  - A worker takes a ticket under a lease (a token and an expiry). Only the lease holder can record the result.
 *    If the process dies between taking the lease and recording the result, the lease expires and another worker
 *    (or the restarted process) delivers the ticket, with the same Idempotency-Key (the ticket id), so the ticket
 *    system de-duplicates an attempt that did reach it. `leaseMs` must exceed the sink's time limit, so a live
 *    worker never loses its lease mid-request.
 *
 * Storage is an OutboxStore: memory (default; tickets survive nothing, `stop()` flushes what is due) or Redis
 * (outbox-redis.ts; survives restarts). Both pass one contract suite (test/handoff/outbox.contract.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { CodedError, ErrorCode, type Logger, type Ticket, type TicketFollowUp } from '../core/index.js';
import { redact } from '../core/redact.js';
import { backoffDelay } from '../core/backoff.js';
import { asDeliveryError, DeliveryError, isConflict, type Delivered, type TicketSink } from './sinks/types.js';

export { backoffDelay };

/** `renumbered`: the sink held a different ticket under this id; the ticket was queued again as `renumberedTo`. */
export type OutboxState = 'pending' | 'delivered' | 'dead' | 'discarded' | 'renumbered';

/** One delivery attempt, as staff see it on the admin page. */
export interface OutboxAttempt {
  /** When the attempt ended, ms since epoch. */
  atMs: number;
  ok: boolean;
  /** http_429, http_500, timeout, network, invalid_response … (failures only). */
  reason?: string;
  status?: number;
  retryable?: boolean;
  /** Delay chosen before the next attempt, ms (failures that will be retried). */
  delayMs?: number;
  /** Retry-After the server sent, ms. */
  retryAfterMs?: number;
}

export interface OutboxRecord {
  id: string;
  /** The redacted ticket, exactly as it will be sent on every attempt (for a follow-up: the ticket it follows). */
  ticket: Ticket;
  /**
   * Set when the record is a follow-up to `ticket` (id `<ticket id>-f<n>`): it is sent to the ticket system once the
   * ticket is there (its externalRef), through the same queue, retries and dead letters as tickets.
   */
  followUp?: TicketFollowUp;
  state: OutboxState;
  /** Finished attempts (a lease lost to a crash is not counted). */
  attempts: number;
  enqueuedAtMs: number;
  /** Earliest time of the next attempt, ms since epoch (pending only). */
  nextAttemptAtMs: number;
  /** The last attempts, oldest first (at most HISTORY_MAX). */
  history: OutboxAttempt[];
  lastError?: { reason: string; status?: number; retryable: boolean; message: string };
  externalRef?: string;
  url?: string;
  deliveredAtMs?: number;
  deadAtMs?: number;
  /** State renumbered: the id the ticket was queued again under. */
  renumberedTo?: string;
  /** The ids this ticket had before (each refused by the sink as a conflict), oldest first. */
  renumberedFrom?: string[];
}

export type SubmitResult =
  | { status: 'accepted'; id: string }
  /** Already claimed: `of` is the ticket that holds the claim (the same id, or an earlier ticket of the same escalation). */
  | { status: 'duplicate'; id: string; of: string };

export interface AddOptions {
  /** Escalation fingerprint claimed alongside the id, when de-duplication by content is on. */
  escalationKey?: string;
  escalationTtlMs: number;
  claimTtlMs: number;
}

export interface OutboxCounts {
  /** Waiting for their first or next attempt. */
  pending: number;
  /** Leased by a worker right now. */
  processing: number;
  dead: number;
}

/**
 * Storage of the outbox. Every method is atomic on its own; implementations: memory (below) and Redis.
 * Records move: add → ready ⇄ (lease) processing → ready (retry) | done (delivered) | dead → ready (retry) | done (discard).
 */
export interface OutboxStore {
  readonly kind: 'memory' | 'redis';
  /** Claims the id (and escalation key) and enqueues the record due at `record.nextAttemptAtMs`, or reports a duplicate. */
  add(record: OutboxRecord, options: AddOptions): Promise<SubmitResult>;
  /** Returns expired leases to the queue, then leases the next due record to `token` until nowMs + leaseMs. */
  lease(nowMs: number, leaseMs: number, token: string): Promise<OutboxRecord | undefined>;
  /**
   * Records the outcome of a lease and files the record by its state: pending → queue at nextAttemptAtMs,
   * dead → dead list, delivered → kept `keepMs` for status queries. False when the lease was lost.
   */
  release(record: OutboxRecord, token: string, keepMs: number): Promise<boolean>;
  get(id: string): Promise<OutboxRecord | undefined>;
  /** Dead letters, oldest first. */
  listDead(limit: number): Promise<OutboxRecord[]>;
  /** Moves a dead letter back to the queue, saved as `record` (attempts reset by the caller). False if not dead. */
  requeueDead(record: OutboxRecord, nowMs: number): Promise<boolean>;
  /** Removes a dead letter, keeping `record` (state discarded) `keepMs` for status queries. False if not dead. */
  discardDead(record: OutboxRecord, keepMs: number): Promise<boolean>;
  counts(nowMs: number): Promise<OutboxCounts>;
  /** Due time of the earliest queued record, ms since epoch. */
  nextDueAtMs(): Promise<number | undefined>;
}

/** Attempts kept in a record's history. */
export const HISTORY_MAX = 20;

export interface OutboxHooks {
  /** The ticket was filed (once per ticket, by the worker that recorded it). */
  onDelivered?(ticket: Ticket, delivered: Delivered, record: OutboxRecord): void | Promise<void>;
  /** The ticket went to the dead-letter list. */
  onDeadLetter?(ticket: Ticket, record: OutboxRecord): void | Promise<void>;
  /** The sink held a different ticket under `from.id`: the ticket was queued again as `to` (an alert). */
  onRenumbered?(from: Ticket, to: Ticket): void | Promise<void>;
  /** One attempt failed (retryable or not), for metrics. */
  onAttemptFailed?(record: OutboxRecord, attempt: OutboxAttempt): void;
}

export interface OutboxOptions {
  store: OutboxStore;
  sink: TicketSink;
  logger: Logger;
  hooks?: OutboxHooks;
  /** Attempts before a retryable failure becomes a dead letter. Default 20 (≈ 1 h with the default backoff). */
  maxAttempts?: number;
  /** First retry delay, ms. Default 1,000. */
  baseDelayMs?: number;
  /** Cap of the retry delay, ms. Default 300,000 (5 min). */
  maxDelayMs?: number;
  /** How long a worker owns a ticket it took, ms. Must exceed the sink's time limit. Default 60,000. */
  leaseMs?: number;
  /** How often idle workers look for due tickets (other replicas' tickets, expired leases), ms. Default 1,000. */
  pollMs?: number;
  /** Deliveries in flight per process. Default 2. */
  concurrency?: number;
  /** How long a claimed ticket id stays claimed, ms. Default 30 days. */
  claimTtlMs?: number;
  /**
   * Window in which a second ticket with a different id but the same conversation and content (intent, cause,
   * error text, steps tried) is treated as the same escalation, ms. 0 turns it off. Default 600,000 (10 min).
   */
  escalationWindowMs?: number;
  /** How long delivered and discarded records stay queryable, ms. Default 7 days. */
  keepMs?: number;
  /**
   * Hands out a fresh ticket id when the sink reports a conflict (another ticket already filed under this id).
   * Without it a conflict is a dead letter (alerted). At most MAX_RENUMBER times per ticket, then dead letter.
   */
  renumber?: (ticket: Ticket, tries: number) => Promise<string>;
  /** 0 ≤ x < 1; injected by tests. Default Math.random. */
  random?: () => number;
  /** ms since epoch; injected by tests. Default Date.now. */
  clock?: () => number;
}

export interface OutboxMetrics {
  /** Tickets accepted by submit (duplicates not counted). */
  submitted: number;
  duplicates: number;
  delivered: number;
  /** Failed attempts (each retry counts). */
  failedAttempts: number;
  deadLettered: number;
  /** Ids a sink already held with other content (each was filed again under a new id, or dead-lettered). */
  conflicts: number;
  /**
   * Follow-ups to filed tickets by `<kind>:<outcome>` (followUpKey): queued (accepted by submitFollowUp, a replay not
   * counted), delivered, retried (a failed attempt kept for another try — also one made while its ticket was not in the
   * ticket system yet), dead_lettered. Follow-ups are not in the ticket counters above, except failedAttempts.
   */
  followUps: Record<string, number>;
}

/** What a follow-up's outcome is counted as (OutboxMetrics.followUps; /metrics `mailmedic_ticket_follow_ups_total`). */
export type FollowUpOutcome = 'queued' | 'delivered' | 'retried' | 'dead_lettered';
export const FOLLOW_UP_OUTCOMES: readonly FollowUpOutcome[] = ['queued', 'delivered', 'retried', 'dead_lettered'];
export const followUpKey = (kind: TicketFollowUp['kind'], outcome: FollowUpOutcome): string => `${kind}:${outcome}`;

/** Same conversation + same content = same escalation (see OutboxOptions.escalationWindowMs). */
export function escalationFingerprint(ticket: Ticket): string {
  const f = ticket.fields;
  const basis = JSON.stringify([
    ticket.conversation,
    ticket.intent,
    ticket.cause,
    f.errorMessage ?? '',
    f.stepsTried.map((s) => [s.step, s.result]),
  ]);
  return createHash('sha256').update(basis).digest('hex').slice(0, 32);
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** The reason of a follow-up attempt made before its ticket reached the ticket system (it waits, never dead-lettered). */
export const TICKET_PENDING = 'ticket_pending';

/** New ids tried for one ticket before a conflict becomes a dead letter. */
export const MAX_RENUMBER = 6;

/** The ticket under another id: every mention of the old id (summary, body …) becomes the new one. */
export function withTicketId(ticket: Ticket, id: string): Ticket {
  return JSON.parse(JSON.stringify(ticket).split(ticket.id).join(id)) as Ticket;
}

/** A ticket's record as it enters the outbox: pending, due now, nothing tried yet. */
function pendingRecord(ticket: Ticket, now: number): OutboxRecord {
  return { id: ticket.id, ticket, state: 'pending', attempts: 0, enqueuedAtMs: now, nextAttemptAtMs: now, history: [] };
}

export class Outbox {
  readonly metrics: OutboxMetrics = { submitted: 0, duplicates: 0, delivered: 0, failedAttempts: 0, deadLettered: 0, conflicts: 0, followUps: {} };

  #countFollowUp(kind: TicketFollowUp['kind'], outcome: FollowUpOutcome): void {
    const key = followUpKey(kind, outcome);
    this.metrics.followUps[key] = (this.metrics.followUps[key] ?? 0) + 1;
  }
  private readonly o: Required<Omit<OutboxOptions, 'hooks' | 'renumber'>> & { hooks: OutboxHooks; renumber?: OutboxOptions['renumber'] };
  private readonly log: Logger;
  private running = false;
  /** Stop taking new leases; `draining` lets workers empty the due queue first. */
  private stopping = false;
  private draining = false;
  private loops: Promise<void>[] = [];
  private wakers = new Set<() => void>();

  constructor(options: OutboxOptions) {
    this.o = {
      maxAttempts: 20,
      baseDelayMs: 1_000,
      maxDelayMs: 300_000,
      leaseMs: 60_000,
      pollMs: 1_000,
      concurrency: 2,
      claimTtlMs: 30 * 86_400_000,
      escalationWindowMs: 600_000,
      keepMs: 7 * 86_400_000,
      random: Math.random,
      clock: Date.now,
      hooks: {},
      // An option passed as undefined means "the default", not "no value".
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as Outbox['o'];
    if (this.o.maxAttempts < 1) throw new CodedError(ErrorCode.ConfigInvalid, 'outbox maxAttempts must be ≥ 1');
    this.log = options.logger.child({ component: 'outbox', store: options.store.kind, sink: options.sink.name });
  }

  get store(): OutboxStore {
    return this.o.store;
  }

  /**
   * Persists the ticket (already redacted by the caller) for delivery. Idempotent on `ticket.id`.
   * Throws CodedError(StoreUnavailable) when the store cannot take it — the caller must then not tell the
   * person a ticket exists.
   */
  async submit(ticket: Ticket): Promise<SubmitResult> {
    if (!SAFE_ID.test(ticket.id)) throw new CodedError(ErrorCode.InputInvalid, 'ticket id must be [A-Za-z0-9_-]');
    const record = pendingRecord(ticket, this.o.clock());
    let result: SubmitResult;
    try {
      result = await this.o.store.add(record, {
        escalationKey: this.o.escalationWindowMs > 0 ? escalationFingerprint(ticket) : undefined,
        escalationTtlMs: this.o.escalationWindowMs,
        claimTtlMs: this.o.claimTtlMs,
      });
    } catch (e) {
      throw e instanceof CodedError ? e : new CodedError(ErrorCode.StoreUnavailable, 'outbox unavailable', { cause: e });
    }
    if (result.status === 'accepted') {
      this.metrics.submitted++;
      this.log.info({ ticket: ticket.id, conversation: ticket.conversation }, 'ticket queued');
      this.wake();
    } else {
      this.metrics.duplicates++;
      this.log.info({ ticket: ticket.id, conversation: ticket.conversation, of: result.of }, 'duplicate ticket ignored');
    }
    return result;
  }

  /**
   * Persists a follow-up (already redacted) to `ticket`, the ticket as this outbox holds it. Idempotent on the
   * follow-up id: the same follow-up again — a replayed turn — is a no-op. Throws like `submit`.
   */
  async submitFollowUp(followUp: TicketFollowUp, ticket: Ticket): Promise<SubmitResult> {
    if (!SAFE_ID.test(followUp.id)) throw new CodedError(ErrorCode.InputInvalid, 'follow-up id must be [A-Za-z0-9_-]');
    const record: OutboxRecord = { ...pendingRecord(ticket, this.o.clock()), id: followUp.id, followUp };
    let result: SubmitResult;
    try {
      result = await this.o.store.add(record, { escalationTtlMs: 0, claimTtlMs: this.o.claimTtlMs });
    } catch (e) {
      throw e instanceof CodedError ? e : new CodedError(ErrorCode.StoreUnavailable, 'outbox unavailable', { cause: e });
    }
    this.log.info({ followUp: followUp.id, ticket: followUp.ticket, kind: followUp.kind, duplicate: result.status === 'duplicate' }, result.status === 'accepted' ? 'follow-up queued' : 'duplicate follow-up ignored');
    if (result.status === 'accepted') {
      this.#countFollowUp(followUp.kind, 'queued');
      this.wake();
    }
    return result;
  }

  /**
   * Where the ticket a follow-up belongs to was filed: its delivered record (followed through renumbering). Not there
   * yet (pending, or a dead letter staff may still retry) is a retryable failure; unknown or discarded is final.
   */
  private async filedAs(ticketId: string): Promise<Delivered> {
    let rec = await this.o.store.get(ticketId);
    for (let i = 0; rec?.state === 'renumbered' && rec.renumberedTo && i <= MAX_RENUMBER; i++) rec = await this.o.store.get(rec.renumberedTo);
    if (!rec || rec.state === 'discarded') {
      throw new DeliveryError(`ticket ${ticketId} is not in the outbox (unknown or discarded)`, { retryable: false, reason: 'ticket_unknown' });
    }
    if (rec.state !== 'delivered' || rec.externalRef === undefined) {
      throw new DeliveryError(`ticket ${ticketId} is not filed yet`, { retryable: true, reason: TICKET_PENDING });
    }
    return { externalRef: rec.externalRef, url: rec.url };
  }

  /** Starts the workers (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.draining = false;
    for (let i = 0; i < this.o.concurrency; i++) this.loops.push(this.loop(i));
  }

  /**
   * Stops the workers after the deliveries in flight finish. `drain` (default: on for the memory store, whose
   * queue dies with the process) first delivers every ticket already due, within `timeoutMs`.
   */
  async stop(options: { drain?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (!this.running) return;
    const drain = options.drain ?? this.o.store.kind === 'memory';
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (drain) {
      this.draining = true;
      this.wake();
      const timer = setTimeout(() => {
        this.stopping = true;
        this.wake();
      }, timeoutMs);
      await Promise.all(this.loops);
      clearTimeout(timer);
    } else {
      this.stopping = true;
      this.wake();
      await Promise.all(this.loops);
    }
    this.loops = [];
    this.running = false;
    if (this.o.store.kind === 'memory') {
      const left = await this.o.store.counts(this.o.clock());
      if (left.pending + left.processing > 0) {
        this.log.warn({ pending: left.pending + left.processing }, 'memory outbox stopped with tickets not yet delivered');
      }
    }
  }

  /**
   * Takes one due ticket and attempts it. Returns false when nothing was due. The workers call this in a loop;
   * tests call it directly to step deterministically.
   */
  async runOnce(): Promise<boolean> {
    const token = randomBytes(12).toString('hex');
    const record = await this.o.store.lease(this.o.clock(), this.o.leaseMs, token);
    if (!record) return false;
    await this.attempt(record, token);
    return true;
  }

  /** Delivery status of one ticket, for "what happened to my ticket?" and the admin page. */
  async status(id: string): Promise<OutboxRecord | undefined> {
    return this.o.store.get(id);
  }

  async counts(): Promise<OutboxCounts> {
    return this.o.store.counts(this.o.clock());
  }

  /** The dead-letter list as staff use it (the admin page calls these). */
  readonly deadLetters = {
    list: (limit = 100): Promise<OutboxRecord[]> => this.o.store.listDead(limit),
    /** Queues a dead letter again with a fresh attempt budget. False when `id` is not a dead letter. */
    retry: async (id: string): Promise<boolean> => {
      const rec = await this.o.store.get(id);
      if (!rec || rec.state !== 'dead') return false;
      const now = this.o.clock();
      const again: OutboxRecord = { ...rec, state: 'pending', attempts: 0, nextAttemptAtMs: now, deadAtMs: undefined };
      const ok = await this.o.store.requeueDead(again, now);
      if (ok) {
        this.log.info({ ticket: id }, 'dead letter queued again');
        this.wake();
      }
      return ok;
    },
    /** Drops a dead letter (staff filed it by hand). False when `id` is not a dead letter. */
    discard: async (id: string): Promise<boolean> => {
      const rec = await this.o.store.get(id);
      if (!rec || rec.state !== 'dead') return false;
      const ok = await this.o.store.discardDead({ ...rec, state: 'discarded' }, this.o.keepMs);
      if (ok) this.log.info({ ticket: id }, 'dead letter discarded');
      return ok;
    },
  };

  private async attempt(record: OutboxRecord, token: string): Promise<void> {
    const attemptNo = record.attempts + 1;
    const ticket = record.ticket;
    let delivered: Delivered | undefined;
    let next: OutboxRecord;
    let renumbered: OutboxRecord | undefined;
    try {
      delivered = record.followUp
        ? await this.o.sink.followUp(record.followUp, await this.filedAs(record.followUp.ticket), { attempt: attemptNo })
        : await this.o.sink.deliver(ticket, { attempt: attemptNo });
      const now = this.o.clock();
      next = {
        ...record,
        state: 'delivered',
        attempts: attemptNo,
        history: [...record.history, { atMs: now, ok: true }].slice(-HISTORY_MAX),
        externalRef: delivered.externalRef,
        url: delivered.url,
        deliveredAtMs: now,
        lastError: undefined,
      };
    } catch (e) {
      const err = asDeliveryError(e);
      const now = this.o.clock();
      // A follow-up is never renumbered: a conflict there is a dead letter.
      if (isConflict(err) && !record.followUp) {
        this.metrics.conflicts++;
        renumbered = await this.renumbered(record, now);
      }
      if (renumbered) {
        next = { ...record, state: 'renumbered', attempts: attemptNo, renumberedTo: renumbered.id, lastError: undefined };
        next.history = [...record.history, { atMs: now, ok: false, reason: err.reason, status: err.status, retryable: false }].slice(-HISTORY_MAX);
        return this.finish(record, next, token, undefined, renumbered);
      }
      // A follow-up whose ticket is not filed yet waits as long as the ticket does (its attempts are not the budget's):
      // staff retrying a dead-lettered ticket hours later still brings its follow-ups along.
      const final = !err.retryable || (attemptNo >= this.o.maxAttempts && err.reason !== TICKET_PENDING);
      const delayMs = final ? undefined : backoffDelay(attemptNo, this.o, err.retryAfterMs);
      const attempt: OutboxAttempt = {
        atMs: now,
        ok: false,
        reason: err.reason,
        status: err.status,
        retryable: err.retryable,
        delayMs,
        retryAfterMs: err.retryAfterMs,
      };
      next = {
        ...record,
        state: final ? 'dead' : 'pending',
        attempts: attemptNo,
        nextAttemptAtMs: final ? record.nextAttemptAtMs : now + (delayMs ?? 0),
        history: [...record.history, attempt].slice(-HISTORY_MAX),
        // Error messages are ours, but a cause's message may echo a server's words: redact to be safe.
        lastError: { reason: err.reason, status: err.status, retryable: err.retryable, message: redact(err.message).text },
        deadAtMs: final ? now : undefined,
      };
      this.metrics.failedAttempts++;
      this.o.hooks.onAttemptFailed?.(next, attempt);
      // One line per failed attempt, findable by ticket and by conversation. A ticket that will be retried is kept in
      // the outbox (warn: the sink is down or refusing, nothing is lost yet); one given up on is a dead letter (error:
      // staff must retry or discard it on /admin/dead-letters).
      this.log[final ? 'error' : 'warn'](
        {
          ticket: ticket.id,
          conversation: ticket.conversation,
          attempt: attemptNo,
          reason: err.reason,
          status: err.status,
          retryable: err.retryable,
          ...(final ? {} : { delayMs, nextAttemptAt: new Date(now + (delayMs ?? 0)).toISOString() }),
        },
        final ? 'ticket delivery failed for good; dead-lettered' : 'ticket delivery failed; kept in the outbox, will retry',
      );
    }
    return this.finish(record, next, token, delivered, undefined);
  }

  /**
   * A conflict: queues the ticket again under a fresh id (claimed like any submit). Undefined when that is not
   * possible (no renumber function, too many tries, the store refused) — the ticket then becomes a dead letter.
   */
  private async renumbered(record: OutboxRecord, now: number): Promise<OutboxRecord | undefined> {
    const tried = record.renumberedFrom ?? [];
    if (!this.o.renumber || tried.length >= MAX_RENUMBER) {
      this.log.error({ ticket: record.id, tries: tried.length }, 'ticket id conflict: another ticket has this id; dead-lettered');
      return undefined;
    }
    try {
      const id = await this.o.renumber(record.ticket, tried.length);
      const ticket = withTicketId(record.ticket, id);
      const again: OutboxRecord = { ...pendingRecord(ticket, now), renumberedFrom: [...tried, record.id] };
      const added = await this.o.store.add(again, { escalationTtlMs: 0, claimTtlMs: this.o.claimTtlMs });
      if (added.status !== 'accepted') throw new Error(`new id ${id} already claimed`);
      this.log.error({ ticket: record.id, renumberedTo: id }, 'ticket id conflict: another ticket has this id; filed again under a new id');
      return again;
    } catch (e) {
      this.log.error({ ticket: record.id, err: redact(String(e)).text }, 'ticket id conflict: could not file under a new id; dead-lettered');
      return undefined;
    }
  }

  private async finish(
    record: OutboxRecord,
    next: OutboxRecord,
    token: string,
    delivered: Delivered | undefined,
    renumbered: OutboxRecord | undefined,
  ): Promise<void> {
    const ticket = record.ticket;
    const attemptNo = next.attempts;
    let released = false;
    try {
      released = await this.o.store.release(next, token, this.o.keepMs);
    } catch (e) {
      // The lease will expire and the ticket be attempted again; the sink's idempotency absorbs a repeat.
      this.log.error({ ticket: ticket.id, err: redact(String(e)).text }, 'could not record delivery outcome');
      return;
    }
    if (!released) {
      this.log.warn({ ticket: ticket.id, attempt: attemptNo }, 'lease lost before the outcome was recorded');
      return;
    }
    if (record.followUp) {
      // A follow-up tells neither the person nor the desk channel anything: its state shows on the review page.
      const outcome = ({ delivered: 'delivered', pending: 'retried', dead: 'dead_lettered' } as const)[next.state as 'delivered' | 'pending' | 'dead'];
      if (outcome) this.#countFollowUp(record.followUp.kind, outcome);
      if (next.state === 'delivered') this.log.info({ followUp: record.id, ticket: record.followUp.ticket, attempt: attemptNo }, 'follow-up delivered');
      else if (next.state === 'dead') this.log.error({ followUp: record.id, ticket: record.followUp.ticket, attempt: attemptNo }, 'follow-up delivery failed for good; dead-lettered');
      return;
    }
    if (renumbered) {
      this.wake();
      await this.callHook('onRenumbered', () => this.o.hooks.onRenumbered?.(ticket, renumbered.ticket));
    } else if (next.state === 'delivered' && delivered) {
      this.metrics.delivered++;
      this.log.info({ ticket: ticket.id, conversation: ticket.conversation, attempt: attemptNo, ref: delivered.externalRef }, 'ticket delivered');
      await this.callHook('onDelivered', () => this.o.hooks.onDelivered?.(ticket, delivered, next));
    } else if (next.state === 'dead') {
      this.metrics.deadLettered++;
      await this.callHook('onDeadLetter', () => this.o.hooks.onDeadLetter?.(ticket, next));
    }
  }

  private async callHook(name: string, fn: () => void | Promise<void> | undefined): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.log.error({ hook: name, err: redact(String(e)).text }, 'outbox hook failed');
    }
  }

  private async loop(worker: number): Promise<void> {
    // While the store is down every poll fails the same way: one error line when it starts (and when the error
    // changes), the repeats at debug, and one info line when the worker works again — not two error lines a second.
    let failing: { err: string; since: number; failures: number } | undefined;
    while (!this.stopping) {
      let worked = false;
      try {
        worked = await this.runOnce();
        if (failing) {
          this.log.info({ worker, failures: failing.failures, downMs: this.o.clock() - failing.since }, 'outbox worker recovered');
          failing = undefined;
        }
      } catch (e) {
        const err = redact(String(e)).text;
        if (failing?.err === err) {
          failing.failures++;
          this.log.debug({ worker, err, failures: failing.failures }, 'outbox worker error (repeated)');
        } else {
          failing = { err, since: failing?.since ?? this.o.clock(), failures: (failing?.failures ?? 0) + 1 };
          this.log.error({ worker, err }, 'outbox worker error; repeats are logged at debug until it recovers');
        }
      }
      if (worked) continue;
      if (this.draining) return; // nothing due any more
      if (this.stopping) return;
      let waitMs = this.o.pollMs;
      try {
        const due = await this.o.store.nextDueAtMs();
        if (due !== undefined) waitMs = Math.max(0, Math.min(waitMs, due - this.o.clock()));
      } catch {
        // Store down: poll again later.
      }
      await this.sleep(waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

// ───────────────────────────── memory store ─────────────────────────────

interface Expiring<T> {
  value: T;
  expiresAtMs: number;
}

/**
 * The default store: everything in this process. Same semantics as the Redis store, so the same contract
 * suite runs against both; its queue is lost with the process (Outbox.stop drains what is due).
 */
export class MemoryOutboxStore implements OutboxStore {
  readonly kind = 'memory' as const;
  private claims = new Map<string, Expiring<string>>();
  private records = new Map<string, OutboxRecord>();
  private ready = new Map<string, number>();
  private processing = new Map<string, { token: string; untilMs: number }>();
  private dead = new Map<string, number>();
  private done = new Map<string, Expiring<OutboxRecord>>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Drops expired claims and kept records; cheap at help-desk volumes, bounded memory over months. */
  private prune(now: number): void {
    if (this.claims.size + this.done.size < 1_000) return;
    for (const [k, c] of this.claims) if (c.expiresAtMs <= now) this.claims.delete(k);
    for (const [k, d] of this.done) if (d.expiresAtMs <= now) this.done.delete(k);
  }

  private claim(key: string, value: string, ttlMs: number): string | undefined {
    const now = this.clock();
    this.prune(now);
    const held = this.claims.get(key);
    if (held && held.expiresAtMs > now) return held.value;
    this.claims.set(key, { value, expiresAtMs: now + ttlMs });
    return undefined;
  }

  async add(record: OutboxRecord, options: AddOptions): Promise<SubmitResult> {
    const copy = structuredClone(record);
    const byId = this.claim(`id:${record.id}`, record.id, options.claimTtlMs);
    if (byId !== undefined) return { status: 'duplicate', id: record.id, of: byId };
    if (options.escalationKey) {
      const byEsc = this.claim(`esc:${options.escalationKey}`, record.id, options.escalationTtlMs);
      if (byEsc !== undefined) return { status: 'duplicate', id: record.id, of: byEsc };
    }
    this.records.set(record.id, copy);
    this.ready.set(record.id, record.nextAttemptAtMs);
    return { status: 'accepted', id: record.id };
  }

  async lease(nowMs: number, leaseMs: number, token: string): Promise<OutboxRecord | undefined> {
    for (const [id, l] of this.processing) {
      if (l.untilMs <= nowMs) {
        this.processing.delete(id);
        this.ready.set(id, nowMs);
      }
    }
    let best: string | undefined;
    let bestAt = Infinity;
    for (const [id, at] of this.ready) {
      if (at <= nowMs && at < bestAt) {
        best = id;
        bestAt = at;
      }
    }
    if (best === undefined) return undefined;
    this.ready.delete(best);
    const rec = this.records.get(best);
    if (!rec) return undefined;
    this.processing.set(best, { token, untilMs: nowMs + leaseMs });
    return structuredClone(rec);
  }

  async release(record: OutboxRecord, token: string, keepMs: number): Promise<boolean> {
    const l = this.processing.get(record.id);
    if (!l || l.token !== token) return false;
    this.processing.delete(record.id);
    const copy = structuredClone(record);
    if (record.state === 'delivered' || record.state === 'renumbered') {
      this.records.delete(record.id);
      this.done.set(record.id, { value: copy, expiresAtMs: this.clock() + keepMs });
    } else if (record.state === 'dead') {
      this.records.set(record.id, copy);
      this.dead.set(record.id, record.deadAtMs ?? this.clock());
    } else {
      this.records.set(record.id, copy);
      this.ready.set(record.id, record.nextAttemptAtMs);
    }
    return true;
  }

  async get(id: string): Promise<OutboxRecord | undefined> {
    const rec = this.records.get(id);
    if (rec) return structuredClone(rec);
    const d = this.done.get(id);
    if (d && d.expiresAtMs > this.clock()) return structuredClone(d.value);
    return undefined;
  }

  async listDead(limit: number): Promise<OutboxRecord[]> {
    return [...this.dead.entries()]
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => this.records.get(id))
      .filter((r): r is OutboxRecord => r !== undefined)
      .map((r) => structuredClone(r));
  }

  async requeueDead(record: OutboxRecord, nowMs: number): Promise<boolean> {
    if (!this.dead.delete(record.id)) return false;
    this.records.set(record.id, structuredClone(record));
    this.ready.set(record.id, nowMs);
    return true;
  }

  async discardDead(record: OutboxRecord, keepMs: number): Promise<boolean> {
    if (!this.dead.delete(record.id)) return false;
    this.records.delete(record.id);
    this.done.set(record.id, { value: structuredClone(record), expiresAtMs: this.clock() + keepMs });
    return true;
  }

  async counts(): Promise<OutboxCounts> {
    return { pending: this.ready.size, processing: this.processing.size, dead: this.dead.size };
  }

  async nextDueAtMs(): Promise<number | undefined> {
    let min: number | undefined;
    for (const at of this.ready.values()) if (min === undefined || at < min) min = at;
    return min;
  }
}
