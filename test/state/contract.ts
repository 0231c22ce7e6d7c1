/**
 * The one contract every store implementation passes (after botbuilder-core tests/storageBaseTests.js):
 * run by memory.test.ts and redis.test.ts with their own factory.
 */
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { CodedError, ErrorCode } from '../../src/core/index.js';
import type { ConversationState } from '../../src/dialog/types.js';
import { newState } from '../../src/dialog/engine.js';
import type { DialogTree } from '../../src/data/schemas.js';
import type { ConversationStore, DedupeStore, TicketIds } from '../../src/state/types.js';
import { TICKET_ID_PATTERN } from '../../src/state/ticket-id.js';

export interface ContractStores {
  store: ConversationStore;
  dedupe: DedupeStore;
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

    describe('DedupeStore', () => {
      it('lets exactly one of many concurrent claims of a key win', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => s.dedupe.claim('{c:c1}:seen:web:e1', 60)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await s.dedupe.claim('{c:c1}:seen:web:e2', 60)).toBe(true);
      });

      it('forgets a claim after its TTL', async () => {
        expect(await s.dedupe.claim('k', 1)).toBe(true);
        expect(await s.dedupe.claim('k', 1)).toBe(false);
        await s.elapse(1_100);
        expect(await s.dedupe.claim('k', 1)).toBe(true);
      });
    });

    describe('TicketIds', () => {
      const day = Date.UTC(2026, 10, 28, 3, 0, 0);

      it('hands out MM-YYYYMMDD-NNNN numbered from 0001 for the day', async () => {
        expect(await s.ticketIds.next(day)).toBe('MM-20261128-0001');
        expect(await s.ticketIds.next(day + 60_000)).toBe('MM-20261128-0002');
        expect(await s.ticketIds.next(Date.UTC(2026, 10, 29, 0, 0, 1))).toBe('MM-20261129-0001');
      });

      it('never hands out the same id twice under concurrency', async () => {
        const ids = await Promise.all(Array.from({ length: 50 }, () => s.ticketIds.next(day)));
        for (const id of ids) expect(id).toMatch(TICKET_ID_PATTERN);
        expect(new Set(ids).size).toBe(50);
        expect([...ids].sort().at(-1)).toBe('MM-20261128-0050');
      });
    });
  });
}
