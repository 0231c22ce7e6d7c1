/**
 * `npm run bench:admin`: the review page at a desk's size. For each size (BENCH_ADMIN_SIZES, default 500,2000) a
 * server (`startApp`, /admin on, Redis at REDIS_URL under a key prefix of its own, deleted afterwards) gets that many
 * seeded conversations (admin-seed.ts: ja and en, 3–9 turns, over 28 days), then reports:
 *   - the text search, p50 / p90 in ms over a set of needles (PASSES passes, interleaved): the plain scan (every
 *     transcript read) against the index (search-redis.ts), and the ratio — in-process `findConversations`, the same
 *     call the list, the API and the exports make; results compared (they must be equal);
 *   - the index: rebuild time from the transcripts, its Redis memory beside the transcripts' own (MEMORY USAGE);
 *   - the other /admin pages and APIs over loopback HTTP, p50 of PASSES calls: list (page and API), filters, analytics,
 *     improve, the CSV export — with what each shows of the whole (rows, totals), to see anything that stops short;
 *   - the index's cost on every turn (writeCost): the same seeded conversations written through two Redis transcript
 *     stores, one with the index and one whose index write is a no-op, in alternating chunks (so the machine's load
 *     falls on both alike): turns/s and p50 / p90 per-turn write latency (store.append) of each, as ratios; and Redis
 *     memory per 1,000 conversations — the index (bigram sets + text copies) beside the transcripts alone.
 * Flags: --sizes=500,2000 --passes=N --write-concurrency=8 --json. Timings on a shared machine vary; compare within one run.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { silentLogger } from '../core/index.js';
import { startApp, type App } from '../main.js';
import { createRedisConnection } from '../state/redis.js';
import { RedisTranscriptStore } from '../transcripts/redis.js';
import { findConversations } from '../transcripts/query.js';
import type { TranscriptStore } from '../transcripts/types.js';
import { seedTranscripts } from './admin-seed.js';

const out = (s = '') => process.stdout.write(`${s}\n`);
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const TOKEN = 'bench-admin-token-0123456789abcdef';

const SIZES = (flag('sizes') ?? process.env.BENCH_ADMIN_SIZES ?? '500,2000').split(',').map(Number);
const PASSES = Number(flag('passes') ?? process.env.BENCH_ADMIN_PASSES ?? 5);
const WRITE_CONCURRENCY = Number(flag('write-concurrency') ?? 8);
/** Conversations per alternating chunk of the write-cost run. */
const WRITE_CHUNK = 50;

/** What staff search for: symptoms, error texts, carriers, a ticket number, a user, English, one character, nothing. */
const NEEDLES = ['受信できない', 'パスワード', 'iCloud', 'ドコモ', '再起動', '送信トレイ', 'MM-0001', 'Tanaka', 'not arriving', 'app password', 'メ', 'ふぉるもさ'];

function pct(xs: number[], p: number): number {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))] ?? 0;
}
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const r1 = (x: number) => Math.round(x * 10) / 10;

