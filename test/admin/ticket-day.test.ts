/**
 * Ticket numbers (`MM-YYYYMMDD-NNNN`) take the help desk's day (TIME_ZONE), like the /admin pages: a ticket filed at 08:00
 * on the 7th in Tokyo is MM-…07-…, not the UTC day (…06). Real server, real Redis, loopback HTTP. The zone is picked so
 * that its date differs from the UTC date at the moment the test runs (UTC+14 from 10:00 UTC, UTC−12 before 12:00 UTC),
 * so the test tells the two days apart at any hour.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';

const hour = new Date().getUTCHours();
const zone = hour >= 10 ? { name: 'Etc/GMT-14', offset: 14 * 60 } : { name: 'Etc/GMT+12', offset: -12 * 60 };
const dayAt = (ms: number, offsetMinutes: number) => new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 10).replaceAll('-', '');

const lead = leadServer('ticket-day-token-0123456789', 'ticketday', { TIME_ZONE: zone.name });
beforeAll(() => lead.start(), 60_000);
afterAll(() => lead.stop());

describe('ticket numbers', () => {
  it("take the configured time zone's day, not the UTC day", async () => {
    const before = Date.now();
    // A request for a person with every detail the form asks: the ticket is filed on this turn.
    const filed = await lead.say('td-1', { text: '担当者と話したい。iPhone 15、iOS 18.1、ドコモメール、今朝から毎回受信できない' });
    const after = Date.now();
    const id = filed.ticket?.id ?? '';
    expect(id).toMatch(/^MM-\d{8}-\d{4,}$/);
    const day = id.slice(3, 11);
    expect([dayAt(before, zone.offset), dayAt(after, zone.offset)]).toContain(day);
    expect(day).not.toBe(dayAt(before, 0));
  });
});
