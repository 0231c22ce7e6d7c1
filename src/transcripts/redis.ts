/**
 * Transcripts in Redis, shared by every replica and readable by the `mailmedic transcripts` CLI.
 *
 * Key layout (the per-conversation keys share the conversation's hash tag, so they sit on one Cluster slot and
 * one script may touch them together):
 *   <p>:{c:<id>}:tx          STREAM, one entry per turn (`e` = turn JSON) or staff event (`x` = event JSON),
 *                            XADD … MAXLEN ~ maxTurns
 *   <p>:{c:<id>}:tx:meta     HASH rev (revision, for optimistic updates) · s (ConversationSummary JSON)
 *   <p>:{c:<id>}:tx:notes    HASH seq → Annotation JSON
 *   <p>:tx:index             ZSET conversation id → last activity, ms (for listing by date)
 *   <p>:tx:annotated         ZSET conversation id → last annotation, ms (for export --corrections)
 *   <p>:{c:<id>}:tx:sx       HASH the text-search index's copy of the texts, and its bigram sets (search-redis.ts)
 * Retention: every write sets EXPIRE (retention days) on the conversation's keys, so a transcript lives that long
 * after its last turn; the two indexes are trimmed by score on each write and cleaned of expired ids on read.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodedError, ErrorCode, type Logger } from '../core/index.js';
import type { RedisCommander, RedisConnection } from '../state/redis.js';
import { adoptLateEvents, applyEvent, applyTurn, normaliseSummary, preview, type NewTurn } from './summary.js';
import { actedReading } from './fallback.js';
import { RedisSearchIndex, type SearchCandidate } from './search-redis.js';
import type {
  Annotation,
  ConversationSummary,
  TranscriptEvent,
  TranscriptStore,
  TranscriptStoreOptions,
  TranscriptTurn,
} from './types.js';

/** Writes the summary only if nobody else did since it was read; appends the stream entry in the same step. */
const WRITE = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if (rev or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 's', ARGV[3])
if ARGV[4] ~= '' then redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', ARGV[4], ARGV[5]) end
local ttl = tonumber(ARGV[7])
redis.call('EXPIRE', KEYS[1], ttl)
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ttl) end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ttl) end
return 1`;

/** Conversations whose last written summary a process remembers (RedisTranscriptStore.#lastWritten). */
const LAST_WRITTEN_MAX = 10_000;

/** Optimistic retries before a write gives up (replicas writing one conversation at the same instant). */
const MAX_TRIES = 20;
const DAY_MS = 86_400_000;

/** What a write changes: the summary, the stream entry appended with it, and the turn it records (for the search index). */
interface Change<T> {
  summary: ConversationSummary;
  entry?: [string, string];
  result: T;
  turn?: TranscriptTurn;
}

export interface RedisTranscriptOptions extends TranscriptStoreOptions {
  logger?: Logger;
}

export class RedisTranscriptStore implements TranscriptStore {
  readonly kind = 'redis' as const;
  readonly #conn: RedisConnection;
  readonly #retentionMs: number;
  readonly #maxTurns: number;
  readonly #clock: () => number;
  /** Writes of one conversation in this process run one after another: only other replicas can race. */
  readonly #chains = new Map<string, Promise<unknown>>();
  /**
   * The revision and summary this process last wrote, per conversation (most recent LAST_WRITTEN_MAX): the next
   * write of the conversation starts from it instead of reading it back (one round trip less per turn). The
   * revision check still guards it — if another replica wrote since, or the key expired, the write is refused and
   * retried from a fresh read.
   */
  readonly #lastWritten = new Map<string, { rev: string; summary: ConversationSummary }>();
  readonly #search: RedisSearchIndex;

  constructor(conn: RedisConnection, options: RedisTranscriptOptions = {}) {
    this.#conn = conn;
    this.#retentionMs = (options.retentionDays ?? 90) * DAY_MS;
    this.#maxTurns = options.maxTurns ?? 1_000;
    this.#clock = options.clock ?? Date.now;
    this.#search = new RedisSearchIndex(conn, {
      retentionMs: this.#retentionMs,
      maxTurns: this.#maxTurns,
      clock: this.#clock,
      ...(options.logger ? { logger: options.logger } : {}),
      turns: (id) => this.turns(id),
      ids: async () => {
        const floor = this.#clock() - this.#retentionMs;
        return (await this.#run('list', (c) => c.zRange(this.#index, '+inf', String(floor), { BY: 'SCORE', REV: true }))).map(String);
      },
    });
  }

  /** The text-search index (search-redis.ts): the benchmark and the tests wait for its rebuild. */
  get searchIndex(): RedisSearchIndex {
    return this.#search;
  }

  textSearch(needle: string, candidates: SearchCandidate[]): Promise<Set<string> | undefined> {
    return this.#search.search(needle, candidates);
  }

  #k(id: string) {
    const tag = this.#conn.keys.tag(id);
    return { stream: `${tag}:tx`, meta: `${tag}:tx:meta`, notes: `${tag}:tx:notes` };
  }
  get #index() {
    return `${this.#conn.keys.prefix}:tx:index`;
  }
  get #annotated() {
    return `${this.#conn.keys.prefix}:tx:annotated`;
  }

  #run<T>(what: string, fn: (c: RedisCommander) => Promise<T>): Promise<T> {
    return this.#conn.run(`transcripts ${what}`, fn);
  }

  async #read(id: string): Promise<{ rev: string; summary?: ConversationSummary }> {
    const [rev, s] = await this.#run('read summary', (c) => c.hmGet(this.#k(id).meta, ['rev', 's']));
    if (rev === null || rev === undefined || s === null || s === undefined) return { rev: '' };
    return { rev: String(rev), summary: normaliseSummary(JSON.parse(String(s)) as ConversationSummary) };
  }

  /**
   * Read-modify-write of the summary with an optimistic revision check; `entry` (field, JSON) is appended to the
   * stream atomically with the summary. Returns what `change` returned, or undefined when it declined.
   */
  #update<T>(
    id: string,
    change: (prev: ConversationSummary | undefined) => Change<T> | undefined,
    remembered = false,
  ): Promise<T | undefined> {
    const run = (this.#chains.get(id) ?? Promise.resolve()).then(
      () => this.#tryUpdate(id, change, remembered),
      () => this.#tryUpdate(id, change, remembered),
    );
    this.#chains.set(id, run);
    const forget = () => {
      if (this.#chains.get(id) === run) this.#chains.delete(id);
    };
    run.then(forget, forget);
    return run;
  }

  async #tryUpdate<T>(
    id: string,
    change: (prev: ConversationSummary | undefined) => Change<T> | undefined,
    remembered: boolean,
  ): Promise<T | undefined> {
    const k = this.#k(id);
    for (let i = 0; i < MAX_TRIES; i++) {
      // Only a change that never declines may start from memory: one that decides from the summary (a recount)
      // must see the stored one, since a stale copy could make it decline wrongly.
      const known = remembered && i === 0 ? this.#lastWritten.get(id) : undefined;
      const { rev, summary } = known ?? (await this.#read(id));
      const next = change(summary);
      if (!next) return undefined;
      const newRev = randomUUID();
      const ok = await this.#run('write', (c) =>
        c.eval(WRITE, {
          keys: [k.meta, k.stream, k.notes],
          arguments: [
            rev,
            newRev,
            JSON.stringify(next.summary),
            next.entry?.[0] ?? '',
            next.entry?.[1] ?? '',
            String(this.#maxTurns),
            String(Math.ceil(this.#retentionMs / 1000)),
          ],
        }),
      );
      this.#lastWritten.delete(id);
      if (Number(ok) === 1) {
        this.#lastWritten.set(id, { rev: newRev, summary: next.summary });
        if (this.#lastWritten.size > LAST_WRITTEN_MAX) this.#lastWritten.delete(this.#lastWritten.keys().next().value!);
        await this.#touchIndex(this.#index, id, next.summary.updatedAtMs);
        await this.#search.written(id, next.turn, (summary?.turns ?? 0) > 0);
        return next.result;
      }
      // Another replica wrote in between: read again after a short, jittered pause (at once when only the
      // remembered revision was stale).
      if (known) continue;
      await sleep(2 + Math.random() * 8 * (i + 1));
    }
    throw new CodedError(ErrorCode.LockTimeout, `transcript of ${id} kept changing; write abandoned after ${MAX_TRIES} tries`);
  }

  async #touchIndex(key: string, id: string, score: number): Promise<void> {
    const oldest = this.#clock() - this.#retentionMs;
    // Sent together (one round trip, node-redis pipelines commands of one tick), applied in this order.
    await this.#run('index', (c) =>
      Promise.all([c.zAdd(key, { score, value: id }, { GT: true }), c.zRemRangeByScore(key, '-inf', `(${oldest}`)]),
    );
  }

  async append(input: NewTurn): Promise<TranscriptTurn> {
    const out = await this.#update(input.conversation, (prev) => {
      const { summary, turn } = applyTurn(prev, input);
      return { summary, entry: ['e', JSON.stringify(turn)], result: turn, turn };
    }, true);
    return out as TranscriptTurn;
  }

  async addEvent(conversationId: string, event: TranscriptEvent, atMs: number): Promise<boolean> {
    const done = await this.#update(conversationId, (prev) =>
      prev ? { summary: applyEvent(prev, event, atMs), entry: ['x', JSON.stringify({ atMs, event })], result: true } : undefined,
    );
    return done === true;
  }

  async summary(conversationId: string): Promise<ConversationSummary | undefined> {
    return (await this.#read(conversationId)).summary;
  }

  async turns(conversationId: string): Promise<TranscriptTurn[]> {
    const entries = await this.#run('read turns', (c) => c.xRange(this.#k(conversationId).stream, '-', '+'));
    const turns: TranscriptTurn[] = [];
    let late: Array<{ event: TranscriptEvent; atMs: number }> = [];
    for (const m of entries ?? []) {
      const msg = m.message as Record<string, string>;
      if (msg.e) {
        const turn = JSON.parse(msg.e) as TranscriptTurn;
        // One that happened while this turn ran (the ticket-filed message) belongs to it (as the memory store does).
        adoptLateEvents(turns[turns.length - 1], turn, late);
        late = [];
        turns.push(turn);
      } else if (msg.x) {
        // A staff event belongs to the turn before it.
        const x = JSON.parse(msg.x) as { event: TranscriptEvent; atMs: number };
        const last = turns[turns.length - 1];
        if (last) {
          last.events.push(x.event);
          late.push(x);
        }
      }
    }
    return turns;
  }

  async summaries(sinceMs?: number): Promise<ConversationSummary[]> {
    const floor = Math.max(sinceMs ?? 0, this.#clock() - this.#retentionMs);
    const ids = await this.#run('list', (c) => c.zRange(this.#index, '+inf', String(floor), { BY: 'SCORE', REV: true }));
    const out: ConversationSummary[] = [];
    const gone: string[] = [];
    // In batches: one HGET per conversation, a few hundred in flight at most.
    for (let i = 0; i < ids.length; i += 200) {
      const batch = ids.slice(i, i + 200).map(String);
      const raws = await Promise.all(batch.map((id) => this.#run('list summary', (c) => c.hGet(this.#k(id).meta, 's'))));
      raws.forEach((raw, j) => {
        if (raw === null || raw === undefined) gone.push(batch[j] as string);
        else out.push(normaliseSummary(JSON.parse(String(raw)) as ConversationSummary));
      });
    }
    if (gone.length) await this.#run('index clean', (c) => c.zRem(this.#index, gone));
    return out;
  }

  async annotate(a: Omit<Annotation, 'text' | 'locale' | 'predicted' | 'predictedAct' | 'nodeBefore'>): Promise<Annotation | undefined> {
    const turns = await this.turns(a.conversation);
    const turn = turns.find((t) => t.seq === a.seq);
    if (!turn || (turn.text === undefined && a.act === undefined && a.flag === undefined)) return undefined;
    const full: Annotation = { ...a, text: turn.text ?? '', locale: turn.locale ?? 'ja', predicted: turn.intent ?? null, predictedAct: actedReading(turn)?.act ?? null, nodeBefore: turn.nodeBefore };
    const k = this.#k(a.conversation);
    await this.#run('annotate', async (c) => {
      await c.hSet(k.notes, String(a.seq), JSON.stringify(full));
      await c.expire(k.notes, Math.ceil(this.#retentionMs / 1000));
    });
    await this.#recount(a.conversation);
    await this.#run('annotated index', (c) => c.zAdd(this.#annotated, { score: a.atMs, value: a.conversation }));
    return full;
  }

  async #recount(id: string): Promise<void> {
    const n = await this.#run('count notes', (c) => c.hLen(this.#k(id).notes));
    await this.#update(id, (prev) =>
      prev && prev.annotations !== Number(n) ? { summary: { ...prev, annotations: Number(n) }, result: true } : undefined,
    );
  }

  async unannotate(conversationId: string, seq: number): Promise<boolean> {
    const n = await this.#run('unannotate', (c) => c.hDel(this.#k(conversationId).notes, String(seq)));
    if (Number(n) === 0) return false;
    await this.#recount(conversationId);
    return true;
  }

  async annotations(conversationId: string): Promise<Annotation[]> {
    const all = await this.#run('read notes', (c) => c.hGetAll(this.#k(conversationId).notes));
    return Object.values(all as Record<string, string>)
      .map((v) => JSON.parse(v) as Annotation)
      .sort((x, y) => x.seq - y.seq);
  }

  async allAnnotations(): Promise<Annotation[]> {
    const ids = await this.#run('annotated list', (c) => c.zRange(this.#annotated, 0, -1));
    const out: Annotation[] = [];
    const gone: string[] = [];
    for (const id of ids.map(String)) {
      const notes = await this.annotations(id);
      if (notes.length === 0) gone.push(id);
      out.push(...notes);
    }
    if (gone.length) await this.#run('annotated clean', (c) => c.zRem(this.#annotated, gone));
    return out.sort((x, y) => x.atMs - y.atMs);
  }

  async erase(conversationId: string): Promise<boolean> {
    const k = this.#k(conversationId);
    await this.#search.forget(conversationId);
    const n = await this.#run('erase', async (c) => {
      // One DEL per key: the keys share a hash tag, but a multi-key DEL is avoided for proxies that split them.
      let gone = 0;
      for (const key of [k.meta, k.stream, k.notes]) gone += Number(await c.del(key));
      await c.zRem(this.#index, conversationId);
      await c.zRem(this.#annotated, conversationId);
      return gone;
    });
    return n > 0;
  }

  async rewrite(conversationId: string, rewrite: (turn: TranscriptTurn) => TranscriptTurn): Promise<boolean> {
    const k = this.#k(conversationId);
    const entries = await this.#run('read turns', (c) => c.xRange(k.stream, '-', '+'));
    if (!entries || entries.length === 0) return false;
    const next: Array<Record<string, string>> = [];
    for (const m of entries) {
      const msg = m.message as Record<string, string>;
      if (msg.e) next.push({ e: JSON.stringify(rewrite(JSON.parse(msg.e) as TranscriptTurn)) });
      else if (msg.x) {
        // A staff event on its own: rewritten as the only event of an empty turn.
        const parsed = JSON.parse(msg.x) as { atMs: number; event: TranscriptEvent };
        const probe = rewrite({ replies: [], events: [parsed.event] } as unknown as TranscriptTurn);
        next.push({ x: JSON.stringify({ ...parsed, event: probe.events[0] ?? parsed.event }) });
      }
    }
    // Stream entries cannot be edited in place: the stream is written again, in order, then expires as before.
    await this.#run('rewrite', async (c) => {
      await c.del(k.stream);
      for (const fields of next) await c.xAdd(k.stream, '*', fields);
      await c.expire(k.stream, Math.ceil(this.#retentionMs / 1000));
    });
    await this.#search.rewritten(conversationId);
    const first = (await this.turns(conversationId)).find((t) => t.text);
    if (first?.text) {
      const p = preview(first.text);
      await this.#update(conversationId, (prev) => (prev && prev.preview !== p ? { summary: { ...prev, preview: p }, result: true } : undefined));
    }
    return true;
  }

  /** The connection belongs to the stores (closed by Stores.health.close). */
  async close(): Promise<void> {}
}
