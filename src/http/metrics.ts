/**
 * The process's Prometheus registry, served as text at GET /metrics. Other parts add their own metrics to
 * `registry` (e.g. the ticket outbox's depth gauge) with `new Gauge({ ..., registers: [registry] })`, or use the
 * shared ones below. Module-level on purpose: one process, one registry, whatever number of apps a test starts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ErrorCode, FOLLOW_UP_KINDS } from '../core/index.js';
import type { TurnObserver, TurnRecord } from '../pipeline/types.js';

export const registry = new Registry();
registry.setDefaultLabels({ app: 'mailmedic' });
collectDefaultMetrics({ register: registry, prefix: 'mailmedic_' });

/** Turns handled, by channel and detected intent ("none" for a button click). */
export const turnsTotal = new Counter({
  name: 'mailmedic_turns_total',
  help: 'Turns handled, by channel and intent (intent "none" for a button click).',
  labelNames: ['channel', 'intent'] as const,
  registers: [registry],
});

/** Whole-turn latency in seconds (lock → NLU → step → save), by channel. */
export const turnDuration = new Histogram({
  name: 'mailmedic_turn_duration_seconds',
  help: 'Turn latency in seconds, from the channel handing the turn to the pipeline until the outcome.',
  labelNames: ['channel'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

/** Turns the bot could not place (out_of_scope): the clarify / offer-a-person path. */
export const fallbacksTotal = new Counter({
  name: 'mailmedic_fallbacks_total',
  help: 'Turns whose text the bot could not place (intent out_of_scope).',
  labelNames: ['channel'] as const,
  registers: [registry],
});

/** Conversations handed to a person (a ticket was produced). */
export const escalationsTotal = new Counter({
  name: 'mailmedic_escalations_total',
  help: 'Escalations to the help desk (turns that produced a ticket).',
  labelNames: ['channel'] as const,
  registers: [registry],
});

/** Redis errors seen by any part; `op` says where (e.g. "turn", "ping", "outbox"). */
export const redisErrorsTotal = new Counter({
  name: 'mailmedic_redis_errors_total',
  help: 'Redis errors, by the operation that saw them.',
  labelNames: ['op'] as const,
  registers: [registry],
});

/** Turns that failed inside the pipeline and were answered with an apology, by error code. */
export const repliesUndeliveredTotal = new Counter({
  name: 'mailmedic_replies_undelivered_total',
  help: 'Turn replies the channel could not deliver (the turn itself was processed and saved).',
  labelNames: ['channel'] as const,
  registers: [registry],
});

export const turnErrorsTotal = new Counter({
  name: 'mailmedic_turn_errors_total',
  help: 'Turns that failed and were answered with an apology, by error code.',
  labelNames: ['channel', 'kind'] as const,
  registers: [registry],
});

/** HTTP requests rejected before reaching a channel (malformed JSON, too large …), by status. */
export const httpRejectsTotal = new Counter({
  name: 'mailmedic_http_rejected_total',
  help: 'HTTP requests rejected by the server before a channel saw them, by status code.',
  labelNames: ['status'] as const,
  registers: [registry],
});

/**
 * Feeds the turn metrics from the pipeline's observer hook (src/pipeline/types.ts): one record per processed or
 * failed turn; duplicates are not reported. Never throws.
 */
export const metricsObserver: TurnObserver = {
  onTurn(record: TurnRecord): void {
    const channel = record.turn.channel;
    const outcome = record.outcome;
    turnsTotal.inc({ channel, intent: outcome.intent ?? 'none' });
    turnDuration.observe({ channel }, record.durationMs / 1000);
    if (outcome.intent === 'out_of_scope') fallbacksTotal.inc({ channel });
    if (outcome.ticket) escalationsTotal.inc({ channel });
    if (record.error) {
      turnErrorsTotal.inc({ channel, kind: record.error.code });
      if (record.error.code === ErrorCode.StoreUnavailable) redisErrorsTotal.inc({ op: 'turn' });
    }
  },
};

/** Turns being processed right now (graceful shutdown waits for this to reach 0). */
export const turnsInFlight = new Gauge({
  name: 'mailmedic_turns_in_flight',
  help: 'Turns currently being processed by this process.',
  registers: [registry],
});

/** What the metrics read from the hand-off service (src/handoff: HandoffService). */
export interface WatchedOutbox {
  counts(): Promise<{ pending: number; processing: number; dead: number }>;
  readonly metrics: Readonly<{
    submitted: number;
    delivered: number;
    failedAttempts: number;
    deadLettered: number;
    conflicts?: number;
    /** Follow-ups by `<kind>:<outcome>` (src/handoff/outbox.ts OutboxMetrics.followUps). */
    followUps?: Readonly<Record<string, number>>;
  }>;
}

const watchedOutboxes = new Set<WatchedOutbox>();

/** Sum of one outbox counter over the outboxes this process runs (normally one). */
const outboxSum = (pick: (m: WatchedOutbox['metrics']) => number) => [...watchedOutboxes].reduce((n, o) => n + pick(o.metrics), 0);

/**
 * Tickets waiting in the outbox, by state (pending, processing, dead), read at scrape time. With Redis every replica
 * reports the same shared queue: aggregate with max(), not sum().
 */
export const outboxDepth = new Gauge({
  name: 'mailmedic_ticket_outbox_depth',
  help: 'Tickets in the hand-off outbox by state (shared by replicas on Redis: aggregate with max).',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    const depth = { pending: 0, processing: 0, dead: 0 };
    for (const o of watchedOutboxes) {
      try {
        const c = await o.counts();
        depth.pending = Math.max(depth.pending, c.pending);
        depth.processing = Math.max(depth.processing, c.processing);
        depth.dead = Math.max(depth.dead, c.dead);
      } catch {
        // A scrape must still answer while Redis is down; the error is what it reports.
        redisErrorsTotal.inc({ op: 'outbox' });
      }
    }
    for (const [state, n] of Object.entries(depth)) this.set({ state }, n);
  },
});

/** Tickets delivered to the ticket system by this process. */
export const ticketsDeliveredTotal = new Counter({
  name: 'mailmedic_tickets_delivered_total',
  help: 'Tickets delivered to the ticket system by this process.',
  registers: [registry],
  collect() {
    this.reset();
    this.inc(outboxSum((m) => m.delivered));
  },
});

/** /api/chat requests refused with 429, by the limit that refused them (conversation, client). */
export const chatRateLimitedTotal = new Counter({
  name: 'mailmedic_chat_rate_limited_total',
  help: '/api/chat requests refused with 429 by the per-conversation or per-client rate limit.',
  labelNames: ['scope'] as const,
  registers: [registry],
});

/** Failed delivery attempts (each retry counts) and tickets given up on (dead letters), by this process. */
export const ticketFailuresTotal = new Counter({
  name: 'mailmedic_ticket_failures_total',
  help: 'Ticket delivery failures by this process: kind "attempt" for each failed try, "dead_letter" for tickets given up on, "conflict" for ids a sink already held with other content.',
  labelNames: ['kind'] as const,
  registers: [registry],
  collect() {
    this.reset();
    this.inc({ kind: 'attempt' }, outboxSum((m) => m.failedAttempts));
    this.inc({ kind: 'dead_letter' }, outboxSum((m) => m.deadLettered));
    // A sink already held a different ticket under the id (the ticket was filed again under a new one): an alert.
    this.inc({ kind: 'conflict' }, outboxSum((m) => m.conflicts ?? 0));
  },
});

/**
 * Follow-ups to filed tickets (「直った」, 「まだダメ」, new details after filing), by kind (user_resolved, still_broken,
 * details) and outcome: queued, delivered, retried (a failed attempt kept for another try, also while the ticket itself
 * is not in the ticket system yet), dead_lettered — by this process. Every pair is reported from the start (0).
 */
export const followUpsTotal = new Counter({
  name: 'mailmedic_ticket_follow_ups_total',
  help: 'Follow-ups to filed tickets by this process, by kind (user_resolved, still_broken, details) and outcome (queued, delivered, retried, dead_lettered).',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const kind of FOLLOW_UP_KINDS)
      for (const outcome of ['queued', 'delivered', 'retried', 'dead_lettered'])
        this.inc({ kind, outcome }, outboxSum((m) => m.followUps?.[`${kind}:${outcome}`] ?? 0));
  },
});

