/**
 * The Redis outbox store: survives restarts and is shared by replicas. Every operation is one Lua script, so
 * claim + enqueue, lease, and release are atomic.
 *
 * Key layout — all keys carry the hash tag `{<prefix>:outbox}`, so they live in one Redis Cluster slot and a
 * script may touch several of them. One slot per queue (not per ticket) is deliberate: moving a ticket between
 * the queue, the lease set and the dead-letter list must be atomic, and escalations are far too few for one slot
 * to be a hot spot.
 *   {p:outbox}:claim:<ticket id>   claim of a ticket id (SET NX, PX claimTtl)
 *   {p:outbox}:esc:<fingerprint>   claim of an escalation (SET NX, PX window) → the ticket id holding it
 *   {p:outbox}:records             HASH id → record JSON (pending, processing, dead)
 *   {p:outbox}:ready               ZSET id → due time, ms
 *   {p:outbox}:processing          ZSET id → lease expiry, ms
 *   {p:outbox}:leases              HASH id → lease token
 *   {p:outbox}:dead                ZSET id → time it died, ms
 *   {p:outbox}:done:<ticket id>    record JSON of a delivered / discarded ticket (PX keepMs)
 */
import type { RedisConnection } from '../state/redis.js';
import type { AddOptions, OutboxCounts, OutboxRecord, OutboxStore, SubmitResult } from './outbox.js';

/**
 * The one Redis capability the store needs. node-redis clients (single, Cluster, Sentinel) all have it; on a
 * Cluster the first key routes the script, and every key shares the hash tag.
 */
export interface RedisEval {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export interface RedisOutboxOptions {
  /** Key prefix; tests pass a unique one. Default 'mm'. */
  prefix?: string;
}

const ADD = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[4]) then
  return {'duplicate', redis.call('GET', KEYS[1]) or ARGV[1]}
end
if ARGV[6] == '1' then
  if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[5]) then
    return {'duplicate', redis.call('GET', KEYS[2]) or ARGV[1]}
  end
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
return {'accepted', ARGV[1]}`;

// KEYS: ready, processing, records, leases. ARGV: now, leaseMs, token.
const LEASE = `
local now = tonumber(ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 20)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[4], id)
  redis.call('ZADD', KEYS[1], now, id)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
if #due == 0 then return false end
local id = due[1]
redis.call('ZREM', KEYS[1], id)
local rec = redis.call('HGET', KEYS[3], id)
if not rec then return false end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), id)
redis.call('HSET', KEYS[4], id, ARGV[3])
return rec`;

// KEYS: processing, leases, records, ready, dead, done. ARGV: id, token, json, state, score, keepMs.
const RELEASE = `
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[4] == 'delivered' or ARGV[4] == 'renumbered' then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('SET', KEYS[6], ARGV[3], 'PX', ARGV[6])
elseif ARGV[4] == 'dead' then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
end
return 1`;

// KEYS: records, done. ARGV: id.
const GET = `
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if rec then return rec end
return redis.call('GET', KEYS[2])`;

// KEYS: dead, records. ARGV: limit.
const LIST_DEAD = `
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[2], unpack(ids))`;

// KEYS: dead, records, ready. ARGV: id, json, now.
const REQUEUE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`;

