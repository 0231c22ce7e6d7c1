#!/usr/bin/env node
/**
 * Inter-annotator agreement on the real corpus (round 23, intents/real/notes/agree-23.md).
 *
 *   node scripts/agree-sample.mjs sample    writes the blind samples (no gold label) to intents/real/notes/agree-23/
 *   node scripts/agree-sample.mjs compare   joins the second annotator's labels with the gold labels and prints the figures
 *
 * Train split only: every line whose `split` column is not `train` is dropped while the files are read, before anything
 * else looks at it, so no held-out text or label is ever sampled, written or printed. The sample is drawn per language in
 * proportion to the train lines (largest remainder), with a seeded PRNG (mulberry32), so `compare` redraws the very same
 * lines and the blind files never need to carry a file line number or a gold label.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const SEED = 23;
const N = 200;
const REAL = 'intents/real';
const OUT = join(REAL, 'notes', 'agree-23');

/** mulberry32: a small, well-known 32-bit PRNG; enough for a reproducible draw. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Train lines of one TSV as objects keyed by the header; `line` is the 1-based file line. */
function trainLines(file) {
  const rows = readFileSync(join(REAL, file), 'utf8').split(/\r?\n/);
  const header = rows[0].split('\t');
  const out = [];
  rows.slice(1).forEach((row, i) => {
    if (!row.trim()) return;
    const cells = row.split('\t');
    const rec = Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']));
    if (rec.split !== 'train') return; // held-out lines never leave this function
    out.push({ ...rec, file, line: i + 2 });
  });
  return out;
}

