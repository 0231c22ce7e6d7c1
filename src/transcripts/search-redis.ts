/**
 * The Redis transcript store's text-search index (the search's definition: search.ts). Plain Redis structures — no
 * RediSearch module:
 *   <p>:{c:<id>}:tx:sx            HASH seq → the turn's texts as the search sees them (re-redacted, folded, search.ts
 *                                 searchText) · w → the week bucket the conversation's bigrams were last added to.
 *                                 TTL: the retention, renewed by every write of the conversation (as its transcript).
 *   <p>:{sxn:<week>}:<bigram>     SET of the conversations whose texts hold the bigram, each as its number (memberOf: a
 *                                 48-bit number from the id, so Redis keeps a set of up to set-max-intset-entries
 *                                 members as an intset, 8 bytes a member, instead of a hash table of strings, ~60),
 *                                 per week bucket (week = ms since epoch / 7 days) of the write; expires the retention
 *                                 after the week's end (set when the set is created).
 *   <p>:tx:sxn:ready              STRING the fingerprint (search.ts) the whole index was built with
 *   <p>:tx:sx:building            STRING a rebuild's lock (EX 10 min)
 *
 * Expiry: a conversation's bigrams must live as long as its transcript, which lives the retention after its LAST write.
 * A write adds the turn's bigrams to the current week's sets; the first write of a conversation in a new week adds all
 * its texts' bigrams again (from the index hash, one read) to that week — so the newest bucket that names it always
 * holds all its bigrams and expires after the transcript. Old buckets expire by themselves: the index never grows past
 * retention + 1 week of writes. The bigram sets may name a conversation that is gone (erased bigrams are removed,
 * expired ones wait for their bucket): the search only ever checks ids from the live list.
 *
 * Conversations written before the index existed: the first write of such a conversation (no `w`) indexes its whole
 * transcript; the others are indexed by a rebuild, started by the first text search of a process that finds no
 * `ready` marker with the current fingerprint (lazily, in the background, one process at a time); until it is done the
 * search reads every transcript (the plain scan), so results are the same, only slower.
 *
 * Numbers, not ids, in the sets (round 25, handoff-25: the sets were 3× the transcripts' memory — `npm run bench:admin`,
 * README § Performance): the search only ever checks candidates from the live list, so it compares their numbers; two
 * ids that share a number (≈ 2·10^-5 pairs expected among 10^5 conversations) only make an extra candidate, which the copies
 * decide. The sets of the index before (`{sx:<week>}`, ids as strings, ready marker `tx:sx:ready`) are no longer read:
 * this version rebuilds into its own keys and the old buckets expire by themselves (retention + a week at most).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../core/index.js';
import type { RedisCommander, RedisConnection } from '../state/redis.js';
import { bigrams, searchIndexFingerprint, searchText, TEXT_SEP, turnMatches } from './search.js';
import type { TranscriptTurn } from './types.js';

const WEEK_MS = 7 * 86_400_000;
/** Adds the id to each bigram set (KEYS, one week bucket: one hash tag); sets the expiry (ARGV[2] s) of a set it created. */
const ADD = `
local n = 0
for i = 1, #KEYS do
  if redis.call('SADD', KEYS[i], ARGV[1]) == 1 then
    n = n + 1
    if redis.call('TTL', KEYS[i]) == -1 then redis.call('EXPIRE', KEYS[i], ARGV[2]) end
  end
end
return n`;
/** Bigram keys per script call (a long reply has a few hundred). */
const ADD_BATCH = 1_000;
/** Conversations checked per round trip. */
const CHECK_BATCH = 200;

/**
 * A conversation's member in the bigram sets: 48 bits of the SHA-1 of its id, in decimal — an integer, so a set of up to
 * set-max-intset-entries (512) members is an intset. Erasing a conversation removes its number from its bigrams' sets:
 * another conversation sharing the number (≈ n²/2^49 pairs) could lose a bigram there — it is still found by any needle
 * whose bigrams it kept, and a rebuild restores it.
 */
export function memberOf(id: string): string {
  return String(createHash('sha1').update(id).digest().readUIntBE(0, 6));
}

export interface RedisSearchIndexOptions {
  retentionMs: number;
  /** The stream's MAXLEN: a stream that long may have lost old turns the index still holds. */
  maxTurns: number;
  clock: () => number;
  logger?: Logger;
  /** The conversation's turns as stored (the store's `turns`). */
  turns: (id: string) => Promise<TranscriptTurn[]>;
  /** Every conversation id the store lists (its activity index). */
  ids: () => Promise<string[]>;
}

/** One conversation as the search gets it: id and the turns its summary counts. */
export interface SearchCandidate {
  id: string;
  turns: number;
}

export class RedisSearchIndex {
  readonly #conn: RedisConnection;
  readonly #o: RedisSearchIndexOptions;
  #rebuilding: Promise<void> | undefined;

