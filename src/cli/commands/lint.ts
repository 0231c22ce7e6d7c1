/**
 * `mailmedic lint [--root DIR]`: validates intents/, dialogs/ and locales/ under DIR (default: the package root).
 * Problems go to stdout as `file:line: message`; the summary goes to stderr; exit code 1 on any problem.
 * The locale keys written in the code are checked for the package's own root, or for any root
 * with `--code-keys`.
 */
import { resolve } from 'node:path';
import { formatProblem, isLoadFailure, packageRoot } from '../../data/load.js';
import { formatCoverage } from '../../data/guide.js';
import { lintReport } from '../../data/lint.js';

/** `--root DIR` from args, resolved against the cwd; the package root when absent. */
export function rootArg(args: string[]): string {
  const i = args.indexOf('--root');
  if (i >= 0) {
    const dir = args[i + 1];
    if (!dir) throw new Error('--root needs a directory');
    return resolve(dir);
  }
  const eq = args.find((a) => a.startsWith('--root='));
  return eq ? resolve(eq.slice('--root='.length)) : packageRoot();
}

export async function run(args: string[]): Promise<number> {
  const report = await lintReport(rootArg(args), args.includes('--code-keys') ? { codeKeys: true } : {});
  // One write, and a closed pipe (`| head`) is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  // A file that did not load (YAML or schema error) makes most later checks fail too (its nodes or keys are
  // missing): print those problems first and say so, so the one real mistake is not lost among a hundred echoes.
  const blocking = report.problems.filter(isLoadFailure);
  const ordered = [...blocking, ...report.problems.filter((p) => !isLoadFailure(p))];
  if (ordered.length) process.stdout.write(ordered.map((p) => `${formatProblem(p)}\n`).join(''));
  const sizes = `${report.nodes} nodes, ${report.localeKeys} locale keys, ${report.intents} intents`;
  const coverage = report.guide ? `${formatCoverage(report.guide)}\n` : '';
  if (report.problems.length) {
    process.stderr.write(`lint: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} (${sizes})\n${coverage}`);
    if (blocking.length && blocking.length < report.problems.length) {
      process.stderr.write(
        `lint: the first ${blocking.length} kept a file or an entry from loading (YAML or schema); the other ` +
          `${report.problems.length - blocking.length} may only follow from them — fix the first ones and run lint again\n`,
      );
    }
    return 1;
  }
  process.stderr.write(`ok: ${sizes}\n${coverage}`);
  return 0;
}
