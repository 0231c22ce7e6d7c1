/**
 * `mailmedic chat --jsonl`: JSON lines in, one JSON line out per input line (design.md § Public command-line
 * contract). Lines are processed strictly in order, one at a time; a bad line gets {"error": "…"} and the run goes
 * on. Only an empty line is skipped (a separator); a line of nothing but spaces or control characters (\t, \f, \v,
 * \x07 …) is answered {"error"} like any other line that is not a turn, so no line that carried something goes
 * unanswered. stdout carries only these lines — logs go to stderr.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Locale, Logger } from '../../core/index.js';
import type { I18n } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';
import { parseChatInput, toChatJson } from '../web/contract.js';

export interface JsonlOptions {
  input: Readable;
  output: Writable;
  pipeline: Pipeline;
  i18n: I18n;
  /** Language of {"error"} messages (DEFAULT_LOCALE). */
  locale: Locale;
  logger: Logger;
  now?: () => number;
}

export interface JsonlSummary {
  /** Lines answered with a turn. */
  turns: number;
  /** Lines answered with {"error"}. */
  errors: number;
}

/** Whitespace (what String.trim removes), C0/C1 control and format characters (zero-width space), nothing else. */
const BLANK = /^[\s\p{Cc}\p{Cf}]+$/u;

/** Runs until `input` ends; resolves with what was answered. */
export async function runJsonl(options: JsonlOptions): Promise<JsonlSummary> {
  const { input, output, pipeline, i18n, locale, logger } = options;
  const now = options.now ?? Date.now;
  const summary: JsonlSummary = { turns: 0, errors: 0 };
  const write = async (value: unknown) => {
    if (!output.write(`${JSON.stringify(value)}\n`)) await once(output, 'drain');
  };
  const error = async (key: string, params?: Record<string, string>) => {
    summary.errors++;
    await write({ error: i18n.t(key, params, locale) });
  };

  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.replace(/^\uFEFF/, '');
    if (line === '') continue;
    if (BLANK.test(line)) {
      logger.info({ line: lineNo, reason: 'blank_line' }, 'jsonl line refused');
      await error('web.api.blank_line');
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      logger.info({ line: lineNo, reason: 'malformed_json' }, 'jsonl line refused');
      await error('web.api.malformed_json');
      continue;
    }
    const parsed = parseChatInput(value, 'cli', now());
    if (!parsed.ok) {
      logger.info({ line: lineNo, reason: parsed.error.key }, 'jsonl line refused');
      await error(parsed.error.key, parsed.error.params);
      continue;
    }
    try {
      const outcome = await pipeline.handle(parsed.turn);
      summary.turns++;
      await write(toChatJson(outcome));
    } catch (err) {
      // The pipeline answers its own failures; this only guards the contract "a line always gets a line".
      logger.error({ err, line: lineNo }, 'turn failed');
      await error('web.api.internal');
    }
  }
  return summary;
}
