/**
 * Real-Redis test helpers: a unique key prefix per run (others share the server — never FLUSHDB), clean-up by
 * SCAN of that prefix, a private redis-server for outage tests, and a TypeScript → JS compile of src/ for
 * child processes (Node 20 cannot run .ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { createClient } from 'redis';
import { deleteKeys, REDIS_URL } from '../redis.js';

export { REDIS_URL, rawClient, uniquePrefix } from '../redis.js';
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Deletes every key under `prefix:` on the shared server. */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<void> {
  await deleteKeys(`${prefix}:*`, url);
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

/** A private, throw-away redis-server (no persistence) that a test may kill and restart. */
export class PrivateRedis {
  readonly port: number;
  #proc?: ChildProcess;
  constructor(port: number) {
    this.port = port;
  }
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.#proc = proc;
    for (let i = 0; i < 100; i++) {
      try {
        const c = createClient({ url: this.url, socket: { reconnectStrategy: false } });
        c.on('error', () => {});
        await c.connect();
        await c.close();
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error(`redis-server on ${this.port} did not start`);
  }
  async stop(): Promise<void> {
    const proc = this.#proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
    this.#proc = undefined;
  }
}

/**
 * A private master plus one sentinel watching it (as `masterName`), on free loopback ports, for the Sentinel tests.
 * Resolves once the sentinel reports the master's address.
 */
export class PrivateSentinel {
  readonly masterName: string;
  master!: PrivateRedis;
  port = 0;
  #proc?: ChildProcess;
  #dir = '';
  constructor(masterName: string) {
    this.masterName = masterName;
  }
  async start(): Promise<void> {
    this.master = new PrivateRedis(await freePort());
    await this.master.start();
    this.port = await freePort();
    this.#dir = mkdtempSync(join(tmpdir(), 'mm-sentinel-'));
    const conf = join(this.#dir, 'sentinel.conf');
    writeFileSync(conf, [`port ${this.port}`, 'bind 127.0.0.1', `dir ${this.#dir}`, `sentinel monitor ${this.masterName} 127.0.0.1 ${this.master.port} 1`, ''].join('\n'));
    this.#proc = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        const c = createClient({ socket: { host: '127.0.0.1', port: this.port, reconnectStrategy: false } });
        c.on('error', () => {});
        await c.connect();
        const reply = await c.sendCommand(['SENTINEL', 'get-master-addr-by-name', this.masterName]);
        await c.close();
        if (Array.isArray(reply) && reply.length === 2) return;
      } catch {
        /* not up yet */
      }
      await sleep(50);
    }
    throw new Error('sentinel did not start');
  }
  async stop(): Promise<void> {
    this.#proc?.kill('SIGKILL');
    await this.master?.stop();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * A private three-master Redis Cluster (`redis-server --cluster-enabled yes` on free loopback ports, joined with
 * `redis-cli --cluster create`). Resolves once `cluster_state:ok`.
 */
export class PrivateCluster {
  ports: number[] = [];
  #procs: ChildProcess[] = [];
  #dir = '';
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }
  async start(): Promise<void> {
    this.#dir = mkdtempSync(join(tmpdir(), 'mm-cluster-'));
    this.ports = [await freePort(), await freePort(), await freePort()];
    for (const p of this.ports) {
      const args = ['--port', String(p), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(this.#dir, `n${p}.conf`)];
      this.#procs.push(spawn('redis-server', [...args, '--save', '', '--appendonly', 'no', '--dir', this.#dir], { stdio: 'ignore' }));
    }
    for (const p of this.ports) {
      for (let i = 0; i < 100; i++) {
        try {
          const c = createClient({ socket: { host: '127.0.0.1', port: p, reconnectStrategy: false } });
          c.on('error', () => {});
          await c.connect();
          await c.close();
          break;
        } catch {
          await sleep(50);
        }
      }
    }
    execFileSync('redis-cli', ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
    for (let i = 0; i < 200; i++) {
      if (execFileSync('redis-cli', ['-p', String(this.ports[0]), 'cluster', 'info']).toString().includes('cluster_state:ok')) return;
      await sleep(100);
    }
    throw new Error('cluster did not reach cluster_state:ok');
  }
  stop(): void {
    for (const p of this.#procs) p.kill('SIGKILL');
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * Transpiles src/**.ts into `<root>/node_modules/.cache/mailmedic-test/<id>/src` (inside the package so that
 * `redis` etc. resolve from the project's node_modules) and returns that folder. Type-checking is tsc's job.
 */
export function compileSrc(): { dir: string; dispose(): void } {
  const base = join(ROOT, 'node_modules', '.cache', 'mailmedic-test', `${process.pid}-${randomBytes(3).toString('hex')}`);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return walk(p);
      return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
    });
  // Only the parts a child needs: compiling everyone's half-written files would only add noise.
  for (const part of ['core', 'state', 'config']) {
    for (const file of walk(join(ROOT, 'src', part))) {
      const out = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: file,
      });
      const target = join(base, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, out.outputText);
    }
  }
  writeFileSync(join(base, 'package.json'), '{"type":"module"}');
  return { dir: base, dispose: () => rmSync(base, { recursive: true, force: true }) };
}
