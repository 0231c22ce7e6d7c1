/**
 * The pipeline → transcript bridge, as a TurnObserver. The pipeline calls observers after unlock without
 * awaiting them; this one only queues the record and returns, so a slow or broken store never delays or breaks
 * a turn. Writes of one conversation stay in order (one chain per conversation); a full queue drops the record
 * with a warning rather than growing without bound while Redis is down.
 *
 * Redaction happens here, before anything is queued: TurnRecord.turn.text arrives cleaned but not redacted.
 */
import { asCodedError, turnFiles, type Entities, type Logger, type Reply } from '../core/index.js';
import { redact, type RedactionKind } from '../core/redact.js';
import type { TurnObserver, TurnRecord } from '../pipeline/types.js';
import type { NewTurn } from './summary.js';
import type { TranscriptEvent, TranscriptReply, TranscriptStore } from './types.js';

export interface TranscriptObserver extends TurnObserver {
  /** Waits until every queued record is written (or failed), at most `timeoutMs`. True when drained. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Records waiting to be written. */
  pending(): number;
  /** Records dropped (queue full) or lost (store error) since start. */
  readonly lost: { dropped: number; failed: number };
}

export interface TranscriptObserverOptions {
  logger?: Logger;
  /** Most records waiting at once before new ones are dropped. Default 5,000. */
  maxPending?: number;
}

/**
 * Turns a pipeline record into a redacted transcript turn. Pure. A turn relayed to help-desk staff (its outcome
 * `heldBy`) is recorded with a `taken_over` event naming who holds the conversation.
 */
export function toTranscriptTurn(record: TurnRecord): NewTurn {
  const kinds = new Set<RedactionKind>();
  const clean = (text: string): string => {
    const r = redact(text);
    for (const k of r.kinds) kinds.add(k);
    return r.text;
  };
  const { turn, outcome, nlu } = record;
  const replies: TranscriptReply[] = outcome.replies.map((r: Reply) => {
    const out: TranscriptReply = { key: r.key, text: clean(r.text) };
    if (r.choices?.length) out.choices = r.choices.map((c) => ({ label: clean(c.label), value: c.value }));
    return out;
  });
  const events: TranscriptEvent[] = outcome.ticket ? [{ type: 'ticket', id: outcome.ticket.id, intent: outcome.ticket.intent }] : [];
  if (outcome.followUp) events.push({ type: 'follow_up', id: outcome.followUp.id, ticket: outcome.followUp.ticket, kind: outcome.followUp.kind });
  if (outcome.heldBy) events.push({ type: 'taken_over', by: outcome.heldBy.name ?? outcome.heldBy.id });
  const t: NewTurn = {
    conversation: turn.conversationId,
    atMs: record.atMs,
    channel: turn.channel,
    userId: turn.userId,
    node: record.node,
    status: record.status,
    replies,
    events,
    durationMs: Math.round(record.durationMs * 10) / 10,
  };
  if (turn.userName) t.userName = turn.userName;
  const locale = nlu?.locale ?? turn.locale;
  if (locale) t.locale = locale;
  if (turn.action !== undefined) t.action = turn.action;
  else {
    // A password sent in the message after its label (「パスワードは」 → 「hunter」) is masked whole (TurnOutcome.secret).
    t.text = outcome.secret !== undefined ? clean(outcome.secret) : clean(turn.text ?? '');
    if (outcome.secret !== undefined) kinds.add('password');
    const files = turnFiles(turn).map((f) => ({ ...(f.name ? { name: clean(f.name) } : {}), ...(f.type ? { type: f.type } : {}) }));
    if (files.length) t.files = files;
  }
  if (nlu) {
    t.intent = nlu.intent;
    t.confidence = Math.round(nlu.confidence * 1000) / 1000;
    const entities: Entities = { ...nlu.entities };
    if (entities.os_version) entities.os_version = clean(entities.os_version);
    t.entities = entities;
    t.ranking = nlu.ranking.slice(0, 3).map((r) => ({ intent: r.intent, confidence: Math.round(r.confidence * 1000) / 1000 }));
  } else if (outcome.intent) t.intent = outcome.intent;
  if (outcome.clarification) {
    t.clarification = { offered: [...outcome.clarification.offered] };
    if (outcome.clarification.chosen) t.clarification.chosen = outcome.clarification.chosen;
  }
  if (record.error) t.error = { code: record.error.code };
  if (kinds.size) t.redacted = [...kinds];
  if (record.symptom) t.symptom = record.symptom;
  if (record.known) t.known = { ...record.known };
  if (record.reading) t.reading = { ...record.reading };
  if (record.rule) t.rule = record.rule;
  if (record.stepsTried?.length) t.steps = record.stepsTried.map((x) => ({ node: x.node, result: x.result }));
  return t;
}

export function createTranscriptObserver(store: TranscriptStore, options: TranscriptObserverOptions = {}): TranscriptObserver {
  const log = options.logger?.child({ component: 'transcripts' });
  const maxPending = options.maxPending ?? 5_000;
  const chains = new Map<string, Promise<void>>();
  let pending = 0;
  const lost = { dropped: 0, failed: 0 };
  let idle: Array<() => void> = [];

  const settle = () => {
    pending--;
    if (pending === 0) {
      const waiters = idle;
      idle = [];
      for (const w of waiters) w();
    }
  };

  return {
    lost,
    pending: () => pending,
    onTurn(record: TurnRecord): void {
      if (pending >= maxPending) {
        lost.dropped++;
        // Once per 100 drops: an outage must not flood the logs.
        if (lost.dropped % 100 === 1) log?.warn({ dropped: lost.dropped }, 'transcript queue full; turns not recorded');
        return;
      }
      let entry: NewTurn;
      try {
        entry = toTranscriptTurn(record);
      } catch (e) {
        lost.failed++;
        log?.error({ conversation: record.turn.conversationId, err: asCodedError(e).message }, 'transcript record unreadable');
        return;
      }
      pending++;
      const id = entry.conversation;
      const tail = chains.get(id) ?? Promise.resolve();
      const next = tail
        .then(() => store.append(entry))
        .then(
          () => undefined,
          (e: unknown) => {
            lost.failed++;
            log?.warn({ conversation: id, code: asCodedError(e).code }, 'transcript write failed');
          },
        )
        .finally(() => {
          if (chains.get(id) === next) chains.delete(id);
          settle();
        });
      chains.set(id, next);
    },
    flush(timeoutMs = 5_000) {
      if (pending === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
        idle.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}
