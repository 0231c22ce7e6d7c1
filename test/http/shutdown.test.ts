/**
 * Graceful shutdown: a turn in flight is finished and answered; new requests are refused meanwhile;
 * the server then stops listening. The turn is held in flight by holding its conversation's lock through the
 * store's own API (the real memory store), then released.
 */
import { describe, expect, it } from 'vitest';
import { startApp } from '../../src/main.js';
import { expectTurnShape, post, runId, testEnv } from './helpers.js';

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('graceful shutdown', () => {
  it('finishes the turn in flight, refuses new work, then stops listening', async () => {
    const app = await startApp({ env: testEnv(), port: 0, host: '127.0.0.1' });
    const id = `web-${runId()}`;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let lockTaken!: () => void;
    const taken = new Promise<void>((r) => (lockTaken = r));
    const holder = app.core.stores.store.withLock(id, async () => {
      lockTaken();
      await held;
    });
    await taken;

    const inFlight = post(`${app.url}/api/chat`, { conversation: id, text: 'メールを取得できません' });
    await until(() => app.core.inFlight() === 1, 'the turn to be in flight');

    const closing = app.close();
    const ready = await fetch(`${app.url}/readyz`).catch(() => undefined);
    // Either the listener is already closed (connection refused) or the request is told to go elsewhere.
    if (ready) expect(ready.status).toBe(503);

    release();
    await holder;
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expectTurnShape(answered.body);
    await closing;
    expect(app.server.listening).toBe(false);
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
  });
});
