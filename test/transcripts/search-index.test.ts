/**
 * The Redis store's text-search index (src/transcripts/search-redis.ts) against a plain read of every transcript, on the
 * real Redis with a few hundred seeded conversations (ja and en, some with passwords, masked or — as an older version
 * stored them — unmasked): the same conversations for every needle, and a password value never found.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RedisTranscriptStore } from '../../src/transcripts/redis.js';
import { memberOf } from '../../src/transcripts/search-redis.js';
import { findConversations } from '../../src/transcripts/query.js';
import { reRedactSummary, reRedactTurn } from '../../src/transcripts/reredact.js';
import type { ConversationFilter, ConversationSummary, TranscriptStore } from '../../src/transcripts/types.js';
import { seedTranscripts, type Seeded } from '../../src/bench/admin-seed.js';
import { rawClient, uniquePrefix } from '../state/helpers.js';
import { redisConnections } from './redis-connections.js';
import { DAY, T0, textTurn } from './fixtures.js';

const connect = redisConnections();

const ctx = { nowMs: T0, abandonAfterMs: 30 * 60_000 };
const fold = (s: string) => s.normalize('NFKC').toLowerCase();

/** The search as it was before the index: every transcript read, its texts masked again, a folded substring. */
async function plainScan(store: TranscriptStore, filter: ConversationFilter): Promise<string[]> {
  const needle = fold((filter.text ?? '').trim());
  const { text: _text, ...rest } = filter;
  const all = (await findConversations(store, rest, ctx)).map((x) => reRedactSummary(x as ConversationSummary));
  const hit = await Promise.all(
    all.map(async (s) => {
      const meta = [s.id, s.ticketId ?? '', s.userId, s.userName ?? '', s.preview ?? ''].join('\n');
      const turns = (await store.turns(s.id)).map(reRedactTurn);
      return (
        fold(meta).includes(needle) ||
        turns.some((t) => (t.text !== undefined && fold(t.text).includes(needle)) || t.replies.some((r) => fold(r.text).includes(needle)))
      );
    }),
  );
  return all.filter((_, i) => hit[i]).map((s) => s.id).sort();
}
const indexed = async (store: TranscriptStore, filter: ConversationFilter) => (await findConversations(store, filter, ctx)).map((s) => s.id).sort();

describe('transcript search index (Redis)', () => {
  let store: RedisTranscriptStore;
  let seeded: Seeded;
  let prefix: string;

  beforeAll(async () => {
    prefix = uniquePrefix('sx');
    store = new RedisTranscriptStore(await connect(prefix), { clock: () => T0, retentionDays: 90 });
    seeded = await seedTranscripts(store, { conversations: 300, nowMs: T0, seed: 23, concurrency: 16 });
    // Nothing searched yet: the first search starts the rebuild (and scans); wait until it is done.
    await findConversations(store, { text: 'メール' }, ctx);
    await store.searchIndex.rebuilding;
    expect(await store.searchIndex.ready()).toBe(true);
  }, 180_000);

  const needles = [
    // user phrases, bot texts, both locales, short and long, width and case folded, a ticket number, one character
    '受信', '送信できない', 'パスワード', 'ＩＣＬＯＵＤ', 'icloud', 'Gmail', 'mail', 'MAIL won', 'restart', '再起動',
    '機内モード', 'ドコモ', 'app password', '担当者', 'MM-000', 'u-12', '佐藤', 'smith', '［伏字］', '[redacted]', 'メ', 'x',
    'できません。', '?', 'zzzz-not-there', 'ー', 'settings', 'の設定',
  ];

  it('finds the same conversations as a read of every transcript, for every needle and with other filters', async () => {
    let nonEmpty = 0;
    for (const text of needles) {
      const want = await plainScan(store, { text });
      expect({ text, got: await indexed(store, { text }) }).toEqual({ text, got: want });
      if (want.length > 0) nonEmpty++;
      for (const f of [{ channel: 'slack' as const }, { status: 'resolved' as const }, { fromMs: T0 - 7 * DAY }]) {
        expect({ text, f, got: await indexed(store, { ...f, text }) }).toEqual({ text, f, got: await plainScan(store, { ...f, text }) });
      }
    }
    // The needles do find things (a comparison of empty results would prove nothing).
    expect(nonEmpty).toBeGreaterThan(needles.length - 5);
  }, 300_000);

  it('never finds a typed password, masked when written or stored unmasked by an older version', async () => {
    expect(seeded.passwords.length).toBeGreaterThan(20);
    const c = await rawClient();
    try {
      // Some were stored unmasked (read-time redaction masks them): the index must not have learnt them either.
      let rawStored = 0;
      for (const pw of seeded.passwords) expect({ pw, found: await indexed(store, { text: pw }) }).toEqual({ pw, found: [] });
      for (const pw of seeded.passwords.slice(0, 6)) {
        expect(await plainScan(store, { text: pw })).toEqual([]);
        const part = pw.slice(2, 8);
        expect(await indexed(store, { text: part })).toEqual(await plainScan(store, { text: part }));
      }
      for (const id of seeded.ids) {
        const entries = await c.xRange(`${prefix}:{c:${id}}:tx`, '-', '+');
        if (seeded.passwords.some((pw) => (entries ?? []).some((e) => JSON.stringify(e.message).includes(pw)))) rawStored++;
        const copy = Object.values(await c.hGetAll(`${prefix}:{c:${id}}:tx:sx`)).join('\n');
        for (const pw of seeded.passwords) expect(copy.includes(fold(pw))).toBe(false);
      }
      expect(rawStored).toBeGreaterThan(0);
    } finally {
      await c.close();
    }
  }, 120_000);

  it('follows new turns, erasure and re-redaction at once', async () => {
    await store.append(textTurn('late-1', T0, { text: 'まったく新しい言葉ふぉるもさ' }));
    expect(await indexed(store, { text: 'ふぉるもさ' })).toEqual(['late-1']);
    await store.append(textTurn('late-1', T0 + 1, { text: 'つぎの言葉がらぱごす' }));
    expect(await indexed(store, { text: 'がらぱごす' })).toEqual(['late-1']);
    await store.erase('late-1');
    expect(await indexed(store, { text: 'ふぉるもさ' })).toEqual([]);
    // Stored unmasked (an older version), then masked again on request: the index forgets the value with the text.
    await store.append(textTurn('late-2', T0, { text: 'パスワードは Qx93!kdL0p です' }));
    expect(await plainScan(store, { text: 'Qx93!kdL0p' })).toEqual([]);
    expect(await indexed(store, { text: 'Qx93!kdL0p' })).toEqual([]);
    expect(await indexed(store, { text: 'パスワードは' })).toContain('late-2');
    await store.rewrite('late-2', reRedactTurn);
    expect(await indexed(store, { text: 'パスワードは' })).toContain('late-2');
    expect(await indexed(store, { text: 'qx93' })).toEqual(await plainScan(store, { text: 'qx93' }));
    // Erased: no bigram set names it any more.
    const c = await rawClient();
    try {
      expect(Object.values(await c.hGetAll(`${prefix}:{c:late-2}:tx:sx`)).join('\n')).not.toContain('qx93');
      expect(Number(await c.sIsMember(`${prefix}:{sxn:${Math.floor(T0 / (7 * DAY))}}:qx`, memberOf('late-2')))).toBe(0);
      const left: string[] = [];
      for await (const keys of c.scanIterator({ MATCH: `${prefix}:{sxn:*`, COUNT: 1000 })) {
        for (const k of keys) if (await c.sIsMember(k, memberOf('late-1'))) left.push(k);
      }
      expect(left).toEqual([]);
      // A conversation is in the sets as its number, not its id: a set of a few is an intset (8 bytes a member).
      await store.append(textTurn('late-3', T0, { text: 'ぺんぎんのことば' }));
      const set = `${prefix}:{sxn:${Math.floor(T0 / (7 * DAY))}}:ぺん`;
      expect(await c.sMembers(set)).toEqual([memberOf('late-3')]);
      expect(await c.sendCommand(['OBJECT', 'ENCODING', set])).toBe('intset');
      expect(await indexed(store, { text: 'ぺんぎん' })).toEqual(['late-3']);
    } finally {
      await c.close();
    }
  });
});

