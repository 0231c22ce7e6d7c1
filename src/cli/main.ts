#!/usr/bin/env node
/**
 * The `mailmedic` command. Each sub-command is a module in ./commands/<name>.js exporting
 * `run(args: string[]): Promise<number>` (the exit code). stdout carries only the documented output;
 * logs and library chatter go to stderr.
 */
import { asCodedError } from '../core/index.js';

const COMMANDS: Record<string, string> = {
  classify: 'classify text from stdin → JSON lines {text, intent, confidence, entities}',
  intents: 'intents export → all training phrases as JSON lines {locale, intent, text}',
  chat: 'chat [--jsonl] → talk to the bot in the terminal (or JSON lines on stdin/stdout)',
  lint: 'validate intents/, dialogs/, locales/ (file:line: message, exit 1 on problems)',
  graph: 'print the troubleshooting tree as Mermaid',
  serve: 'run the HTTP server (web chat, /api/chat, Slack, Teams, /admin)',
  config: 'config check → validate the environment as serve would; prints what would run (exit 1 on a bad value)',
  transcripts: 'transcripts list|show|export [--corrections] — for help-desk staff',
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, what]) => `  ${name.padEnd(12)} ${what}`);
  return `usage: mailmedic <command> [options]\n\n${rows.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stderr.write(usage());
    return name ? 0 : 2;
  }
  if (!(name in COMMANDS)) {
    process.stderr.write(`mailmedic: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(`./commands/${name}.js`)) as { run(args: string[]): Promise<number> };
  return mod.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = asCodedError(e);
    process.stderr.write(`mailmedic: ${err.code}: ${err.message}\n`);
    process.exitCode = 1;
  },
);
