/**
 * The mount contract other channels rely on: routes see parsed JSON and the raw bytes, a mount's readiness shows
 * in /readyz, and close() is called on shutdown.
 */
import { describe, expect, it } from 'vitest';
import { MOUNTS, startApp } from '../../src/main.js';
import type { RawBodyRequest } from '../../src/http/server.js';
import { post, testEnv } from './helpers.js';

describe('HTTP mounts', () => {
  it('gives mounts parsed JSON and raw bytes, reports their readiness, and closes them', async () => {
    let ready = false;
    let closed = 0;
    const app = await startApp({
      env: testEnv(),
      port: 0,
      host: '127.0.0.1',
      mounts: [
        ...MOUNTS,
        () => ({
          name: 'probe',
          mount(express) {
            express.post('/probe', (req, res) => {
              res.json({ body: req.body as unknown, raw: (req as unknown as RawBodyRequest).rawBody?.toString('utf8') });
            });
          },
          ready: async () => ready,
          close: async () => {
            closed++;
          },
        }),
      ],
    });
    try {
      const raw = '{"a": [1, "ü"]}';
      const r = await post(`${app.url}/probe`, raw);
      expect(r.body).toEqual({ body: { a: [1, 'ü'] }, raw });

      const notReady = await fetch(`${app.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not_ready', checks: { store: true, nlu: true, 'mount:probe': false } });
      ready = true;
      expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    } finally {
      await app.close();
    }
    expect(closed).toBe(1);
    await app.close();
    expect(closed).toBe(1);
  });
});
