/**
 * A help desk in a zone with summer time (TIME_ZONE=Europe/Berlin: UTC+1 in January, UTC+2 in July). The offset is the
 * zone's at each instant, not the one in force when the server started: a conversation at 00:30 on 16 July in Berlin
 * (22:30 UTC on the 15th) shows 00:30, is found under 16 July, counts on the 16th's chart day, would get a ticket number
 * of the 16th, and a correction at 00:30 on Monday 20 July is that Monday's week — and the same for 16 January at +1.
 * Before, the offset read at start-up was right for one half of the year only, so whichever half the test runs in, one of
 * the two instants was an hour off. Real server, real Redis, loopback HTTP, the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accuracyOverTime } from '../../src/admin/improve.js';
import { dayEndMs, dayStartMs, zoneOffset } from '../../src/core/time-zone.js';
import { ticketDay, ticketFloor } from '../../src/state/ticket-id.js';
import type { Annotation } from '../../src/transcripts/types.js';
import { childEnv, requireBuild, runCli } from '../channels/cli/spawn.js';
import { REDIS_URL } from '../redis.js';
import { textTurn } from '../transcripts/fixtures.js';
import { leadServer } from './client.js';

const lead = leadServer('summer-time-token-0123456789', 'summer', { TIME_ZONE: 'Europe/Berlin', TRANSCRIPT_RETENTION_DAYS: '3650' });
const { page, api } = lead;

/** 00:30 on the 16th in Berlin: 23:30 UTC on the 15th in winter (+1), 22:30 UTC in summer (+2). */
const JAN = Date.parse('2026-01-15T23:30:00Z');
const JUL = Date.parse('2026-07-15T22:30:00Z');

beforeAll(async () => {
  await lead.start();
  await lead.app.core.transcripts.append(textTurn('st-jan', JAN));
  await lead.app.core.transcripts.append(textTurn('st-jul', JUL));
}, 60_000);
afterAll(() => lead.stop());

const row = (html: string, id: string) => new RegExp(`<tr[^>]*data-id="${id}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
const ids = async (from: string, to: string) =>
  ((await api(`/admin/api/conversations?from=${from}&to=${to}`)).body.items as Array<{ id: string }>).map((x) => x.id).sort();

describe('TIME_ZONE with summer time (Europe/Berlin)', () => {
  it("shows each time with the offset of its own half of the year, on the list and the conversation page", async () => {
    const list = await page('/admin?from=2026-01-01&to=2026-12-31');
    expect(row(list, 'st-jan')).toContain('2026-01-16 00:30');
    expect(row(list, 'st-jul')).toContain('2026-07-16 00:30');
    expect(await page('/admin/conversations/st-jul')).toContain('2026-07-16 00:30');
    expect(await page('/admin/conversations/st-jan?lang=en')).toContain('2026-01-16 00:30');
  });

  it('filters by the Berlin day in January and in July', async () => {
    expect(await ids('2026-01-16', '2026-01-16')).toEqual(['st-jan']);
    expect(await ids('2026-07-16', '2026-07-16')).toEqual(['st-jul']);
    expect(await ids('2026-01-15', '2026-01-15')).toEqual([]);
    expect(await ids('2026-07-15', '2026-07-15')).toEqual([]);
  });

  it("counts each conversation on its Berlin day in the analytics' chart", async () => {
    const perDay = async (from: string, to: string) =>
      ((await api(`/admin/api/analytics?from=${from}&to=${to}`)).body.perDay as Array<{ day: string; total: number }>)
        .filter((d) => d.total > 0)
        .map((d) => d.day);
    expect(await perDay('2026-07-15', '2026-07-16')).toEqual(['2026-07-16']);
    expect(await perDay('2026-01-15', '2026-01-16')).toEqual(['2026-01-16']);
  });

  it('gives ticket numbers the Berlin day in January and in July', async () => {
    expect(await lead.app.core.stores.ticketIds.next(JUL)).toMatch(/^MM-20260716-/);
    expect(await lead.app.core.stores.ticketIds.next(JAN)).toMatch(/^MM-20260116-/);
    // An hour before Berlin's midnight it is still the 15th (21:30 UTC in July, 22:30 UTC in January).
    expect(await lead.app.core.stores.ticketIds.next(JUL - 3_600_000)).toMatch(/^MM-20260715-/);
    expect(await lead.app.core.stores.ticketIds.next(JAN - 3_600_000)).toMatch(/^MM-20260115-/);
  });

  it("puts a correction made on Monday 00:30 in Berlin in that Monday's week, in summer and in winter", () => {
    const at = (atMs: number): Annotation => ({ conversation: 'st-w', seq: 1, intent: 'error_send', predicted: 'error_send', text: 'メールが送信できません', locale: 'ja', atMs });
    const nlu = lead.app.core.nlu;
    const weeks = (atMs: number) => accuracyOverTime([at(atMs)], nlu, lead.app.core.config.utcOffset).map((r) => r.week);
    expect(weeks(Date.parse('2026-07-19T22:30:00Z'))).toEqual(['2026-07-20']);
    expect(weeks(Date.parse('2026-01-18T23:30:00Z'))).toEqual(['2026-01-19']);
  });

  it('takes the Berlin day for `mailmedic transcripts list --from/--to` in January and in July', async () => {
    requireBuild();
    const env = childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix, TIME_ZONE: 'Europe/Berlin', TRANSCRIPT_RETENTION_DAYS: '3650' });
    const listed = async (day: string) => (await runCli(['transcripts', 'list', '--from', day, '--to', day], '', env)).stdout;
    const jul = await listed('2026-07-16');
    expect(jul).toContain('st-jul');
    expect(jul).not.toContain('st-jan');
    expect(await listed('2026-07-15')).not.toContain('st-jul');
    const jan = await listed('2026-01-16');
    expect(jan).toContain('st-jan');
    expect(await listed('2026-01-15')).not.toContain('st-jan');
  });
});

describe('the days summer time starts and ends in Berlin', () => {
  const berlin = zoneOffset('Europe/Berlin');
  it('start at 00:00 of their own offset and last 23 and 25 hours', () => {
    expect(dayStartMs('2026-03-29', berlin)).toBe(Date.parse('2026-03-28T23:00:00Z'));
    expect(dayEndMs('2026-03-29', berlin)).toBe(Date.parse('2026-03-29T22:00:00Z'));
    expect(dayStartMs('2026-10-25', berlin)).toBe(Date.parse('2026-10-24T22:00:00Z'));
    expect(dayEndMs('2026-10-25', berlin)).toBe(Date.parse('2026-10-25T23:00:00Z'));
  });
  it('never give a ticket counter floor below an earlier one of the day, when the clocks go back', () => {
    // 02:30 in summer time, then 02:30 again an hour later in winter time.
    const first = ticketFloor(Date.parse('2026-10-25T00:30:00Z'), berlin);
    const again = ticketFloor(Date.parse('2026-10-25T01:30:00Z'), berlin);
    expect(again - first).toBe(36_000);
    expect(ticketDay(Date.parse('2026-10-25T22:59:00Z'), berlin)).toBe('20261025');
  });
});
