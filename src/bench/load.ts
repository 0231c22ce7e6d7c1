/**
 * `npm run bench:load`: many concurrent conversations against the real HTTP server (`mailmedic serve` child
 * processes, loopback only). Scenarios:
 *   memory    /api/chat, one process, memory store (the baseline)
 *   redis     /api/chat, one process, Redis at REDIS_URL (default redis://127.0.0.1:6379)
 *   replicas  /api/chat, two processes on the same Redis, requests alternating between them
 *   teams     /api/messages (Bot Framework Emulator mode), one process on Redis, replies to a local fake connector
 * Each reports turns/s, latency p50/p99 (ms), errors (non-2xx, network errors, turns the pipeline answered with an
 * apology per /metrics, lost turns: turns answered but not counted in the stored state) and the peak RSS of each
 * server process (MB, from /proc). Redis's cost is shown as the ratio of its throughput to the memory baseline.
 *
 * Per-turn cost: before `memory` and `redis`, the same load runs against the floor server (floor.ts: HTTP + JSON +
 * the store's lock/get/set/release, nothing else) on the same store, and mailmedic's throughput is printed as a
 * fraction of the floor's (target ≥ 0.30 with p99 ≤ 20 ms). Every server runs with BENCH_ENV (rate limits and the
 * incident detector off).
 *
 * Bounded in time and count: BENCH_SECONDS (default 60) per scenario after BENCH_WARMUP_SECONDS (default 3);
 * BENCH_CONCURRENCY clients (default 16 = requests in flight at once), each one person walking conversation after
 * conversation, so a run covers thousands of conversations; BENCH_SCENARIOS (comma list, default all). Flags:
 * --seconds=N, --concurrency=N, --scenarios=a,b, --json (one JSON object on stdout instead of the table). Servers run
 * with the Docker image's node flags (IMAGE_NODE_ARGS); BENCH_NODE_ARGS adds more (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof" to find the hot spots; a later --max-old-space-size wins).
 * Keys use a unique REDIS_KEY_PREFIX and are deleted afterwards; the process stops by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import { packageRoot } from '../data/load.js';
import { createKeys } from '../state/keys.js';
import { runFloorServer } from './floor.js';

const out = (s = '') => process.stdout.write(`${s}\n`);

function flag(name: string): string | undefined {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}
function intSetting(name: string, env: string, def: number, min: number, max: number): number {
  const raw = flag(name) ?? process.env[env];
  const n = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${env} / --${name}: expected an integer ${min}…${max}, got ${raw}`);
  return n;
}

const SCENARIOS = ['memory', 'redis', 'replicas', 'teams'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioResult {
  scenario: ScenarioName;
  /** mailmedic, or the floor server (floor.ts) on the same store. */
  side: 'mailmedic' | 'floor';
  endpoint: string;
  processes: number;
  store: 'memory' | 'redis';
  seconds: number;
  turns: number;
  /** Conversations started (each client walks one conversation at a time). */
  conversations: number;
  turnsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** Turns answered 200 but missing from the stored conversation state (Redis scenarios only). */
  lostTurns: number | null;
  /** Peak RSS of each server process, MB. */
  rssMb: number[];
  /**
   * Server CPU time per turn, ms (all server processes, user + system, measured window only; clock ticks of 10 ms).
   * Steadier than turns/s on a shared machine: it does not depend on how much CPU the neighbours leave.
   */
  cpuMsPerTurn: number;
}

/**
 * What one user says in one conversation: a symptom, two failed steps, a restart, another branch, then thanks
 * (no hand-off: tickets are not the load). Each client then starts a new conversation, so the run covers thousands
 * of conversations, as a help desk does, rather than a few very long ones.
 */
const SCRIPT = [
  'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる',
  'まだダメ',
  'まだダメです',
  '最初から',
  'サーバーに接続できません',
  'まだダメ',
  '直りました',
  'ありがとう',
];

// ─────────────────────────────── servers ───────────────────────────────

/** Server processes alive, so a hard stop can take them down too. */
const alive = new Set<ChildProcess>();

/**
 * What the bench turns off in every server: per-client rate limits and the incident detector would otherwise
 * refuse or divert a load that comes from one address at thousands of turns per second. 
 */
export const BENCH_ENV: Record<string, string> = {
  RATE_LIMIT_CLIENT_PER_MINUTE: '0',
  RATE_LIMIT_CONVERSATION_PER_MINUTE: '0',
  INCIDENT_THRESHOLD: '0',
};

/** NODE_OPTIONS of the Docker image (Dockerfile): a bounded old space keeps RSS in check under load. */
export const IMAGE_NODE_ARGS = ['--max-old-space-size=192'];

interface Spawned {
  proc: ChildProcess;
  port: number;
  peakRssKb: number;
  sampler: NodeJS.Timeout;
}