/** Reports an outbox's depth and delivery counters on /metrics until the returned function is called. */
export function watchOutbox(outbox: WatchedOutbox): () => void {
  watchedOutboxes.add(outbox);
  return () => {
    watchedOutboxes.delete(outbox);
  };
}

/**
 * Slack/Teams turns kept for a later answer (recover.ts: the store was down or the conversation busy), now, in this
 * process. Above 0 for minutes: Redis is away; each is also in the recovery spool when RECOVERY_SPOOL_DIR is set.
 */
export const recoveryKeptTurns = new Gauge({
  name: 'mailmedic_recovery_kept_turns',
  help: 'Slack/Teams turns kept by this process to be run again and answered later (store down or conversation busy).',
  labelNames: ['channel'] as const,
  registers: [registry],
});

/**
 * What became of kept turns: `kept` (told the answer will follow), `recovered` (answered later), `gave_up` (told to
 * send it again after about five minutes), `taken_over` (read from the spool of a replica that stopped).
 */
export const recoveryTurnsTotal = new Counter({
  name: 'mailmedic_recovery_turns_total',
  help: 'Kept Slack/Teams turns by outcome: kept, recovered, gave_up, taken_over (from the spool of a replica that stopped).',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});
for (const channel of ['slack', 'teams']) {
  recoveryKeptTurns.set({ channel }, 0);
  for (const outcome of ['kept', 'recovered', 'gave_up', 'taken_over']) recoveryTurnsTotal.inc({ channel, outcome }, 0);
}

/** Recovery spool failures: `write` (a kept turn only in memory), `read`, `corrupt` (a line skipped). */
export const recoverySpoolErrorsTotal = new Counter({
  name: 'mailmedic_recovery_spool_errors_total',
  help: 'Recovery spool failures by op: write (kept in memory only), read, corrupt (a line skipped).',
  labelNames: ['channel', 'op'] as const,
  registers: [registry],
});
