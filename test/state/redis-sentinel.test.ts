/** The store contract over Sentinel: a private master and one sentinel watching it, on free loopback ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { createClient } from 'redis';
import { silentLogger } from '../../src/core/index.js';
import { createStores } from '../../src/state/stores.js';
import { storeContract } from './contract.js';
import { freePort, PrivateRedis, uniquePrefix } from './helpers.js';

let master: PrivateRedis;
let sentinel: ChildProcess;
let sentinelPort = 0;
let dir = '';

beforeAll(async () => {
  master = new PrivateRedis(await freePort());
  await master.start();
  sentinelPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'mmsentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, [`port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor mm 127.0.0.1 ${master.port} 1`, ''].join('\n'));
  sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      const c = createClient({ socket: { host: '127.0.0.1', port: sentinelPort, reconnectStrategy: false } });
      c.on('error', () => {});
      await c.connect();
      const reply = await c.sendCommand(['SENTINEL', 'get-master-addr-by-name', 'mm']);
      await c.close();
      if (Array.isArray(reply) && reply.length === 2) return;
    } catch {
      /* not up yet */
    }
    await sleep(50);
  }
  throw new Error('sentinel did not start');
});
afterAll(async () => {
  sentinel?.kill('SIGKILL');
  await master?.stop();
  rmSync(dir, { recursive: true, force: true });
});

storeContract('redis sentinel', async ({ lockWaitMs }) => {
  const stores = createStores(
    { redis: { mode: 'sentinel', sentinels: [{ host: '127.0.0.1', port: sentinelPort }], masterName: 'mm' } },
    silentLogger,
    { lockWaitMs, prefix: uniquePrefix('sentinel') },
  );
  await stores.redis!.waitReady(10_000);
  return { ...stores, elapse: (ms) => sleep(ms), dispose: () => stores.health.close() };
});
