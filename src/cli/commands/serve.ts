/**
 * `mailmedic serve` (what `npm start` runs): the one HTTP server on PORT (default 3978) — web chat, /api/chat,
 * and whichever channels are configured. Runs until SIGTERM/SIGINT, then shuts down gracefully and exits 0.
 */
import { exitOnSignals, startApp } from '../../main.js';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stderr.write('usage: mailmedic serve\n  Starts the HTTP server on PORT (default 3978). Configuration: environment variables (see README).\n');
    return 0;
  }
  const app = await startApp();
  exitOnSignals(app.close, app.core.logger, app.core.config.env.SHUTDOWN_GRACE_SECONDS * 1_000);
  // Human-readable pointer on stderr too: the JSON log line is easy to miss in a terminal.
  process.stderr.write(`mailmedic: listening on ${app.url.replace('127.0.0.1', 'localhost')}\n`);
  // Keep the command pending: the process lives until a signal closes the server.
  return new Promise<number>(() => {});
}
