/**
 * Who owns a recovery spool file (lose-35). Replicas sharing RECOVERY_SPOOL_DIR judged "is its owner gone?" by host
 * name and pid: a file of this host whose pid is not running, or whose pid is this process's own, was taken over at
 * once. Two containers may have the same host name (network_mode: host, a fixed `hostname:`) and both run as pid 1:
 * each would take the other's kept turns while it runs, and both would answer them (the person hears the answer twice,
 * or a turn is run by a replica that then stops and loses it). Now each file names its owner's pid space (the machine's
 * boot id and the pid namespace); only a file of the same space is judged by pid, every other one by its age.
 *
 * Real processes: two `node` children, each in its OWN pid namespace (`unshare --pid`, both pid 1), same host name, on
 * one spool folder, running the built spool (dist/channels/spool.js). Needs root for unshare; skipped otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpool } from '../../src/channels/spool.js';
import { createLogger } from '../../src/log.js';

const SPOOL_JS = fileURLToPath(new URL('../../dist/channels/spool.js', import.meta.url));
const LOG_JS = fileURLToPath(new URL('../../dist/log.js', import.meta.url));
const canUnshare =
  process.platform === 'linux' && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;
/** Longer than the test: every take-over here is decided by the owner's state, not by the file's age. */
const STALE_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A replica: keeps one turn (`keep <id>`) and runs until killed, or takes over what it may (`adopt`) and says which. */
const CHILD = `
import { createSpool } from ${JSON.stringify(SPOOL_JS)};
import { createLogger } from ${JSON.stringify(LOG_JS)};
const [mode, dir, staleMs, id] = process.argv.slice(2);
const spool = createSpool({ dir, channel: 'slack', logger: createLogger({ level: 'silent' }), staleMs: Number(staleMs) });
if (mode === 'keep') {
  await spool.keep({ id, turn: { conversationId: 'slack:T1:D1', channel: 'slack', userId: 'U1', text: 'メールが届かない' },
    where: { team: 'T1', channel: 'D1' }, locale: 'ja', later: 'k', keptAtMs: Date.now() });
  console.log(JSON.stringify({ pid: process.pid, kept: id }));
  if (process.argv[6] === 'close') {
    await spool.close();
    process.exit(0);
  }
  setInterval(() => undefined, 1 << 30);
} else {
  const taken = await spool.adopt();
  console.log(JSON.stringify({ pid: process.pid, taken: taken.map((t) => t.id) }));
  for (const t of taken) await spool.done(t.id);
  await spool.close();
  process.exit(0);
}
`;

let base: string;
let childJs: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'mm-lose35-'));
  childJs = join(base, 'replica.mjs');
  writeFileSync(childJs, CHILD);
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

/** Starts a replica (in a pid namespace of its own when `ns`) and resolves with its first line of output. */
function replica(ns: boolean, args: string[]): { child: ChildProcess; line: Promise<{ pid: number; kept?: string; taken?: string[] }> } {
  const cmd = ns ? 'unshare' : process.execPath;
  const argv = ns ? ['--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, childJs, ...args] : [childJs, ...args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const line = new Promise<{ pid: number; kept?: string; taken?: string[] }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`replica exited ${code} before answering: ${err}`)));
  });
  return { child, line };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

