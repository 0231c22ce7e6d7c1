/**
 * `mailmedic chat`: an interactive chat in the terminal. Choices are numbered — typing the number clicks it;
 * /new starts a new conversation, /quit (or Ctrl-D) leaves. A channel like any other: Turn in, TurnOutcome out.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Choice, Locale, Turn, TurnOutcome } from '../../core/index.js';
import type { I18n } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';

export interface TerminalOptions {
  input: Readable;
  output: Writable;
  pipeline: Pipeline;
  i18n: I18n;
  /** Language of the terminal's own strings and of the first turn. */
  locale: Locale;
  /** ANSI colours (only when the output is a TTY). */
  color?: boolean;
  now?: () => number;
}

const newConversationId = () => `cli-${randomBytes(6).toString('hex')}`;

/** Formats one outcome for the terminal; returns the text and the choices now on screen (numbered from 1). */
export function formatOutcome(
  outcome: TurnOutcome,
  t: (key: string, params?: Record<string, string>) => string,
  color = false,
): { text: string; choices: Choice[] } {
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const lines: string[] = [];
  const choices: Choice[] = [];
  for (const reply of outcome.replies) {
    const body = reply.text.replace(/\*\*([^*]+)\*\*/g, (_m, b: string) => paint('1', b));
    lines.push(`${paint('36', t('terminal.bot'))}${body.split('\n').join('\n    ')}`);
    for (const c of reply.choices ?? []) {
      choices.push(c);
      lines.push(`    ${paint('33', `${choices.length})`)} ${c.label}`);
    }
  }
  if (outcome.ticket) lines.push(paint('35', `  ${t('terminal.ticket', { id: outcome.ticket.id })}`));
  if (outcome.status === 'resolved' || outcome.status === 'escalated' || outcome.status === 'ended') {
    lines.push(paint('32', `  ${t(`terminal.status_${outcome.status}`)}`));
  }
  return { text: `${lines.join('\n')}\n`, choices };
}

/** Runs the interactive chat until /quit or end of input. */
export async function runTerminal(options: TerminalOptions): Promise<void> {
  const { input, output, pipeline, i18n, locale } = options;
  const now = options.now ?? Date.now;
  const t = (key: string, params?: Record<string, string>) => i18n.t(key, params, locale);
  const tty = (output as { isTTY?: boolean }).isTTY === true && (input as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input, output, terminal: tty });
  let conversationId = newConversationId();
  let choices: Choice[] = [];
  let first = true;
  let hinted = false;

  output.write(`${t('terminal.welcome')}\n`);
  rl.setPrompt(t('terminal.prompt'));
  rl.prompt();
  for await (const raw of rl) {
    // Piped input is not echoed by a terminal: echo it so the transcript reads like a conversation.
    if (!tty) output.write(`${raw}\n`);
    const line = raw.trim();
    if (line === '/quit' || line === '/exit') break;
    if (line === '/new') {
      conversationId = newConversationId();
      choices = [];
      first = true;
      output.write(`${t('terminal.new_chat')}\n`);
      rl.prompt();
      continue;
    }
    if (line === '') {
      rl.prompt();
      continue;
    }
    const turn: Turn = { conversationId, channel: 'cli', userId: `cli:${conversationId}`, receivedAtMs: now() };
    const n = /^\d{1,2}$/.test(line) ? Number(line) : NaN;
    const picked = Number.isInteger(n) ? choices[n - 1] : undefined;
    if (picked) turn.action = picked.value;
    else turn.text = raw;
    // The terminal's language only decides the very first turn; after that the conversation follows the user.
    if (first) turn.locale = locale;
    first = false;
    const outcome = await pipeline.handle(turn);
    const shown = formatOutcome(outcome, t, options.color);
    choices = shown.choices;
    output.write(shown.text);
    if (choices.length > 0 && !hinted) {
      hinted = true;
      output.write(`  (${t('terminal.choice_hint')})\n`);
    }
    rl.prompt();
  }
  output.write(`${t('terminal.bye')}\n`);
  rl.close();
}
