#!/usr/bin/env node
/**
 * Compares two `eval:dev --only=first --dump=…` runs line by line (same train lines, same fold rule): which lines
 * flipped between right and wrong, per locale and fold, and through which mechanism — the model's own top intent
 * changed (`model`), or the top stayed and the decision after it changed (`rule`: the out-of-scope threshold/margin,
 * the domain rescue or veto). Train lines only (the held-out split is never dumped).
 *
 *   node scripts/dev-flips.mjs a.json b.json [--lines]
 */
import { readFileSync } from 'node:fs';

const [aPath, bPath] = process.argv.slice(2).filter((x) => !x.startsWith('--'));
const showLines = process.argv.includes('--lines');
const a = JSON.parse(readFileSync(aPath, 'utf8'));
const b = JSON.parse(readFileSync(bPath, 'utf8'));
const key = (l) => `${l.locale}\t${l.text}`;
const bOf = new Map(b.lines.map((l) => [key(l), l]));
const rows = [];
for (const x of a.lines) {
  const y = bOf.get(key(x));
  if (!y) continue;
  const okA = x.intent === x.gold;
  const okB = y.intent === y.gold;
  if (okA === okB && x.intent === y.intent) continue;
  const mech = x.top !== y.top ? 'model' : 'rule';
  rows.push({ x, y, okA, okB, mech, dir: okA === okB ? 'wrong→wrong' : okA ? 'lost' : 'won' });
}
for (const locale of ['ja', 'en']) {
  const n = a.lines.filter((l) => l.locale === locale);
  const right = (d, l) => d.lines.filter((x) => x.locale === l && x.intent === x.gold).length;
  console.log(`${locale}: ${right(a, locale)} → ${right(b, locale)} of ${n.length}`);
  for (const mech of ['model', 'rule']) {
    const mine = rows.filter((r) => r.x.locale === locale && r.mech === mech);
    const c = (d) => mine.filter((r) => r.dir === d).length;
    const perFold = [0, 1, 2, 3, 4].map((f) => {
      const m = mine.filter((r) => r.x.fold === f);
      return `${m.filter((r) => r.dir === 'won').length - m.filter((r) => r.dir === 'lost').length}`;
    });
    console.log(`  ${mech.padEnd(5)} won ${c('won')}, lost ${c('lost')}, wrong→other wrong ${c('wrong→wrong')}; net per fold ${perFold.join(' / ')}`);
  }
  const lost = rows.filter((r) => r.x.locale === locale && r.dir !== 'wrong→wrong');
  const moves = new Map();
  for (const r of lost) {
    const k = `${r.dir} ${r.mech}: ${r.x.gold}: ${r.x.intent}(${r.x.how}) → ${r.y.intent}(${r.y.how})`;
    moves.set(k, (moves.get(k) ?? 0) + 1);
  }
  for (const [k, v] of [...moves].sort((p, q) => q[1] - p[1]).slice(0, 12)) console.log(`    ${String(v).padStart(3)}  ${k}`);
  if (showLines) for (const r of lost) console.log(`      [${r.dir} f${r.x.fold}] ${r.x.gold}: ${r.x.intent} → ${r.y.intent} (top ${r.x.top} ${r.x.topP} → ${r.y.top} ${r.y.topP}): ${r.x.text.slice(0, 100)}`);
}
console.log(`rules: ${a.folds.map((f) => `T${f.temperature}/thr${f.rule.threshold}/m${f.rule.margin}`).join(' ')}`);
console.log(`   vs  ${b.folds.map((f) => `T${f.temperature}/thr${f.rule.threshold}/m${f.rule.margin}`).join(' ')}`);
