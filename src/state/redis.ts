/**
 * The one place that opens Redis (single server, Cluster or Sentinel) and the Redis stores built on it.
 *
 * Failure policy: commands fail fast while Redis is unreachable (`disableOfflineQueue`, a per-command time
 * limit) with CodedError(StoreUnavailable), so a turn answers "try again shortly" instead of hanging; the
 * client reconnects by itself with capped backoff; errors are logged (an 'error' listener is always attached,
 * so a dropped connection never crashes the process).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../core/backoff.js';
import {
  createClient,
  createCluster,
  createSentinel,
  type RedisClientType,
  type RedisClusterType,
  type RedisSentinelType,
} from 'redis';
import { CodedError, ErrorCode, type Logger } from '../core/index.js';
import type { UtcOffset } from '../core/time-zone.js';
import type { RedisConfig } from '../config/index.js';
import type { ConversationState } from '../dialog/types.js';
import { createKeys, type Keys } from './keys.js';
import type {
  ConnectionStatus,
  ConversationStore,
  DeliveryClaim,
  DeliveryKey,
  DeliveryStore,
  KeyValueStore,
  LogEntry,
  SetOptions,
  StoreHealth,
  StoreKey,
  TicketIds,
} from './types.js';
import { formatTicketId, ticketDay, ticketFloor } from './ticket-id.js';

/** Any of the three node-redis client kinds; they share the command methods used here. */
export type RedisCommander = RedisClientType | RedisClusterType | RedisSentinelType;

export interface RedisConnectionOptions {
  /** Key prefix (default 'mm'). Tests pass a unique one. */
  prefix?: string;
  /** Longest a single command may take before it fails with StoreUnavailable, ms. Default 2,000. */
  commandTimeoutMs?: number;
  /** TCP connect time limit, ms. Default 2,000. */
  connectTimeoutMs?: number;
  /** Cap of the reconnect backoff, ms. Default 2,000. */
  maxReconnectDelayMs?: number;
  /**
   * Called for every failed command (`op`: the operation, e.g. "lock", "save state") and every connection error
   * (`op` "connection"), for the Redis error metric. Must not throw.
   */
  onError?(op: string): void;
}

/**
 * The process's one Redis connection, as the Redis stores use it (src/state/ and the stores' own files only: the
 * rest of the process sees ConnectionStatus). Every command goes through `run()`, so every one has the time limit,
 * the StoreUnavailable mapping and the error metric.
 */
