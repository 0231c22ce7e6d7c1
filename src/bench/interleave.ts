/**
 * Shared timing for the benches that compare two functions on one machine (bench:nlu, bench:redact): both are timed on
 * each text in turn, so both see the same load on this shared, noisy machine, and the order alternates between passes so
 * neither always runs on caches the other has just warmed. Report ratios of the two, never absolute times alone.
 */

/** The p-th percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Times `a` and `b` on each text in turn, `passes` times; per-call µs of each, sorted ascending, and their sums (µs). */
export function interleaved(texts: readonly string[], a: (t: string) => unknown, b: (t: string) => unknown, passes: number) {
  const ta: number[] = [];
  const tb: number[] = [];
  let sumA = 0;
  let sumB = 0;
  for (let pass = 0; pass < passes; pass++) {
    const first = pass % 2 === 0;
    for (const t of texts) {
      const t0 = process.hrtime.bigint();
      if (first) a(t);
      else b(t);
      const t1 = process.hrtime.bigint();
      if (first) b(t);
      else a(t);
      const t2 = process.hrtime.bigint();
      const da = Number(first ? t1 - t0 : t2 - t1) / 1000;
      const db = Number(first ? t2 - t1 : t1 - t0) / 1000;
      ta.push(da);
      tb.push(db);
      sumA += da;
      sumB += db;
    }
  }
  ta.sort((x, y) => x - y);
  tb.sort((x, y) => x - y);
  return { a: ta, b: tb, sumA, sumB };
}
