/**
 * A private, throw-away redis-server on loopback (no persistence: a restart loses everything, like a Redis
 * without AOF/RDB or a failover that dropped the last writes). Used by `bench:faults` and the tests that kill
 * and restart Redis; never touches the shared server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** SIGKILL: the data is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Kills it and removes its folder. */
  close(): Promise<void>;
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  const c = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 300 } });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.ping();
    return true;
  } catch {
    return false;
  } finally {
    try {
      await c.close();
    } catch {
      /* not open */
    }
  }
}

export async function startPrivateRedis(port?: number): Promise<PrivateRedis> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'mm-private-redis-'));
  const url = `redis://127.0.0.1:${p}`;
  let proc: ChildProcess | undefined;
  const self: PrivateRedis = {
    url,
    port: p,
    async start() {
      proc = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
        stdio: 'ignore',
      });
      for (let i = 0; i < 200; i++) {
        if (await answers(url)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server did not start on port ${p}`);
    },
    async kill() {
      const pr = proc;
      proc = undefined;
      if (!pr || pr.exitCode !== null) return;
      const exited = new Promise((r) => pr.once('exit', r));
      pr.kill('SIGKILL');
      await exited;
    },
    async close() {
      await self.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}
