/**
 * Round 33 (staff-33): conversations summarised before round 31 have no summary `steps`, so their rows on the list (the
 * waiting hand-offs) said nothing of what the person had tried until the person's next turn. Now the list and
 * GET /admin/api/conversations derive them from the turns for the rows shown (the conversation page's own list), without
 * writing the summary. Real server, real Redis, loopback HTTP: a real conversation whose stored summary has its `steps`
 * taken out, as a summary written before round 31 was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawClient } from '../redis.js';
import { leadServer } from './client.js';

const lead = leadServer('lead-tried-older-token-012345', 'leadtriedolder', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  await say('to-old', { text: 'auのメールが送れない' });
  await say('to-old', { action: 'iphone' });
  await say('to-old', { action: 'not_resolved' });
  await say('to-old', { action: 'not_resolved' });
  await say('to-old', { text: '担当者と話したい' });
  expect((await say('to-old', { text: 'iPhone 15、iOS 18.1、今朝9時から毎回です' })).status).toBe('escalated');
  await lead.settled((all) => (all.find((s) => s.id === 'to-old')?.turns ?? 0) >= 6);
  // The stored summary as round 30 wrote it: no `steps`.
  const c = await rawClient();
  try {
    const keys: string[] = [];
    for await (const batch of c.scanIterator({ MATCH: `${lead.prefix}*to-old*:tx:meta`, COUNT: 500 })) keys.push(...batch);
    expect(keys).toHaveLength(1);
    const s = JSON.parse(String(await c.hGet(keys[0]!, 's'))) as Record<string, unknown>;
    expect(s.steps).toBeDefined();
    delete s.steps;
    await c.hSet(keys[0]!, 's', JSON.stringify(s));
  } finally {
    await c.close();
  }
  expect((await lead.app.core.transcripts.summary('to-old'))?.steps).toBeUndefined();
}, 90_000);
afterAll(() => lead.stop());

const row = (html: string, id: string) => html.split('<tr').find((r) => r.startsWith(` data-testid="conversation-row" data-id="${id}"`)) ?? '';
const text = (html: string) => html.replace(/<[^>]+>/g, '');

describe('a waiting hand-off summarised before round 31', () => {
  it('still says what the person tried, on the list (ja, en) and in the API', async () => {
    const ja = row(await page('/admin?status=escalated&holder=nobody'), 'to-old');
    expect(ja).toContain('data-testid="list-tried"');
    expect(text(ja.split('data-testid="list-tried"')[1] ?? '')).toMatch(/^>試した手順: iPhoneの再起動（まだダメ）、メールアプリの強制終了（まだダメ）/);
    expect(text(row(await page('/admin?status=escalated&holder=nobody&lang=en'), 'to-old'))).toMatch(/Tried: Restart your iPhone \(still broken\); /);
    const items = (await api('/admin/api/conversations?status=escalated&holder=nobody')).body.items as Array<{ id: string; steps?: Array<{ node: string; result: string }> }>;
    expect(items.find((x) => x.id === 'to-old')?.steps?.slice(0, 2)).toEqual([
      { node: 'dev_restart', result: 'not_resolved' },
      { node: 'dev_force_quit', result: 'not_resolved' },
    ]);
    // Read, not written: the stored summary is left as it was (its next turn writes the steps).
    expect((await lead.app.core.transcripts.summary('to-old'))?.steps).toBeUndefined();
  });
});
