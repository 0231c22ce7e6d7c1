/**
 * Vitest global setup of the integration project: makes sure a Redis answers at the address the tests use.
 *
 * - REDIS_URL (default redis://127.0.0.1:6379) answers PING → the tests use it (unique key prefixes, never FLUSH).
 * - Nothing answers → a private `redis-server` is started for the run (loopback, no persistence; on the port of
 *   REDIS_URL when it is set, else on a free port) and stopped at the end.
 * - Neither → the run stops at once with one line naming what to install.
 *
 * The address reaches the test workers (and the processes they spawn) as REDIS_URL in their environment: vitest
 * forks its workers after global setup, from this process's environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';

/** The address the tests use when REDIS_URL is not set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** 'pong' when a Redis answers PING at `url`; 'none' when nothing listens; otherwise the server's refusal. */
export async function ping(url: string): Promise<'pong' | 'none' | { refused: string }> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Anything that is not "no one is there" (a password Redis refused, say) must not be papered over.
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EADDRNOTAVAIL' || (e as Error).name === 'ConnectionTimeoutError') return 'none';
    return { refused: (e as Error).message };
  }
  try {
    return (await client.ping()) === 'PONG' ? 'pong' : { refused: 'PING did not answer PONG' };
  } catch (e) {
    return { refused: (e as Error).message };
  } finally {
    client.destroy();
  }
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no free port'))));
    });
  });
}

/** Ends the run with one line (no stack trace: the line is the whole message). */
function stop(line: string): never {
  process.stderr.write(`\n${line}\n\n`);
  process.exit(1);
}

/** A private redis-server on 127.0.0.1:`port` that keeps nothing on disk; resolves once it answers. */
async function startPrivate(port: number, password: string): Promise<{ proc: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mm-test-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (password) args.push('--requirepass', password);
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  proc.stdout!.on('data', (b: Buffer) => (said = (said + b.toString()).slice(-2_000)));
  proc.stderr!.on('data', (b: Buffer) => (said = (said + b.toString()).slice(-2_000)));
  const url = `redis://${password ? `:${encodeURIComponent(password)}@` : ''}127.0.0.1:${port}`;
  for (let i = 0; i < 200 && proc.exitCode === null; i++) {
    if ((await ping(url)) === 'pong') return { proc, dir };
    await sleep(50);
  }
  proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  const last = said.trim().split('\n').at(-1) ?? '';
  stop(`redis-server did not start on 127.0.0.1:${port}${last ? `: ${last}` : ''}`);
}

export default async function setup(): Promise<() => Promise<void>> {
  const given = process.env.REDIS_URL;
  const url = given || DEFAULT_REDIS_URL;
  const answer = await ping(url);
  if (answer === 'pong') {
    process.env.REDIS_URL = url;
    return async () => {};
  }
  if (answer !== 'none') stop(`Redis at ${url} refused the tests: ${answer.refused}`);

  const parsed = new URL(url);
  if (!LOOPBACK.has(parsed.hostname)) stop(`No Redis answers at REDIS_URL=${url} (not a loopback address, so no private redis-server is started for it)`);
  if (!onPath('redis-server')) stop(`No Redis answers at ${url} and redis-server is not installed: apt-get install redis-server (or set REDIS_URL to a running Redis)`);

  // A REDIS_URL that was given keeps its port (and database, user, password); otherwise any free port will do.
  const port = given ? Number(parsed.port || 6379) : await freePort();
  const password = decodeURIComponent(parsed.password);
  const { proc, dir } = await startPrivate(port, password);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  process.env.REDIS_URL = parsed.toString();
  process.stdout.write(`private redis-server for this run at redis://127.0.0.1:${port}\n`);

  return async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