/** The store without its index: findConversations reads every transcript (what the search did before the index). */
function withoutIndex(store: TranscriptStore): TranscriptStore {
  return new Proxy(store, {
    get(target, p) {
      if (p === 'textSearch') return undefined;
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function memoryOf(url: string, pattern: string): Promise<{ keys: number; mb: number }> {
  const c = createClient({ url });
  c.on('error', () => {});
  await c.connect();
  let keys = 0;
  let bytes = 0;
  try {
    for await (const batch of c.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
      const sizes = await Promise.all(batch.map((k) => c.memoryUsage(k)));
      keys += batch.length;
      bytes += sizes.reduce<number>((n, x) => n + Number(x ?? 0), 0);
    }
  } finally {
    await c.close();
  }
  return { keys, mb: r1(bytes / 1e6) };
}

async function deleteKeys(url: string, pattern: string): Promise<void> {
  const c = createClient({ url });
  c.on('error', () => {});
  await c.connect();
  try {
    for await (const batch of c.scanIterator({ MATCH: pattern, COUNT: 1000 })) if (batch.length) await c.del(batch);
  } finally {
    await c.close();
  }
}

/** The store with every append timed into `into` (ms). */
function timedAppends(store: TranscriptStore, into: number[]): TranscriptStore {
  return new Proxy(store, {
    get(target, p) {
      if (p === 'append')
        return async (turn: Parameters<TranscriptStore['append']>[0]) => {
          const t = process.hrtime.bigint();
          const r = await target.append(turn);
          into.push(ms(t));
          return r;
        };
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * What the search index costs each turn: `size` conversations written into a store with the index and, the same ones,
 * into a store whose index write is a no-op (each under a key prefix of its own), WRITE_CHUNK conversations at a time,
 * alternating which goes first; then each prefix's Redis memory.
 */
async function writeCost(size: number) {
  const base = `mmbench:write:${process.pid}:${randomBytes(3).toString('hex')}:${size}`;
  const modes = ['on', 'off'] as const;
  const conns = modes.map((m) => createRedisConnection({ mode: 'single', url: REDIS_URL }, silentLogger, { prefix: `${base}:${m}` }));
  try {
    await Promise.all(conns.map((c) => c.waitReady(5_000)));
    const stores = conns.map((c) => new RedisTranscriptStore(c, { retentionDays: 90 }));
    // Off: the store as it is, its index never told of a write (the search would scan).
    Object.assign(stores[1]!.searchIndex, { written: async () => undefined });
    const lat = { on: [] as number[], off: [] as number[] };
    const wall = { on: 0, off: 0 };
    let turns = 0;
    const nowMs = Date.now();
    for (let chunk = 0; chunk * WRITE_CHUNK < size; chunk++) {
      const n = Math.min(WRITE_CHUNK, size - chunk * WRITE_CHUNK);
      const order = chunk % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const mode = modes[i]!;
        const t = process.hrtime.bigint();
        const seeded = await seedTranscripts(timedAppends(stores[i]!, lat[mode]), {
          conversations: n,
          nowMs,
          seed: 1_000 + chunk,
          idPrefix: `w${chunk}`,
          concurrency: WRITE_CONCURRENCY,
        });
        wall[mode] += ms(t);
        if (mode === 'on') turns += seeded.turns;
      }
    }
    const perK = (mb: number) => r1((mb * 1000) / size);
    const on = `${base}:on`;
    const off = `${base}:off`;
    const index = await memoryOf(REDIS_URL, `${on}:{sxn:*`);
    const copies = await memoryOf(REDIS_URL, `${on}:{c:*}:tx:sx`);
    const transcriptsOn = await memoryOf(REDIS_URL, `${on}:{c:*}:tx*`);
    const transcriptsOff = await memoryOf(REDIS_URL, `${off}:{c:*}:tx*`);
    const rate = (mode: 'on' | 'off') => Math.round(turns / (wall[mode] / 1000));
    return {
      conversations: size,
      turns,
      concurrency: WRITE_CONCURRENCY,
      turnsPerSec: { on: rate('on'), off: rate('off'), ratio: Math.round((rate('on') / rate('off')) * 100) / 100 },
      p50Ms: { on: Math.round(pct(lat.on, 50) * 100) / 100, off: Math.round(pct(lat.off, 50) * 100) / 100, ratio: r1(pct(lat.on, 50) / Math.max(0.001, pct(lat.off, 50))) },
      p90Ms: { on: Math.round(pct(lat.on, 90) * 100) / 100, off: Math.round(pct(lat.off, 90) * 100) / 100 },
      // The copies' pattern is inside the transcripts' (…:tx*): the transcripts alone are the rest.
      mbPer1000: {
        indexSets: perK(index.mb),
        indexCopies: perK(copies.mb),
        transcripts: perK(transcriptsOn.mb - copies.mb),
        transcriptsWithoutIndex: perK(transcriptsOff.mb),
        indexKeys: index.keys,
      },
    };
  } finally {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await deleteKeys(REDIS_URL, `${base}:*`);
  }
}

interface PageTiming {
  what: string;
  p50Ms: number;
  shows: string;
}

async function run(size: number) {
  const prefix = `mmbench:admin:${process.pid}:${randomBytes(3).toString('hex')}:${size}`;
  const env = {
    LOG_LEVEL: 'silent',
    DEFAULT_LOCALE: 'ja',
    RATE_LIMIT_CONVERSATION_PER_MINUTE: '0',
    RATE_LIMIT_CLIENT_PER_MINUTE: '0',
    INCIDENT_THRESHOLD: '0',
    ADMIN_TOKEN: TOKEN,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
  };
  let app: App | undefined;
  try {
    app = await startApp({ env, port: 0, host: '127.0.0.1' });
    const store = app.core.transcripts as RedisTranscriptStore;
    const nowMs = Date.now();
    let t0 = process.hrtime.bigint();
    const seeded = await seedTranscripts(store, { conversations: size, nowMs, seed: size, concurrency: 32 });
    const seedMs = ms(t0);
    t0 = process.hrtime.bigint();
    await store.searchIndex.rebuild();
    const rebuildMs = ms(t0);
    if (!(await store.searchIndex.ready())) throw new Error('search index not ready after its rebuild');

    // ── search: scan vs index, interleaved ──
    const ctx = { nowMs, abandonAfterMs: 30 * 60_000 };
    const plain = withoutIndex(store);
    const scan: number[] = [];
    const indexed: number[] = [];
    let mismatches = 0;
    let found = 0;
    for (let p = 0; p < PASSES; p++) {
      for (const text of NEEDLES) {
        let t = process.hrtime.bigint();
        const a = await findConversations(plain, { text }, ctx);
        scan.push(ms(t));
        t = process.hrtime.bigint();
        const b = await findConversations(store, { text }, ctx);
        indexed.push(ms(t));
        if (a.map((s) => s.id).join() !== b.map((s) => s.id).join()) mismatches++;
        if (p === 0) found += b.length;
      }
    }
    for (const pw of seeded.passwords.slice(0, 10)) if ((await findConversations(store, { text: pw }, ctx)).length) mismatches++;

    const index = await memoryOf(REDIS_URL, `${prefix}:{sxn:*`);
    const copies = await memoryOf(REDIS_URL, `${prefix}:{c:*}:tx:sx`);
    const streams = await memoryOf(REDIS_URL, `${prefix}:{c:*}:tx`);
    const metas = await memoryOf(REDIS_URL, `${prefix}:{c:*}:tx:meta`);

    // ── the other pages and APIs over HTTP ──
    const base = app.url;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const timed = async (what: string, path: string, shows: (body: string) => string, init?: { method: string; body: unknown }) => {
      const times: number[] = [];
      let last = '';
      for (let p = 0; p < PASSES; p++) {
        const t = process.hrtime.bigint();
        const r = await fetch(`${base}${path}`, {
          method: init?.method ?? 'GET',
          headers: { ...headers, ...(init ? { 'content-type': 'application/json' } : {}) },
          ...(init ? { body: JSON.stringify(init.body) } : {}),
        });
        last = await r.text();
        times.push(ms(t));
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${last.slice(0, 200)}`);
      }
      return { what, p50Ms: r1(pct(times, 50)), shows: shows(last) } satisfies PageTiming;
    };
    const json = (f: (b: any) => string) => (s: string) => f(JSON.parse(s));
    const pages: PageTiming[] = [
      await timed('list page GET /admin', '/admin', (s) => `${s.length} bytes`),
      await timed('list API page 1', '/admin/api/conversations', json((b) => `total ${b.total}, pages ${b.pages}`)),
      await timed('filter status=escalated', '/admin/api/conversations?status=escalated', json((b) => `total ${b.total}`)),
      await timed('filter channel+intent', '/admin/api/conversations?channel=slack&intent=error_send', json((b) => `total ${b.total}`)),
      await timed('filter holder=nobody', '/admin/api/conversations?holder=nobody&status=escalated', json((b) => `total ${b.total}`)),
      await timed('search API (index)', '/admin/api/conversations/search', json((b) => `total ${b.total}`), { method: 'POST', body: { text: '受信できない' } }),
      await timed('analytics page', '/admin/analytics', (s) => `${s.length} bytes`),
      await timed('analytics API', '/admin/api/analytics', json((b) => `total ${b.total}`)),
      await timed('improve page', '/admin/improve', (s) => (/data-testid="improve-limited"[^>]*>([^<]*)/.exec(s)?.[1] ?? 'not limited')),
      await timed('improve API', '/admin/api/improve', json((b) => `items ${b.items.length}${b.limited ? `, read ${b.limited.read} of ${b.limited.of}` : ''}`)),
      await timed('CSV export (all)', '/admin/api/export?format=csv', (s) => `${s.length} bytes, ${new Set([...s.matchAll(/^"?(seed-[a-z0-9-]+)/gm)].map((m) => m[1])).size} conversations`),
    ];
    return {
      size,
      turns: seeded.turns,
      seedMs: Math.round(seedMs),
      rebuildMs: Math.round(rebuildMs),
      search: {
        needles: NEEDLES.length,
        passes: PASSES,
        scanP50Ms: r1(pct(scan, 50)),
        scanP90Ms: r1(pct(scan, 90)),
        indexedP50Ms: r1(pct(indexed, 50)),
        indexedP90Ms: r1(pct(indexed, 90)),
        ratio: r1(pct(scan, 50) / Math.max(0.001, pct(indexed, 50))),
        foundPerPass: found,
        mismatches,
      },
      memory: { index, copies, streams, metas },
      pages,
      write: await writeCost(size),
    };
  } finally {
    await app?.close();
    await deleteKeys(REDIS_URL, `${prefix}:*`);
  }
}

async function main() {
  const results = [];
  for (const size of SIZES) results.push(await run(size));
  if (process.argv.includes('--json')) {
    out(JSON.stringify(results));
    return;
  }
  for (const r of results) {
    out(`── ${r.size} conversations (${r.turns} turns; seeded in ${r.seedMs} ms, index rebuilt in ${r.rebuildMs} ms) ──`);
    const s = r.search;
    out(`search p50: scan ${s.scanP50Ms} ms · index ${s.indexedP50Ms} ms · ratio ${s.ratio}×   (p90 ${s.scanP90Ms} / ${s.indexedP90Ms} ms; ${s.needles} needles × ${s.passes} passes; ${s.foundPerPass} hits per pass; results differing: ${s.mismatches})`);
    const m = r.memory;
    out(`redis memory: index bigram sets ${m.index.mb} MB (${m.index.keys} keys) + text copies ${m.copies.mb} MB · transcripts ${m.streams.mb} MB streams + ${m.metas.mb} MB summaries`);
    for (const p of r.pages) out(`  ${p.what.padEnd(28)} ${String(p.p50Ms).padStart(8)} ms   ${p.shows}`);
    const w = r.write;
    out(
      `index write cost (${w.turns} turns, ${w.concurrency} conversations at once): ${w.turnsPerSec.on} turns/s with the index, ${w.turnsPerSec.off} without (×${w.turnsPerSec.ratio}) · ` +
        `append p50 ${w.p50Ms.on} / ${w.p50Ms.off} ms (×${w.p50Ms.ratio}; p90 ${w.p90Ms.on} / ${w.p90Ms.off} ms)`,
    );
    const k = w.mbPer1000;
    out(`  memory per 1,000 conversations: index ${r1(k.indexSets + k.indexCopies)} MB (bigram sets ${k.indexSets} MB in ${k.indexKeys} keys, copies ${k.indexCopies} MB) · transcripts alone ${k.transcriptsWithoutIndex} MB (${k.transcripts} MB beside the index)`);
  }
  if (results.some((r) => r.search.mismatches > 0)) process.exitCode = 1;
}

await main();
process.exit(process.exitCode ?? 0);
