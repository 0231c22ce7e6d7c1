/** Connections to the shared Redis at REDIS_URL for one test file, each under its own key prefix. */
import { afterAll } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { createRedisConnection, type RedisConnection } from '../../src/state/redis.js';
import { deletePrefix, REDIS_URL } from '../state/helpers.js';

/** `connect(prefix)`: a ready connection under that prefix; after the file, every one is closed and its prefix's keys deleted. */
export function redisConnections(): (prefix: string) => Promise<RedisConnection> {
  const conns: RedisConnection[] = [];
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const c of conns) await c.close();
    for (const p of prefixes) await deletePrefix(p);
  });
  return async (prefix) => {
    const conn = createRedisConnection({ mode: 'single', url: REDIS_URL }, silentLogger, { prefix });
    await conn.waitReady(5_000);
    conns.push(conn);
    prefixes.push(prefix);
    return conn;
  };
}
