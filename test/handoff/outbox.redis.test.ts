/**
 * The outbox contract on the real Redis, through the store as the app builds it: `redisOutboxStore()` on a
 * connection of src/state (its time limit and error mapping), a unique key prefix per store, cleaned up after.
 */
import { afterAll } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { redisOutboxStore, type RedisOutboxStore } from '../../src/handoff/outbox-redis.js';
import type { OutboxStore } from '../../src/handoff/outbox.js';
import { createRedisConnection, type RedisConnection } from '../../src/state/redis.js';
import { outboxContract } from './outbox.contract.js';
import { deleteKeys, REDIS_URL as url, uniquePrefix } from '../redis.js';

const connections: RedisConnection[] = [];
const prefixes: string[] = [];

async function connect(prefix: string): Promise<RedisConnection> {
  const c = createRedisConnection({ mode: 'single', url }, silentLogger, { prefix });
  await c.waitReady(5_000);
  connections.push(c);
  return c;
}

afterAll(async () => {
  for (const c of connections.splice(0)) await c.close();
});

outboxContract('redis', {
  async make() {
    const prefix = uniquePrefix('outbox');
    prefixes.push(prefix);
    return redisOutboxStore(await connect(prefix));
  },
  // A separate connection on the same prefix, like another replica or a restarted process.
  async peer(store: OutboxStore) {
    const prefix = (store as RedisOutboxStore).keys.tag.slice(1, -':outbox}'.length);
    return redisOutboxStore(await connect(prefix));
  },
  async cleanup() {
    for (const prefix of prefixes.splice(0)) await deleteKeys(`{${prefix}:outbox}*`);
  },
});