/** Draws n lines over the languages in proportion to their train counts; returns them with sample ids. */
function draw(kind, files, label, seed) {
  const pools = files.map(([lang, file]) => ({ lang, lines: trainLines(file) }));
  const total = pools.reduce((s, p) => s + p.lines.length, 0);
  const quotas = pools.map((p) => (N * p.lines.length) / total);
  const take = quotas.map(Math.floor);
  let left = N - take.reduce((s, x) => s + x, 0);
  const byRemainder = quotas.map((q, i) => [q - Math.floor(q), i]).sort((a, b) => b[0] - a[0]);
  for (const [, i] of byRemainder) if (left-- > 0) take[i] += 1;
  const next = rng(seed);
  const picked = [];
  pools.forEach((p, pi) => {
    const idx = p.lines.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i -= 1) {
      const j = Math.floor(next() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    for (const i of idx.slice(0, take[pi])) picked.push({ ...p.lines[i], lang: p.lang });
  });
  // Interleave the languages in one seeded order so the annotator does not read them as blocks.
  for (let i = picked.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [picked[i], picked[j]] = [picked[j], picked[i]];
  }
  return picked.map((l, i) => ({ id: `${kind}${String(i + 1).padStart(3, '0')}`, gold: l[label], ...l }));
}

const first = () => draw('f', [['ja', 'first-ja.tsv'], ['en', 'first-en.tsv']], 'intent', SEED);
const replies = () => draw('r', [['ja', 'replies-ja.tsv'], ['en', 'replies-en.tsv']], 'act', SEED + 1);

function sample() {
  mkdirSync(OUT, { recursive: true });
  const f = first();
  const r = replies();
  writeFileSync(join(OUT, 'first-blind.tsv'), ['id\tlang\ttext', ...f.map((l) => `${l.id}\t${l.lang}\t${l.text}`)].join('\n') + '\n');
  writeFileSync(
    join(OUT, 'replies-blind.tsv'),
    ['id\tlang\tnode\ttext', ...r.map((l) => `${l.id}\t${l.lang}\t${l.node}\t${l.text}`)].join('\n') + '\n',
  );
  const count = (xs, lang) => xs.filter((l) => l.lang === lang).length;
  console.log(`first: ${f.length} (ja ${count(f, 'ja')}, en ${count(f, 'en')}); replies: ${r.length} (ja ${count(r, 'ja')}, en ${count(r, 'en')})`);
}

/** The second annotator's labels: `id<TAB>label[<TAB>note]`, header line first. */
function labels(file) {
  const path = join(OUT, file);
  if (!existsSync(path)) throw new Error(`${path} missing: label the blind sample first`);
  const rows = readFileSync(path, 'utf8').split(/\r?\n/).slice(1).filter((r) => r.trim());
  return new Map(rows.map((r) => r.split('\t')).map(([id, label]) => [id, label.trim()]));
}

/** Cohen's kappa for two label lists of equal length. */
function kappa(pairs) {
  const n = pairs.length;
  if (n === 0) return NaN;
  const po = pairs.filter(([a, b]) => a === b).length / n;
  const ca = new Map();
  const cb = new Map();
  for (const [a, b] of pairs) {
    ca.set(a, (ca.get(a) ?? 0) + 1);
    cb.set(b, (cb.get(b) ?? 0) + 1);
  }
  let pe = 0;
  for (const [k, v] of ca) pe += (v / n) * ((cb.get(k) ?? 0) / n);
  return pe === 1 ? 1 : (po - pe) / (1 - pe);
}

const pct = (a, b) => `${((100 * a) / b).toFixed(1)} % (${a}/${b})`;

/** Wilson 95 % interval of a proportion, in percent. */
function wilson(k, n) {
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return `[${(100 * (c - h)).toFixed(1)}, ${(100 * (c + h)).toFixed(1)}]`;
}

/**
 * The written guidelines the second annotator read. A sampled line whose text is quoted in one of them had its gold
 * label in view (the rules cite train lines as examples), so agreement is also reported without those lines.
 */
const GUIDES = ['README.md', 'replies.md', join('notes', 'conventions.md')].map((f) => readFileSync(join(REAL, f), 'utf8'));
const quoted = (text) => GUIDES.some((g) => g.includes(text.trim()));

/** replies.md's appendix lists the first collection's gold act by file line (`| ja:12 | node | act | … |`), without text. */
const APPENDIX = new Set(
  [...readFileSync(join(REAL, 'replies.md'), 'utf8').matchAll(/^\| (ja|en):(\d+) \|/gm)].map((m) => `replies-${m[1]}.tsv:${m[2]}`),
);

function report(name, rows) {
  const out = [];
  out.push(`## ${name}`);
  for (const lang of ['all', 'ja', 'en']) {
    const xs = lang === 'all' ? rows : rows.filter((r) => r.lang === lang);
    const agree = xs.filter((r) => r.gold === r.mine).length;
    out.push(
      `${lang}: raw agreement ${pct(agree, xs.length)} 95 % CI ${wilson(agree, xs.length)}, Cohen's kappa ${kappa(xs.map((r) => [r.gold, r.mine])).toFixed(3)}`,
    );
  }
  const subsets = [
    ['text not quoted in the guidelines', (r) => !quoted(r.text)],
    ['text quoted in the guidelines', (r) => quoted(r.text)],
  ];
  if (rows.some((r) => APPENDIX.has(`${r.file}:${r.line}`))) {
    subsets.push(['gold act listed by line number in replies.md appendix', (r) => APPENDIX.has(`${r.file}:${r.line}`)]);
    subsets.push(['not in that appendix', (r) => !APPENDIX.has(`${r.file}:${r.line}`)]);
  }
  for (const [what, keep] of subsets) {
    const xs = rows.filter(keep);
    const agree = xs.filter((r) => r.gold === r.mine).length;
    out.push(`${what}: raw agreement ${xs.length ? pct(agree, xs.length) : '–'}, kappa ${xs.length ? kappa(xs.map((r) => [r.gold, r.mine])).toFixed(3) : '–'}`);
  }
  const classes = [...new Set(rows.flatMap((r) => [r.gold, r.mine]))].sort();
  out.push('', '| class | gold n | mine n | both | agreement on gold (recall) | on mine (precision) | F1 |', '|---|---|---|---|---|---|---|');
  for (const c of classes) {
    const g = rows.filter((r) => r.gold === c).length;
    const m = rows.filter((r) => r.mine === c).length;
    const b = rows.filter((r) => r.gold === c && r.mine === c).length;
    const f1 = g + m ? (2 * b) / (g + m) : 0;
    out.push(`| ${c} | ${g} | ${m} | ${b} | ${g ? pct(b, g) : '–'} | ${m ? pct(b, m) : '–'} | ${f1.toFixed(2)} |`);
  }
  out.push('', 'Confusion (rows gold, columns second annotator; only classes with a disagreement; cells > 0):', '');
  const conf = new Map();
  for (const r of rows) if (r.gold !== r.mine) conf.set(`${r.gold}\t${r.mine}`, (conf.get(`${r.gold}\t${r.mine}`) ?? 0) + 1);
  out.push('| gold → second | n |', '|---|---|');
  for (const [k, v] of [...conf].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) out.push(`| ${k.replace('\t', ' → ')} | ${v} |`);
  out.push('', 'Disagreements:', '');
  for (const r of rows.filter((x) => x.gold !== x.mine)) {
    const flags = [quoted(r.text) ? 'quoted' : '', APPENDIX.has(`${r.file}:${r.line}`) ? 'appendix' : ''].filter(Boolean).join(',');
    out.push(`${r.id}\t${r.lang}\t${r.file}:${r.line}\t${r.node ? `${r.node}\t` : ''}gold=${r.gold}\tmine=${r.mine}\t${flags || '-'}\t${r.text}`);
  }
  return out.join('\n');
}

/** The eval's reading of a corpus label (src/nlu/data.ts actOfLabel): answer, new_symptom and other are "no reply act". */
const evalAct = (label) => (['answer', 'new_symptom', 'other'].includes(label) ? 'other' : label);

/**
 * What the tree does with an act at a node (dialogs/answers.yaml): the move of the node's answer group, or the act
 * itself when the group does not list it (acts that hold anywhere are repairs of their own; a fact at the hand-off form
 * is collected like an act its group lists). Two labels with the same
 * move lead the bot to the same reply (e.g. still_broken and deny at a step are both `not_resolved`).
 */
function moveOf() {
  const answers = parse(readFileSync('dialogs/answers.yaml', 'utf8'));
  const kindOf = new Map();
  for (const f of readdirSync('dialogs').filter((x) => x.endsWith('.yaml') && x !== 'answers.yaml')) {
    const doc = parse(readFileSync(join('dialogs', f), 'utf8'));
    for (const n of doc?.nodes ?? []) if (n?.id) kindOf.set(n.id, n.answers ?? answers.defaults[n.kind]);
  }
  return (node, label) => {
    const group = node.startsWith('ask:') ? answers.defaults.ask : node === 'resolve' ? answers.defaults.resolve : kindOf.get(node);
    const act = evalAct(label);
    // The hand-off form collects a plain fact as it is (src/dialog/handoff.ts), like the acts its group lists.
    if (group === 'form' && act === 'other') return 'form';
    return answers.groups[group]?.[act] ?? `act:${act}`;
  };
}

function compare() {
  const mf = labels('first-labels.tsv');
  const mr = labels('replies-labels.tsv');
  const join1 = (xs, m) =>
    xs.map((l) => {
      const mine = m.get(l.id);
      if (!mine) throw new Error(`${l.id} has no label`);
      return { ...l, mine };
    });
  console.log(report('First messages (intent)', join1(first(), mf)));
  console.log();
  const r = join1(replies(), mr);
  console.log(report('Replies (act, with node)', r));
  console.log();
  const ev = r.map((x) => ({ ...x, gold: evalAct(x.gold), mine: evalAct(x.mine) }));
  console.log(report('Replies as `npm run eval` scores them (answer / new_symptom / other = other)', ev).split('\n').slice(0, 10).join('\n'));
  const move = moveOf();
  const mv = r.map((x) => ({ ...x, gold: move(x.node, x.gold), mine: move(x.node, x.mine) }));
  console.log();
  console.log(report("Replies by the tree's move at the node (dialogs/answers.yaml)", mv));
}

const cmd = process.argv[2];
if (cmd === 'sample') sample();
else if (cmd === 'compare') compare();
else {
  console.error('usage: node scripts/agree-sample.mjs sample|compare');
  process.exit(2);
}
