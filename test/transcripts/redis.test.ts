/** The transcript store on the real Redis at REDIS_URL, under a unique key prefix per run (cleaned up after). */
import { describe, expect, it } from 'vitest';
import { RedisTranscriptStore } from '../../src/transcripts/redis.js';
import { rawClient, uniquePrefix } from '../state/helpers.js';
import { redisConnections } from './redis-connections.js';
import { transcriptStoreContract } from './contract.js';
import { DAY, T0, textTurn } from './fixtures.js';

const connect = redisConnections();

// A fresh prefix per test keeps each test's conversations to itself. The clock sits at T0 so the index trim
// (by retention) keeps the fixtures' times.
transcriptStoreContract('redis', async (options) => new RedisTranscriptStore(await connect(uniquePrefix('tx')), { clock: () => T0, ...options }));

describe('RedisTranscriptStore layout', () => {
  it('keeps a conversation in one hash-tagged stream + summary with the retention as TTL, indexed by activity', async () => {
    const prefix = uniquePrefix('txk');
    const conn = await connect(prefix);
    const s = new RedisTranscriptStore(conn, { retentionDays: 3, clock: () => T0 });
    await s.append(textTurn('k{1}', T0));
    await s.annotate({ conversation: 'k{1}', seq: 1, intent: 'error_send', atMs: T0 });
    const c = await rawClient();
    try {
      const all = (await c.keys(`${prefix}:*`)).sort();
      // The search index's bigram sets (search-redis.ts) live in week buckets of their own.
      const keys = all.filter((k) => !k.startsWith(`${prefix}:{sxn:`));
      expect(all.length - keys.length).toBeGreaterThan(0);
      expect(keys).toEqual(
        [
          `${prefix}:tx:annotated`,
          `${prefix}:tx:index`,
          `${prefix}:{c:k%7B1%7D}:tx`,
          `${prefix}:{c:k%7B1%7D}:tx:meta`,
          `${prefix}:{c:k%7B1%7D}:tx:notes`,
          `${prefix}:{c:k%7B1%7D}:tx:sx`,
        ].sort(),
      );
      expect(await c.type(`${prefix}:{c:k%7B1%7D}:tx`)).toBe('stream');
      for (const k of keys.filter((k) => k.includes('{c:'))) {
        const ttl = await c.ttl(k);
        expect(ttl).toBeGreaterThan(3 * 86_400 - 60);
        expect(ttl).toBeLessThanOrEqual(3 * 86_400);
      }
      expect(await c.zScore(`${prefix}:tx:index`, 'k{1}')).toBe(T0);
    } finally {
      await c.close();
    }
  });

  it('drops index entries older than the retention and of conversations whose keys expired', async () => {
    const prefix = uniquePrefix('txr');
    const conn = await connect(prefix);
    let now = T0;
    const s = new RedisTranscriptStore(conn, { retentionDays: 1, clock: () => now });
    await s.append(textTurn('gone', T0));
    await s.append(textTurn('kept', T0 + DAY / 2));
    const c = await rawClient();
    try {
      await c.del(`${prefix}:{c:kept}:tx:meta`); // as if it had expired
      now = T0 + DAY + 1;
      expect(await s.summaries()).toEqual([]);
      expect(await c.zCard(`${prefix}:tx:index`)).toBe(1); // 'gone' is past retention (not listed), 'kept' was cleaned
      expect(await c.zScore(`${prefix}:tx:index`, 'kept')).toBeNull();
    } finally {
      await c.close();
    }
  });

  it('is readable by a second connection (another replica, the CLI)', async () => {
    const prefix = uniquePrefix('txs');
    const a = new RedisTranscriptStore(await connect(prefix), { clock: () => T0 });
    const b = new RedisTranscriptStore(await connect(prefix), { clock: () => T0 });
    await a.append(textTurn('shared', T0));
    await b.append(textTurn('shared', T0 + 1000, { text: '二通目' }));
    expect((await a.turns('shared')).map((t) => [t.seq, t.text])).toEqual([
      [1, 'メールを取得できません'],
      [2, '二通目'],
    ]);
  });

  it('two replicas appending to one conversation at once lose and repeat no number (optimistic revision check)', async () => {
    const prefix = uniquePrefix('txc');
    const a = new RedisTranscriptStore(await connect(prefix), { clock: () => T0 });
    const b = new RedisTranscriptStore(await connect(prefix), { clock: () => T0 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).append(textTurn('both', T0 + i, { text: `x${i}` }))));
    const turns = await a.turns('both');
    expect(turns.map((t) => t.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(new Set(turns.map((t) => t.text)).size).toBe(10);
  });

  it('a replica whose remembered summary went stale (the other wrote in between) reads it again and loses no turn', async () => {
    const prefix = uniquePrefix('txs');
    const a = new RedisTranscriptStore(await connect(prefix), { clock: () => T0 });
    const b = new RedisTranscriptStore(await connect(prefix), { clock: () => T0 });
    for (let i = 0; i < 6; i++) await (i % 2 ? a : b).append(textTurn('turns', T0 + i, { text: `y${i}` }));
    expect((await a.turns('turns')).map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await b.summary('turns')).toMatchObject({ turns: 6 });
  });
});
