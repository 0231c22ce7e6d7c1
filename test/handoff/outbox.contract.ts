/**
 * One contract suite for every OutboxStore (after botbuilder's storageBaseTests): the memory and Redis files
 * call `outboxContract` with a factory. Delivery goes through the real Zendesk sink to the local fake server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { Outbox, type OutboxOptions, type OutboxRecord, type OutboxStore } from '../../src/handoff/outbox.js';
import { createZendeskSink } from '../../src/handoff/sinks/index.js';
import { makeTicket } from './fixtures.js';
import { startFakeServer, type FakeServer } from './fake-server.js';

export interface StoreFactory {
  /** A fresh, empty store. */
  make(): Promise<OutboxStore>;
  /** Another handle on the same data (another replica, or the process after a restart). */
  peer(store: OutboxStore): Promise<OutboxStore>;
  cleanup(): Promise<void>;
}

/** Waits for a condition (not a timing assertion: only an upper bound against hanging). */
export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let seq = 0;
const nextId = () => `MM-20261128-${String(++seq).padStart(4, '0')}${Math.random().toString(36).slice(2, 6)}`;

export function outboxContract(name: string, factory: StoreFactory): void {
  describe(`outbox contract: ${name}`, () => {
    let fake: FakeServer;
    const running: Outbox[] = [];

    beforeAll(async () => {
      fake = await startFakeServer();
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((o) => o.stop({ drain: false })));
      await factory.cleanup();
    });
    afterAll(async () => {
      await fake.close();
    });

    const sink = () => createZendeskSink({ url: fake.url, email: 'bot@example.com', apiToken: 'tok', timeoutMs: 1_500 });
    const outbox = (store: OutboxStore, extra: Partial<OutboxOptions> = {}) => {
      const o = new Outbox({
        store,
        sink: sink(),
        logger: silentLogger,
        baseDelayMs: 20,
        maxDelayMs: 100,
        pollMs: 25,
        leaseMs: 5_000,
        random: () => 0.5,
        ...extra,
      });
      running.push(o);
      return o;
    };
    const posts = (id: string) => fake.received.filter((r) => r.path === '/api/v2/tickets.json' && r.headers['idempotency-key'] === id);
    const created = (id: string) => fake.zendeskTickets.filter((t) => t.key === id);
    const settled = (o: Outbox, id: string) =>
      until(async () => {
        const s = await o.status(id);
        return s && (s.state === 'delivered' || s.state === 'dead') ? s : undefined;
      });

    it('treats a second submit of the same ticket as a no-op', async () => {
      // Escalation de-duplication off: the id claim alone must hold.
      const o = outbox(await factory.make(), { escalationWindowMs: 0 });
      const t = makeTicket(nextId());
      expect(await o.submit(t)).toEqual({ status: 'accepted', id: t.id });
      expect(await o.submit(t)).toEqual({ status: 'duplicate', id: t.id, of: t.id });
      expect(await o.counts()).toEqual({ pending: 1, processing: 0, dead: 0 });
      expect(o.metrics).toMatchObject({ submitted: 1, duplicates: 1 });
    });

    it('makes one ticket from 429 then 201, after waiting the Retry-After', async () => {
      const o = outbox(await factory.make());
      const t = makeTicket(nextId());
      fake.script('zendesk', { status: 429, headers: { 'retry-after': '1' } });
      await o.submit(t);
      o.start();
      const rec = await settled(o, t.id);
      expect(rec.state).toBe('delivered');
      expect(rec.attempts).toBe(2);
      expect(rec.history[0]).toMatchObject({ ok: false, status: 429, retryable: true, retryAfterMs: 1000 });
      expect(rec.history[0]!.delayMs).toBeGreaterThanOrEqual(1000);
      expect(created(t.id)).toHaveLength(1);
      const [first, second] = posts(t.id);
      // A lower bound only: the retry cannot have come before the server allowed it.
      expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(1000);
      expect(rec.externalRef).toBe(String(created(t.id)[0]!.id));
    });

    it('makes one ticket from 500, 500, 201', async () => {
      const o = outbox(await factory.make());
      const t = makeTicket(nextId());
      fake.script('zendesk', { status: 500 }, { status: 500 });
      await o.submit(t);
      o.start();
      const rec = await settled(o, t.id);
      expect(rec).toMatchObject({ state: 'delivered', attempts: 3 });
      expect(rec.history.map((h) => h.ok)).toEqual([false, false, true]);
      expect(posts(t.id)).toHaveLength(3);
      expect(created(t.id)).toHaveLength(1);
      expect(o.metrics).toMatchObject({ delivered: 1, failedAttempts: 2, deadLettered: 0 });
    });

    it('retries a time-out, and the attempt that timed out does not make a second ticket', async () => {
      const o = outbox(await factory.make());
      const t = makeTicket(nextId());
      fake.script('zendesk', { status: 201, hangMs: 4_000 });
      await o.submit(t);
      o.start();
      const rec = await settled(o, t.id);
      expect(rec).toMatchObject({ state: 'delivered', attempts: 2 });
      expect(rec.history[0]).toMatchObject({ ok: false, reason: 'timeout', retryable: true });
      expect(created(t.id)).toHaveLength(1);
    });

    it('sends a permanent 400 to the dead-letter list, where staff can retry it', async () => {
      const dead: OutboxRecord[] = [];
      const o = outbox(await factory.make(), { hooks: { onDeadLetter: (_t, r) => void dead.push(r) } });
      const t = makeTicket(nextId());
      fake.script('zendesk', { status: 400, body: { error: 'RecordInvalid' } });
      await o.submit(t);
      o.start();
      const rec = await settled(o, t.id);
      expect(rec).toMatchObject({ state: 'dead', attempts: 1, lastError: { reason: 'http_400', status: 400, retryable: false } });
      expect(posts(t.id)).toHaveLength(1);
      expect(created(t.id)).toHaveLength(0);
      expect(dead.map((d) => d.id)).toEqual([t.id]);
      expect((await o.deadLetters.list()).map((r) => r.id)).toEqual([t.id]);
      expect(await o.counts()).toEqual({ pending: 0, processing: 0, dead: 1 });

      expect(await o.deadLetters.retry(t.id)).toBe(true);
      expect(await o.deadLetters.retry(t.id)).toBe(false);
      const again = await until(async () => ((await o.status(t.id))?.state === 'delivered' ? o.status(t.id) : undefined));
      expect(again!.attempts).toBe(1);
      expect(created(t.id)).toHaveLength(1);
      expect(await o.deadLetters.list()).toEqual([]);
    });

    it('lets staff discard a dead letter', async () => {
      const o = outbox(await factory.make());
      const t = makeTicket(nextId());
      fake.script('zendesk', { status: 422 });
      await o.submit(t);
      o.start();
      await settled(o, t.id);
      expect(await o.deadLetters.discard(t.id)).toBe(true);
      expect(await o.deadLetters.discard(t.id)).toBe(false);
      expect((await o.status(t.id))?.state).toBe('discarded');
      expect(await o.deadLetters.list()).toEqual([]);
      expect(await o.deadLetters.retry(t.id)).toBe(false);
    });

    it('dead-letters a retryable failure after maxAttempts', async () => {
      const o = outbox(await factory.make(), { maxAttempts: 3 });
      const t = makeTicket(nextId());
      fake.script('zendesk', { status: 503 }, { status: 503 }, { status: 503 });
      await o.submit(t);
      o.start();
      const rec = await settled(o, t.id);
      expect(rec).toMatchObject({ state: 'dead', attempts: 3, lastError: { reason: 'http_503', retryable: true } });
      expect(posts(t.id)).toHaveLength(3);
    });

    it('delivers once after a worker took the ticket and died, when its lease expires', async () => {
      const store = await factory.make();
      const a = outbox(store);
      const t = makeTicket(nextId());
      await a.submit(t);
      // The crashed worker: it leased the ticket and never recorded anything.
      const taken = await store.lease(Date.now(), 400, 'crashed-worker');
      expect(taken?.id).toBe(t.id);
      expect(await store.lease(Date.now(), 400, 'someone-else')).toBeUndefined();

      const b = outbox(await factory.peer(store));
      b.start();
      const rec = await settled(b, t.id);
      expect(rec.state).toBe('delivered');
      expect(posts(t.id)).toHaveLength(1);
      expect(created(t.id)).toHaveLength(1);
      // The dead worker, were it to wake up, can no longer record an outcome.
      expect(await store.release({ ...taken!, state: 'dead' }, 'crashed-worker', 1_000)).toBe(false);
      expect((await b.status(t.id))?.state).toBe('delivered');
    });

    it('delivers after a restart what was submitted before it', async () => {
      const store = await factory.make();
      const before = outbox(store);
      const t = makeTicket(nextId());
      await before.submit(t);
      await before.stop({ drain: false });
      const after = outbox(await factory.peer(store));
      after.start();
      expect((await settled(after, t.id)).state).toBe('delivered');
      expect(created(t.id)).toHaveLength(1);
    });

    it('makes one ticket when two replicas submit the same ticket at once', async () => {
      const store = await factory.make();
      const a = outbox(store, { escalationWindowMs: 0 });
      const b = outbox(await factory.peer(store), { escalationWindowMs: 0 });
      const t = makeTicket(nextId());
      const results = await Promise.all([a.submit(t), b.submit(t), a.submit(t), b.submit(t)]);
      expect(results.filter((r) => r.status === 'accepted')).toHaveLength(1);
      a.start();
      b.start();
      await settled(a, t.id);
      // Give the other replica time to (wrongly) pick it up too, then count.
      await new Promise((r) => setTimeout(r, 200));
      expect(posts(t.id)).toHaveLength(1);
      expect(created(t.id)).toHaveLength(1);
    });

    it('treats a second ticket of the same escalation as a duplicate of the first', async () => {
      const o = outbox(await factory.make());
      const first = makeTicket(nextId());
      const second = { ...first, id: nextId() };
      const other = { ...first, id: nextId(), fields: { ...first.fields, errorMessage: 'サーバーに接続できません' } };
      expect((await o.submit(first)).status).toBe('accepted');
      expect(await o.submit(second)).toEqual({ status: 'duplicate', id: second.id, of: first.id });
      expect((await o.submit(other)).status).toBe('accepted');
    });

    it('can turn escalation de-duplication off', async () => {
      const o = outbox(await factory.make(), { escalationWindowMs: 0 });
      const first = makeTicket(nextId());
      expect((await o.submit(first)).status).toBe('accepted');
      expect((await o.submit({ ...first, id: nextId() })).status).toBe('accepted');
    });

    it('finishes the delivery in flight before stop() returns', async () => {
      const o = outbox(await factory.make());
      const t = makeTicket(nextId());
      fake.script('zendesk', { status: 201, hangMs: 250 });
      // The hang entry answers 201 late but within the 1,500 ms time limit (a loaded machine can add hundreds of ms).
      await o.submit(t);
      o.start();
      await until(() => posts(t.id).length > 0);
      await o.stop({ drain: false });
      expect((await o.status(t.id))?.state).toBe('delivered');
      expect(o.metrics.delivered).toBe(1);
    });

    it('reports depth and the next due time', async () => {
      const o = outbox(await factory.make());
      expect(await o.store.nextDueAtMs()).toBeUndefined();
      const t = makeTicket(nextId());
      await o.submit(t);
      expect(await o.store.nextDueAtMs()).toBeGreaterThan(0);
      expect((await o.counts()).pending).toBe(1);
      o.start();
      await settled(o, t.id);
      expect(await o.counts()).toEqual({ pending: 0, processing: 0, dead: 0 });
    });

    it('refuses an id that cannot be a key or a file name', async () => {
      const o = outbox(await factory.make());
      await expect(o.submit(makeTicket('bad id/../x'))).rejects.toThrow(/ticket id/);
    });
  });
}
