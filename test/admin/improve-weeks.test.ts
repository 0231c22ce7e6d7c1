/**
 * accuracyOverTime, which /admin/improve and its API call with TIME_ZONE's offset (default Asia/Tokyo): its weeks run
 * Monday to Sunday in that zone — a correction made on Monday 2026-12-07 at 08:00 in Tokyo (Sunday 23:00 UTC) is that
 * Monday's week, not the week before. The real NLU reads the corrected text again (the "now" column).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { accuracyOverTime } from '../../src/admin/improve.js';
import { createNlu } from '../../src/nlu/index.js';
import type { Annotation } from '../../src/transcripts/types.js';

let nlu: Awaited<ReturnType<typeof createNlu>>;
beforeAll(async () => {
  nlu = await createNlu();
}, 60_000);

const mondayMorningTokyo = Date.parse('2026-12-06T23:00:00Z');
const correction: Annotation = {
  conversation: 'wk-1',
  seq: 1,
  intent: 'error_send',
  predicted: 'error_send',
  text: 'メールが送信できません',
  locale: 'ja',
  atMs: mondayMorningTokyo,
};

describe('accuracy over time on /admin/improve', () => {
  it("puts a correction in the help desk's week, not the UTC week", () => {
    expect(accuracyOverTime([correction], nlu, 540).map((r) => r.week)).toEqual(['2026-12-07']);
    // The same instant is still Sunday in UTC: the week of Monday 2026-11-30.
    expect(accuracyOverTime([correction], nlu, 0).map((r) => r.week)).toEqual(['2026-11-30']);
  });
});