// KEYS: dead, records, done. ARGV: id, json, keepMs.
const DISCARD = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
return 1`;

// KEYS: ready, processing, dead.
const COUNTS = `return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])}`;

// KEYS: ready.
const NEXT_DUE = `
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
return r[2]`;

/** Key names of one outbox (exported for tests that clean up and for ops documentation). */
export function outboxKeys(prefix: string) {
  const tag = `{${prefix}:outbox}`;
  return {
    tag,
    claim: (id: string) => `${tag}:claim:${id}`,
    escalation: (fingerprint: string) => `${tag}:esc:${fingerprint}`,
    records: `${tag}:records`,
    ready: `${tag}:ready`,
    processing: `${tag}:processing`,
    leases: `${tag}:leases`,
    dead: `${tag}:dead`,
    done: (id: string) => `${tag}:done:${id}`,
  };
}

function parse(json: unknown): OutboxRecord | undefined {
  return typeof json === 'string' ? (JSON.parse(json) as OutboxRecord) : undefined;
}

export class RedisOutboxStore implements OutboxStore {
  readonly kind = 'redis' as const;
  readonly keys: ReturnType<typeof outboxKeys>;

  constructor(
    private readonly redis: RedisEval,
    options: RedisOutboxOptions = {},
  ) {
    this.keys = outboxKeys(options.prefix ?? 'mm');
  }

  private run(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    return this.redis.eval(script, { keys, arguments: args.map(String) });
  }

  async add(record: OutboxRecord, options: AddOptions): Promise<SubmitResult> {
    const k = this.keys;
    const esc = options.escalationKey;
    const r = (await this.run(
      ADD,
      [k.claim(record.id), k.escalation(esc ?? 'none'), k.records, k.ready],
      [record.id, JSON.stringify(record), record.nextAttemptAtMs, options.claimTtlMs, Math.max(1, options.escalationTtlMs), esc ? 1 : 0],
    )) as [string, string];
    return r[0] === 'accepted' ? { status: 'accepted', id: record.id } : { status: 'duplicate', id: record.id, of: r[1] };
  }

  async lease(nowMs: number, leaseMs: number, token: string): Promise<OutboxRecord | undefined> {
    const k = this.keys;
    return parse(await this.run(LEASE, [k.ready, k.processing, k.records, k.leases], [nowMs, leaseMs, token]));
  }

  async release(record: OutboxRecord, token: string, keepMs: number): Promise<boolean> {
    const k = this.keys;
    const score = record.state === 'dead' ? (record.deadAtMs ?? Date.now()) : record.nextAttemptAtMs;
    const r = await this.run(
      RELEASE,
      [k.processing, k.leases, k.records, k.ready, k.dead, k.done(record.id)],
      [record.id, token, JSON.stringify(record), record.state, score, keepMs],
    );
    return Number(r) === 1;
  }

  async get(id: string): Promise<OutboxRecord | undefined> {
    return parse(await this.run(GET, [this.keys.records, this.keys.done(id)], [id]));
  }

  async listDead(limit: number): Promise<OutboxRecord[]> {
    const r = (await this.run(LIST_DEAD, [this.keys.dead, this.keys.records], [Math.max(1, limit)])) as unknown[];
    return r.map(parse).filter((x): x is OutboxRecord => x !== undefined);
  }

  async requeueDead(record: OutboxRecord, nowMs: number): Promise<boolean> {
    const k = this.keys;
    return Number(await this.run(REQUEUE, [k.dead, k.records, k.ready], [record.id, JSON.stringify(record), nowMs])) === 1;
  }

  async discardDead(record: OutboxRecord, keepMs: number): Promise<boolean> {
    const k = this.keys;
    return (
      Number(await this.run(DISCARD, [k.dead, k.records, k.done(record.id)], [record.id, JSON.stringify(record), keepMs])) === 1
    );
  }

  async counts(): Promise<OutboxCounts> {
    const k = this.keys;
    const [pending, processing, dead] = (await this.run(COUNTS, [k.ready, k.processing, k.dead], [])) as number[];
    return { pending: Number(pending), processing: Number(processing), dead: Number(dead) };
  }

  async nextDueAtMs(): Promise<number | undefined> {
    const r = await this.run(NEXT_DUE, [this.keys.ready], []);
    return r === null || r === undefined ? undefined : Number(r);
  }
}

/**
 * The outbox store on the process's Redis connection (Stores.open): its key prefix, and every script through the
 * connection's time limit and error mapping (a failure is CodedError(StoreUnavailable), counted as op "outbox").
 */
export function redisOutboxStore(connection: RedisConnection): RedisOutboxStore {
  return new RedisOutboxStore({ eval: (script, options) => connection.run('outbox', (c) => c.eval(script, options)) }, { prefix: connection.keys.prefix });
}
