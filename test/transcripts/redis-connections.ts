/** Connections to the shared Redis at REDIS_URL for one test file, each under its own key prefix. */
import { afterAll } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { createRedisConnection, type RedisConnection } from '../../src/state/redis.js';
import { MemoryTranscriptStore } from '../../src/transcripts/memory.js';
import { RedisTranscriptStore } from '../../src/transcripts/redis.js';
import type { TranscriptStore } from '../../src/transcripts/types.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../state/helpers.js';

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

/** The two transcript stores a file runs its checks on (`describe.each`): memory, and Redis under a fresh prefix named `name`. */
export function transcriptStores(name: string, clock: () => number): Array<[string, () => Promise<TranscriptStore>]> {
  const connect = redisConnections();
  return [
    ['memory', async () => new MemoryTranscriptStore({ clock })],
    ['redis', async () => new RedisTranscriptStore(await connect(uniquePrefix(name)), { clock })],
  ];
}
