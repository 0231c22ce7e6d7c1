/**
 * `npm run bench:redact` (sec-35): what masking secrets costs per message, as a ratio to the NLU's classification of the
 * same message measured in the same run (interleaved, as bench:nlu does with kuromoji), so the figure holds on a loaded
 * machine where absolute times drift.
 *
 * Sets: every real TRAIN line (intents/real, first messages and replies; held-out rows are not read), a password's
 * conversation (passwordTopic) on the same lines, and 4,000-character messages — plain text, a pasted bounce, and each
 * worst shape of the redaction rules repeated (a label, an address with a slash or a colon, 「パスワードに」 …).
 * Then growth: each worst shape at 4, 16, 64 and 256 thousand characters (a web message may be up to 1 MB); the exponent
 * log(t256k / t16k) / log 16 is 1 for a linear cost and 2 for a quadratic one. No assertion: a report.
 */
import { createNlu } from '../nlu/index.js';
import { realFirstMessages, realReplies } from '../nlu/data.js';
import { redact } from '../core/redact.js';
import { interleaved as timeBoth, percentile } from './interleave.js';

const out = (s = '') => process.stdout.write(`${s}\n`);

const PASSES = 4;
const interleaved = (texts: readonly string[], a: (t: string) => unknown, b: (t: string) => unknown, passes = PASSES) =>
  timeBoth(texts, a, b, passes);

/** `unit` repeated up to `chars` characters. */
const fill = (unit: string, chars: number) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);

/** The shapes the redaction rules look for, each a unit that repeats into a long message (values invented). */
const WORST: Array<[string, string]> = [
  ['plain Japanese (「メール 」)', 'メール '],
  ['plain English sentence', "My iPhone mail stopped working this morning and I can't send anything. "],
  ['pasted bounce', 'Final-Recipient: rfc822; taro@example.com\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n'],
  ['"typed password "', 'typed password '],
  ['"password word "', 'password word '],
  ['"password - " (dash)', 'password - '],
  ['「パスワード - 」', 'パスワード - '],
  ['「パスワードに」', 'パスワードに'],
  ['「パスワードにほしぞら」', 'パスワードにほしぞら'],
  ['「パスワードは」', 'パスワードは'],
  ['"taro@example.com / "', 'taro@example.com / '],
  ['"a@b.co:word\\n" (combo list)', 'a@b.co:word\n'],
  ['"a@b.co:" (glued)', 'a@b.co:'],
  ['"@" alone', '@'],
  ['"u: taro p: "', 'u: taro p: '],
  ['"that was the old one, "', 'that was the old one, '],
  ['「ﾊﾟｽﾜｰﾄﾞ：ﾎｼｿﾞﾗ」', 'ﾊﾟｽﾜｰﾄﾞ：ﾎｼｿﾞﾗ '],
  ['digits and spaces', '1234 5678 '],
  ['one long token', 'a'],
];

/** The fastest of `runs` timings (ms) of f(): on a shared machine the minimum is the least disturbed. */
function minMs(runs: number, f: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

async function main(): Promise<void> {
  const nlu = await createNlu();
  const lines = [...realFirstMessages(), ...realReplies()].filter((r) => r.split === 'train').map((r) => r.text);
  if (lines.length === 0) throw new Error('no real train lines (intents/real/*.tsv)');
  const chars = lines.map((t) => t.length).sort((x, y) => x - y);
  const classify = (t: string) => nlu.analyse(t);
  for (const t of lines.slice(0, 300)) {
    classify(t);
    redact(t);
    redact(t, { passwordTopic: true });
  }

  out(`mailmedic redaction benchmark — node ${process.version}; ratio = redact() ÷ NLU classification of the same message, interleaved`);
  out(`  real train lines: ${lines.length} (length p50 ${percentile(chars, 50)}, p99 ${percentile(chars, 99)}, max ${chars.at(-1)} characters)`);
  out('');
  out('  set                                      redact p50 / p99 µs    NLU p50 / p99 µs    ratio p50   ratio of totals');
  const row = (name: string, r: ReturnType<typeof interleaved>) =>
    out(
      `  ${name.padEnd(40)} ${`${percentile(r.a, 50).toFixed(1)} / ${percentile(r.a, 99).toFixed(0)}`.padStart(19)}   ${`${percentile(r.b, 50).toFixed(0)} / ${percentile(r.b, 99).toFixed(0)}`.padStart(17)}   ${`${(percentile(r.a, 50) / percentile(r.b, 50)).toFixed(3)}×`.padStart(9)}   ${`${(r.sumA / r.sumB).toFixed(3)}×`.padStart(15)}`,
    );
  row('real train lines', interleaved(lines, (t) => redact(t), classify));
  row('real train lines, password topic', interleaved(lines, (t) => redact(t, { passwordTopic: true }), classify));

  // 4,000 characters: the NLU reads a capped prefix (MAX_NLU_CHARS); redaction reads it all.
  const long = WORST.map(([name, unit]) => [name, fill(unit, 4000)] as const);
  for (const [, t] of long) {
    classify(t);
    redact(t);
  }
  out('');
  out('  4,000 characters                         redact p50 ms    NLU p50 ms    ratio p50');
  let worst = { name: '', ratio: 0 };
  for (const [name, t] of long) {
    const r = interleaved([t], (x) => redact(x, { passwordTopic: true }), classify, 20);
    const ratio = percentile(r.a, 50) / percentile(r.b, 50);
    if (ratio > worst.ratio) worst = { name, ratio };
    out(`  ${name.padEnd(40)} ${(percentile(r.a, 50) / 1000).toFixed(2).padStart(13)}   ${(percentile(r.b, 50) / 1000).toFixed(2).padStart(11)}   ${`${ratio.toFixed(2)}×`.padStart(9)}`);
  }
  out(`  worst at 4,000 characters: ${worst.name} (${worst.ratio.toFixed(2)}× the NLU)`);

  // Growth: a linear rule costs 16× for 16× the text (16k → 256k; the fastest of several runs, as load drifts).
  out('');
  out('  growth (password topic on, fastest run)  4k ms    16k ms    64k ms   256k ms    exponent 16k→256k');
  let steepest = { name: '', exp: 0 };
  const baseline: number[] = [];
  for (const [name, unit] of WORST) {
    const [t4, t16, t64, t256] = [4000, 16000, 64000, 256000].map((n) => {
      const t = fill(unit, n);
      return minMs(n > 64000 ? 3 : 5, () => redact(t, { passwordTopic: true }));
    }) as [number, number, number, number];
    const exp = Math.log(t256 / t16) / Math.log(16);
    if (name.startsWith('plain')) baseline.push(exp);
    else if (exp > steepest.exp) steepest = { name, exp };
    out(`  ${name.padEnd(40)} ${t4.toFixed(2).padStart(5)}   ${t16.toFixed(2).padStart(7)}   ${t64.toFixed(2).padStart(7)}   ${t256.toFixed(1).padStart(7)}   ${exp.toFixed(2).padStart(8)}`);
  }
  // Plain text has no rule to fire, so its exponent is the machine's own (caches, GC above 16k): a shape is super-linear
  // only well above it, near 2.
  out(`  steepest growth: ${steepest.name} (exponent ${steepest.exp.toFixed(2)}; plain text ${baseline.map((x) => x.toFixed(2)).join(' / ')} on this machine; 1 = linear, 2 = quadratic)`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
