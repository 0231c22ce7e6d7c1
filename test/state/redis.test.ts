import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CodedError, ErrorCode, silentLogger } from '../../src/core/index.js';
import {
  createRedisConnection,
  reconnectDelay,
  RedisConversationStore,
  RedisDeliveryStore,
  RedisKeyValueStore,
  type RedisConnection,
} from '../../src/state/redis.js';
import { createStores } from '../../src/state/stores.js';
import type { Stores } from '../../src/state/types.js';
import { storeContract, makeState } from './contract.js';
import { compileSrc, deletePrefix, freePort, PrivateRedis, rawClient, REDIS_URL, ROOT, uniquePrefix } from './helpers.js';

const run = promisify(execFile);

storeContract('redis', async ({ lockWaitMs }) => {
  const prefix = uniquePrefix('contract');
  const stores = createStores({ redis: { mode: 'single', url: REDIS_URL } }, silentLogger, { prefix, lockWaitMs });
  await stores.redis!.waitReady(5_000);
  return {
    ...stores,
    elapse: (ms) => sleep(ms),
    async dispose() {
      await stores.health.close();
      await deletePrefix(prefix);
    },
  };
});

describe('redis stores', () => {
  const prefix = uniquePrefix('redis');
  let conn: RedisConnection;
  beforeAll(async () => {
    conn = createRedisConnection({ mode: 'single', url: REDIS_URL }, silentLogger, { prefix });
    await conn.waitReady(5_000);
  });
  afterAll(async () => {
    await conn.close();
    await deletePrefix(prefix);
  });

  it('keep every key of a conversation under one hash tag, the state with its TTL', async () => {
    const store = new RedisConversationStore(conn, silentLogger);
    await store.withLock('T1:C2:17.5', async () => {
      await store.set('T1:C2:17.5', makeState('T1:C2:17.5', 1), 120);
    });
    const raw = await rawClient();
    try {
      const key = `${prefix}:{c:T1:C2:17.5}:state`;
      expect(JSON.parse((await raw.get(key)) ?? 'null')).toMatchObject({ conversationId: 'T1:C2:17.5', turn: 1 });
      const ttl = await raw.ttl(key);
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
      // The lock is gone once the turn is over.
      expect(await raw.exists(`${prefix}:{c:T1:C2:17.5}:lock`)).toBe(0);
      expect(conn.keys.lock('a{b}')).toBe(`${prefix}:{c:a%7Bb%7D}:lock`);
    } finally {
      await raw.close();
    }
  });

  it('keep a delivery claim under the conversation hash tag: the run\'s token with a lease, then done with its TTL', async () => {
    const store = new RedisConversationStore(conn, silentLogger);
    const deliveries = new RedisDeliveryStore(conn);
    const claim = await deliveries.claim({ conversationId: 'T1:C2', channel: 'slack', eventId: 'Ev9' }, 60);
    const raw = await rawClient();
    try {
      const key = `${prefix}:{c:T1:C2}:seen:slack:Ev9`;
      expect(await raw.get(key)).toBe(claim!.token);
      expect(await raw.pTTL(key)).toBeGreaterThan(55_000);
      await store.set('T1:C2', makeState('T1:C2', 1), 60, { delivery: { claim: claim!, doneTtlSeconds: 86_400 } });
      expect(await raw.get(key)).toBe('done');
      expect(await raw.ttl(key)).toBeGreaterThan(86_000);
    } finally {
      await raw.close();
    }
  });

  it('keep key-value entries as JSON under the conversation hash tag or the prefix, and logs as streams', async () => {
    const kv = new RedisKeyValueStore(conn);
    await kv.set({ conversation: 'a{b}', name: 'takeover' }, { staff: 'U1' }, 120);
    await kv.set({ name: 'desk:ticket:MM-1' }, { ok: true }, 120);
    await kv.append({ conversation: 'a{b}', name: 'webbox' }, [{ text: 'x' }], { max: 5, ttlSeconds: 120 });
    const raw = await rawClient();
    try {
      expect(JSON.parse((await raw.get(`${prefix}:{c:a%7Bb%7D}:takeover`)) ?? 'null')).toEqual({ staff: 'U1' });
      expect(JSON.parse((await raw.get(`${prefix}:desk:ticket:MM-1`)) ?? 'null')).toEqual({ ok: true });
      expect(await raw.type(`${prefix}:{c:a%7Bb%7D}:webbox`)).toBe('stream');
      const ttl = await raw.ttl(`${prefix}:{c:a%7Bb%7D}:webbox`);
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
    } finally {
      await raw.close();
    }
  });

  it('take over a lock whose holder stalled past its expiry, and the stalled holder cannot overwrite the newer state', async () => {
    const store = new RedisConversationStore(conn, silentLogger, { lockTtlMs: 200, lockWaitMs: 5_000 });
    await store.set('stall', makeState('stall', 1), 60);
    let resume!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const stalled = store.withLock('stall', async () => {
      const loaded = await store.get('stall');
      entered();
      await new Promise<void>((r) => (resume = r));
      await store.set('stall', makeState('stall', loaded!.turn + 1, { userId: 'stalled' }), 60, { expectedTurn: loaded!.turn });
    });
    await inside;
    // The second turn gets the lock once the first one's expired (200 ms), and saves turn 2.
    await store.withLock('stall', async () => {
      const loaded = await store.get('stall');
      await store.set('stall', makeState('stall', loaded!.turn + 1, { userId: 'second' }), 60, { expectedTurn: loaded!.turn });
    });
    resume();
    await expect(stalled).rejects.toMatchObject({ code: ErrorCode.LockTimeout });
    expect(await store.get('stall')).toMatchObject({ turn: 2, userId: 'second' });
  });

  it('load under the lock what the lock read (one round trip), and what was saved since once the turn saved or let go', async () => {
    const store = new RedisConversationStore(conn, silentLogger);
    const other = new RedisConversationStore(conn, silentLogger);
    await other.set('early', makeState('early', 1), 60);
    await store.withLock('early', async () => {
      expect(await store.get('early')).toMatchObject({ turn: 1 });
      await store.set('early', makeState('early', 2), 60, { expectedTurn: 1 });
      expect(await store.get('early')).toMatchObject({ turn: 2 });
    });
    // A turn that never loaded: its lock's read is dropped with the lock, so a later read sees a newer save.
    await store.withLock('early', async () => {});
    await other.set('early', makeState('early', 3), 60);
    expect(await store.get('early')).toMatchObject({ turn: 3 });
    // A conversation without state: nothing read, nothing invented.
    await store.withLock('early-none', async () => expect(await store.get('early-none')).toBeUndefined());
  });

  it('treat an unreadable stored value as no state instead of failing every turn', async () => {
    const store = new RedisConversationStore(conn, silentLogger);
    const raw = await rawClient();
    try {
      await raw.set(conn.keys.state('garbled'), '{not json', { expiration: { type: 'EX', value: 60 } });
    } finally {
      await raw.close();
    }
    expect(await store.get('garbled')).toBeUndefined();
    await store.set('garbled', makeState('garbled', 1), 60, { expectedTurn: -2 });
    expect((await store.get('garbled'))?.turn).toBe(1);
  });

  it('back off exponentially up to the cap when reconnecting', () => {
    for (let i = 0; i < 30; i++) {
      const d = reconnectDelay(i, 2_000);
      expect(d).toBeGreaterThanOrEqual(Math.min(2_000, 50 * 2 ** i) / 2);
      expect(d).toBeLessThanOrEqual(2_000);
    }
  });
});

