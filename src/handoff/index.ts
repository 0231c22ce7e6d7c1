/**
 * The hand-off service the composition root wires in: redaction → outbox (memory, or Redis when configured) →
 * sink (TICKET_SINK), plus the help-desk notifier and the "your ticket is filed" callback.
 *
 *   const store = stores.open({ memory: () => new MemoryOutboxStore(), redis: (c) => redisOutboxStore(c) });
 *   const tickets = createTicketHandler(config, { logger, store, notifier, onDelivered });
 *   await tickets.start();               // checks the sink, starts the workers
 *   createPipeline({ …, tickets });      // pipeline calls tickets.submit(ticket)
 *   …
 *   await tickets.stop();                // finishes deliveries in flight (memory: flushes what is due)
 */
import { CodedError, ErrorCode, type Logger, type Ticket, type TicketFollowUp } from '../core/index.js';
import type { Config } from '../config/index.js';
import type { TicketAcceptance, TicketHandler } from '../pipeline/types.js';
import type { TicketIds } from '../state/types.js';
import type { Notifier, HandoffEvent } from './notifier.js';
import {
  MemoryOutboxStore,
  Outbox,
  type OutboxStore,
  type OutboxCounts,
  type OutboxMetrics,
  type OutboxOptions,
  type OutboxRecord,
  type SubmitResult,
} from './outbox.js';
import { redactFollowUp, redactTicket } from './redact-ticket.js';
import { createSink, type SinkName, type TicketSink } from './sinks/index.js';

export type { HandoffEvent, Notifier } from './notifier.js';
export { describeHandoffEvent, fanOutNotifier } from './notifier.js';
export type { OutboxRecord, OutboxCounts, OutboxMetrics, SubmitResult, OutboxAttempt, OutboxState } from './outbox.js';
export { redactFollowUp, redactTicket } from './redact-ticket.js';
export { redisOutboxStore } from './outbox-redis.js';
export { MemoryOutboxStore, type OutboxStore } from './outbox.js';

/** Outbox tuning the composition root or tests may override (defaults in OutboxOptions). */
export type OutboxTuning = Partial<
  Pick<
    OutboxOptions,
    | 'maxAttempts'
    | 'baseDelayMs'
    | 'maxDelayMs'
    | 'leaseMs'
    | 'pollMs'
    | 'concurrency'
    | 'claimTtlMs'
    | 'escalationWindowMs'
    | 'keepMs'
    | 'random'
    | 'clock'
  >
>;

export interface TicketHandlerDeps {
  logger: Logger;
  /** Where the outbox keeps tickets (the composition root builds it on the process's stores). */
  store?: OutboxStore;
  /** Tells the help desk (Slack / Teams channel). Called without blocking the turn; errors are logged. */
  notifier?: Notifier;
  /**
   * The ticket system has the ticket: route this to the person's conversation (handoff.user.delivered).
   * Called once per ticket, by the replica that recorded the delivery.
   */
  onDelivered?(ticket: Ticket, externalRef: string, url?: string): void | Promise<void>;
  /** Delivery failed for good (dead letter): route handoff.user.failed to the person. */
  onFailed?(ticket: Ticket, record: OutboxRecord): void | Promise<void>;
  /** Replaces the sink built from Config (tests, custom integrations). */
  sink?: TicketSink;
  /** Time limit of one HTTP request to the ticket system, ms. Default 10,000. */
  sinkTimeoutMs?: number;
  outbox?: OutboxTuning;
  /**
   * Fresh ids for a ticket whose id a sink already holds with other content (a conflict): the ticket is filed
   * again under a new id. Without it a conflict is a dead letter (alerted).
   */
  ticketIds?: TicketIds;
  /**
   * How long `submit` waits for the ticket system to accept a ticket before it answers "held by the outbox",
   * ms. The person is told the number only after one of them holds it. Default 3,000; 0: do not wait.
   */
  acceptWaitMs?: number;
}

/** Staff's view of tickets that finally failed (the admin page uses these). */
export interface DeadLetterAdmin {
  list(limit?: number): Promise<OutboxRecord[]>;
  retry(id: string): Promise<boolean>;
  discard(id: string): Promise<boolean>;
}

export interface HandoffService extends TicketHandler {
  readonly sinkName: SinkName;
  /** Like submit, with the outcome: accepted or duplicate, and whether anything was redacted. */
  submitTicket(ticket: Ticket): Promise<SubmitResult & { redacted: boolean }>;
  submit(ticket: Ticket): Promise<TicketAcceptance>;
  /**
   * Holds a follow-up to a ticket this outbox filed (redacted first; idempotent on its id). Throws
   * CodedError(TicketDelivery) when the outbox no longer knows the ticket, StoreUnavailable when it cannot hold it.
   */
  followUp(followUp: TicketFollowUp): Promise<void>;
  /** Checks the sink (TICKET_DIR writable …) and starts the delivery workers. */
  start(): Promise<void>;
  /** Stops the workers after in-flight deliveries (memory outbox: delivers what is due first). */
  stop(): Promise<void>;
  status(id: string): Promise<OutboxRecord | undefined>;
  readonly deadLetters: DeadLetterAdmin;
  /** Outbox depth for /metrics and /healthz. */
  counts(): Promise<OutboxCounts>;
  /** Counters since start, for /metrics. */
  readonly metrics: Readonly<OutboxMetrics>;
}

