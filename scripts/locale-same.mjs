// Same outputs of textLocale (src/nlu/locale.ts) in two builds over every real TRAIN line (split = train; held-out rows
// are never read) and every training phrase, each asked three times in a row as one turn does (sec-27).
// Usage: node scripts/locale-same.mjs <old dist/nlu/locale.js> <new dist/nlu/locale.js>
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const [a, b] = await Promise.all(process.argv.slice(2, 4).map((p) => import(resolve(p))));
const texts = [];
for (const f of readdirSync('intents/real').filter((x) => x.endsWith('.tsv'))) {
  const rows = readFileSync(`intents/real/${f}`, 'utf8').split('\n');
  const head = rows[0].split('\t');
  for (const row of rows.slice(1)) {
    const c = row.split('\t');
    if (c[head.indexOf('split')] === 'train' && c[head.indexOf('text')]) texts.push(c[head.indexOf('text')]);
  }
}
const real = texts.length;
for (const l of execFileSync('node', ['dist/cli/main.js', 'intents', 'export'], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n').filter(Boolean)) texts.push(JSON.parse(l).text);
let differ = 0;
const time = { old: 0, new: 0 };
for (const t of texts) {
  let t0 = performance.now();
  const x = [a.textLocale(t), a.textLocale(t), a.textLocale(t)];
  time.old += performance.now() - t0;
  t0 = performance.now();
  const y = [b.textLocale(t), b.textLocale(t), b.textLocale(t)];
  time.new += performance.now() - t0;
  if (JSON.stringify(x) !== JSON.stringify(y)) {
    differ++;
    console.log(JSON.stringify(t), x, y);
  }
}
console.log(`${real} real train lines + ${texts.length - real} training phrases, each read 3 times: ${differ} differ; old ${time.old.toFixed(0)} ms, new ${time.new.toFixed(0)} ms`);
