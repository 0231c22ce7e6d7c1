/**
 * The durable copy of the turns a channel keeps for a later answer (recover.ts, lose-34). The kept turns live in the
 * replica's memory; a replica that stops, restarts or crashes used to forget them (Slack and Teams never redeliver an
 * acked message, so the person waited for an answer that never came). Each kept turn is now also written to a spool on
 * disk — NOT in Redis, which is what is down when turns are kept:
 *
 * - one append-only file per replica and channel, `<dir>/<channel>.<host>.<pid>.<machine>-<ns>.<nonce>.jsonl`, one JSON line per
 *   event: `{"op":"keep",…}` (the turn, redacted, and where its answer goes) and `{"op":"done","id":…}`;
 * - the turn's text is masked before it is written, as the pipeline reads it in the worst case (`spoolText`): no
 *   password on disk;
 * - the owner touches its file every `heartbeatMs` while it keeps turns; the file is removed when nothing is kept, and
 *   left for the next start when the replica stops with turns kept;
 * - a replica picks up, at start and every minute (recover.ts `scanMs`), the files of the same channel that nobody runs any more: one of
 *   a process of the same pid space (`space`: this machine's boot and this pid namespace) whose pid is gone (a crash, or
 *   an app of this process that stopped); one of another container of this machine whose socket in the folder refuses a
 *   connection (`.<channel>.<nonce>.sock`: its process is gone — a container that restarted); one left by a replica that
 *   stopped cleanly (its age is set to 0 on close); or any file not touched for `staleMs` (a replica gone for good, when
 *   the directory is shared between machines). The host name is in the file name for people only: two containers may have
 *   the same host name and the same pid (1), and a pid says whether a process runs only inside its own pid namespace (lose-35). It takes one by renaming it (`….claimed-<nonce>-<ms>`): rename is atomic,
 *   so two replicas never both run the same turns. Its open turns are written to the taker's own file first, then the
 *   claimed file is removed;
 * - a line that does not parse (truncated by a crash, corrupted) is skipped with a log line naming the file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { open, readdir, readFile, rename, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CodedError, ErrorCode, type Locale, type Logger, type Turn } from '../core/index.js';
import { redact, REDACTION_MARK, valueAlone } from '../core/redact.js';
import { recoverySpoolErrorsTotal } from '../http/metrics.js';

/** One kept turn as spooled: enough to run it again and post its answer where the person wrote. */
export interface SpooledTurn {
  /** Unique per kept turn (the done line names it). */
  id: string;
  /** The turn, its text and file names masked. */
  turn: Turn;
  /** Where the answer goes, the channel's own (Slack: team, channel, thread; Teams: the conversation reference). */
  where: unknown;
  locale: Locale;
  later: string;
  keptAtMs: number;
}

export interface Spool {
  /** Writes a kept turn (masked) before the person is told the answer will follow. Never throws (logged, counted). */
  keep(entry: SpooledTurn): Promise<void>;
  /** The kept turn is settled (answered or given up). Never throws. */
  done(id: string): Promise<void>;
  /** The turns of files nobody runs any more, taken over by this replica (oldest first). */
  adopt(): Promise<SpooledTurn[]>;
  /** Stops the heartbeat; the file stays when turns are still kept in it, and is removed otherwise. */
  close(): Promise<void>;
  /** This replica's file. */
  readonly file: string;
}

export interface SpoolOptions {
  dir: string;
  channel: string;
  logger: Logger;
  /** A file untouched for this long belongs to a replica that is gone, ms. Default 60,000. */
  staleMs?: number;
  /** How often the owner touches its file, ms. Default staleMs / 4. */
  heartbeatMs?: number;
}

/** Spool files of processes alive in this process (tests start several apps in one process), by nonce. */
const liveNonces = new Set<string>();

/** The host part of a file name: no dots (they separate the name's parts). */
const HOST = hostname().replace(/[^A-Za-z0-9_-]/g, '_') || 'host';

