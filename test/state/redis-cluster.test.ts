/** The store contract over a real Redis Cluster: three `redis-server --cluster-enabled yes` on free loopback ports. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { createStores } from '../../src/state/stores.js';
import { storeContract } from './contract.js';
import { freePort, uniquePrefix } from './helpers.js';

const procs: ChildProcess[] = [];
let ports: number[] = [];
let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mmcluster-'));
  ports = [await freePort(), await freePort(), await freePort()];
  for (const p of ports) {
    procs.push(spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `n${p}.conf`), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }));
  }
  await sleep(500);
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const info = execFileSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'info']).toString();
    if (info.includes('cluster_state:ok')) break;
    await sleep(100);
  }
});
afterAll(() => {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

storeContract('redis cluster', async ({ lockWaitMs }) => {
  const stores = createStores({ redis: { mode: 'cluster', nodes: ports.map((port) => ({ host: '127.0.0.1', port })) } }, silentLogger, { lockWaitMs, prefix: uniquePrefix('cluster') });
  await stores.redis!.waitReady(10_000);
  return { ...stores, elapse: (ms) => sleep(ms), dispose: () => stores.health.close() };
});
