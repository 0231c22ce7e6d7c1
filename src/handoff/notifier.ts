/**
 * How the help desk hears about tickets. The Slack and Teams channels implement `Notifier` (post to
 * SLACK_HELPDESK_CHANNEL or a Teams channel); `describeHandoffEvent` gives them the text, from locales/, so
 * every notifier says the same thing. Events carry the redacted ticket only.
 */
import type { Locale, Ticket } from '../core/index.js';
import type { I18n } from '../i18n/index.js';
import type { SinkName } from './sinks/types.js';

export type HandoffEvent =
  /** A new ticket was accepted (once per escalation, by the replica that claimed it). */
  | { type: 'escalated'; ticket: Ticket; sink: SinkName }
  /** The ticket system has it. */
  | { type: 'delivered'; ticket: Ticket; sink: SinkName; externalRef: string; url?: string; attempts: number }
  /** Delivery failed for good; the ticket is in the dead-letter list. */
  | { type: 'failed'; ticket: Ticket; sink: SinkName; attempts: number; reason: string; status?: number };

export interface Notifier {
  /** Must not throw for a delivery problem of its own; errors are logged by the caller and never retried. */
  notify(event: HandoffEvent): Promise<void>;
  /** Posts a line of its own to the help-desk channel (an incident, src/incidents); optional. */
  broadcast?(text: string, fields: Record<string, unknown>): Promise<void>;
}

/** The help-desk text of an event, in `locale` (the help desk's language, usually DEFAULT_LOCALE). */
export function describeHandoffEvent(event: HandoffEvent, i18n: I18n, locale: Locale): string {
  const t = event.ticket;
  const base = { id: t.id, channel: t.channel, summary: t.summary, transcript: t.transcriptUrl, sink: event.sink };
  switch (event.type) {
    case 'escalated':
      return i18n.t('handoff.notify.escalated', base, locale);
    case 'delivered':
      return i18n.t('handoff.notify.delivered', { ...base, ref: event.url ?? event.externalRef }, locale);
    case 'failed':
      return i18n.t('handoff.notify.failed', { ...base, reason: event.reason, attempts: event.attempts }, locale);
  }
}

/** Combines notifiers (Slack and Teams both configured); one failing does not stop the others. */
export function fanOutNotifier(notifiers: Notifier[]): Notifier {
  return {
    async notify(event) {
      const results = await Promise.allSettled(notifiers.map((n) => n.notify(event)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    async broadcast(text, fields) {
      await Promise.allSettled(notifiers.map((n) => n.broadcast?.(text, fields)));
    },
  };
}
