/**
 * Issue 13: SIGTERM reset 1–12 of 20 in-flight /api/chat requests (the listener closed before a readiness grace).
 * Now a real `mailmedic serve` child gets 20 requests, every one fully sent before SIGTERM; /readyz turns 503 for
 * SHUTDOWN_GRACE_SECONDS while requests are still served, and every request is answered (200 or 503), none reset.
 */
import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild } from '../channels/cli/spawn.js';
import { startServer } from '../ops/servers.js';

beforeAll(() => requireBuild());

/** POSTs JSON; resolves `sent` once the whole request is on the wire, `answer` with the status or the socket error. */
function chat(url: string, body: unknown): { sent: Promise<void>; answer: Promise<number | string> } {
  let sentResolve!: () => void;
  const sent = new Promise<void>((r) => (sentResolve = r));
  const answer = new Promise<number | string>((resolve) => {
    const data = JSON.stringify(body);
    const req = request(`${url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e) => resolve(`response error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    req.on('error', (e) => resolve(`request error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    req.on('finish', () => sentResolve());
    req.end(data);
  });
  return { sent, answer };
}

describe('SIGTERM with requests in flight', () => {
  it('answers all 20 in-flight /api/chat requests (200 or 503) and /readyz is 503 during the grace', async () => {
    const server = await startServer({ LOG_LEVEL: 'info', SHUTDOWN_GRACE_SECONDS: '2', RATE_LIMIT_CLIENT_PER_MINUTE: '0' });
    const url = server.url;
    const calls = Array.from({ length: 20 }, (_, i) => chat(url, { conversation: `sigterm-${i}`, text: 'メールを取得できません' }));
    await Promise.all(calls.map((c) => c.sent));
    const exited = server.stop('SIGTERM');
    // The readiness grace: still listening, not ready.
    await expect.poll(() => /grace period/.test(server.stderr()), { timeout: 10_000 }).toBe(true);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const answers = await Promise.all(calls.map((c) => c.answer));
    for (const a of answers) expect([200, 503]).toContain(a);
    expect(await exited).toBe(0);
  });
});
