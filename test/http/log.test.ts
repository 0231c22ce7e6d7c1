/** The process logger: JSON lines, and what a person typed never appears at info level or above. */
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversationLogger, createLogger } from '../../src/log.js';

function capture(level: 'info' | 'debug', write: (l: ReturnType<typeof createLogger>) => void): Array<Record<string, unknown>> {
  const file = join(mkdtempSync(join(tmpdir(), 'mm-log-')), 'log.jsonl');
  const fd = openSync(file, 'w');
  write(createLogger({ level, fd }));
  closeSync(fd);
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('drops user text fields at info and above, keeps them at debug', () => {
    const lines = capture('debug', (log) => {
      log.info({ text: 'パスワードは hunter2', intent: 'error_auth' }, 'turn');
      log.warn({ utterance: 'my secret' }, 'w');
      log.debug({ text: 'visible at debug' }, 'd');
    });
    expect(lines).toHaveLength(3);
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
    expect(lines[0]).toMatchObject({ level: 'info', intent: 'error_auth', msg: 'turn', text: '[omitted]' });
    expect(JSON.stringify(lines[1])).not.toContain('my secret');
    expect(lines[2]).toMatchObject({ level: 'debug', text: 'visible at debug' });
  });

  it('binds the conversation id to every line of a child logger', () => {
    const lines = capture('info', (log) => {
      const child = conversationLogger(log, 'c-42', 'web');
      child.info({ step: 'nlu' }, 'a');
      child.error({ err: new Error('boom') }, 'b');
    });
    expect(lines.map((l) => l.conversation)).toEqual(['c-42', 'c-42']);
    expect(lines[0]).toMatchObject({ channel: 'web', step: 'nlu' });
  });
});