/**
 * Where this process's pid means something: the machine's boot (the kernel's boot id) and the pid namespace (a container
 * has its own). Two processes of the same space with the same pid are the same process, and `process.kill(pid, 0)`
 * answers for the other pids of the space. Without /proc (not Linux) a random id: only this process's own files are
 * judged by pid, every other file by its age.
 */
const hash12 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);
const [MACHINE, PID_NS] = (() => {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const ns = readlinkSync('/proc/self/ns/pid');
    if (boot && ns) return [hash12(boot), hash12(`${boot}\n${ns}`)];
  } catch {
    // not Linux, or /proc not mounted
  }
  return [randomBytes(6).toString('hex'), randomBytes(6).toString('hex')];
})();
/** `<machine>-<pid namespace>`, as in the file name. */
export const PID_SPACE = `${MACHINE}-${PID_NS}`;

/**
 * Is the owner of a file of THIS machine but another pid space (another container: the pid says nothing here) still
 * running? Each spool listens on a unix socket in the folder while it runs (`.<channel>.<nonce>.sock`); the kernel
 * refuses a connection to the socket of a process that is gone (its file stays). `gone` only on that refusal; no socket
 * (never made, another kind of folder) or anything else is `unknown`: the file is then judged by its age.
 */
function ownerOf(sock: string): Promise<'alive' | 'gone' | 'unknown'> {
  if (Buffer.byteLength(sock) >= 100) return Promise.resolve('unknown');
  return new Promise((resolve) => {
    const c = connect(sock);
    const done = (v: 'alive' | 'gone' | 'unknown') => {
      clearTimeout(timer);
      c.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('unknown'), 1_000);
    c.once('connect', () => done('alive'));
    c.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'gone' : 'unknown'));
  });
}
const sockOf = (dir: string, channel: string, nonce: string) => join(dir, `.${channel}.${nonce}.sock`);

/**
 * The text as it may be written to disk: masked as the pipeline reads it in the worst case — the conversation may be
 * about a password change (`passwordTopic`) and a value sent alone may answer 「パスワードは」 (`valueAlone`); the
 * conversation's state, which says, is in Redis, which is down.
 */
export function spoolText(text: string, locale: Locale | undefined): string {
  const mark = REDACTION_MARK[locale ?? (/[\u3040-\u30ff\u3400-\u9fff]/.test(text) ? 'ja' : 'en')];
  if (valueAlone(text)) return mark;
  return redact(text, { passwordTopic: true, ...(locale ? { locale } : {}) }).text;
}

/** The turn as it may be written to disk. */
function maskTurn(turn: Turn): Turn {
  const out: Turn = { ...turn };
  if (typeof out.text === 'string') out.text = spoolText(out.text, out.locale);
  if (out.files) out.files = out.files.map((f) => (f.name ? { ...f, name: redact(f.name).text } : f));
  return out;
}

interface FileName {
  channel: string;
  host: string;
  pid: number;
  /** The owner's pid space, `<machine>-<pid namespace>`; none in a file written before lose-35 (judged by its age only). */
  space?: string;
  machine?: string;
  nonce: string;
  /** A file being taken over: who took it and when (ms). */
  claim?: { nonce: string; atMs: number };
}

/** `<channel>.<host>.<pid>[.<machine>-<ns>].<nonce>.jsonl[.claimed-<nonce>-<ms>]` (no space: a file of an earlier version). */
const NAME = /^([a-z]+)\.([A-Za-z0-9_-]+)\.(\d+)\.(?:(([a-f0-9]{12})-[a-f0-9]{12})\.)?([a-f0-9]+)\.jsonl(?:\.claimed-([a-f0-9]+)-(\d+))?$/;

