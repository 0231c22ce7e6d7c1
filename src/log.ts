/**
 * The process logger: pino writing JSON lines to stderr (fd 2), because stdout belongs to the CLI's documented
 * output (`chat --jsonl`, `classify`). One logger per process, created by the composition root (src/main.ts).
 *
 * Privacy rule enforced here rather than trusted to every call site: at info level and above, fields that carry
 * what a person typed (`text`, `utterance`, `body`, `message`) are dropped from the logged object. They may appear
 * at debug/trace only, which production does not enable.
 */
import { pino, type Level, type LevelWithSilent, type LogFn } from 'pino';
import type { Logger } from './core/index.js';

/** Fields that may hold user text; removed from log objects at info (30) and above. */
const USER_TEXT_FIELDS = ['text', 'utterance', 'body', 'message'] as const;
const INFO_LEVEL = 30;

export interface LoggerOptions {
  /** LOG_LEVEL; default info. */
  level?: LevelWithSilent;
  /** File descriptor to write to; default 2 (stderr). Tests may pass another fd. */
  fd?: number;
  /** Extra bindings on every line (e.g. { app: 'mailmedic' }). */
  base?: Record<string, unknown>;
}

export type AppLogger = Logger & { level: string; flush?: () => void };

function stripUserText(obj: unknown): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Error) return obj;
  const rec = obj as Record<string, unknown>;
  if (!USER_TEXT_FIELDS.some((f) => f in rec)) return obj;
  const copy: Record<string, unknown> = { ...rec };
  for (const f of USER_TEXT_FIELDS) {
    if (f in copy) copy[f] = '[omitted]';
  }
  return copy;
}

/** Creates the process logger (JSON to stderr). Synchronous writes so nothing is lost on exit. */
export function createLogger(options: LoggerOptions = {}): AppLogger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args: Parameters<LogFn>, method: LogFn, level: number) {
          if (level >= INFO_LEVEL && args.length > 0) {
            const [first, ...rest] = args as unknown[];
            return (method as (...a: unknown[]) => void).apply(this, [stripUserText(first), ...rest]);
          }
          return (method as (...a: unknown[]) => void).apply(this, args as unknown[]);
        },
      },
    },
    pino.destination({ dest: options.fd ?? 2, sync: true }),
  );
  return logger as unknown as AppLogger;
}

/** A child logger bound to one conversation, so every line of a turn carries `conversation`. */
export function conversationLogger(logger: Logger, conversationId: string, channel?: string): Logger {
  return logger.child(channel ? { conversation: conversationId, channel } : { conversation: conversationId });
}

/** Parses LOG_LEVEL-like input, falling back when absent or unknown. */
export function logLevel(value: string | undefined, fallback: LevelWithSilent = 'info'): LevelWithSilent {
  const levels: Array<Level | 'silent'> = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  return levels.includes(value as Level) ? (value as LevelWithSilent) : fallback;
}
