import { describe, expect, it } from 'vitest';
import { MemoryTicketIds } from '../../src/state/memory.js';
import { formatTicketId, ticketFloor } from '../../src/state/ticket-id.js';

describe('ticket ids', () => {
  it('the floor is the tenths of a second of the (offset) day', () => {
    expect(ticketFloor(Date.UTC(2026, 0, 1, 0, 0, 0))).toBe(0);
    expect(ticketFloor(Date.UTC(2026, 0, 1, 23, 59, 59, 999))).toBe(863_999);
    // 15:00 UTC is midnight in Tokyo (+540 min).
    expect(ticketFloor(Date.UTC(2026, 0, 1, 15, 0, 0, 500), 540)).toBe(5);
    expect(formatTicketId('20260101', 863_999)).toBe('MM-20260101-863999');
  });

  it('a restarted memory-mode process never hands out a number it handed out before (issue 13)', async () => {
    const t0 = Date.UTC(2026, 10, 28, 9, 0, 0);
    const before = new MemoryTicketIds();
    const first: string[] = [];
    for (let i = 0; i < 30; i++) first.push(await before.next(t0 + i * 100));
    // The process restarts a second later with an empty counter.
    const after = new MemoryTicketIds();
    const second: string[] = [];
    for (let i = 0; i < 30; i++) second.push(await after.next(t0 + 3_000 + i * 100));
    expect(new Set([...first, ...second]).size).toBe(60);
    const max = (ids: string[]) => Math.max(...ids.map((id) => Number(id.split('-')[2])));
    const min = (ids: string[]) => Math.min(...ids.map((id) => Number(id.split('-')[2])));
    expect(min(second)).toBeGreaterThan(max(first));
  });
});