export interface RedisConnection extends ConnectionStatus {
  readonly mode: RedisConfig['mode'];
  readonly keys: Keys;
  /**
   * Runs Redis commands with the time limit and maps every failure to CodedError(StoreUnavailable).
   * `what` names the operation in logs and in the error metric.
   */
  run<T>(what: string, fn: (client: RedisCommander) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  /** Closes the connection (idempotent). */
  close(): Promise<void>;
}

/** Capped exponential backoff with jitter, ms: 50, 100, 200 … up to `cap`. Never gives up. */
export function reconnectDelay(retries: number, cap: number): number {
  return backoffDelay(retries + 1, { baseDelayMs: 50, maxDelayMs: cap });
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Opens one Redis connection for the process. Connecting starts at once and is retried forever in the
 * background; use `waitReady()` at start-up to wait for it.
 */
export function createRedisConnection(config: RedisConfig, logger: Logger, options: RedisConnectionOptions = {}): RedisConnection {
  const log = logger.child({ component: 'redis', mode: config.mode });
  const commandTimeoutMs = options.commandTimeoutMs ?? 2_000;
  const connectTimeout = options.connectTimeoutMs ?? 2_000;
  const cap = options.maxReconnectDelayMs ?? 2_000;
  // Logged once per outage, not once per retry: a Redis outage must not flood the logs.
  let down = false;
  const reconnectStrategy = (retries: number, cause: Error) => {
    if (!down) {
      down = true;
      log.error({ err: errorMessage(cause) }, 'redis connection lost; reconnecting');
    }
    return reconnectDelay(retries, cap);
  };
  const socket = { connectTimeout, reconnectStrategy };
  // No per-command timer inside node-redis: `run()` below already bounds every call. node-redis's own default
  // (5 s) arms an AbortSignal.timeout per command, which fires long after the reply and costs ~5 % CPU under load.
  const commandOptions = { timeout: 0 };

  let client: RedisCommander;
  if (config.mode === 'single') {
    client = createClient({ url: config.url, socket, disableOfflineQueue: true, commandOptions }) as unknown as RedisCommander;
  } else if (config.mode === 'cluster') {
    client = createCluster({
      rootNodes: config.nodes.map((n) => ({ socket: { host: n.host, port: n.port, ...socket } })),
      defaults: { socket, disableOfflineQueue: true },
      commandOptions,
    }) as unknown as RedisCommander;
  } else {
    client = createSentinel({
      name: config.masterName,
      sentinelRootNodes: config.sentinels,
      nodeClientOptions: { socket, disableOfflineQueue: true },
      commandOptions,
      sentinelClientOptions: { socket },
    }) as unknown as RedisCommander;
  }

  let ready = false;
  let closed = false;
  const emitter = client as unknown as NodeJS.EventEmitter;
  const onError = (op: string) => {
    try {
      options.onError?.(op);
    } catch {
      /* a metrics hook must never break Redis handling */
    }
  };
  emitter.on('error', (e: unknown) => {
    onError('connection');
    // Without this listener node-redis would throw from the EventEmitter and crash the process.
    if (!down) log.error({ err: errorMessage(e) }, 'redis error');
  });
  emitter.on('ready', () => {
    ready = true;
    if (down) log.info({}, 'redis connection restored');
    down = false;
  });
  emitter.on('end', () => {
    ready = false;
  });
  emitter.on('reconnecting', () => {
    ready = false;
  });

  // A single-node client retries its first connection by itself (reconnectStrategy); Cluster and Sentinel give
  // up when no root node answers, so the first connection is retried here until it succeeds or close() is called.
  const connecting = (async () => {
    for (let attempt = 0; !closed; attempt++) {
      try {
        await client.connect();
        ready = true;
        if (down) log.info({}, 'redis connection established');
        down = false;
        return;
      } catch (e) {
        if (closed) return;
        if (!down) {
          down = true;
          log.error({ err: errorMessage(e) }, 'redis not reachable; retrying');
        }
        await sleep(reconnectDelay(attempt, cap));
      }
    }
  })();

  const isReady = () => {
    if (closed) return false;
    // Cluster and Sentinel expose isReady too; single-node also flips it on socket loss before 'end' fires.
    const own = (client as { isReady?: boolean }).isReady;
    return own ?? ready;
  };

  const unavailable = (what: string, e: unknown) => {
    if (e instanceof CodedError) return e;
    return new CodedError(ErrorCode.StoreUnavailable, `redis ${what} failed: ${errorMessage(e)}`, { cause: e });
  };

  const run = async <T>(what: string, fn: (c: RedisCommander) => Promise<T>): Promise<T> => {
    if (closed) throw new CodedError(ErrorCode.StoreUnavailable, `redis ${what}: connection closed`);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new CodedError(ErrorCode.StoreUnavailable, `redis ${what}: no answer within ${commandTimeoutMs} ms`)),
        commandTimeoutMs,
      );
    });
    const work = fn(client);
    // A command that lost the race may still fail later: swallow that, it was already reported as a timeout.
    work.catch(() => {});
    try {
      return await Promise.race([work, limit]);
    } catch (e) {
      onError(what);
      throw unavailable(what, e);
    } finally {
      clearTimeout(timer);
    }
  };

  const keys = createKeys(options.prefix);
  return {
    mode: config.mode,
    keys,
    isReady,
    async waitReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!isReady()) {
        if (closed || Date.now() >= deadline)
          throw new CodedError(ErrorCode.StoreUnavailable, `redis not reachable within ${timeoutMs} ms`);
        await Promise.race([connecting, sleep(50)]);
        if (!isReady()) await sleep(50);
      }
    },
    run,
    async ping() {
      try {
        // A keyed read rather than PING: it is routed like real traffic on every topology (Cluster has no keyless PING).
        await run('ping', (c) => c.exists(`${keys.prefix}:health`));
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await (client as { close(): Promise<void> }).close();
      } catch {
        // Closing a client that never connected rejects; nothing is left to release then.
        try {
          (client as { destroy(): void }).destroy();
        } catch {
          /* already gone */
        }
      }
      await connecting;
    },
  };
}

