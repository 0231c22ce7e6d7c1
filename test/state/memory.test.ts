import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { MemoryConversationStore, MemoryDeliveryStore, MemoryKeyValueStore, MemoryTicketIds } from '../../src/state/memory.js';
import { createStores } from '../../src/state/stores.js';
import { storeContract } from './contract.js';

storeContract('memory', async ({ lockWaitMs }) => {
  let now = Date.UTC(2026, 10, 28, 9, 0, 0);
  const clock = () => now;
  const deliveries = new MemoryDeliveryStore({ clock });
  return {
    store: new MemoryConversationStore({ clock, lockWaitMs, deliveries }),
    deliveries,
    kv: new MemoryKeyValueStore({ clock }),
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
    expect(await new MemoryTicketIds().next(at)).toBe('MM-20261128-846001');
    expect(await new MemoryTicketIds({ utcOffset: 540 }).next(at)).toBe('MM-20261129-306001');
  });

  it('keep a fifth digit once a day passes 9,999 tickets', async () => {
    const ids = new MemoryTicketIds();
    let last = '';
    for (let i = 0; i < 10_000; i++) last = await ids.next(0);
    expect(last).toBe('MM-19700101-10000');
  });

  it('number log entries upwards even when the clock stands still or goes back', async () => {
    let now = 5_000;
    const kv = new MemoryKeyValueStore({ clock: () => now });
    const log = { conversation: 'c1', name: 'webbox' };
    await kv.append(log, ['a', 'b'], { max: 10, ttlSeconds: 60 });
    now = 4_000;
    await kv.append(log, ['c'], { max: 10, ttlSeconds: 60 });
    expect((await kv.entries(log, undefined, 10)).map((e) => e.id)).toEqual(['5000-0', '5000-1', '5000-2']);
  });

  it('keep at most the configured number of values and logs, dropping the least recently written', async () => {
    const kv = new MemoryKeyValueStore({ maxValues: 2, maxLogs: 2 });
    for (const id of ['a', 'b', 'c']) {
      await kv.set({ conversation: id, name: 'takeover' }, id, 60);
      await kv.append({ conversation: id, name: 'webbox' }, [id], { max: 10, ttlSeconds: 60 });
    }
    expect(await kv.get({ conversation: 'a', name: 'takeover' })).toBeUndefined();
    expect(await kv.get({ conversation: 'c', name: 'takeover' })).toBe('c');
    expect(await kv.entries({ conversation: 'a', name: 'webbox' }, undefined, 10)).toEqual([]);
    expect((await kv.entries({ conversation: 'b', name: 'webbox' }, undefined, 10)).map((e) => e.value)).toEqual(['b']);
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
