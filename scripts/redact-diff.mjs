// Compares two builds of redact() on every real TRAIN line (intents/real/*.tsv, split = train; held-out rows are
// never read) and every training phrase (`mailmedic intents export`), plain and with passwordTopic on.
// Usage: node scripts/redact-diff.mjs <old dist/core/redact.js> <new dist/core/redact.js> [--show]
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const [oldPath, newPath] = process.argv.slice(2).map((p) => resolve(p));
const show = process.argv.includes('--show');
const a = await import(oldPath);
const b = await import(newPath);

const real = [];
for (const f of readdirSync('intents/real').filter((x) => x.endsWith('.tsv'))) {
  const rows = readFileSync(`intents/real/${f}`, 'utf8').split('\n');
  const head = rows[0].split('\t');
  const ti = head.indexOf('text');
  const si = head.indexOf('split');
  for (const row of rows.slice(1)) {
    const c = row.split('\t');
    if (c[si] === 'train' && c[ti]) real.push(c[ti]);
  }
}
const phrases = execFileSync('node', ['dist/cli/main.js', 'intents', 'export'], { encoding: 'utf8', maxBuffer: 1 << 26 })
  .split('\n').filter(Boolean).map((l) => JSON.parse(l).text);

for (const [name, texts] of [['real train lines', real], ['training phrases', phrases]]) {
  for (const topic of [false, true]) {
    const opt = topic ? { passwordTopic: true } : {};
    let changed = 0;
    let maskedOld = 0;
    let maskedNew = 0;
    for (const t of texts) {
      const x = a.redact(t, opt).text;
      const y = b.redact(t, opt).text;
      if (x !== t) maskedOld++;
      if (y !== t) maskedNew++;
      if (x !== y) {
        changed++;
        if (show) console.log(`  ${JSON.stringify(t)}\n    old ${JSON.stringify(x)}\n    new ${JSON.stringify(y)}`);
      }
    }
    console.log(`${name}${topic ? ' (passwordTopic)' : ''}: ${texts.length} texts, redaction changed for ${changed}; masked at all: old ${maskedOld}, new ${maskedNew}`);
  }
}
