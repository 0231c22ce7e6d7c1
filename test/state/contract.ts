/**
 * The one contract every store implementation passes (after botbuilder-core tests/storageBaseTests.js):
 * run by memory.test.ts, redis.test.ts, redis-cluster.test.ts and redis-sentinel.test.ts with their own factory.
 */
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { CodedError, ErrorCode } from '../../src/core/index.js';
import type { ConversationState } from '../../src/dialog/types.js';
import { newState } from '../../src/dialog/engine.js';
import type { DialogTree } from '../../src/data/schemas.js';
import type { ConversationStore, DeliveryKey, DeliveryStore, KeyValueStore, TicketIds } from '../../src/state/types.js';
import { TICKET_ID_PATTERN } from '../../src/state/ticket-id.js';

export interface ContractStores {
  store: ConversationStore;
  deliveries: DeliveryStore;
  kv: KeyValueStore;
  ticketIds: TicketIds;
  /** Lets `ms` pass for the store's TTLs (memory: moves the injected clock; Redis: real time). */
  elapse(ms: number): Promise<void>;
  /** Removes everything the stores wrote and closes them. */
  dispose(): Promise<void>;
}

/**
 * @param makeStores builds fresh, empty stores; `lockWaitMs` must be honoured (the lock-timeout test uses a
 * short one).
 */
export type MakeStores = (options: { lockWaitMs: number }) => Promise<ContractStores>;

/** A minimal valid state; `turn` doubles as the counter of read-modify-write tests. */
export function makeState(conversationId: string, turn: number, extra: Partial<ConversationState> = {}): ConversationState {
  // The engine's own constructor, so a state shape change reaches the store contract too.
  const meta = { conversationId, channel: 'web' as const, userId: 'u1', locale: 'ja' as const, nowMs: 0 };
  return { ...newState(meta, { tree: { version: 'test' } as DialogTree }), turn, ...extra };
}

