/**
 * The engine's "no" openings and question shapes are locale word lists (`engine.says.opens_no`,
 * `engine.says.question_form`, read by answers.ts saysAtEdge) — no regex bank in src/dialog. The lists read as the
 * regexes they replaced (round 34, issue 12): same readings on the same replies.
 */
import { describe, expect, it } from 'vitest';
import { saysAtEdge } from '../../src/dialog/answers.js';
import type { Run } from '../../src/dialog/run.js';
import { i18n } from './helpers.js';

const run = { ctx: { i18n } } as unknown as Run;

describe('edge word lists (answers.ts saysAtEdge)', () => {
  it('a reply opening with a plain "no", either language — never a "no" inside a word or later in the reply', () => {
    const no = (t: string) => saysAtEdge(run, 'engine.says.opens_no', t);
    for (const t of ['いいえ、アップデートしてからです', 'だめです、Wi-Fiの時だけ', 'ダメでした', 'まだ届きません', '  いや、会社のPCです', 'No, only on wifi', 'nope', 'Not since the update', 'still nothing on wifi'])
      expect(no(t), t).toBe(true);
    for (const t of ['アプリをアップデートしてからです', 'Wi-Fiだとまだダメ', 'since the app update', 'nothing changed', 'nobody told me', 'notifications are on', 'I said no'])
      expect(no(t), t).toBe(false);
  });

  it('a question by its shape: a Japanese question ending, an English question\'s first word', () => {
    const q = (t: string) => saysAtEdge(run, 'engine.says.question_form', t);
    for (const t of ['これってウイルスなの', '信頼していいですか', '押しても大丈夫かな', '安全かね', 'Is it a virus', 'can I trust it', 'Should I tap trust'])
      expect(q(t), t).toBe(true);
    for (const t of ['ウイルスではなかった', 'ウイルスなのかと思った。', 'it is safe', 'Isn\'t it a virus', 'island wifi'])
      expect(q(t), t).toBe(false);
  });
});