// ───────────────────────────── stores ─────────────────────────────

/** TTL seconds as Redis wants them: a whole number, at least 1. */
const seconds = (ttl: number) => Math.max(1, Math.round(ttl));

/**
 * Saves the state unless another turn saved since it was loaded (ARGV[3] = expected turn, '' = no check) and, when
 * the turn runs for a delivery (KEYS[2], its claim; ARGV[4] the run's token), marks that delivery done in the same
 * step — refused (2) when the claim is another run's. KEYS[2] shares the state's hash tag, so this works on Cluster.
 */
const SAVE_SCRIPT = `
if KEYS[2] then
  local claim = redis.call('GET', KEYS[2])
  if claim and claim ~= ARGV[4] then return 2 end
end
if ARGV[3] ~= '' then
  local expected = tonumber(ARGV[3])
  local turn = -1
  local cur = redis.call('GET', KEYS[1])
  if cur then
    local ok, obj = pcall(cjson.decode, cur)
    if ok and type(obj) == 'table' and type(obj.turn) == 'number' then turn = obj.turn else turn = -2 end
  end
  if turn ~= expected then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
if KEYS[2] then redis.call('SET', KEYS[2], 'done', 'EX', tonumber(ARGV[5])) end
return 1`;

/**
 * Takes the turn lock (SET NX PX) and, when it was free, returns the conversation's state in the same round trip
 * ({1, state or false}; {0} when busy): the turn's load that follows is then answered from this read. KEYS[2] (the
 * state) shares the lock's hash tag, so this works on Cluster.
 */
const LOCK_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, redis.call('GET', KEYS[2])} end
return {0}`;

/** Deletes the lock only if it still holds our token (it may have expired and been taken by another process). */
const UNLOCK_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Next number of the day's sequence; the counter expires a few days after its day so keys do not pile up. */
/** INCR, but never below the floor ARGV[2] (ticket-id.ts: a counter lost with Redis restarts above earlier numbers). */
const TICKET_SEQ_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[2])
if n <= floor then
  n = floor + 1
  redis.call('SET', KEYS[1], n)
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return n`;

export interface RedisLockOptions {
  /** Lock expiry, ms: longer than any turn (a stalled holder loses it after this). Default 15,000. */
  lockTtlMs?: number;
  /** How long to wait for a busy conversation, ms, before LockTimeout. Default 10,000. */
  lockWaitMs?: number;
}

/** One key per conversation holding its JSON state with an idle TTL; turns serialised by a SET NX PX lock. */
export class RedisConversationStore implements ConversationStore {
  readonly #conn: RedisConnection;
  readonly #log: Logger;
  readonly #lockTtlMs: number;
  readonly #lockWaitMs: number;
  /**
   * The state read with the lock (LOCK_SCRIPT), per conversation whose lock this process holds, until the first
   * get() takes it: under the lock nobody else saves, so that read is the current state. set() and delete() drop it,
   * as does the lock's release.
   */
  readonly #readWithLock = new Map<string, { raw: string | null }>();

  constructor(conn: RedisConnection, logger: Logger, options: RedisLockOptions = {}) {
    this.#conn = conn;
    this.#log = logger.child({ component: 'redis-store' });
    this.#lockTtlMs = options.lockTtlMs ?? 15_000;
    this.#lockWaitMs = options.lockWaitMs ?? 10_000;
  }

  async get(conversationId: string): Promise<ConversationState | undefined> {
    const early = this.#readWithLock.get(conversationId);
    if (early) this.#readWithLock.delete(conversationId);
    const raw = early ? early.raw : await this.#conn.run('get state', (c) => c.get(this.#conn.keys.state(conversationId)));
    if (raw === null || raw === undefined) return undefined;
    try {
      return JSON.parse(String(raw)) as ConversationState;
    } catch {
      // A corrupt value must not wedge the conversation forever: it restarts, and the next save overwrites it.
      this.#log.warn({ conversation: conversationId }, 'unreadable conversation state ignored');
      return undefined;
    }
  }

