/**
 * The shared real Redis of the tests — REDIS_URL, which the integration project's global setup
 * (test/setup/redis.global.ts) sets to a Redis that answers, starting a private one if needed: a key prefix unique to
 * the run, clean-up by SCAN of a pattern (never FLUSHDB — other sessions use the same server), a raw client for
 * assertions. The one place these live; test/state/helpers.ts, test/http/helpers.ts and test/handoff/fixtures.ts
 * re-export them.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';

/** Where the tests' Redis is (the default only matters when a file runs outside the integration project). */
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** A key prefix no other run, process or test shares. */
export function uniquePrefix(what: string): string {
  return `mmtest:${what}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** A raw client for assertions on keys and TTLs (connection errors are left to the commands that fail). */
export async function rawClient(url = REDIS_URL) {
  const c = createClient({ url });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** Deletes every key matching `pattern` on the shared server (SCAN, never FLUSH); returns how many. */
export async function deleteKeys(pattern: string, url = REDIS_URL): Promise<number> {
  const c = await rawClient(url);
  let n = 0;
  try {
    for await (const batch of c.scanIterator({ MATCH: pattern, COUNT: 500 })) if (batch.length) n += await c.del(batch);
  } finally {
    await c.close();
  }
  return n;
}
