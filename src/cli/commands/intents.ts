/**
 * `mailmedic intents export`: every training phrase of intents/<locale>/*.yaml as JSON lines
 * `{"locale", "intent", "text"}` on stdout. Problems in the files go to stderr with exit 1 (`mailmedic lint` for details).
 */
import { formatProblem, loadIntents } from '../../data/load.js';

export async function run(args: string[]): Promise<number> {
  quietOnClosedPipe();
  const [sub] = args;
  if (sub !== 'export') {
    process.stderr.write('usage: mailmedic intents export\n  all training phrases as JSON lines {locale, intent, text}\n');
    return sub === '--help' || sub === '-h' ? 0 : 2;
  }
  const loaded = loadIntents();
  for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
  const lines: string[] = [];
  for (const f of loaded.files) for (const text of f.examples) lines.push(JSON.stringify({ locale: f.locale, intent: f.intent, text }));
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  return loaded.problems.length ? 1 : 0;
}

/** `mailmedic … | head` closes stdout early: stop quietly instead of crashing with EPIPE. */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