describe('redis stores across processes', () => {
  const compiled = compileSrc();
  const prefixes: string[] = [];
  afterAll(async () => {
    compiled.dispose();
    for (const p of prefixes) await deletePrefix(p);
  });

  async function hammer(mode: 'lock' | 'nolock', iterations: number) {
    const prefix = uniquePrefix(`procs-${mode}`);
    prefixes.push(prefix);
    const child = join(ROOT, 'test/state/fixtures/hammer-child.mjs');
    const results = await Promise.all(
      ['A', 'B'].map(async (label) => {
        const { stdout } = await run(process.execPath, [child, compiled.dir, REDIS_URL, prefix, 'shared', String(iterations), mode, label], {
          timeout: 60_000,
        });
        return JSON.parse(stdout.trim()) as { label: string; wrote: number[] };
      }),
    );
    const conn = createRedisConnection({ mode: 'single', url: REDIS_URL }, silentLogger, { prefix });
    await conn.waitReady(5_000);
    const final = await new RedisConversationStore(conn, silentLogger).get('shared');
    await conn.close();
    return { results, final: final?.turn ?? 0 };
  }

  it('two processes hammering one conversation under withLock lose no update and really interleave', async () => {
    const iterations = 100;
    const { results, final } = await hammer('lock', iterations);
    expect(final).toBe(2 * iterations);
    const writes = results.flatMap((r) => r.wrote.map((turn) => ({ turn, label: r.label }))).sort((a, b) => a.turn - b.turn);
    // Every turn number was written exactly once, by one of the processes.
    expect(writes.map((w) => w.turn)).toEqual(Array.from({ length: 2 * iterations }, (_, i) => i + 1));
    const switches = writes.filter((w, i) => i > 0 && w.label !== writes[i - 1]!.label).length;
    expect(switches).toBeGreaterThan(0);
  });

  it('the same hammering without the lock does lose updates (the harness can see a lost update)', async () => {
    const iterations = 100;
    const { final } = await hammer('nolock', iterations);
    expect(final).toBeLessThan(2 * iterations);
  });
});

