/** Ticket id format `MM-YYYYMMDD-NNNN` (design.md § The ticket object). */

/** The day of `nowMs` as `YYYYMMDD`, shifted by `utcOffsetMinutes` (0: UTC). */
export function ticketDay(nowMs: number, utcOffsetMinutes = 0): string {
  const d = new Date(nowMs + utcOffsetMinutes * 60_000);
  const y = d.getUTCFullYear().toString().padStart(4, '0');
  const m = (d.getUTCMonth() + 1).toString().padStart(2, '0');
  const day = d.getUTCDate().toString().padStart(2, '0');
  return `${y}${m}${day}`;
}

/** `MM-<day>-<seq>`, seq zero-padded to at least 4 digits (a 10,000th ticket of a day gets 5). */
export function formatTicketId(day: string, seq: number): string {
  return `MM-${day}-${seq.toString().padStart(4, '0')}`;
}

/** Matches a ticket id. */
export const TICKET_ID_PATTERN = /^MM-\d{8}-\d{4,}$/;
