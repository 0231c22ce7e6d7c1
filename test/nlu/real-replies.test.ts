/**
 * Format checks for the corpus of real mid-conversation replies (intents/real/replies-*.tsv, provenance in
 * intents/real/replies.md). The files are read directly — no NLU runs here — so a later change to the classifier can
 * never make these checks pass by itself: they guard the data a held-out evaluation row will be scored on.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ROOT } from '../state/helpers.js';

/** The reply acts a person may label a line with; replies.md defines each one with a real example. */
const ACTS = new Set([
  'fixed', 'still_broken', 'not_applicable', 'not_yet', 'already_tried', 'did_no_result', 'how_to', 'how_long',
  'give_up', 'vague_problem', 'dont_know', 'correction', 'wants_human', 'affirm', 'deny', 'answer', 'new_symptom',
  'thanks', 'other',
]);
const HEADER = 'node\ttext\tact\tsplit\turl';
/** A line's page may not dominate the corpus: the brief allows about eight lines per address. */
const MAX_LINES_PER_URL = 8;
/** Hiragana, katakana or a CJK ideograph: a Japanese line has at least one, an English line none. */
const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/u;

interface ReplyLine {
  file: string;
  line: number;
  node: string;
  text: string;
  act: string;
  split: string;
  url: string;
}

function readCorpus(lang: 'ja' | 'en'): { header: string; rows: ReplyLine[] } {
  const file = `intents/real/replies-${lang}.tsv`;
  const [header = '', ...lines] = readFileSync(join(ROOT, file), 'utf8').replace(/\n$/, '').split('\n');
  const rows = lines.map((raw, i) => {
    const cols = raw.split('\t');
    if (cols.length !== 5) throw new Error(`${file}:${i + 2}: ${cols.length} columns, want 5: ${raw}`);
    const [node, text, act, split, url] = cols as [string, string, string, string, string];
    return { file, line: i + 2, node, text, act, split, url };
  });
  return { header, rows };
}

/** Every node id of dialogs/*.yaml, the node kinds in use, and the slots its ask nodes ask for. */
function readTree(): { ids: Set<string>; kinds: Set<string>; slots: Set<string> } {
  const ids = new Set<string>();
  const kinds = new Set<string>();
  const slots = new Set<string>();
  const dir = join(ROOT, 'dialogs');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const doc = parseYaml(readFileSync(join(dir, name), 'utf8')) as { nodes?: Array<{ id: string; kind: string; slot?: string }> };
    for (const node of doc.nodes ?? []) {
      ids.add(node.id);
      kinds.add(node.kind);
      if (node.kind === 'ask' && node.slot) slots.add(node.slot);
    }
  }
  return { ids, kinds, slots };
}

/** The fixed held-out rule, decided before any evaluation: first hex digit of sha1(text) 0–7 is held out. */
const expectedSplit = (text: string) => (/^[0-7]/.test(createHash('sha1').update(text, 'utf8').digest('hex')) ? 'heldout' : 'train');

const ja = readCorpus('ja');
const en = readCorpus('en');
const all = [...ja.rows, ...en.rows];
const where = (r: ReplyLine) => `${r.file}:${r.line}`;

describe('the real-reply corpus', () => {
  it('starts each file with the header node, text, act, split, url', () => {
    expect(ja.header).toBe(HEADER);
    expect(en.header).toBe(HEADER);
  });

  // Japanese first: at least 150 Japanese replies. (It once said "more Japanese than English"; the public threads hold
  // more English mail-client replies than Japanese ones, and a cap on English would only throw real data away.)
  it('holds at least 150 replies in Japanese and at least 40 in English', () => {
    expect(ja.rows.length).toBeGreaterThanOrEqual(150);
    expect(en.rows.length).toBeGreaterThanOrEqual(40);
  });

  it('ends every line with the address of the public page it was copied from', () => {
    const bad = all.filter((r) => !/^https?:\/\/\S+$/.test(r.url)).map(where);
    expect(bad).toEqual([]);
  });

  it('labels every line with one of the defined acts', () => {
    const bad = all.filter((r) => !ACTS.has(r.act)).map((r) => `${where(r)} ${r.act}`);
    expect(bad).toEqual([]);
  });

  it('places every line at a real node of the tree, or at ask:<slot> for a slot an ask node asks, handoff, resolve or menu', () => {
    const { ids, kinds, slots } = readTree();
    // The three bare forms name a place the tree really has: its hand-off and resolve kinds, and its menu node.
    expect([kinds.has('handoff'), kinds.has('resolve'), ids.has('menu')]).toEqual([true, true, true]);
    const FORMS = new Set(['handoff', 'resolve', 'menu']);
    const valid = (node: string) =>
      ids.has(node) || FORMS.has(node) || (node.startsWith('ask:') && slots.has(node.slice('ask:'.length)));
    const bad = all.filter((r) => !valid(r.node)).map((r) => `${where(r)} ${r.node}`);
    expect(bad).toEqual([]);
  });

  it('never has the same text twice, across both languages', () => {
    const seen = new Map<string, string>();
    const dups: string[] = [];
    for (const r of all) {
      const first = seen.get(r.text);
      if (first) dups.push(`${where(r)} repeats ${first}`);
      else seen.set(r.text, where(r));
    }
    expect(dups).toEqual([]);
  });

  it('has no empty text and no text padded with spaces', () => {
    const bad = all.filter((r) => r.text.trim() === '' || r.text !== r.text.trim()).map(where);
    expect(bad).toEqual([]);
  });

  it('splits every line by the fixed sha1 rule, so the held-out half cannot drift', () => {
    const bad = all.filter((r) => r.split !== expectedSplit(r.text)).map((r) => `${where(r)} ${r.split}`);
    expect(bad).toEqual([]);
  });

  it('keeps Japanese lines in the ja file and English lines in the en file', () => {
    expect(ja.rows.filter((r) => !JAPANESE.test(r.text)).map(where)).toEqual([]);
    expect(en.rows.filter((r) => JAPANESE.test(r.text)).map(where)).toEqual([]);
  });

  it('takes no more than eight lines from any one page', () => {
    const perUrl = new Map<string, number>();
    for (const r of all) perUrl.set(r.url, (perUrl.get(r.url) ?? 0) + 1);
    const crowded = [...perUrl].filter(([, n]) => n > MAX_LINES_PER_URL).map(([url, n]) => `${url} ${n}`);
    expect(crowded).toEqual([]);
  });
});