describe('replicas with the same host name and the same pid share a spool folder', () => {
  it.skipIf(!canUnshare)(
    "a running twin (same host name, pid 1 in its own container) does not take the other's kept turn; once that replica is killed its turn is taken over at once, once",
    async () => {
      const dir = join(base, 'twins');
      mkdirSync(dir);
      const a = replica(true, ['keep', dir, String(STALE_MS), 'turn-a']);
      const kept = await a.line;
      expect(kept).toEqual({ pid: 1, kept: 'turn-a' });
      const fileA = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
      expect(fileA).toHaveLength(1);

      // The twin starts while A runs (A's file is fresh): A's turn is A's.
      const b = replica(true, ['adopt', dir, String(STALE_MS)]);
      const early = await b.line;
      expect(early.pid).toBe(1);
      expect(early.taken).toEqual([]);
      expect(existsSync(join(dir, fileA[0]!))).toBe(true);

      // A is gone (killed: no close, its file stays, fresh): a replica of this machine sees it gone (its socket refuses)
      // and takes the turn at once — one replica, once — without waiting for staleMs (a container that restarted).
      a.child.kill('SIGKILL');
      await exited(a.child);
      const [c, d] = [replica(true, ['adopt', dir, String(STALE_MS)]), replica(true, ['adopt', dir, String(STALE_MS)])];
      const late = [await c.line, await d.line];
      expect(late.flatMap((l) => l.taken)).toEqual(['turn-a']);
      // (They print before they settle the turn and close: wait for both to exit.)
      await Promise.all([exited(c.child), exited(d.child)]);
      expect(readdirSync(dir)).toEqual([]);
    },
    30_000,
  );

  it.skipIf(!canUnshare)('a replica that stopped cleanly with a turn kept (a container restart) leaves it to the next, at once', async () => {
    const dir = join(base, 'restart');
    mkdirSync(dir);
    const a = replica(true, ['keep', dir, String(STALE_MS), 'turn-r', 'close']);
    expect((await a.line).kept).toBe('turn-r');
    await exited(a.child);
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl'))).toHaveLength(1);
    const b = replica(true, ['adopt', dir, String(STALE_MS)]);
    expect((await b.line).taken).toEqual(['turn-r']);
    await exited(b.child);
    expect(readdirSync(dir)).toEqual([]);
  }, 30_000);

  it('a replica of this machine and pid space that crashed is still taken over at once (no wait for staleMs)', async () => {
    const dir = join(base, 'crash');
    mkdirSync(dir);
    const a = replica(false, ['keep', dir, '60000', 'turn-c']);
    expect((await a.line).kept).toBe('turn-c');
    a.child.kill('SIGKILL');
    await exited(a.child);
    const spool = createSpool({ dir, channel: 'slack', logger: createLogger({ level: 'silent' }), staleMs: 60_000 });
    try {
      const taken = await spool.adopt();
      expect(taken.map((t) => t.id)).toEqual(['turn-c']);
      expect(taken[0]!.turn.text).toBe('メールが届かない');
      for (const t of taken) await spool.done(t.id);
    } finally {
      await spool.close();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a file written before owners named their pid space (an upgrade) is judged by its age: kept while fresh, taken once stale', async () => {
    const dir = join(base, 'legacy');
    const { utimesSync } = await import('node:fs');
    mkdirSync(dir);
    const { hostname } = await import('node:os');
    const host = hostname().replace(/[^A-Za-z0-9_-]/g, '_') || 'host';
    // What a twin container with this host name and this process's pid wrote with the earlier version.
    const name = `slack.${host}.${process.pid}.0123456789ab.jsonl`;
    const line = {
      op: 'keep',
      id: 'turn-l',
      turn: { conversationId: 'slack:T1:D2', channel: 'slack', userId: 'U2', text: 'メールが届かない' },
      where: { team: 'T1', channel: 'D2' },
      locale: 'ja',
      later: 'k',
      keptAtMs: Date.now(),
    };
    writeFileSync(join(dir, name), `${JSON.stringify(line)}\n`);
    const spool = createSpool({ dir, channel: 'slack', logger: createLogger({ level: 'silent' }), staleMs: 60_000 });
    try {
      expect((await spool.adopt()).map((t) => t.id)).toEqual([]);
      const old = new Date(Date.now() - 120_000);
      utimesSync(join(dir, name), old, old);
      const taken = await spool.adopt();
      expect(taken.map((t) => t.id)).toEqual(['turn-l']);
      for (const t of taken) await spool.done(t.id);
    } finally {
      await spool.close();
    }
  });
});
