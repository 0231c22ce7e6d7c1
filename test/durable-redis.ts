/**
 * A private redis-server on its own port (never the shared 127.0.0.1:6379) that a test can stop, start and wipe while
 * the app runs (lose-32, shared since lose-33): an append-only file with fsync always, so a clean stop and start
 * keeps the data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';

/** A private redis-server with an append-only file (fsync always), so a clean stop and start keeps the data. */
export class DurableRedis {
  private proc: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir],
      { stdio: 'ignore' },
    );
    const { createClient } = await import('redis');
    for (let i = 0; i < 200; i++) {
      const c = createClient({ url: this.url, socket: { reconnectStrategy: false, connectTimeout: 300 } });
      c.on('error', () => {});
      try {
        await c.connect();
        await c.ping();
        await c.close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error('private redis-server did not start');
  }
  /** SIGTERM: Redis flushes and exits (a planned restart); SIGKILL would lose nothing here either (fsync always). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  }
  /** Killed and its files removed: the data is gone, as after a restart without persistence. */
  async wipe(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