/** CPU time (user + system) a process used so far, ms, from /proc (0 where there is no /proc). */
function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** `mailmedic serve`, or with `floor` the floor server (floor.ts: HTTP + JSON + the store's lock/get/set only). */
async function startServer(env: Record<string, string>, floor = false): Promise<Spawned> {
  const root = packageRoot();
  // The servers run as the image runs them (its NODE_OPTIONS), plus BENCH_NODE_ARGS, e.g.
  // "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them.
  const nodeArgs = [...IMAGE_NODE_ARGS, ...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
  const args = floor ? [join(root, 'dist/bench/load.js'), '--floor'] : [join(root, 'dist/cli/main.js'), 'serve'];
  const proc = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'warn', ...BENCH_ENV, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  alive.add(proc);
  proc.once('exit', () => alive.delete(proc));
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 60 s\n${stderr}`)), 60_000);
    proc.once('exit', (code) => reject(new Error(`server exited (${code}) before listening\n${stderr}`)));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      // Keep only the tail: a long run must not grow this string without bound.
      stderr = (stderr + d).slice(-8_000);
      const m = /listening on http:\/\/localhost:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const s: Spawned = { proc, port, peakRssKb: 0 } as Spawned;
  s.sampler = setInterval(() => {
    s.peakRssKb = Math.max(s.peakRssKb, rssKb(proc.pid!));
  }, 250);
  return s;
}

async function stopServer(s: Spawned): Promise<number | null> {
  clearInterval(s.sampler);
  if (s.proc.exitCode !== null) return s.proc.exitCode;
  const exited = new Promise<number | null>((resolve) => s.proc.once('exit', (code) => resolve(code)));
  s.proc.kill('SIGTERM');
  return exited;
}

// ─────────────────────────────── HTTP client ───────────────────────────────

const agent = new Agent({ keepAlive: true, maxSockets: 1_024 });

function post(port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function metricSum(port: number, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  let sum = 0;
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

// ─────────────────────────────── fake Bot Connector ───────────────────────────────

/** Answers every reply the bot posts (v3/conversations/{id}/activities[/{replyToId}]) and counts the messages. */
async function startFakeConnector(): Promise<{ url: string; messages: () => number; close(): Promise<void> }> {
  let messages = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.startsWith('/v3/conversations/')) {
        try {
          const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string };
          if (activity.type === 'message') messages++;
        } catch {
          /* counted as not a message */
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: randomBytes(6).toString('hex') }));
        return;
      }
      res.writeHead(404).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages: () => messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function teamsActivity(serviceUrl: string, conversationId: string, text: string): string {
  return JSON.stringify({
    type: 'message',
    id: randomBytes(8).toString('hex'),
    timestamp: new Date().toISOString(),
    channelId: 'emulator',
    serviceUrl,
    from: { id: `user-${conversationId}`, name: 'Bench User', role: 'user' },
    conversation: { id: conversationId, conversationType: 'personal' },
    recipient: { id: 'bot', name: 'mailmedic', role: 'bot' },
    textFormat: 'plain',
    locale: 'ja-JP',
    text,
  });
}

// ─────────────────────────────── one scenario ───────────────────────────────

interface Settings {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  redisUrl: string;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function runScenario(name: ScenarioName, settings: Settings, floor = false): Promise<ScenarioResult> {
  const useRedis = name !== 'memory';
  const prefix = `mmbench:${process.pid}:${randomBytes(4).toString('hex')}`;
  const ticketDir = mkdtempSync(join(tmpdir(), 'mm-bench-'));
  const env: Record<string, string> = { TICKET_DIR: ticketDir, REDIS_KEY_PREFIX: prefix };
  if (useRedis) env.REDIS_URL = settings.redisUrl;
  const connector = name === 'teams' ? await startFakeConnector() : undefined;
  const count = name === 'replicas' ? 2 : 1;
  const servers = await Promise.all(Array.from({ length: count }, () => startServer(env, floor)));
  const endpoint = name === 'teams' ? '/api/messages' : '/api/chat';
  const runId = randomBytes(3).toString('hex');
  /** Conversation `k` of client `i`. */
  const conversationId = (i: number, k: number) => (name === 'teams' ? `bench-${runId}-${i}-${k}|livechat` : `bench-${runId}-${i}-${k}`);

  const latencies: number[] = [];
  let errors = 0;
  let turns = 0;
  /** Turns answered per conversation, warm-up included (compared with the stored turn counters). */
  const answered = new Map<string, number>();
  let measuring = false;
  let running = true;
  let request = 0;

  // One client = one person at a time: its conversation's turns are sequential, as a person's are.
  const worker = async (i: number) => {
    for (let n = 0; running; n++) {
      const server = servers[request++ % servers.length]!;
      const id = conversationId(i, Math.floor(n / SCRIPT.length));
      const text = SCRIPT[n % SCRIPT.length]!;
      const body = connector ? teamsActivity(connector.url, id, text) : JSON.stringify({ conversation: id, text });
      const t0 = performance.now();
      let ok = false;
      try {
        const res = await post(server.port, endpoint, body);
        ok = res.status >= 200 && res.status < 300 && (connector !== undefined || (JSON.parse(res.text) as { replies?: unknown[] }).replies!.length > 0);
      } catch {
        ok = false;
      }
      const ms = performance.now() - t0;
      if (ok) answered.set(id, (answered.get(id) ?? 0) + 1);
      if (!measuring) continue;
      if (ok) {
        turns++;
        latencies.push(ms);
      } else errors++;
    }
  };

  const turnErrors = (port: number) => (floor ? Promise.resolve(0) : metricSum(port, 'mailmedic_turn_errors_total'));
  const metricsBefore = await Promise.all(servers.map((s) => turnErrors(s.port)));
  const workers = Array.from({ length: settings.concurrency }, (_, i) => worker(i));
  await sleep(settings.warmupSeconds * 1_000);
  for (const s of servers) s.peakRssKb = 0;
  const cpuBefore = servers.reduce((a, s) => a + cpuMs(s.proc.pid!), 0);
  measuring = true;
  const t0 = performance.now();
  await sleep(settings.seconds * 1_000);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1_000;
  const cpuUsed = servers.reduce((a, s) => a + cpuMs(s.proc.pid!), 0) - cpuBefore;
  running = false;
  await Promise.all(workers);

  const metricsAfter = await Promise.all(servers.map((s) => turnErrors(s.port)));
  errors += metricsAfter.reduce((a, b, k) => a + b - metricsBefore[k]!, 0);

  // Lost turns: every answered turn must be in the stored state's turn counter (warm-up turns included on both sides).
  let lostTurns: number | null = null;
  const redis = useRedis ? createClient({ url: settings.redisUrl }) : undefined;
  if (redis) {
    redis.on('error', () => {});
    await redis.connect();
    const keys = createKeys(prefix);
    let stored = 0;
    const ids = [...answered.keys()];
    for (let k = 0; k < ids.length; k += 500) {
      const batch = ids.slice(k, k + 500);
      const raws = await Promise.all(batch.map((id) => redis.get(keys.state(name === 'teams' ? `teams:${id}` : id))));
      for (const raw of raws) if (raw) stored += (JSON.parse(raw) as { turn: number }).turn;
    }
    const ok = [...answered.values()].reduce((a, b) => a + b, 0);
    lostTurns = Math.max(0, ok - stored);
  }

  const rssMb = servers.map((s) => Math.round(s.peakRssKb / 1024));
  const codes = await Promise.all(servers.map(stopServer));
  for (const c of codes) if (c !== 0) errors++;
  if (connector) {
    // Every turn answered over HTTP must have posted at least one reply to the connector.
    const ok = [...answered.values()].reduce((a, b) => a + b, 0);
    if (connector.messages() < ok) errors += ok - connector.messages();
    await connector.close();
  }
  if (redis) {
    const doomed: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1_000 })) doomed.push(...batch);
    for await (const batch of redis.scanIterator({ MATCH: `{${prefix}:*`, COUNT: 1_000 })) doomed.push(...batch);
    for (let i = 0; i < doomed.length; i += 500) await redis.del(doomed.slice(i, i + 500));
    await redis.close();
  }
  rmSync(ticketDir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    scenario: name,
    side: floor ? 'floor' : 'mailmedic',
    endpoint,
    processes: count,
    store: useRedis ? 'redis' : 'memory',
    seconds: round(elapsed),
    turns,
    conversations: answered.size,
    turnsPerSecond: Math.round(turns / elapsed),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies.at(-1) ?? 0),
    errors,
    lostTurns,
    rssMb,
    cpuMsPerTurn: turns > 0 ? Math.round((cpuUsed / turns) * 1000) / 1000 : 0,
  };
}

// ─────────────────────────────── main ───────────────────────────────

async function main(): Promise<void> {
  const settings: Settings = {
    seconds: intSetting('seconds', 'BENCH_SECONDS', 60, 1, 600),
    warmupSeconds: intSetting('warmup', 'BENCH_WARMUP_SECONDS', 3, 0, 60),
    concurrency: intSetting('concurrency', 'BENCH_CONCURRENCY', 16, 1, 1_000),
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
  const wanted = (flag('scenarios') ?? process.env.BENCH_SCENARIOS ?? SCENARIOS.join(',')).split(',').map((s) => s.trim());
  for (const w of wanted) if (!(SCENARIOS as readonly string[]).includes(w)) throw new Error(`unknown scenario ${w} (known: ${SCENARIOS.join(', ')})`);
  const json = process.argv.includes('--json');
  // The floor (floor.ts) runs beside the one-process scenarios, on the same store, in the same run.
  const withFloor = (name: string) => name === 'memory' || name === 'redis';
  const runs = wanted.reduce((n, w) => n + (withFloor(w) ? 2 : 1), 0);
  // A hard stop whatever happens (a server that never answers, a hung connection): start-up and clean-up included.
  const budgetMs = runs * (settings.seconds + settings.warmupSeconds + 90) * 1_000;
  setTimeout(() => {
    process.stderr.write(`bench:load: still running after ${Math.round(budgetMs / 1000)} s; stopping\n`);
    for (const proc of alive) proc.kill('SIGKILL');
    process.exit(1);
  }, budgetMs).unref();

  if (!json) {
    out(`load: ${settings.concurrency} conversations at a time (each client walks one, then starts the next), ${settings.warmupSeconds} s warm-up + ${settings.seconds} s per scenario, Redis ${settings.redisUrl}`);
    out('');
    out('scenario   side       endpoint        procs  store   convs    turns/s   p50 ms   p99 ms   max ms   errors  lost   RSS MB  CPU ms/turn');
  }
  const results: ScenarioResult[] = [];
  for (const name of wanted as ScenarioName[]) {
    for (const floor of withFloor(name) ? [true, false] : [false]) {
      const r = await runScenario(name, settings, floor);
      results.push(r);
      if (json) continue;
      out(
        [
          r.scenario.padEnd(10),
          r.side.padEnd(10),
          r.endpoint.padEnd(15),
          String(r.processes).padStart(5),
          r.store.padStart(7),
          String(r.conversations).padStart(7),
          String(r.turnsPerSecond).padStart(9),
          r.p50Ms.toFixed(1).padStart(8),
          r.p99Ms.toFixed(1).padStart(8),
          r.maxMs.toFixed(1).padStart(8),
          String(r.errors).padStart(8),
          (r.lostTurns === null ? '-' : String(r.lostTurns)).padStart(5),
          r.rssMb.join('/').padStart(8),
          r.cpuMsPerTurn.toFixed(3).padStart(12),
        ].join(' '),
      );
    }
  }
  const find = (scenario: ScenarioName, side: ScenarioResult['side']) => results.find((r) => r.scenario === scenario && r.side === side);
  const ratioOf = (a?: ScenarioResult, b?: ScenarioResult) =>
    a && b && b.turnsPerSecond > 0 ? Math.round((a.turnsPerSecond / b.turnsPerSecond) * 100) / 100 : null;
  const memory = find('memory', 'mailmedic');
  const redis = find('redis', 'mailmedic');
  const ratio = ratioOf(redis, memory);
  /** mailmedic's throughput as a fraction of the floor's, per store. */
  const ofFloor = { memory: ratioOf(memory, find('memory', 'floor')), redis: ratioOf(redis, find('redis', 'floor')) };
  if (json) {
    out(JSON.stringify({ settings: { ...settings, redisUrl: undefined }, results, redisToMemoryThroughput: ratio, ofFloor }));
    return;
  }
  out('');
  for (const store of ['memory', 'redis'] as const) {
    const r = ofFloor[store];
    if (r !== null) out(`mailmedic / floor throughput (${store}, one process): ${r}   (target ≥ 0.30, mailmedic p99 ≤ 20 ms)`);
  }
  if (ratio !== null) out(`Redis / memory throughput (mailmedic, one process): ${ratio}`);
  if (redis) {
    const misses: string[] = [];
    if (redis.turnsPerSecond < 1_000) misses.push(`turns/s ${redis.turnsPerSecond} < 1000`);
    if (redis.p99Ms > 50) misses.push(`p99 ${redis.p99Ms} ms > 50`);
    if (redis.errors > 0 || (redis.lostTurns ?? 0) > 0) misses.push('errors or lost turns');
    out(`targets (/api/chat on Redis, one process: ≥ 1000 turns/s, p99 ≤ 50 ms, 0 errors): ${misses.length ? `missed — ${misses.join('; ')}` : 'met'}`);
  }
  const rss = Math.max(...results.filter((r) => r.side === 'mailmedic').flatMap((r) => r.rssMb));
  out(`peak RSS per process: ${rss} MB (target ≤ 400 MB)`);
}

// Run only as a program (`node dist/bench/load.js`), not when imported.
const asProgram = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (asProgram && process.argv.includes('--floor'))
  void runFloorServer().catch((e: unknown) => {
    process.stderr.write(`floor failed: ${e instanceof Error ? e.stack : String(e)}
`);
    process.exit(1);
  });
else if (asProgram) void main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:load failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    for (const proc of alive) proc.kill('SIGKILL');
    process.exit(1);
  },
);