  constructor(conn: RedisConnection, options: RedisSearchIndexOptions) {
    this.#conn = conn;
    this.#o = options;
  }

  #run<T>(what: string, fn: (c: RedisCommander) => Promise<T>): Promise<T> {
    return this.#conn.run(`search index ${what}`, fn);
  }
  #doc(id: string) {
    return `${this.#conn.keys.tag(id)}:tx:sx`;
  }
  #stream(id: string) {
    return `${this.#conn.keys.tag(id)}:tx`;
  }
  #gram(week: number, gram: string) {
    return `${this.#conn.keys.prefix}:{sxn:${week}}:${gram}`;
  }
  get #ready() {
    return `${this.#conn.keys.prefix}:tx:sxn:ready`;
  }
  get #lock() {
    return `${this.#conn.keys.prefix}:tx:sx:building`;
  }
  get #ttl() {
    return Math.ceil(this.#o.retentionMs / 1000);
  }
  #week(): number {
    return Math.floor(this.#o.clock() / WEEK_MS);
  }
  /** The week buckets that may still exist: from the oldest a live transcript can be in, to this one. */
  #weeks(): number[] {
    const out: number[] = [];
    for (let w = Math.floor((this.#o.clock() - this.#o.retentionMs) / WEEK_MS) - 1; w <= this.#week(); w++) out.push(w);
    return out;
  }

  /** Adds the conversation to the sets of `grams` in this week's bucket. */
  async #add(id: string, grams: Iterable<string>, week = this.#week()): Promise<void> {
    const keys = [...grams].map((g) => this.#gram(week, g));
    // Relative, as every transcript key's expiry (Redis's clock, not this process's): what is left of the week + the retention.
    const at = String(Math.max(1, Math.ceil(((week + 1) * WEEK_MS - this.#o.clock() + this.#o.retentionMs) / 1000)));
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < keys.length; i += ADD_BATCH) {
      const batch = keys.slice(i, i + ADD_BATCH);
      calls.push(this.#run('add', (c) => c.eval(ADD, { keys: batch, arguments: [memberOf(id), at] })));
    }
    await Promise.all(calls);
  }

  /** The index's copy of a conversation's texts: seq → folded texts (without `w`). */
  async #texts(id: string): Promise<{ texts: Map<number, string>; week?: number }> {
    const all = (await this.#run('read', (c) => c.hGetAll(this.#doc(id)))) as Record<string, string>;
    const texts = new Map<number, string>();
    for (const [k, v] of Object.entries(all)) if (k !== 'w') texts.set(Number(k), v);
    return { texts, ...(all.w !== undefined ? { week: Number(all.w) } : {}) };
  }

  /**
   * After every write of a conversation that the store made (a turn, a staff event, a recount): indexes the new turn,
   * renews the copy's expiry with the transcript's, and moves the conversation's bigrams to this week's bucket the
   * first time it is written in a new week. `hadTurns`: the conversation had turns before this write. A failure
   * withdraws the ready marker (the next search rebuilds; until then it scans) and is not thrown: the transcript is
   * written, only the search got slower.
   */
  async written(id: string, turn: TranscriptTurn | undefined, hadTurns: boolean): Promise<void> {
    try {
      const week = this.#week();
      const doc = this.#doc(id);
      const text = turn ? searchText(turn) : undefined;
      const fresh = turn?.seq === 1;
      const [[before]] = await Promise.all([
        this.#run('write', (c) =>
          Promise.all([
            fresh ? Promise.resolve(null) : c.hGet(doc, 'w'),
            // A conversation id used again after its transcript expired starts a new copy.
            ...(fresh ? [c.del(doc)] : []),
            c.hSet(doc, { ...(turn ? { [String(turn.seq)]: text as string } : {}), w: String(week) }),
            c.expire(doc, this.#ttl),
          ]),
        ),
        text ? this.#add(id, bigrams(text), week) : undefined,
      ]);
      const prevWeek = before === null || before === undefined ? undefined : Number(before);
      if (prevWeek === undefined && hadTurns && !fresh) await this.#reindex(id);
      else if (prevWeek !== undefined && prevWeek !== week) {
        const { texts } = await this.#texts(id);
        const grams = new Set<string>();
        for (const t of texts.values()) bigrams(t, grams);
        await this.#add(id, grams, week);
      }
    } catch (err) {
      this.#o.logger?.warn({ err }, 'transcript search index not updated: the search scans until it is rebuilt');
      await this.#run('unready', (c) => c.del(this.#ready)).catch(() => undefined);
    }
  }

  /** Indexes a conversation's whole transcript again (its copy written anew, its bigrams added to this week). */
  async #reindex(id: string): Promise<void> {
    const turns = await this.#o.turns(id);
    const doc = this.#doc(id);
    const week = this.#week();
    const fields: Record<string, string> = { w: String(week) };
    const grams = new Set<string>();
    for (const t of turns) {
      const text = searchText(t);
      fields[String(t.seq)] = text;
      bigrams(text, grams);
    }
    if (turns.length === 0) return;
    await this.#run('reindex', (c) => Promise.all([c.del(doc), c.hSet(doc, fields), c.expire(doc, this.#ttl), this.#add(id, grams, week)]));
  }

  /** Takes the conversation out of the index: its bigrams out of every bucket, its copy deleted (erasure, rewrite). */
  async forget(id: string): Promise<void> {
    const { texts } = await this.#texts(id);
    const grams = new Set<string>();
    for (const t of texts.values()) bigrams(t, grams);
    const weeks = this.#weeks();
    const member = memberOf(id);
    await this.#run('forget', (c) =>
      Promise.all([...weeks.flatMap((w) => [...grams].map((g) => c.sRem(this.#gram(w, g), member))), c.del(this.#doc(id))]),
    );
  }

  /** After the stored texts were rewritten (re-redaction on request): the old bigrams go, the new texts are indexed. */
  async rewritten(id: string): Promise<void> {
    await this.forget(id);
    await this.#reindex(id);
  }

  /** True when the whole index is there for the current fingerprint; otherwise starts the rebuild (once per process). */
  async ready(): Promise<boolean> {
    const v = await this.#run('ready', (c) => c.get(this.#ready));
    if (v === searchIndexFingerprint()) return true;
    if (!this.#rebuilding) {
      this.#rebuilding = this.rebuild()
        .catch((err) => this.#o.logger?.warn({ err }, 'transcript search index rebuild failed: the search scans'))
        .finally(() => {
          this.#rebuilding = undefined;
        });
    }
    return false;
  }

  /** The rebuild under way in this process, if any (the benchmark and the tests wait for it). */
  get rebuilding(): Promise<void> | undefined {
    return this.#rebuilding;
  }

  /**
   * Indexes every listed conversation from its transcript, then marks the index ready. One process at a time (a lock
   * with a 10-minute expiry); writes during the rebuild index themselves.
   */
  async rebuild(): Promise<void> {
    const token = randomUUID();
    const got = await this.#run('lock', (c) => c.set(this.#lock, token, { NX: true, EX: 600 }));
    if (got === null) return;
    const started = this.#o.clock();
    try {
      const ids = await this.#o.ids();
      for (let i = 0; i < ids.length; i += 20) await Promise.all(ids.slice(i, i + 20).map((id) => this.#reindex(id)));
      await this.#run('mark ready', (c) => c.set(this.#ready, searchIndexFingerprint()));
      this.#o.logger?.info({ conversations: ids.length, ms: this.#o.clock() - started }, 'transcript search index built');
    } finally {
      await this.#run('unlock', async (c) => {
        if ((await c.get(this.#lock)) === token) await c.del(this.#lock);
      });
    }
  }

  /**
   * The candidates whose texts contain the folded needle — undefined when the index cannot answer (not ready, or a
   * needle holding TEXT_SEP): the caller scans. Bigrams narrow the candidates (a needle of one character cannot be
   * narrowed: every candidate is checked), the index's copies decide; a conversation whose copy may not match its
   * transcript (a stream long enough to have been trimmed, a copy with another number of turns than its summary) is
   * checked on its transcript.
   */
  async search(needle: string, candidates: SearchCandidate[]): Promise<Set<string> | undefined> {
    if (needle.includes(TEXT_SEP) || !(await this.ready())) return undefined;
    let pool = candidates;
    const grams = [...bigrams(needle)];
    if (grams.length > 0 && candidates.length > 0) {
      const weeks = this.#weeks();
      const sets = await this.#run('narrow', (c) => Promise.all(weeks.map((w) => c.sInter(grams.map((g) => this.#gram(w, g))))));
      const found = new Set(sets.flat().map(String));
      pool = candidates.filter((s) => found.has(memberOf(s.id)));
    }
    const out = new Set<string>();
    for (let i = 0; i < pool.length; i += CHECK_BATCH) {
      const batch = pool.slice(i, i + CHECK_BATCH);
      const read = await this.#run('check', (c) =>
        Promise.all(batch.map((s) => Promise.all([c.hGetAll(this.#doc(s.id)), c.xLen(this.#stream(s.id))]))),
      );
      await Promise.all(
        batch.map(async (s, j) => {
          const [doc, len] = read[j] as [Record<string, string>, number];
          const texts = Object.entries(doc).filter(([k]) => k !== 'w');
          const trimmed = Number(len) >= this.#o.maxTurns;
          if (!trimmed && texts.length === s.turns) {
            if (texts.some(([, t]) => t.includes(needle))) out.add(s.id);
            return;
          }
          // A copy that lost a turn (a write that raced a rebuild) is made again for the next search.
          if (!trimmed) void this.#reindex(s.id).catch(() => undefined);
          if ((await this.#o.turns(s.id)).some((t) => turnMatches(t, needle))) out.add(s.id);
        }),
      );
    }
    return out;
  }
}