export function createTicketHandler(config: Config, deps: TicketHandlerDeps): HandoffService {
  const log = deps.logger.child({ component: 'handoff' });
  const sinkTimeoutMs = deps.sinkTimeoutMs ?? 10_000;
  const sink = deps.sink ?? createSink(config, { timeoutMs: sinkTimeoutMs });
  const leaseMs = deps.outbox?.leaseMs ?? 60_000;
  // Jira makes two requests per attempt (look-up + create): the lease must outlast both with room to spare.
  if (leaseMs < 3 * sinkTimeoutMs) {
    throw new CodedError(ErrorCode.ConfigInvalid, `outbox leaseMs (${leaseMs}) must be at least 3 × the sink time limit (${sinkTimeoutMs})`);
  }
  if (config.redis && deps.store?.kind !== 'redis') {
    throw new CodedError(ErrorCode.ConfigInvalid, 'Redis is configured but the ticket handler was given no Redis outbox store');
  }
  const store = deps.store ?? new MemoryOutboxStore(deps.outbox?.clock);

  const notify = (event: HandoffEvent): void => {
    if (!deps.notifier) return;
    deps.notifier.notify(event).catch((e: unknown) => {
      log.warn({ ticket: event.ticket.id, event: event.type, err: e instanceof Error ? e.name : 'error' }, 'help-desk notification failed');
    });
  };

  // Turns waiting for their ticket to be accepted by the sink: ticket id → resolve (see acceptWaitMs).
  const waiting = new Map<string, { settle(a: TicketAcceptance): void; moved(id: string): void }>();
  const acceptWaitMs = deps.acceptWaitMs ?? 3_000;
  const ticketIds = deps.ticketIds;

  const outbox = new Outbox({
    ...deps.outbox,
    leaseMs,
    store,
    sink,
    logger: deps.logger,
    // The counter is behind what the sink holds (lost with Redis, or a memory-mode replica): jump past the taken
    // number by 1, 10, 100 … so a run of taken numbers costs a few tries, not one per number.
    renumber: ticketIds
      ? (ticket, tries) => ticketIds.next(Date.now(), Number(ticket.id.split('-').at(-1)) + 10 ** tries)
      : undefined,
    hooks: {
      onRenumbered: (from, to) => {
        // An alert: a ticket number was handed out twice (counter lost with Redis, memory-mode replicas).
        log.error({ ticket: from.id, renumberedTo: to.id }, 'ticket id conflict at the ticket system: filed again under a new id');
        const w = waiting.get(from.id);
        if (w) {
          waiting.delete(from.id);
          waiting.set(to.id, w);
          w.moved(to.id);
        }
      },
      onDelivered: async (ticket, delivered, record) => {
        waiting.get(ticket.id)?.settle({ id: ticket.id, acceptedBy: 'sink' });
        notify({ type: 'delivered', ticket, sink: sink.name, externalRef: delivered.externalRef, url: delivered.url, attempts: record.attempts });
        await deps.onDelivered?.(ticket, delivered.externalRef, delivered.url);
      },
      onDeadLetter: async (ticket, record) => {
        notify({
          type: 'failed',
          ticket,
          sink: sink.name,
          attempts: record.attempts,
          reason: record.lastError?.reason ?? 'unknown',
          status: record.lastError?.status,
        });
        await deps.onFailed?.(ticket, record);
      },
    },
  });

  async function submitTicket(ticket: Ticket): Promise<SubmitResult & { redacted: boolean }> {
    // Redact before anything is stored: the outbox (and so Redis) never holds a secret.
    const { ticket: clean, redacted } = redactTicket(ticket);
    if (redacted) log.info({ ticket: ticket.id }, 'secrets redacted from ticket');
    const result = await outbox.submit(clean);
    if (result.status === 'accepted') notify({ type: 'escalated', ticket: clean, sink: sink.name });
    return { ...result, redacted };
  }

  /** Submits, then waits up to acceptWaitMs for the sink; the id is the one the ticket was finally filed under. */
  async function submit(ticket: Ticket): Promise<TicketAcceptance> {
    let resolve!: (a: TicketAcceptance) => void;
    const accepted = new Promise<TicketAcceptance>((r) => (resolve = r));
    let current = ticket.id;
    const waiter = { settle: resolve, moved: (id: string) => (current = id) };
    if (acceptWaitMs > 0) waiting.set(ticket.id, waiter);
    try {
      const result = await submitTicket(ticket);
      if (result.status !== 'accepted' || acceptWaitMs <= 0) return { id: ticket.id, acceptedBy: 'outbox' };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<TicketAcceptance>((r) => {
        timer = setTimeout(() => r({ id: current, acceptedBy: 'outbox' }), acceptWaitMs);
        timer.unref?.();
      });
      try {
        return await Promise.race([accepted, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      for (const [id, w] of waiting) if (w === waiter) waiting.delete(id);
    }
  }

  async function followUp(f: TicketFollowUp): Promise<void> {
    const { followUp: clean, redacted } = redactFollowUp(f);
    if (redacted) log.info({ followUp: f.id }, 'secrets redacted from follow-up');
    // The ticket as sent (followed through renumbering): the record shows it beside the follow-up on /admin.
    let filed = await outbox.status(f.ticket);
    for (let i = 0; filed?.state === 'renumbered' && filed.renumberedTo && i < 8; i++) filed = await outbox.status(filed.renumberedTo);
    if (!filed) throw new CodedError(ErrorCode.TicketDelivery, `follow-up ${f.id}: ticket ${f.ticket} is not in the outbox`);
    await outbox.submitFollowUp(clean, filed.ticket);
  }

  return {
    sinkName: sink.name,
    submit,
    submitTicket,
    followUp,
    async start() {
      await sink.init?.();
      outbox.start();
      log.info({ sink: sink.name, store: store.kind }, 'ticket delivery started');
    },
    stop: () => outbox.stop(),
    status: (id) => outbox.status(id),
    deadLetters: outbox.deadLetters,
    counts: () => outbox.counts(),
    metrics: outbox.metrics,
  };
}