  async set(conversationId: string, state: ConversationState, ttlSeconds: number, options: SetOptions = {}): Promise<void> {
    this.#readWithLock.delete(conversationId);
    const expected = options.expectedTurn === undefined ? '' : String(options.expectedTurn);
    const keys = [this.#conn.keys.state(conversationId)];
    const args = [JSON.stringify(state), String(seconds(ttlSeconds)), expected];
    const { delivery } = options;
    if (delivery) {
      keys.push(this.#conn.keys.delivery(delivery.claim.key));
      args.push(delivery.claim.token, String(seconds(delivery.doneTtlSeconds)));
    }
    const saved = Number(await this.#conn.run('save state', (c) => c.eval(SAVE_SCRIPT, { keys, arguments: args })));
    if (saved === 2) throw new CodedError(ErrorCode.LockTimeout, 'delivery claim lost: another run of this delivery holds it');
    if (saved !== 1) {
      throw new CodedError(ErrorCode.LockTimeout, `conversation changed under the turn (expected turn ${expected})`);
    }
  }

  async delete(conversationId: string): Promise<void> {
    this.#readWithLock.delete(conversationId);
    await this.#conn.run('delete state', (c) => c.del(this.#conn.keys.state(conversationId)));
  }

  async withLock<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const key = this.#conn.keys.lock(conversationId);
    const token = randomUUID();
    const started = Date.now();
    let delay = 5;
    const keys = [key, this.#conn.keys.state(conversationId)];
    const args = [token, String(this.#lockTtlMs)];
    for (;;) {
      const got = (await this.#conn.run('lock', (c) => c.eval(LOCK_SCRIPT, { keys, arguments: args }))) as [number, string | null | undefined];
      if (Number(got[0]) === 1) {
        this.#readWithLock.set(conversationId, { raw: got[1] ?? null });
        break;
      }
      if (Date.now() - started >= this.#lockWaitMs) {
        throw new CodedError(ErrorCode.LockTimeout, `conversation busy for more than ${this.#lockWaitMs} ms`);
      }
      // Small jittered backoff: a turn takes a few ms, so the waiter should look again soon, but not in lockstep.
      await sleep(delay + Math.random() * delay);
      delay = Math.min(100, delay * 1.5);
    }
    try {
      return await fn();
    } finally {
      this.#readWithLock.delete(conversationId);
      try {
        await this.#conn.run('unlock', (c) => c.eval(UNLOCK_SCRIPT, { keys: [key], arguments: [token] }));
      } catch (e) {
        // The lock expires by itself (lockTtlMs); the turn's own result or error matters more than this.
        this.#log.warn({ conversation: conversationId, err: errorMessage(e) }, 'lock release failed; it will expire');
      }
    }
  }
}

/** Forgets a delivery claim only if it still holds this run's token. */
const RELEASE_CLAIM = UNLOCK_SCRIPT;

/** Marks a claim done unless another run holds it now (a run whose lease ran out must not overwrite the next one's). */
const DONE_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'done', 'EX', tonumber(ARGV[2]))
return 1`;

/**
 * Delivery claims under the conversation's hash tag, `<tag>:seen:<channel>:<eventId>`: SET NX with the run's
 * token and a lease (PX), `done` (EX) once the turn is saved, deleted when the turn fails.
 */
export class RedisDeliveryStore implements DeliveryStore {
  readonly #conn: RedisConnection;
  constructor(conn: RedisConnection) {
    this.#conn = conn;
  }
  async claim(key: DeliveryKey, leaseSeconds: number): Promise<DeliveryClaim | undefined> {
    const token = randomUUID();
    const r = await this.#conn.run('claim delivery', (c) =>
      c.set(this.#conn.keys.delivery(key), token, { condition: 'NX', expiration: { type: 'PX', value: Math.max(1, Math.round(leaseSeconds * 1000)) } }),
    );
    return r === 'OK' ? { key, token } : undefined;
  }
  async release(claim: DeliveryClaim): Promise<void> {
    await this.#conn.run('release delivery', (c) => c.eval(RELEASE_CLAIM, { keys: [this.#conn.keys.delivery(claim.key)], arguments: [claim.token] }));
  }
  async done(claim: DeliveryClaim, ttlSeconds: number): Promise<void> {
    await this.#conn.run('finish delivery', (c) =>
      c.eval(DONE_SCRIPT, { keys: [this.#conn.keys.delivery(claim.key)], arguments: [claim.token, String(seconds(ttlSeconds))] }),
    );
  }
}

/** Appends every value (ARGV[3..]) in one step, trims to the cap (ARGV[1]) and renews the TTL (ARGV[2]). */
const APPEND_SCRIPT = `
for i = 3, #ARGV do redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'm', ARGV[i]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

const parseJson = <T>(raw: unknown): T | undefined => {
  if (raw === null || raw === undefined) return undefined;
  try {
    return JSON.parse(String(raw)) as T;
  } catch {
    return undefined;
  }
};

/**
 * The key-value store in Redis: each value a JSON string with EX; each log a stream (`XADD … MAXLEN`, field `m`),
 * so entry ids are Redis stream ids. Keys per keys.ts `of()`: `<prefix>:{c:<id>}:<name>` or `<prefix>:<name>`.
 */
export class RedisKeyValueStore implements KeyValueStore {
  readonly #conn: RedisConnection;
  constructor(conn: RedisConnection) {
    this.#conn = conn;
  }
  async get<T>(key: StoreKey): Promise<T | undefined> {
    return parseJson<T>(await this.#conn.run(`get ${key.name}`, (c) => c.get(this.#conn.keys.of(key))));
  }
  async set(key: StoreKey, value: unknown, ttlSeconds: number): Promise<void> {
    await this.#conn.run(`set ${key.name}`, (c) =>
      c.set(this.#conn.keys.of(key), JSON.stringify(value), { expiration: { type: 'EX', value: seconds(ttlSeconds) } }),
    );
  }
  async claim(key: StoreKey, ttlSeconds: number): Promise<boolean> {
    const r = await this.#conn.run('claim', (c) =>
      c.set(this.#conn.keys.of(key), 'true', { condition: 'NX', expiration: { type: 'EX', value: seconds(ttlSeconds) } }),
    );
    return r === 'OK';
  }
  async delete(key: StoreKey): Promise<boolean> {
    return (await this.#conn.run(`delete ${key.name}`, (c) => c.del(this.#conn.keys.of(key)))) > 0;
  }
  async append(key: StoreKey, values: unknown[], options: { max: number; ttlSeconds: number }): Promise<void> {
    if (values.length === 0) return;
    await this.#conn.run(`append ${key.name}`, (c) =>
      c.eval(APPEND_SCRIPT, {
        keys: [this.#conn.keys.of(key)],
        arguments: [String(options.max), String(seconds(options.ttlSeconds)), ...values.map((v) => JSON.stringify(v))],
      }),
    );
  }
  async entries<T>(key: StoreKey, after: string | undefined, limit: number): Promise<Array<LogEntry<T>>> {
    // '(' makes the start exclusive (Redis 6.2+): only what came after the cursor.
    const start = after === undefined ? '-' : `(${after}`;
    const raw = await this.#conn.run(`read ${key.name}`, (c) => c.xRange(this.#conn.keys.of(key), start, '+', { COUNT: limit }));
    const out: Array<LogEntry<T>> = [];
    for (const e of raw ?? []) {
      // An unreadable entry (written by hand?) is skipped rather than failing every read of the log.
      const value = parseJson<T>((e.message as Record<string, string | undefined>)['m']);
      if (value !== undefined) out.push({ id: e.id, value });
    }
    return out;
  }
}

export class RedisTicketIds implements TicketIds {
  readonly #conn: RedisConnection;
  readonly #utcOffset: UtcOffset;
  constructor(conn: RedisConnection, options: { utcOffset?: UtcOffset } = {}) {
    this.#conn = conn;
    this.#utcOffset = options.utcOffset ?? 0;
  }
  async next(nowMs: number, atLeast = 0): Promise<string> {
    const day = ticketDay(nowMs, this.#utcOffset);
    const n = await this.#conn.run('ticket id', (c) =>
      c.eval(TICKET_SEQ_SCRIPT, { keys: [this.#conn.keys.ticketSeq(day)], arguments: [String(3 * 86_400), String(Math.max(ticketFloor(nowMs, this.#utcOffset), atLeast - 1))] }),
    );
    return formatTicketId(day, Number(n));
  }
}

export function redisHealth(conn: RedisConnection): StoreHealth {
  return { ping: () => conn.ping(), close: () => conn.close() };
}
