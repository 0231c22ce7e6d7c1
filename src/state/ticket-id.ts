/**
 * Ticket id format `MM-YYYYMMDD-NNNN` (design.md § The ticket object).
 *
 * NNNN never repeats within a day, even when the counter is lost (Redis restarted without persistence, a failover
 * that dropped the last INCR, a memory-mode process restarted): the number handed out is
 * max(counter + 1, tenths of a second since the start of the day). A counter that restarts from nothing therefore
 * restarts above every number issued earlier at up to ten tickets a second, and stays short enough to read out on
 * the phone (4–6 digits: at most 863,999 — 899,999 on the day summer time ends — plus the tickets of a burst). The sinks refuse an existing id with other
 * content (a conflict), and the outbox files such a ticket again under a new number, so even a counter that ran
 * ahead of the clock before it was lost cannot merge or lose a ticket.
 */

import { dayStartMs, localDay, type UtcOffset } from '../core/time-zone.js';

/** The day of `nowMs` as `YYYYMMDD` in the zone at `utcOffset` (0: UTC; a zone's offset at each instant: its summer time). */
export function ticketDay(nowMs: number, utcOffset: UtcOffset = 0): string {
  return localDay(nowMs, utcOffset).replaceAll('-', '');
}

/**
 * Tenths of a second since the zone's midnight of `nowMs`'s day: 0 … 863,999 (899,999 on the day summer time ends). Real
 * time elapsed, so it never goes back within a day, not even when the clocks do. The counter's floor.
 */
export function ticketFloor(nowMs: number, utcOffset: UtcOffset = 0): number {
  return Math.floor((nowMs - dayStartMs(localDay(nowMs, utcOffset), utcOffset)) / 100);
}

/** `MM-<day>-<seq>`, seq zero-padded to at least 4 digits (a 10,000th ticket of a day gets 5). */
export function formatTicketId(day: string, seq: number): string {
  return `MM-${day}-${seq.toString().padStart(4, '0')}`;
}

/** Matches a ticket id. */
export const TICKET_ID_PATTERN = /^MM-\d{8}-\d{4,}$/;
