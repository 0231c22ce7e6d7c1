/**
 * The help desk's time zone (TIME_ZONE) as minutes from UTC. A zone with summer time (Europe/Berlin, America/New_York)
 * has two offsets a year, so the offset is taken for each instant — the page's times, the date filters, the chart days,
 * the CLI's days, ticket-number days and /admin/improve's weeks all go through these helpers.
 */

/** Minutes from UTC: a fixed number (540 for Japan, 0 for UTC), or a zone's offset at each instant (`zoneOffset`). */
export type UtcOffset = number | ((atMs: number) => number);

const DAY_MS = 86_400_000;

/** Minutes `zone` (IANA) is ahead of UTC at `atMs` (Asia/Tokyo: 540, America/New_York in January: −300, in July: −240). */
export function zoneOffsetMinutes(zone: string, atMs: number): number {
  return offsetWith(formatter(zone), atMs);
}

/** `zone`'s offset at each instant, with one formatter kept for the zone. */
export function zoneOffset(zone: string): (atMs: number) => number {
  const f = formatter(zone);
  return (atMs) => offsetWith(f, atMs);
}

/** The offset at `atMs`. */
export function offsetAt(offset: UtcOffset, atMs: number): number {
  return typeof offset === 'number' ? offset : offset(atMs);
}

/** `atMs` moved to the zone's wall clock: read it with the getUTC… methods. */
export function wallClock(atMs: number, offset: UtcOffset): Date {
  return new Date(atMs + offsetAt(offset, atMs) * 60_000);
}

/** YYYY-MM-DD of `atMs` in the zone. */
export function localDay(atMs: number, offset: UtcOffset): string {
  return wallClock(atMs, offset).toISOString().slice(0, 10);
}

/**
 * The instant of `day`'s (YYYY-MM-DD) midnight in the zone. The offset is the one in force at that midnight, found in two
 * steps (the offset of the UTC guess, then of the instant it gives), so a day after a change to summer time starts at
 * 00:00 of the new offset.
 */
export function dayStartMs(day: string, offset: UtcOffset): number {
  const wall = Date.parse(`${day}T00:00:00Z`);
  const first = wall - offsetAt(offset, wall) * 60_000;
  return wall - offsetAt(offset, first) * 60_000;
}

/** The calendar day `n` days after `day` (YYYY-MM-DD; `n` may be negative): 2026-12-01 − 1 → 2026-11-30. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The instant the day after `day` starts in the zone (a summer-time day is 23 or 25 hours long). */
export function dayEndMs(day: string, offset: UtcOffset): number {
  return dayStartMs(addDays(day, 1), offset);
}

function formatter(zone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
}

function offsetWith(f: Intl.DateTimeFormat, atMs: number): number {
  const parts = f.formatToParts(new Date(atMs));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'));
  return Math.round((wall - Math.floor(atMs / 60_000) * 60_000) / 60_000);
}
