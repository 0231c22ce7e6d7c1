// node scripts/bench-guide.mjs <root> <dist-dir> <out.json> [runs]: CPU time of checkGuide on the tree and four planted
// check-6 faults (guide-36b/37), and their sorted findings in out.json, to compare two builds message for message.
import { writeFileSync } from 'node:fs';
const [root, dist, out, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 1);
const { checkGuide } = await import(`${dist}/data/guide.js`);
const { loadDialogs, loadLocales } = await import(`${dist}/data/load.js`);
const { tree } = loadDialogs(root);
const locales = loadLocales(root);
const node = (id) => tree.nodes.get(id);
const withNodes = (...changed) => { const nodes = new Map(tree.nodes); for (const n of changed) nodes.set(n.id, n); return { ...tree, nodes }; };
const old = (id) => { const r = node(id); return { ...r, cases: r.cases.filter((c) => c.when.done_carrier_setup === undefined) }; };
const trig = node('auth_trigger');
const variants = {
  tree,
  swapped: withNodes({ ...node('sb_install'), next: 'sb_smtp' }, { ...node('sb_smtp'), next: 'sb_imap_pw' }, { ...node('sb_imap_pw'), next: 'sb_official' }),
  nobackup: withNodes({ ...node('sb_entry'), next: 'sb_delete_profile' }),
  carrier: withNodes(old('carrier_route'), old('carrier_known')),
  trigger: withNodes({ ...trig, cases: trig.cases.map((c) => ({ ...c, when: Object.fromEntries(Object.entries(c.when).filter(([k]) => k !== 'done_trigger')) })) }),
};
const result = {};
for (const [name, t] of Object.entries(variants)) {
  const times = [];
  let msgs;
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    msgs = checkGuide(t, locales, root).problems.map((p) => p.message).sort();
    const d = process.cpuUsage(t0); times.push(Math.round((d.user + d.system) / 1000));
  }
  result[name] = msgs;
  console.log(name, msgs.length, 'problems', times.join(' '), 'ms CPU');
}
writeFileSync(out, JSON.stringify(result, null, 1));
