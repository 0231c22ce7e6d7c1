import { describe, expect, it } from 'vitest';
import { MemoryTtlMap } from '../../src/state/memory.js';

describe('MemoryTtlMap (the TTL map behind the memory stores)', () => {
  it('forgets a value once its TTL has passed, like a Redis key with EX', () => {
    let now = 1_000;
    const m = new MemoryTtlMap({ clock: () => now });
    m.set('k', 'v', 2);
    now += 1_999;
    expect(m.get('k')).toBe('v');
    now += 1;
    expect(m.get('k')).toBeUndefined();
  });

  it('restarts the TTL when a key is written again', () => {
    let now = 0;
    const m = new MemoryTtlMap({ clock: () => now });
    m.set('k', 'a', 1);
    now = 900;
    m.set('k', 'b', 1);
    now = 1_500;
    expect(m.get('k')).toBe('b');
  });

  it('with max, drops the least recently written key first', () => {
    const m = new MemoryTtlMap({ max: 2 });
    m.set('a', '1', 60);
    m.set('b', '2', 60);
    m.set('a', '1+', 60); // rewritten: now the newest
    m.set('c', '3', 60);
    expect([m.get('a'), m.get('b'), m.get('c')]).toEqual(['1+', undefined, '3']);
  });

  it('delete says whether a live value was there', () => {
    let now = 0;
    const m = new MemoryTtlMap({ clock: () => now });
    m.set('live', 'x', 10);
    m.set('stale', 'y', 1);
    now = 5_000;
    expect(m.delete('live')).toBe(true);
    expect(m.delete('stale')).toBe(false);
    expect(m.delete('never')).toBe(false);
    expect(m.get('live')).toBeUndefined();
  });

  it('sweeps expired keys on writes, so expired entries never make max evict a live one', () => {
    let now = 0;
    const m = new MemoryTtlMap({ clock: () => now, max: 3, sweepEvery: 1 });
    m.set('live', 'y', 100);
    m.set('short1', 'x', 1);
    m.set('short2', 'x', 1);
    now = 10_000;
    m.set('new', 'z', 100);
    // Without the sweep, the fourth key would evict 'live' (the oldest write) and keep the two expired ones.
    expect([m.get('live'), m.get('new')]).toEqual(['y', 'z']);
  });
});
