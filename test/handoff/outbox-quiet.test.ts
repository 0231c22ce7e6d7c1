/**
 * Redis down for a while under the outbox workers (sre-22): before, each idle worker logged `outbox worker error` at
 * error on every poll — two error lines a second per replica for as long as Redis was away. Now each worker logs one
 * error line when the failure starts (again only if the error changes), the repeats at debug, and one info line when
 * it works again. Real redis-server, stopped and restarted.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { Outbox } from '../../src/handoff/outbox.js';
import { redisOutboxStore } from '../../src/handoff/outbox-redis.js';
import { createSink } from '../../src/handoff/sinks/index.js';
import { createLogger } from '../../src/log.js';
import { createRedisConnection } from '../../src/state/redis.js';
import { freePort, PrivateRedis, uniquePrefix } from '../state/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-outbox-quiet-'));
const logFile = join(dir, 'log.jsonl');
const fd = openSync(logFile, 'w');
const lines = () =>
  readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; msg: string; worker?: number });

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (cond()) return;
    await sleep(25);
  }
  throw new Error(`never happened: ${what}`);
}

afterAll(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox workers while Redis is down', () => {
  it('log one error per worker when it starts, the repeats at debug, and one line when Redis is back', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const logger = createLogger({ level: 'debug', fd });
    const connection = createRedisConnection({ mode: 'single', url: redis.url }, logger, {
      prefix: uniquePrefix('outbox-quiet'),
      commandTimeoutMs: 200,
      maxReconnectDelayMs: 50,
    });
    await connection.waitReady(5_000);
    const outbox = new Outbox({
      store: redisOutboxStore(connection),
      sink: createSink(loadConfig({ TICKET_DIR: join(dir, 'tickets') })),
      logger,
      pollMs: 10,
      concurrency: 2,
    });
    try {
      outbox.start();
      await redis.stop();
      const repeated = () => lines().filter((l) => l.msg.startsWith('outbox worker error (repeated)')).length;
      await until('twenty failed polls', () => repeated() >= 20);
      const errors = lines().filter((l) => l.level === 'error' && l.msg.startsWith('outbox worker error'));
      // One per worker, plus at most one more each if the error text changed while the connection went away.
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors.length).toBeLessThanOrEqual(4);

      await redis.start();
      await until('the workers recovered', () => lines().some((l) => l.msg === 'outbox worker recovered'));
      expect(lines().find((l) => l.msg === 'outbox worker recovered')!.level).toBe('info');
    } finally {
      await outbox.stop();
      await connection.close();
      await redis.stop();
    }
  }, 60_000);
});