describe('redis outage', () => {
  let server: PrivateRedis;
  let conn: Stores['redis'];
  const opened: Stores[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = new PrivateRedis(await freePort());
    await server.start();
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.health.close();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server.stop();
  });

  it('fails fast with StoreUnavailable while Redis is down and recovers by itself when it is back', async () => {
    const stores = createStores({ redis: { mode: 'single', url: server.url } }, silentLogger, { maxReconnectDelayMs: 200 });
    opened.push(stores);
    conn = stores.redis!;
    await conn.waitReady(5_000);
    await stores.store.set('c1', makeState('c1', 1), 60);
    expect(await stores.health.ping()).toBe(true);

    await server.stop();
    // Every kind of operation fails with the code the pipeline turns into "try again shortly".
    const failures = await Promise.allSettled([
      stores.store.get('c1'),
      stores.store.set('c1', makeState('c1', 2), 60),
      stores.store.withLock('c1', async () => 'never'),
      stores.deliveries.claim({ conversationId: 'c1', channel: 'web', eventId: 'e1' }, 60),
      stores.kv.get({ conversation: 'c1', name: 'takeover' }),
      stores.ticketIds.next(Date.now()),
    ]);
    for (const f of failures) {
      expect(f.status).toBe('rejected');
      const reason = (f as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(CodedError);
      expect((reason as CodedError).code).toBe(ErrorCode.StoreUnavailable);
    }
    expect(await stores.health.ping()).toBe(false);

    await server.start();
    // No restart of the client: it reconnects on its own.
    await conn.waitReady(10_000);
    expect(await stores.health.ping()).toBe(true);
    // The fresh server has no data (no persistence): the store works again from scratch.
    expect(await stores.store.get('c1')).toBeUndefined();
    await stores.store.withLock('c1', () => stores.store.set('c1', makeState('c1', 5), 60));
    expect((await stores.store.get('c1'))?.turn).toBe(5);
    expect(unhandled).toEqual([]);
  });

  it('starts without Redis, answers StoreUnavailable, and connects once Redis appears', async () => {
    await server.stop();
    const stores = createStores({ redis: { mode: 'single', url: server.url } }, silentLogger, { maxReconnectDelayMs: 200 });
    opened.push(stores);
    conn = stores.redis!;
    await expect(stores.store.get('c1')).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
    await expect(conn.waitReady(300)).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
    await server.start();
    await conn.waitReady(10_000);
    expect(await stores.store.get('c1')).toBeUndefined();
    expect(unhandled).toEqual([]);
  });
});
