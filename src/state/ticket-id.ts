/**
 * Ticket id format `MM-YYYYMMDD-NNNN` (design.md § The ticket object).
 *
 * NNNN never repeats within a day, even when the counter is lost (Redis restarted without persistence, a failover
 * that dropped the last INCR, a memory-mode process restarted): the number handed out is
 * max(counter + 1, tenths of a second since the start of the day). A counter that restarts from nothing therefore
 * restarts above every number issued earlier at up to ten tickets a second, and stays short enough to read out on
 * the phone (4–6 digits: at most 863,999 plus the tickets of a burst). The sinks refuse an existing id with other
 * content (a conflict), and the outbox files such a ticket again under a new number, so even a counter that ran
 * ahead of the clock before it was lost cannot merge or lose a ticket.
 */

/** The day of `nowMs` as `YYYYMMDD`, shifted by `utcOffsetMinutes` (0: UTC). */
export function ticketDay(nowMs: number, utcOffsetMinutes = 0): string {
  const d = new Date(nowMs + utcOffsetMinutes * 60_000);
  const y = d.getUTCFullYear().toString().padStart(4, '0');
  const m = (d.getUTCMonth() + 1).toString().padStart(2, '0');
  const day = d.getUTCDate().toString().padStart(2, '0');
  return `${y}${m}${day}`;
}

/** Tenths of a second since the start of the (offset-shifted) day of `nowMs`: 0 … 863,999. The counter's floor. */
export function ticketFloor(nowMs: number, utcOffsetMinutes = 0): number {
  const local = nowMs + utcOffsetMinutes * 60_000;
  const ms = ((local % 86_400_000) + 86_400_000) % 86_400_000;
  return Math.floor(ms / 100);
}

/** `MM-<day>-<seq>`, seq zero-padded to at least 4 digits (a 10,000th ticket of a day gets 5). */
export function formatTicketId(day: string, seq: number): string {
  return `MM-${day}-${seq.toString().padStart(4, '0')}`;
}

/** Matches a ticket id. */
export const TICKET_ID_PATTERN = /^MM-\d{8}-\d{4,}$/;
