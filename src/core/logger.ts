/**
 * The logger shape the core depends on (a subset of pino's). src/main.ts passes a real pino logger writing to
 * stderr; stdout belongs to the CLI's documented output. Never log user text above debug level.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything (for unit tests of pure parts). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
