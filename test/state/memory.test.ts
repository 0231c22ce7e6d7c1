import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { MemoryConversationStore, MemoryDedupeStore, MemoryTicketIds } from '../../src/state/memory.js';
import { createStores } from '../../src/state/stores.js';
import { storeContract } from './contract.js';

storeContract('memory', async ({ lockWaitMs }) => {
  let now = Date.UTC(2026, 10, 28, 9, 0, 0);
  const clock = () => now;
  return {
    store: new MemoryConversationStore({ clock, lockWaitMs }),
    dedupe: new MemoryDedupeStore({ clock }),
    ticketIds: new MemoryTicketIds(),
    async elapse(ms) {
      now += ms;
    },
    async dispose() {},
  };
});

describe('memory stores', () => {
  it('are what createStores gives without Redis configured', () => {
    const stores = createStores({ redis: undefined }, silentLogger);
    expect(stores.kind).toBe('memory');
    expect(stores.redis).toBeUndefined();
    expect(stores.store).toBeInstanceOf(MemoryConversationStore);
  });

  it('take the ticket day in the configured offset from UTC', async () => {
    // 2026-11-28 23:30 UTC is already the 29th in Japan (UTC+9).
    const at = Date.UTC(2026, 10, 28, 23, 30);
    expect(await new MemoryTicketIds().next(at)).toBe('MM-20261128-0001');
    expect(await new MemoryTicketIds({ utcOffsetMinutes: 540 }).next(at)).toBe('MM-20261129-0001');
  });

  it('keep a fifth digit once a day passes 9,999 tickets', async () => {
    const ids = new MemoryTicketIds();
    let last = '';
    for (let i = 0; i < 10_000; i++) last = await ids.next(0);
    expect(last).toBe('MM-19700101-10000');
  });

  it('lets a turn that gave up waiting never open the lock for a third one early', async () => {
    const store = new MemoryConversationStore({ lockWaitMs: 300 });
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const first = store.withLock('c', async () => {
      entered();
      await new Promise<void>((r) => (release = r));
    });
    await inside;
    await expect(store.withLock('c', async () => 'x')).rejects.toMatchObject({ code: 'lock_timeout' });
    // The first turn still runs: a third one must wait for it, not slip in because the second gave up.
    let thirdRan = false;
    const third = store.withLock('c', async () => {
      thirdRan = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(thirdRan).toBe(false);
    release();
    await first;
    await third;
    expect(thirdRan).toBe(true);
  });
});
