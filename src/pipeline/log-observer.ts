/**
 * One info line per turn, for the people who run the bot: `grep '"conversation":"<id>"'` shows what happened to a
 * conversation turn by turn — where it stood (node, status), what the bot understood (intent, confidence, the reply
 * act it acted on, the policy rule), whether a ticket was filed, the error code of a failed turn and the time taken.
 * Never what the person typed: no text, no button value, no entity value (a form answer's model or error text).
 * A failed turn also has its own `turn failed` line from the error handler (warn, or error for a fault).
 */
import type { Logger } from '../core/index.js';
import type { TurnObserver, TurnRecord } from './types.js';

/** The fields of a turn's log line: ids, codes and numbers only. */
export function turnLogFields(record: TurnRecord): Record<string, unknown> {
  const { turn, outcome } = record;
  const fields: Record<string, unknown> = {
    conversation: turn.conversationId,
    channel: turn.channel,
    input: turn.action !== undefined ? 'click' : 'text',
    intent: outcome.intent ?? null,
    node: record.node,
    status: record.status,
    ms: Math.round(record.durationMs),
  };
  if (record.nlu) fields.confidence = Math.round(record.nlu.confidence * 100) / 100;
  if (record.reading) fields.act = record.reading.act;
  if (record.rule) fields.rule = record.rule;
  if (outcome.ticket) fields.ticket = outcome.ticket.id;
  if (outcome.heldBy) fields.held = true;
  if (record.error) fields.error = record.error.code;
  return fields;
}

/** Logs every processed or failed turn at info (duplicates are not reported to observers). */
export function turnLogObserver(logger: Logger): TurnObserver {
  return {
    onTurn(record) {
      logger.info(turnLogFields(record), 'turn');
    },
  };
}
