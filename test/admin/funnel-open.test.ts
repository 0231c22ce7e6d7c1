/**
 * stale-37 (staff-37's walk): a conversation still open at a question — e.g. after a stale [まだダメ] click answered
 * 「そのボタンは前の質問のものなので…」 and the question again — was counted 「次へ進んだ」 at that question by the funnel
 * (continued = reached − the exits). An open conversation whose last node is X is counted 「まだ会話中（ここで止まっている）」
 * at X (column `open`), never "went on"; the count opens the list (funnel=open).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { renderAnalytics } from '../../src/admin/analytics.js';
import { loadDialogs, loadLocales } from '../../src/data/load.js';
import type { DialogTree } from '../../src/data/schemas.js';
import { createI18n } from '../../src/i18n/index.js';
import { computeAnalytics, findConversations } from '../../src/transcripts/query.js';
import { MemoryTranscriptStore } from '../../src/transcripts/memory.js';
import type { TranscriptStore } from '../../src/transcripts/types.js';
import { DAY, MIN, T0, textTurn as turn } from '../transcripts/fixtures.js';

const NOW = T0 + DAY;
const ctx = { nowMs: NOW, abandonAfterMs: 30 * MIN };
const tree = loadDialogs().tree as DialogTree;
const i18n = createI18n(loadLocales().messages);
const stale = [{ key: 'engine.stale_choice', text: 'そのボタンは前の質問のものなので、受け付けられませんでした。' }, { key: 'tree.fetch_scope.say', text: '送信はできますか？' }];

describe('funnel: a conversation still open at a question is not "went on" (stale-37)', () => {
  let store: TranscriptStore;
  beforeAll(async () => {
    store = new MemoryTranscriptStore({ clock: () => NOW });
    for (const t of [
      // o1: at fetch_scope, then an old [まだダメ] clicked there (stale): still at fetch_scope, a minute ago → active.
      turn('o1', NOW - 3 * MIN, { text: 'iPhoneでメールが受信できない', node: 'fetch_scope' }),
      turn('o1', NOW - MIN, { text: undefined, action: 'not_resolved', intent: null, node: 'fetch_scope', replies: stale }),
      // o2: went on from fetch_scope to a step (and is open there).
      turn('o2', NOW - 4 * MIN, { text: 'iPhoneでメールが受信できない', node: 'fetch_scope' }),
      turn('o2', NOW - 2 * MIN, { text: undefined, action: 'receive', intent: null, node: 'dev_restart' }),
    ])
      await store.append(t);
  });
  const analytics = async () => computeAnalytics(await store.summaries(), { ...ctx, tree, utcOffset: 540, fromMs: T0, toMs: NOW + DAY });

  it('counts o1 open at fetch_scope, o2 open at dev_restart; only o2 went on from fetch_scope', async () => {
    const a = await analytics();
    const row = (node: string) => a.funnel.find((r) => r.node === node);
    expect(row('fetch_scope')).toMatchObject({ reached: 2, open: 1 });
    expect(row('dev_restart')).toMatchObject({ reached: 1, open: 1 });
    const ids = (await findConversations(store, { funnel: 'open', node: 'fetch_scope' }, { ...ctx, tree })).map((s) => s.id);
    expect(ids).toEqual(['o1']);
  });

  it('the page (ja, en): fetch_scope reads 1 still open and 1 went on; the count links to the list', async () => {
    const a = await analytics();
    for (const locale of ['ja', 'en'] as const) {
      const html = renderAnalytics(
        { i18n, locale, defaultLocale: 'ja', nonce: 'n', tree, nowMs: NOW, utcOffset: 540, abandonAfterMs: ctx.abandonAfterMs, deadLetters: false },
        a,
        { from: '2026-11-20', to: '2026-11-23' },
      );
      const open = i18n.t('admin.analytics.open', undefined, locale);
      const went = i18n.t('admin.analytics.continued', undefined, locale);
      expect(open).not.toBe('admin.analytics.open');
      expect(html).toContain(`${open} 1, ${went} 1`);
      expect(html).toContain('funnel=open');
    }
  });
});
