/** The store contract over Sentinel: a private master and one sentinel watching it, on free loopback ports. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { createStores } from '../../src/state/stores.js';
import { storeContract } from './contract.js';
import { PrivateSentinel, uniquePrefix } from './helpers.js';

const sentinel = new PrivateSentinel('mm');

beforeAll(() => sentinel.start());
afterAll(() => sentinel.stop());

storeContract('redis sentinel', async ({ lockWaitMs }) => {
  const stores = createStores(
    { redis: { mode: 'sentinel', sentinels: [{ host: '127.0.0.1', port: sentinel.port }], masterName: 'mm' } },
    silentLogger,
    { lockWaitMs, prefix: uniquePrefix('sentinel') },
  );
  await stores.redis!.waitReady(10_000);
  return { ...stores, elapse: (ms) => sleep(ms), dispose: () => stores.health.close() };
});