function parseName(name: string): FileName | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const n: FileName = { channel: m[1]!, host: m[2]!, pid: Number(m[3]), nonce: m[6]! };
  if (m[4] !== undefined) [n.space, n.machine] = [m[4], m[5]!];
  if (m[7] !== undefined) n.claim = { nonce: m[7], atMs: Number(m[8]) };
  return n;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Checks the directory at start (created when missing, writable): a bad RECOVERY_SPOOL_DIR stops start-up naming it,
 * as TICKET_DIR does.
 */
export function checkSpoolDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (e) {
    throw new CodedError(ErrorCode.ConfigInvalid, `RECOVERY_SPOOL_DIR: cannot write to ${dir}`, { cause: e });
  }
}

export function createSpool(options: SpoolOptions): Spool {
  const { dir, channel } = options;
  const log = options.logger.child({ component: 'spool', channel });
  const staleMs = options.staleMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1_000, Math.floor(staleMs / 4));
  const nonce = randomBytes(6).toString('hex');
  liveNonces.add(nonce);
  const file = join(dir, `${channel}.${HOST}.${process.pid}.${PID_SPACE}.${nonce}.jsonl`);
  /** Open turns in this replica's file. */
  const open_ = new Set<string>();
  let handle: FileHandle | undefined;
  let closed = false;
  /** File operations, one at a time. */
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  };
  const failed = (op: string, e: unknown) => {
    recoverySpoolErrorsTotal.inc({ channel, op });
    log.error({ file, op, err: e instanceof Error ? e.message : String(e) }, 'recovery spool write failed: the kept turn lives in memory only');
  };

  async function append(line: object): Promise<void> {
    handle ??= await open(file, 'a', 0o600);
    await handle.write(`${JSON.stringify(line)}\n`);
    // On disk before the person is told the answer will follow: a crash (of the process, or the machine) keeps it.
    await handle.datasync();
  }

  // Says "running" to the replicas of this machine in other pid spaces (ownerOf). Without it they wait for staleMs.
  // (A socket path longer than the system's limit, ~107 bytes, would be cut short: no socket then.)
  const sock = sockOf(dir, channel, nonce);
  let listener: Server | undefined = Buffer.byteLength(sock) < 100 ? createServer((c) => c.destroy()) : undefined;
  if (listener) {
    listener.on('error', (e) => {
      log.debug({ sock, err: e.message }, 'spool socket not made: other containers of this machine judge this file by its age');
      listener = undefined;
    });
    listener.listen(sock);
    listener.unref();
  } else log.debug({ sock }, 'spool socket path too long: other containers of this machine judge this file by its age');

  const heartbeat = setInterval(() => {
    if (open_.size === 0) return;
    const t = new Date();
    void utimes(file, t, t).catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();

  /** Whether a file (of this channel) is one nobody runs any more. */
  async function abandoned(name: string, path: string): Promise<boolean> {
    const n = parseName(name);
    if (!n || n.channel !== channel || n.nonce === nonce) return false;
    // Being taken over: by a replica that stopped half-way only (the claim is old, and not one of this process's).
    if (n.claim) return !liveNonces.has(n.claim.nonce) && Date.now() - n.claim.atMs > staleMs;
    // A pid says whether its process runs only in its own pid space: not the host name, which two containers may share
    // (both pid 1, each would take the other's turns while it runs).
    if (n.space === PID_SPACE) {
      if (n.pid !== process.pid) {
        if (!processAlive(n.pid)) return true;
      } else if (!liveNonces.has(n.nonce)) {
        // This process, a spool that is closed (an app of this process that stopped); or an earlier process of this
        // space that had the same pid, gone.
        return true;
      }
    } else if (n.machine === MACHINE && n.space !== undefined) {
      // Another container of this machine (a restart of this one, or a twin): its socket says whether it runs.
      if ((await ownerOf(sockOf(dir, channel, n.nonce))) === 'gone') return true;
    }
    const s = await stat(path).catch(() => undefined);
    return s !== undefined && Date.now() - s.mtimeMs > staleMs;
  }

  /** Reads a claimed file: its open turns, the bad lines logged and skipped. */
  async function readOpen(path: string): Promise<SpooledTurn[]> {
    const text = await readFile(path, 'utf8');
    const kept = new Map<string, SpooledTurn>();
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        v = undefined;
      }
      const o = v as { op?: unknown; id?: unknown; turn?: { conversationId?: unknown; channel?: unknown } } | undefined;
      if (o?.op === 'done' && typeof o.id === 'string') {
        kept.delete(o.id);
        return;
      }
      if (o?.op === 'keep' && typeof o.id === 'string' && typeof o.turn?.conversationId === 'string' && o.turn.channel === channel) {
        const { op: _op, ...entry } = o as unknown as SpooledTurn & { op: string };
        kept.set(entry.id, entry);
        return;
      }
      recoverySpoolErrorsTotal.inc({ channel, op: 'corrupt' });
      log.warn({ file: path, line: i + 1 }, 'recovery spool line skipped: not a kept turn (truncated or corrupt)');
    });
    return [...kept.values()];
  }

  return {
    file,
    keep(entry) {
      const masked = { op: 'keep', ...entry, turn: maskTurn(entry.turn) };
      open_.add(entry.id);
      return serial(() => append(masked)).catch((e: unknown) => failed('write', e));
    },
    done(id) {
      if (!open_.delete(id)) return Promise.resolve();
      return serial(async () => {
        if (open_.size === 0) {
          // Nothing kept: the file goes (it never grows during calm hours); the next kept turn starts a new one.
          await handle?.close();
          handle = undefined;
          await unlink(file).catch(() => undefined);
          return;
        }
        await append({ op: 'done', id });
        // A turn answered while the replica shuts down: marked, and the file closed again.
        if (closed) {
          await handle?.close();
          handle = undefined;
          await utimes(file, new Date(0), new Date(0)).catch(() => undefined);
        }
      }).catch((e: unknown) => failed('write', e));
    },
    async adopt() {
      const names = await readdir(dir).catch((e: unknown) => {
        failed('read', e);
        return [] as string[];
      });
      const taken: SpooledTurn[] = [];
      for (const name of names) {
        const path = join(dir, name);
        if (!(await abandoned(name, path))) continue;
        const claimed = `${path.replace(/\.claimed-[a-f0-9]+-\d+$/, '')}.claimed-${nonce}-${Date.now()}`;
        try {
          await rename(path, claimed);
        } catch {
          // Another replica took it first.
          continue;
        }
        let turns: SpooledTurn[];
        try {
          turns = await readOpen(claimed);
        } catch (e) {
          failed('read', e);
          continue;
        }
        // Ours now: in our own file before the claimed one goes, so a crash in between loses nothing.
        for (const t of turns) await this.keep(t);
        await unlink(claimed).catch(() => undefined);
        const n = parseName(name);
        if (n) await unlink(sockOf(dir, channel, n.nonce)).catch(() => undefined);
        if (turns.length > 0) log.info({ file: name, turns: turns.length }, 'kept turns taken over from a replica that stopped');
        taken.push(...turns);
      }
      return taken.sort((a, b) => a.keptAtMs - b.keptAtMs);
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      liveNonces.delete(nonce);
      if (listener) {
        const l = listener;
        listener = undefined;
        await new Promise<void>((r) => l.close(() => r()));
        await unlink(sock).catch(() => undefined);
      }
      await serial(async () => {
        await handle?.close();
        handle = undefined;
        if (open_.size === 0) await unlink(file).catch(() => undefined);
        // Left with turns: nobody runs it any more, so it is stale at once — any replica may take it (the file's age
        // is what replicas of other pid spaces and machines go by).
        else await utimes(file, new Date(0), new Date(0)).catch(() => undefined);
      }).catch(() => undefined);
    },
  };
}
