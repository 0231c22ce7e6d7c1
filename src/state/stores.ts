/**
 * Chooses the stores from the configuration: Redis (single, Cluster or Sentinel) when configured, memory
 * otherwise. The composition root (src/main.ts) calls this once per process.
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../core/index.js';
import type { UtcOffset } from '../core/time-zone.js';
import {
  MemoryConversationStore,
  MemoryDeliveryStore,
  MemoryKeyValueStore,
  MemoryTicketIds,
  memoryHealth,
  type Clock,
} from './memory.js';
import {
  createRedisConnection,
  RedisConversationStore,
  RedisDeliveryStore,
  RedisKeyValueStore,
  RedisTicketIds,
  redisHealth,
  type RedisConnectionOptions,
  type RedisLockOptions,
} from './redis.js';
import type { Stores } from './types.js';

export interface CreateStoresOptions extends RedisConnectionOptions, RedisLockOptions {
  /** Clock for memory TTLs, ms since epoch (tests). Redis keeps its own time. */
  clock?: Clock;
  /** Offset of the ticket-id day from UTC, minutes (e.g. 540 for Japan, or TIME_ZONE's at each instant). Default 0: the UTC day. */
  ticketUtcOffsetMinutes?: UtcOffset;
}

/**
 * Builds the process's stores. With Redis, the connection is opened at once and retried in the background:
 * until it is up, store calls fail with StoreUnavailable and `health.ping()` is false (call
 * `stores.redis.waitReady(ms)` to wait at start-up). `health.close()` closes it.
 */
export function createStores(config: Pick<Config, 'redis'>, logger: Logger, options: CreateStoresOptions = {}): Stores {
  const ticketOpts = { utcOffset: options.ticketUtcOffsetMinutes };
  if (!config.redis) {
    const deliveries = new MemoryDeliveryStore({ clock: options.clock });
    return {
      kind: 'memory',
      store: new MemoryConversationStore({ clock: options.clock, lockWaitMs: options.lockWaitMs, deliveries }),
      deliveries,
      kv: new MemoryKeyValueStore({ clock: options.clock }),
      ticketIds: new MemoryTicketIds(ticketOpts),
      health: memoryHealth,
      open: (factories) => factories.memory(),
    };
  }
  const redis = createRedisConnection(config.redis, logger, options);
  return {
    kind: `redis-${config.redis.mode}`,
    store: new RedisConversationStore(redis, logger, options),
    deliveries: new RedisDeliveryStore(redis),
    kv: new RedisKeyValueStore(redis),
    ticketIds: new RedisTicketIds(redis, ticketOpts),
    health: redisHealth(redis),
    redis,
    open: (factories) => factories.redis(redis),
  };
}
