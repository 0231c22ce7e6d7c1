import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTENTS } from '../../src/core/index.js';
import { loadIntents } from '../../src/data/load.js';
import { REAL_FIRST_FILES, phraseKey, realFirstMessages, realSplitOf, trainingData, trainingDataHash, validationSplit } from '../../src/nlu/data.js';

const root = join(import.meta.dirname, '..', '..');

/** The raw lines of a corpus file, header excluded, as they are on disk. */
function rawRows(path: string): string[][] {
  return readFileSync(join(root, path), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

describe('the real first-message corpus (intents/real/first-*.tsv)', () => {
  const rows = realFirstMessages(root);
  const heldout = rows.filter((r) => r.split === 'heldout');
  const train = rows.filter((r) => r.split === 'train');

  it('holds at least 400 lines, mostly Japanese, with at least 60 English', () => {
    expect(rows.length).toBeGreaterThanOrEqual(400);
    expect(rows.filter((r) => r.locale === 'en').length).toBeGreaterThanOrEqual(60);
    expect(rows.filter((r) => r.locale === 'ja').length).toBeGreaterThan(rows.length / 2);
  });

  it('ends every line with the http(s) address of the page it was copied from', () => {
    for (const { path } of REAL_FIRST_FILES) {
      const header = readFileSync(join(root, path), 'utf8').split(/\r?\n/)[0]!.split('\t');
      expect(header.at(-1)).toBe('url');
      for (const cells of rawRows(path)) {
        expect(cells).toHaveLength(header.length);
        expect(cells.at(-1), cells[0]).toMatch(/^https?:\/\/\S+$/);
      }
    }
  });

  it('labels every line with one of the intent ids of the public contract', () => {
    for (const r of rows) expect(INTENTS, r.text).toContain(r.intent);
  });

  it('has no line twice, not even once folded by the comparison key (width, case, punctuation)', () => {
    const seen = new Map<string, string>();
    for (const r of rows) {
      const k = phraseKey(r.text);
      expect(seen.get(k), `${r.text} repeats ${seen.get(k)}`).toBeUndefined();
      seen.set(k, r.text);
    }
  });

  it('writes the split the fixed rule gives (sha1 of the text), about 37 % held out', () => {
    for (const r of rows) expect(r.split, r.text).toBe(realSplitOf(r.text));
    expect(heldout.length / rows.length).toBeGreaterThan(0.3);
    expect(heldout.length / rows.length).toBeLessThan(0.45);
  });

  it('keeps every held-out line out of every training source: intents/*.yaml, the train split and the trained set', () => {
    const fromYaml = new Set(loadIntents(root).files.flatMap((f) => f.examples.map(phraseKey)));
    const fromTrainSplit = new Set(train.map((r) => phraseKey(r.text)));
    const trained = new Set(trainingData(root).map((t) => phraseKey(t.text)));
    for (const r of heldout) {
      const k = phraseKey(r.text);
      expect(fromYaml.has(k), `held-out line is an intents/ phrase: ${r.text}`).toBe(false);
      expect(fromTrainSplit.has(k), `held-out line is in the train split: ${r.text}`).toBe(false);
      expect(trained.has(k), `held-out line is trained on: ${r.text}`).toBe(false);
    }
  });

  it('trains on the train split, and leaves it out when asked (the before/after comparison of npm run eval)', () => {
    const all = trainingData(root);
    const withReal = new Set(all.map((t) => `${t.locale}/${t.intent}/${t.text}`));
    for (const r of train) expect(withReal.has(`${r.locale}/${r.intent}/${r.text}`), r.text).toBe(true);
    expect(all.length - trainingData(root, { realTrain: false }).length).toBe(train.length);
  });

  it('never lends a real line to the validation fold that tunes the out-of-scope rule', () => {
    const { fit, validation } = validationSplit(trainingData(root));
    expect(validation.filter((v) => v.real)).toEqual([]);
    expect(fit.filter((v) => v.real)).toHaveLength(train.length);
  });
});

describe('the real-corpus loader', () => {
  /** A package root with the given first-ja.tsv and the real intents/ (so training data loads). */
  function rootWith(tsv: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'mailmedic-real-'));
    cpSync(join(root, 'intents', 'ja'), join(dir, 'intents', 'ja'), { recursive: true });
    cpSync(join(root, 'intents', 'en'), join(dir, 'intents', 'en'), { recursive: true });
    mkdirSync(join(dir, 'intents', 'real'), { recursive: true });
    writeFileSync(join(dir, 'intents', 'real', 'first-ja.tsv'), tsv);
    return dir;
  }
  const line = (text: string, intent: string, url = 'https://example.jp/q/1') => `${text}\t${intent}\t${realSplitOf(text)}\t${url}`;
  const header = 'text\tintent\tsplit\turl';

  it('rejects a line without a page address in the last column', () => {
    const dir = rootWith(`${header}\n${line('メールが来ない', 'error_cannot_fetch', 'not-a-url')}\n`);
    expect(() => realFirstMessages(dir)).toThrow(/first-ja\.tsv:2: .*url/);
  });

  it('rejects an intent id that is not in the contract', () => {
    const dir = rootWith(`${header}\n${line('メールが来ない', 'mail_broken')}\n`);
    expect(() => realFirstMessages(dir)).toThrow(/first-ja\.tsv:2: intent/);
  });

  it('rejects a split that disagrees with the fixed rule, so nobody moves a line to the training half by hand', () => {
    const text = 'メールが来ない';
    const wrong = realSplitOf(text) === 'train' ? 'heldout' : 'train';
    const dir = rootWith(`${header}\n${text}\terror_cannot_fetch\t${wrong}\thttps://example.jp/q/1\n`);
    expect(() => realFirstMessages(dir)).toThrow(/split is "\w+" but the fixed rule/);
  });

  it('makes a change to the corpus a change of the training data (the built model is then retrained)', () => {
    const a = rootWith(`${header}\n${line('メールが来ない', 'error_cannot_fetch')}\n`);
    const b = rootWith(`${header}\n${line('メールが来ない', 'error_send')}\n`);
    expect(trainingDataHash(a)).not.toBe(trainingDataHash(b));
  });
});
