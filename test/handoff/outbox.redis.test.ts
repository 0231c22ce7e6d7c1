import { afterAll, beforeAll } from 'vitest';
import { createClient } from 'redis';
import { RedisOutboxStore } from '../../src/handoff/outbox-redis.js';
import type { OutboxStore } from '../../src/handoff/outbox.js';
import { outboxContract } from './outbox.contract.js';
import { deleteKeys, REDIS_URL as url, uniquePrefix } from '../redis.js';

// Two connections, so a "peer" is a separate client like another replica or a restarted process.
const a = createClient({ url });
const b = createClient({ url });
const prefixes: string[] = [];

beforeAll(async () => {
  await Promise.all([a.connect(), b.connect()]);
});
afterAll(async () => {
  await Promise.all([a.quit(), b.quit()]);
});

outboxContract('redis', {
  async make() {
    const prefix = uniquePrefix('outbox');
    prefixes.push(prefix);
    return new RedisOutboxStore(a, { prefix });
  },
  async peer(store: OutboxStore) {
    const prefix = (store as RedisOutboxStore).keys.tag.slice(1, -':outbox}'.length);
    return new RedisOutboxStore(b, { prefix });
  },
  async cleanup() {
    for (const prefix of prefixes.splice(0)) await deleteKeys(`{${prefix}:outbox}*`);
  },
});
