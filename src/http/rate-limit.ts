/**
 * Token buckets for /api/chat (issue 13: bounded cost per client): one per conversation and one per client
 * address, each `perMinute` refilled continuously up to `burst`. In process memory: a replica limits what
 * reaches it (behind a balancer the per-replica limit multiplies with the replicas — size it so). Bounded: idle
 * buckets (full again) are dropped, and at most `maxKeys` are kept (the oldest go first).
 */

export interface BucketOptions {
  /** Tokens added per minute; 0 disables the limit. */
  perMinute: number;
  /** Bucket size (the burst allowed after a quiet period); 0 disables the limit. */
  burst: number;
  /** Most keys tracked. Default 100,000. */
  maxKeys?: number;
  clock?: () => number;
}

export interface Limiter {
  /** Takes one token for `key`: undefined when allowed, else the seconds to wait (≥ 1) for Retry-After. */
  take(key: string): number | undefined;
  readonly enabled: boolean;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export function createLimiter(options: BucketOptions): Limiter {
  const { perMinute, burst } = options;
  const enabled = perMinute > 0 && burst > 0;
  const maxKeys = options.maxKeys ?? 100_000;
  const clock = options.clock ?? Date.now;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  let lastSweep = 0;

  function sweep(now: number): void {
    // A bucket that refilled completely is the same as no bucket.
    if (now - lastSweep < 10_000 && buckets.size < maxKeys) return;
    lastSweep = now;
    for (const [k, b] of buckets) if (b.tokens + (now - b.atMs) * perMs >= burst) buckets.delete(k);
    while (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string);
  }

  return {
    enabled,
    take(key) {
      if (!enabled) return undefined;
      const now = clock();
      sweep(now);
      const b = buckets.get(key) ?? { tokens: burst, atMs: now };
      const tokens = Math.min(burst, b.tokens + (now - b.atMs) * perMs);
      if (tokens >= 1) {
        buckets.delete(key);
        buckets.set(key, { tokens: tokens - 1, atMs: now });
        return undefined;
      }
      buckets.set(key, { tokens, atMs: now });
      return Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
    },
  };
}

/**
 * The client's address: the socket's, or with `trustProxy` = n proxies in front, the n-th address from the
 * right of X-Forwarded-For (what the nearest trusted proxy saw). A missing or short header falls back to the socket.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: number): string {
  const socket = socketAddress ?? 'unknown';
  if (trustProxy <= 0 || forwardedFor === undefined) return socket;
  const list = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length < trustProxy) return list[0] ?? socket;
  return list[list.length - trustProxy] ?? socket;
}
