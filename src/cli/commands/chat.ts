/**
 * `mailmedic chat [--jsonl] [--lang ja|en]`: talk to the bot in the terminal, or drive it with JSON lines
 * (stdin → stdout, design.md contract). State lives in Redis when REDIS_URL is set, in memory otherwise.
 * Logs go to stderr only (default level warn here, so the terminal stays readable; LOG_LEVEL overrides).
 */
import { LOCALES, type Locale } from '../../core/index.js';
import { createLogger, logLevel } from '../../log.js';
import { createCore } from '../../main.js';
import { runJsonl } from '../../channels/cli/jsonl.js';
import { runTerminal } from '../../channels/cli/terminal.js';

const USAGE = `usage: mailmedic chat [--jsonl] [--lang ja|en]
  (no flag)  interactive chat; type the number of a choice to pick it, /new for a new chat, /quit to leave
  --jsonl    stdin: {"conversation": "c1", "text": "..."} or {"conversation": "c1", "action": "..."} per line
             stdout: one JSON line per input line (a turn, or {"error": "..."})
  --lang     language of the terminal chat's own messages (default DEFAULT_LOCALE)
`;

export async function run(args: string[]): Promise<number> {
  let jsonl = false;
  let lang: Locale | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--jsonl') jsonl = true;
    else if (a === '--lang' || a?.startsWith('--lang=')) {
      const v = a === '--lang' ? args[++i] : a.slice('--lang='.length);
      if (!(LOCALES as readonly string[]).includes(v ?? '')) {
        process.stderr.write(`mailmedic chat: --lang must be one of ${LOCALES.join(', ')}\n${USAGE}`);
        return 2;
      }
      lang = v as Locale;
    } else if (a === '--help' || a === '-h') {
      process.stderr.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`mailmedic chat: unknown option ${a}\n${USAGE}`);
      return 2;
    }
  }

  const logger = createLogger({ level: logLevel(process.env.LOG_LEVEL, 'warn') });
  const core = await createCore({ logger });
  const locale = lang ?? core.config.defaultLocale;
  try {
    if (jsonl) {
      await runJsonl({ input: process.stdin, output: process.stdout, pipeline: core.pipeline, i18n: core.i18n, locale, logger });
    } else {
      await runTerminal({
        input: process.stdin,
        output: process.stdout,
        pipeline: core.pipeline,
        i18n: core.i18n,
        locale,
        color: process.stdout.isTTY === true && !process.env.NO_COLOR,
      });
    }
  } finally {
    await core.drained(5_000);
    await core.close();
  }
  return 0;
}
