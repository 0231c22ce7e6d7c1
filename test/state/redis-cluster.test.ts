/** The store contract over a real Redis Cluster: three `redis-server --cluster-enabled yes` on free loopback ports. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { createStores } from '../../src/state/stores.js';
import { storeContract } from './contract.js';
import { PrivateCluster, uniquePrefix } from './helpers.js';

const cluster = new PrivateCluster();
beforeAll(() => cluster.start());
afterAll(() => cluster.stop());

storeContract('redis cluster', async ({ lockWaitMs }) => {
  const stores = createStores({ redis: { mode: 'cluster', nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })) } }, silentLogger, { lockWaitMs, prefix: uniquePrefix('cluster') });
  await stores.redis!.waitReady(10_000);
  return { ...stores, elapse: (ms) => sleep(ms), dispose: () => stores.health.close() };
});