/** A promise and the function that settles it, to hold a lock open as long as a test wants. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'resolved'> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    if (e instanceof CodedError) return e.code;
    throw e;
  }
}

export function storeContract(name: string, makeStores: MakeStores): void {
  describe(`${name} stores (contract)`, () => {
    let s: ContractStores;
    beforeEach(async () => {
      s = await makeStores({ lockWaitMs: 10_000 });
    });
    afterEach(async () => {
      await s.dispose();
    });

    describe('ConversationStore', () => {
      it('returns undefined for a conversation never saved', async () => {
        expect(await s.store.get('nobody')).toBeUndefined();
      });

      it('gives back what was saved, as a copy', async () => {
        const state = makeState('c1', 3, { slots: { carrier: 'docomo' }, errorText: 'IMAPサーバーが応答しません 📱' });
        await s.store.set('c1', state, 60);
        const got = await s.store.get('c1');
        expect(got).toEqual(state);
        got!.slots.carrier = 'au';
        expect((await s.store.get('c1'))!.slots.carrier).toBe('docomo');
      });

      it('keeps conversations apart, including ids with braces, colons and percent signs', async () => {
        const ids = ['T1:C2:1712.33', 'a{b}c', '%7Bx', 'x}:state', '19:abc@thread.v2;messageid=1'];
        for (const [i, id] of ids.entries()) await s.store.set(id, makeState(id, i), 60);
        for (const [i, id] of ids.entries()) expect((await s.store.get(id))?.turn).toBe(i);
      });

      it('overwrites on save and forgets on delete', async () => {
        await s.store.set('c1', makeState('c1', 1), 60);
        await s.store.set('c1', makeState('c1', 2), 60);
        expect((await s.store.get('c1'))?.turn).toBe(2);
        await s.store.delete('c1');
        expect(await s.store.get('c1')).toBeUndefined();
        await s.store.delete('c1');
      });

      it('forgets a conversation after its idle TTL', async () => {
        await s.store.set('c1', makeState('c1', 1), 1);
        expect(await s.store.get('c1')).toBeDefined();
        await s.elapse(1_100);
        expect(await s.store.get('c1')).toBeUndefined();
      });

      it('restarts the TTL on every save', async () => {
        await s.store.set('c1', makeState('c1', 1), 2);
        await s.elapse(1_200);
        await s.store.set('c1', makeState('c1', 2), 2);
        await s.elapse(1_200);
        expect((await s.store.get('c1'))?.turn).toBe(2);
      });

      it('refuses a save whose expected turn is not the stored one, and writes nothing', async () => {
        expect(await codeOf(s.store.set('c1', makeState('c1', 1), 60, { expectedTurn: -1 }))).toBe('resolved');
        expect(await codeOf(s.store.set('c1', makeState('c1', 2), 60, { expectedTurn: -1 }))).toBe(ErrorCode.LockTimeout);
        expect(await codeOf(s.store.set('c1', makeState('c1', 2), 60, { expectedTurn: 0 }))).toBe(ErrorCode.LockTimeout);
        expect((await s.store.get('c1'))?.turn).toBe(1);
        expect(await codeOf(s.store.set('c1', makeState('c1', 2), 60, { expectedTurn: 1 }))).toBe('resolved');
        expect((await s.store.get('c1'))?.turn).toBe(2);
      });

      it('never lets two turns of one conversation run at once, and loses no update', async () => {
        let inside = 0;
        let maxInside = 0;
        const turns = 40;
        await Promise.all(
          Array.from({ length: turns }, () =>
            s.store.withLock('c1', async () => {
              inside++;
              maxInside = Math.max(maxInside, inside);
              const current = await s.store.get('c1');
              // Yield between read and write so an unserialised store would interleave here.
              await new Promise((r) => setImmediate(r));
              const turn = current ? current.turn : 0;
              await s.store.set('c1', makeState('c1', turn + 1), 60, { expectedTurn: current ? current.turn : -1 });
              inside--;
            }),
          ),
        );
        expect(maxInside).toBe(1);
        expect((await s.store.get('c1'))?.turn).toBe(turns);
      });

      it('does not make one conversation wait for another', async () => {
        const held = gate();
        const a = s.store.withLock('a', () => held.promise);
        // If 'b' waited for 'a', this would never resolve (the gate opens only afterwards).
        expect(await s.store.withLock('b', async () => 'b done')).toBe('b done');
        held.open();
        await a;
      });

      it('returns the result of the function and releases the lock when it throws', async () => {
        expect(await s.store.withLock('c1', async () => 42)).toBe(42);
        await expect(s.store.withLock('c1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
        expect(await s.store.withLock('c1', async () => 'again')).toBe('again');
      });
    });

    describe('ConversationStore lock wait', () => {
      it('gives up with LockTimeout when the conversation stays busy, then works once it is free', async () => {
        const short = await makeStores({ lockWaitMs: 200 });
        try {
          const held = gate();
          let entered!: () => void;
          const inside = new Promise<void>((r) => (entered = r));
          const first = short.store.withLock('c1', async () => {
            entered();
            await held.promise;
          });
          await inside;
          expect(await codeOf(short.store.withLock('c1', async () => 'never'))).toBe(ErrorCode.LockTimeout);
          held.open();
          await first;
          expect(await short.store.withLock('c1', async () => 'free')).toBe('free');
        } finally {
          await short.dispose();
        }
      });
    });

    describe('DeliveryStore', () => {
      const delivery = (eventId: string, extra: Partial<DeliveryKey> = {}): DeliveryKey => ({ conversationId: 'c1', channel: 'web', eventId, ...extra });
      const done = (claim: Awaited<ReturnType<DeliveryStore['claim']>>) => ({ claim: claim!, doneTtlSeconds: 60 });

      it('lets exactly one of many concurrent claims of a delivery run', async () => {
        const claims = await Promise.all(Array.from({ length: 20 }, () => s.deliveries.claim(delivery('e1'), 60)));
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await s.deliveries.claim(delivery('e2'), 60)).toBeDefined();
      });

      it('keeps deliveries of other channels and conversations apart', async () => {
        expect(await s.deliveries.claim(delivery('e1'), 60)).toBeDefined();
        expect(await s.deliveries.claim(delivery('e1', { channel: 'slack' }), 60)).toBeDefined();
        expect(await s.deliveries.claim(delivery('e1', { conversationId: 'a{b}%' }), 60)).toBeDefined();
        expect(await s.deliveries.claim(delivery('e1'), 60)).toBeUndefined();
      });

      it('makes a delivery whose turn was saved a duplicate, in the same step as the save, even after its lease', async () => {
        const claim = await s.deliveries.claim(delivery('e1'), 1);
        await s.store.set('c1', makeState('c1', 1), 60, { expectedTurn: -1, delivery: done(claim) });
        expect((await s.store.get('c1'))?.turn).toBe(1);
        expect(await s.deliveries.claim(delivery('e1'), 1)).toBeUndefined();
        await s.elapse(1_100);
        expect(await s.deliveries.claim(delivery('e1'), 1)).toBeUndefined();
      });

      it('processes a released delivery again', async () => {
        const claim = await s.deliveries.claim(delivery('e1'), 60);
        expect(await s.deliveries.claim(delivery('e1'), 60)).toBeUndefined();
        await s.deliveries.release(claim!);
        expect(await s.deliveries.claim(delivery('e1'), 60)).toBeDefined();
      });

      it('never lets a run whose lease ran out release, finish or save over the run that took the delivery after it', async () => {
        const stale = await s.deliveries.claim(delivery('e1'), 1);
        await s.elapse(1_100);
        const fresh = await s.deliveries.claim(delivery('e1'), 60);
        expect(fresh).toBeDefined();
        await s.deliveries.release(stale!);
        await s.deliveries.done(stale!, 60);
        expect(await codeOf(s.store.set('c1', makeState('c1', 1), 60, { delivery: done(stale) }))).toBe(ErrorCode.LockTimeout);
        expect(await s.store.get('c1')).toBeUndefined();
        // The fresh run still holds it, and its own save goes through.
        expect(await s.deliveries.claim(delivery('e1'), 60)).toBeUndefined();
        await s.store.set('c1', makeState('c1', 1), 60, { delivery: done(fresh) });
        expect((await s.store.get('c1'))?.turn).toBe(1);
      });

      it('leaves the claim running when the save is refused, so a failing turn can release it', async () => {
        await s.store.set('c1', makeState('c1', 5), 60);
        const claim = await s.deliveries.claim(delivery('e1'), 60);
        expect(await codeOf(s.store.set('c1', makeState('c1', 1), 60, { expectedTurn: -1, delivery: done(claim) }))).toBe(ErrorCode.LockTimeout);
        await s.deliveries.release(claim!);
        expect(await s.deliveries.claim(delivery('e1'), 60)).toBeDefined();
      });

      it('finishes a delivery without a save, and forgets it after the TTL given', async () => {
        const claim = await s.deliveries.claim(delivery('e1'), 60);
        await s.deliveries.done(claim!, 1);
        expect(await s.deliveries.claim(delivery('e1'), 60)).toBeUndefined();
        await s.elapse(1_100);
        expect(await s.deliveries.claim(delivery('e1'), 60)).toBeDefined();
      });
    });

    describe('KeyValueStore', () => {
      const hold = (conversation: string) => ({ conversation, name: 'takeover' });

      it('gives back what was set, as a copy, and nothing for a key never set', async () => {
        expect(await s.kv.get(hold('c1'))).toBeUndefined();
        const value = { staff: { id: 'U1', name: '佐藤' }, sinceMs: 1, list: [1, 2] };
        await s.kv.set(hold('c1'), value, 60);
        const got = await s.kv.get<typeof value>(hold('c1'));
        expect(got).toEqual(value);
        got!.list.push(3);
        expect((await s.kv.get<typeof value>(hold('c1')))!.list).toEqual([1, 2]);
      });

      it('keeps conversation keys, deployment-wide keys and odd ids apart', async () => {
        const ids = ['T1:C2:1712.33', 'a{b}c', '%7Bx', 'x}:takeover'];
        for (const id of ids) await s.kv.set(hold(id), id, 60);
        await s.kv.set({ name: 'takeover' }, 'global', 60);
        for (const id of ids) expect(await s.kv.get(hold(id))).toBe(id);
        expect(await s.kv.get({ name: 'takeover' })).toBe('global');
      });

      it('replaces a value and its TTL, forgets it after the TTL, and deletes it', async () => {
        await s.kv.set({ name: 'k' }, 1, 1);
        await s.kv.set({ name: 'k' }, 2, 60);
        await s.kv.set({ name: 'short' }, 'x', 1);
        await s.elapse(1_100);
        expect(await s.kv.get({ name: 'k' })).toBe(2);
        expect(await s.kv.get({ name: 'short' })).toBeUndefined();
        expect(await s.kv.delete({ name: 'k' })).toBe(true);
        expect(await s.kv.delete({ name: 'k' })).toBe(false);
        expect(await s.kv.get({ name: 'k' })).toBeUndefined();
      });

      it('lets exactly one of many concurrent claims of a key win, until its TTL', async () => {
        const key = { conversation: 'c1', name: 'seen:desk:e1' };
        const results = await Promise.all(Array.from({ length: 20 }, () => s.kv.claim(key, 1)));
        expect(results.filter(Boolean)).toHaveLength(1);
        await s.elapse(1_100);
        expect(await s.kv.claim(key, 1)).toBe(true);
      });

      it('keeps a log in order, gives what came after a cursor, and only the newest entries past the cap', async () => {
        const log = { conversation: 'c1', name: 'webbox' };
        expect(await s.kv.entries(log, undefined, 50)).toEqual([]);
        await s.kv.append(log, [{ text: 'one' }, { text: 'two' }], { max: 3, ttlSeconds: 60 });
        const first = await s.kv.entries<{ text: string }>(log, undefined, 50);
        expect(first.map((e) => e.value.text)).toEqual(['one', 'two']);
        expect(first[0]!.id).toMatch(/^\d+-\d+$/);
        expect(await s.kv.entries(log, first[1]!.id, 50)).toEqual([]);
        await s.kv.append(log, [{ text: 'three' }, { text: 'four' }], { max: 3, ttlSeconds: 60 });
        expect((await s.kv.entries<{ text: string }>(log, first[0]!.id, 50)).map((e) => e.value.text)).toEqual(['two', 'three', 'four']);
        expect((await s.kv.entries<{ text: string }>(log, undefined, 50)).map((e) => e.value.text)).toEqual(['two', 'three', 'four']);
        expect((await s.kv.entries<{ text: string }>(log, undefined, 2)).map((e) => e.value.text)).toEqual(['two', 'three']);
        expect(await s.kv.entries({ conversation: 'c2', name: 'webbox' }, undefined, 50)).toEqual([]);
      });

      it('renews a log\'s TTL on every append and forgets it once idle past the TTL', async () => {
        const log = { conversation: 'c1', name: 'webbox' };
        await s.kv.append(log, ['a'], { max: 10, ttlSeconds: 1 });
        await s.elapse(600);
        await s.kv.append(log, ['b'], { max: 10, ttlSeconds: 1 });
        await s.elapse(600);
        expect((await s.kv.entries(log, undefined, 10)).map((e) => e.value)).toEqual(['a', 'b']);
        await s.elapse(1_100);
        expect(await s.kv.entries(log, undefined, 10)).toEqual([]);
      });
    });

    describe('TicketIds', () => {
      const day = Date.UTC(2026, 10, 28, 3, 0, 0);

      it('hands out MM-YYYYMMDD-NNNN, never below the tenths of a second of the day (a lost counter restarts above)', async () => {
        // 03:00:00 is 108,000 tenths into the day.
        expect(await s.ticketIds.next(day)).toBe('MM-20261128-108001');
        expect(await s.ticketIds.next(day)).toBe('MM-20261128-108002');
        // A minute later the floor (108,600) is above the counter: the number jumps to it.
        expect(await s.ticketIds.next(day + 60_000)).toBe('MM-20261128-108601');
        // 00:00:01 is 10 tenths into the next day: still at least 4 digits.
        expect(await s.ticketIds.next(Date.UTC(2026, 10, 29, 0, 0, 1))).toBe('MM-20261129-0011');
      });

      it('never hands out the same id twice under concurrency', async () => {
        const ids = await Promise.all(Array.from({ length: 50 }, () => s.ticketIds.next(day)));
        for (const id of ids) expect(id).toMatch(TICKET_ID_PATTERN);
        expect(new Set(ids).size).toBe(50);
        expect([...ids].sort().at(-1)).toBe('MM-20261128-108050');
      });
    });
  });
}
