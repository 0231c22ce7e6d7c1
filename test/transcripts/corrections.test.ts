/**
 * Staff corrections → training files: phrases go into the held-in corpus only (a held-out test phrase is skipped),
 * a correction staff marked "not for training" is skipped, and the page and the CLI share one YAML writer.
 */
import { describe, expect, it } from 'vitest';
import { corrections, correctionsYaml } from '../../src/transcripts/corrections.js';
import type { Annotation } from '../../src/transcripts/types.js';

const note = (seq: number, text: string, extra: Partial<Annotation> = {}): Annotation => ({
  conversation: 'c',
  seq,
  intent: 'error_auth',
  predicted: 'error_send',
  text,
  locale: 'ja',
  atMs: seq,
  ...extra,
});

describe('corrections', () => {
  it('never puts a held-out phrase into training, and skips corrections not meant for training', () => {
    const r = corrections([
      note(1, 'パスワード合ってるはずなのに弾かれる'), // test/nlu/heldout/ja-a.yaml
      note(2, 'メール設定でずっとはじかれてしまう件について'),
      note(3, 'iPadのメールがなんだかおかしい', { train: false, entities: { device: 'ipad' } }),
    ]);
    expect(r.skipped.map((s) => [s.annotation.seq, s.reason])).toEqual([
      [1, 'heldout'],
      [3, 'not_for_training'],
    ]);
    expect(r.files).toEqual([{ intent: 'error_auth', locale: 'ja', examples: ['メール設定でずっとはじかれてしまう件について'] }]);
    const yaml = correctionsYaml(r);
    expect(yaml).toContain('intent: error_auth');
    expect(yaml).toContain('メール設定でずっとはじかれてしまう件について');
    expect(yaml).not.toContain('弾かれる');
  });
});
