/**
 * `npm run bench:faults`: a reliability benchmark on loopback only, bounded in time and size. It starts a private
 * redis-server (no persistence) and `mailmedic serve` on it (file sink), drives concurrent web conversations that
 * each type a password-like sentence and escalate to a person, and meanwhile kills and restarts Redis (its data
 * lost) and restarts the server (SIGTERM, then a new process). Clients retry a failed turn with the same eventId.
 * Prints: turns, failed attempts, duplicate replies, conversations escalated, tickets lost / merged, reused
 * numbers, and secrets found in every store (Redis keys, ticket files, server logs, the admin export, the page's
 * storage = the `echo` the page keeps).
 *
 *   npm run bench:faults [-- --conversations 48 --concurrency 8]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { startPrivateRedis } from './redis-proc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name: string, def: number, max: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name}: an integer 1…${max}`);
  return n;
};
const CONVERSATIONS = arg('conversations', 48, 500);
const CONCURRENCY = arg('concurrency', 8, 64);
const ADMIN_TOKEN = randomBytes(16).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  proc: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

let logs = '';
async function startServer(env: Record<string, string>): Promise<Server> {
  const proc = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => proc.on('close', (c) => r(c)));
  const url = await new Promise<string>((resolve, reject) => {
    let mine = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${mine.slice(-2000)}`)), 60_000);
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      logs += d;
      mine += d;
      const m = /listening on (http:\/\/\S+)/.exec(mine);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    });
  });
  return { proc, url, exited };
}

interface Stats {
  turns: number;
  failedAttempts: number;
  gaveUp: number;
  duplicateReplies: number;
  echoes: string[];
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const ticketDir = mkdtempSync(join(tmpdir(), 'mm-faults-tickets-'));
  const env = {
    REDIS_URL: redis.url,
    TICKET_DIR: ticketDir,
    ADMIN_TOKEN,
    RATE_LIMIT_CONVERSATION_PER_MINUTE: '0',
    RATE_LIMIT_CLIENT_PER_MINUTE: '0',
    SHUTDOWN_GRACE_SECONDS: '1',
    DEFAULT_LOCALE: 'en',
  };
  let server = await startServer(env);
  const stats: Stats = { turns: 0, failedAttempts: 0, gaveUp: 0, duplicateReplies: 0, echoes: [] };
  const secrets: string[] = [];
  const told = new Map<string, string>(); // conversation → ticket id told
  const started = Date.now();

  /** One turn with retries (same eventId): returns the JSON body, or undefined when it never succeeded. */
  async function turn(conversation: string, text: string): Promise<Record<string, unknown> | undefined> {
    stats.turns++;
    const eventId = `ev-${randomBytes(6).toString('hex')}`;
    let answered = 0;
    let result: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        const res = await fetch(`${server.url}/api/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ conversation, text, eventId, locale: 'en' }),
          signal: AbortSignal.timeout(20_000),
        });
        const body = (await res.json()) as Record<string, unknown>;
        if (typeof body.echo === 'string') stats.echoes.push(body.echo);
        if (res.status === 200 && !body.error && !body.duplicate) {
          answered++;
          result = body;
          break;
        }
        if (body.duplicate && result === undefined) {
          // Processed earlier but the answer was lost with the failure: the state moved on; carry on.
          result = body;
          break;
        }
      } catch {
        // connection refused / reset while the server restarts
      }
      stats.failedAttempts++;
      await sleep(250);
    }
    if (answered > 1) stats.duplicateReplies += answered - 1;
    if (!result) stats.gaveUp++;
    return result;
  }

  async function conversation(i: number): Promise<void> {
    const conv = `web-faults-${i}-${randomBytes(4).toString('hex')}`;
    const secret = `Qz${i}k!mP${randomBytes(2).toString('hex')}x`;
    secrets.push(secret);
    const script = [
      `I can't send mail from my iPhone. I changed my password to ${secret}`,
      'talk to a person',
      'iPhone 14, iOS 17.5, Gmail, since yesterday, sometimes',
      "I don't know",
      "I don't know",
    ];
    for (const text of script) {
      const body = await turn(conv, text);
      const ticket = body?.ticket as { id?: string } | undefined;
      if (ticket?.id) told.set(conv, ticket.id);
      if (body?.status === 'escalated') break;
    }
  }

  // Faults on a schedule of finished conversations: Redis killed at 1/3, the server restarted at 2/3.
  let done = 0;
  const faults: Array<{ at: number; run: () => Promise<void>; name: string }> = [
    {
      at: Math.floor(CONVERSATIONS / 3),
      name: 'redis killed (data lost) and restarted',
      run: async () => {
        await redis.kill();
        await sleep(500);
        await redis.start();
      },
    },
    {
      at: Math.floor((2 * CONVERSATIONS) / 3),
      name: 'server restarted (SIGTERM, new process)',
      run: async () => {
        const old = server;
        old.proc.kill('SIGTERM');
        await old.exited;
        server = await startServer(env);
      },
    },
  ];
  const faultRuns: Promise<void>[] = [];
  let next = 0;
  const queue = Array.from({ length: CONVERSATIONS }, (_, i) => i);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        await conversation(i);
        done++;
        while (next < faults.length && done >= faults[next]!.at) {
          const f = faults[next++]!;
          process.stderr.write(`bench:faults: ${f.name} after ${done} conversations\n`);
          faultRuns.push(f.run());
        }
      }
    }),
  );
  await Promise.all(faultRuns);

  // Tickets: wait (bounded) for the outbox, then compare the files with what people were told.
  const deadline = Date.now() + 15_000;
  const files = () => readdirSync(ticketDir).filter((n) => n.endsWith('.json'));
  while (Date.now() < deadline && files().length < told.size) await sleep(250);
  const tickets = files().map((n) => JSON.parse(readFileSync(join(ticketDir, n), 'utf8')) as { id: string; conversation: string });
  const byId = new Map(tickets.map((t) => [t.id, t]));
  const byConversation = new Map<string, number>();
  for (const t of tickets) byConversation.set(t.conversation, (byConversation.get(t.conversation) ?? 0) + 1);
  let lost = 0;
  let merged = 0;
  const toldCount = new Map<string, number>();
  for (const [conv, id] of told) {
    toldCount.set(id, (toldCount.get(id) ?? 0) + 1);
    const t = byId.get(id);
    if (!t && !byConversation.has(conv)) lost++;
    else if (t && t.conversation !== conv) merged++;
  }
  const reused = [...toldCount.values()].filter((n) => n > 1).length;

  // Secrets in every store.
  const found: Record<string, number> = { redis: 0, tickets: 0, logs: 0, export: 0, page: 0 };
  const count = (where: string, text: string) => {
    for (const s of secrets) if (text.includes(s)) found[where]!++;
  };
  const c = createClient({ url: redis.url });
  c.on('error', () => {});
  await c.connect();
  for await (const keys of c.scanIterator({ COUNT: 500 })) {
    for (const k of keys) {
      const type = await c.type(k);
      let v: unknown;
      if (type === 'string') v = await c.get(k);
      else if (type === 'hash') v = await c.hGetAll(k);
      else if (type === 'list') v = await c.lRange(k, 0, -1);
      else if (type === 'set') v = await c.sMembers(k);
      else if (type === 'zset') v = await c.zRange(k, 0, -1);
      else if (type === 'stream') v = await c.xRange(k, '-', '+');
      count('redis', JSON.stringify(v ?? ''));
    }
  }
  await c.close();
  for (const n of readdirSync(ticketDir)) count('tickets', readFileSync(join(ticketDir, n), 'utf8'));
  const exp = await fetch(`${server.url}/admin/api/export?format=jsonl`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const exportText = exp.ok ? await exp.text() : '';
  count('export', exportText);
  count('page', stats.echoes.join('\n'));

  server.proc.kill('SIGTERM');
  await server.exited;
  count('logs', logs);
  await redis.close();
  rmSync(ticketDir, { recursive: true, force: true });

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [
    `bench:faults — ${CONVERSATIONS} conversations, ${CONCURRENCY} at once, ${seconds} s; faults: Redis killed+restarted (data lost), server restarted`,
    `turns ${stats.turns} · failed attempts (retried with the same eventId) ${stats.failedAttempts} · turns given up ${stats.gaveUp} · duplicate replies ${stats.duplicateReplies}`,
    `escalated (told a number) ${told.size} · ticket files ${tickets.length} · lost ${lost} · merged ${merged} · reused numbers ${reused}`,
    `secrets found: state/transcripts (Redis) ${found.redis} · tickets ${found.tickets} · logs ${found.logs} · export ${found.export}${exp.ok ? '' : ` (HTTP ${exp.status})`} · page storage (echo) ${found.page}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const bad = lost + merged + reused + Object.values(found).reduce((a, b) => a + b, 0);
  process.exitCode = bad > 0 ? 1 : 0;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:faults failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