describe('transcript search index: expiry and conversations written before it', () => {
  it('keeps a conversation findable while its transcript lives, across weeks, and indexes old ones on their next turn', async () => {
    const prefix = uniquePrefix('sxw');
    let now = T0;
    const store = new RedisTranscriptStore(await connect(prefix), { clock: () => now, retentionDays: 30 });
    await store.append(textTurn('long', now, { text: 'こんにちは' }));
    // Not the first message: the list's preview would find it without the index.
    await store.append(textTurn('long', now + 60_000, { text: '最初の週のことばうみがめ' }));
    expect(await store.searchIndex.ready()).toBe(false);
    await store.searchIndex.rebuilding;
    // Six weeks of a turn a week: the first week's bucket expires (30 days after its week), the transcript lives on.
    for (let w = 1; w <= 6; w++) {
      now = T0 + w * 7 * DAY;
      await store.append(textTurn('long', now, { text: `週${w}` }));
    }
    const c = await rawClient();
    try {
      // Redis expires keys by its own clock: the store's clock moved, Redis's did not — drop the buckets that would have
      // (a week's sets live the retention after the week's end).
      let expired = 0;
      for await (const keys of c.scanIterator({ MATCH: `${prefix}:{sxn:*`, COUNT: 1000 })) {
        for (const k of keys) {
          const week = Number(/\{sxn:(\d+)\}/.exec(k)?.[1]);
          const ttl = await c.ttl(k);
          expect(ttl).toBeGreaterThan(0);
          if ((week + 1) * 7 * DAY + 30 * DAY <= now) expired += await c.del(k);
        }
      }
      expect(expired).toBeGreaterThan(0);
      const f = { nowMs: now, abandonAfterMs: 30 * 60_000 };
      expect((await findConversations(store, { text: 'うみがめ' }, f)).map((s) => s.id)).toEqual(['long']);

      // A conversation written before the index existed (its copy gone): found by the rebuild, and after its next turn.
      await c.del(`${prefix}:{c:long}:tx:sx`);
      await c.del(`${prefix}:tx:sxn:ready`);
      expect((await findConversations(store, { text: 'うみがめ' }, f)).map((s) => s.id)).toEqual(['long']);
      await store.searchIndex.rebuilding;
      expect(await store.searchIndex.ready()).toBe(true);
      expect((await findConversations(store, { text: 'うみがめ' }, f)).map((s) => s.id)).toEqual(['long']);
      await c.del(`${prefix}:{c:long}:tx:sx`);
      now += DAY;
      await store.append(textTurn('long', now, { text: 'またね' }));
      expect(await c.hGet(`${prefix}:{c:long}:tx:sx`, '2')).toContain('うみがめ');
      expect((await findConversations(store, { text: 'うみがめ' }, { ...f, nowMs: now })).map((s) => s.id)).toEqual(['long']);
    } finally {
      await c.close();
    }
  });
});
