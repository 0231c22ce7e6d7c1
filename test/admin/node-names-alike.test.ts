/**
 * Round 37 (staff-37): the review page names a node by its `title:`, else by the first words of its `say`. Round 36 gave
 * the questions that start alike a title; other nodes that said the same were still told apart by their id only —
 * 「ご利用ありがとうございました。 · end」 and 「… · prevention_end」 in the funnel, two openings of the sign-in branch
 * 「このエラーは ID・パスワードの不一致が原因のことが多いです。 · auth_entry_say」, two 「控え方です（…）。」, two 「メールボックスの
 * 容量がいっぱい…」. They carry staff titles now (lint wants one on every node but a step that reads like another), so over
 * the whole tree only steps sharing a ticket title still read 「name · id」. Real tree and messages, ja and en.
 */
import { describe, expect, it } from 'vitest';
import { nodeName, treeNames } from '../../src/admin/nodes.js';
import { loadDialogs, loadLocales, packageRoot } from '../../src/data/load.js';
import { createI18n } from '../../src/i18n/index.js';

const root = packageRoot();
const tree = loadDialogs(root).tree!;
const i18n = createI18n(loadLocales(root).messages);

describe('nodes that said the same read as themselves', () => {
  it('names the ends, openings and notes by their staff titles (ja, en)', () => {
    const name = (id: string, locale: 'ja' | 'en') => nodeName(id, { tree, i18n, locale });
    expect(name('end', 'ja')).toBe('終わり');
    expect(name('prevention_end', 'ja')).toBe('終わり（再発防止のあと）');
    expect(name('auth_entry_triggered', 'ja')).toBe('認証エラーの入口（2段階認証オン・きっかけあり）');
    expect(name('settings_where_android', 'ja')).toBe('設定の控え方（Android）');
    expect(name('fetch_quota_entry', 'en')).toBe('Mailbox full (from cannot receive)');
    expect(name('end', 'en')).toBe('End');
  });

  it('leaves the id beside a name only where steps share a ticket title', () => {
    for (const locale of ['ja', 'en'] as const) {
      const byId = [...treeNames(tree, i18n, locale)].filter(([, n]) => n.id).map(([id]) => `${id}:${tree.nodes.get(id)!.kind}`);
      expect(byId.length).toBeGreaterThan(0);
      expect(byId.filter((x) => !x.endsWith(':step'))).toEqual([]);
    }
  });
});
