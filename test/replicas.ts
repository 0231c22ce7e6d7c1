/**
 * Two replicas of the server on the shared real Redis under one key prefix, each with port 0 on loopback and a
 * throw-away ticket folder: the set-up of every "two replicas, one Redis" channel test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type App } from '../src/main.js';
import { deleteKeys, REDIS_URL } from './redis.js';

export interface Replicas {
  a: App;
  b: App;
  /** Closes both replicas, deletes every key under the prefix and the ticket folder. */
  close(): Promise<void>;
}

/**
 * Starts two replicas with `env` (plus LOG_LEVEL=silent, REDIS_URL and a fresh TICKET_DIR) and store keys under
 * `prefix`. Callers clean up with `close()` in afterAll.
 */
export async function startReplicas(prefix: string, env: Record<string, string>): Promise<Replicas> {
  const ticketDir = mkdtempSync(join(tmpdir(), 'mm-replicas-'));
  const full = { LOG_LEVEL: 'silent', DEFAULT_LOCALE: 'ja', REDIS_URL, TICKET_DIR: ticketDir, RATE_LIMIT_CONVERSATION_PER_MINUTE: '0', RATE_LIMIT_CLIENT_PER_MINUTE: '0', INCIDENT_THRESHOLD: '0', ...env };
  const start = () => startApp({ env: full, port: 0, host: '127.0.0.1', storeOptions: { prefix } });
  const a = await start();
  const b = await start();
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await deleteKeys(`${prefix}:*`);
      rmSync(ticketDir, { recursive: true, force: true });
    },
  };
}
