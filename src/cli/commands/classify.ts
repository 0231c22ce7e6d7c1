/**
 * `mailmedic classify`: stdin, one utterance a line → stdout, one JSON object a line
 * `{"text", "intent", "confidence", "entities"}` (absent entities omitted; design.md § command-line contract).
 * Empty lines are skipped. A 100 KB line, binary junk or emoji still gets its line: the NLU looks at the first
 * MAX_NLU_CHARS characters only and never throws. The model is loaded once; logs go to stderr.
 */
import { createInterface } from 'node:readline';
import { createNlu } from '../../nlu/index.js';

export async function run(args: string[]): Promise<number> {
  quietOnClosedPipe();
  if (args.includes('--help') || args.includes('-h')) {
    process.stderr.write('usage: mailmedic classify < utterances.txt\n  one utterance a line on stdin → one JSON line on stdout\n');
    return 0;
  }
  const nlu = await createNlu({ logger: stderrLogger });
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    const r = nlu.analyse(line);
    const ok = process.stdout.write(`${JSON.stringify({ text: line, intent: r.intent, confidence: r.confidence, entities: r.entities })}\n`);
    // Respect back-pressure so a large input piped to a slow reader does not pile up in memory.
    if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  return 0;
}

/** Minimal stderr logger for the CLI (the server uses pino; here one line per event is enough). */
const stderrLogger = {
  debug() {},
  info(obj: object, msg?: string) {
    process.stderr.write(`mailmedic: ${msg ?? ''} ${JSON.stringify(obj)}\n`);
  },
  warn(obj: object, msg?: string) {
    process.stderr.write(`mailmedic: warning: ${msg ?? ''} ${JSON.stringify(obj)}\n`);
  },
  error(obj: object, msg?: string) {
    process.stderr.write(`mailmedic: error: ${msg ?? ''} ${JSON.stringify(obj)}\n`);
  },
  child() {
    return stderrLogger;
  },
};

/** `mailmedic … | head` closes stdout early: stop quietly instead of crashing with EPIPE. */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
