/**
 * At-least-once turns through POST /api/chat, from the outside: the real server on loopback and the real Redis
 * (127.0.0.1:6379, a unique key prefix, cleaned up after). Another client holds the conversation's lock, as another
 * replica's long turn would: the turn is answered "busy", and the client's retry with the same eventId — once the
 * conversation is free — is processed once; a retry of a processed turn stays a duplicate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import { createKeys } from '../../src/state/keys.js';
import { rawClient } from '../redis.js';
import { deleteKeys, expectTurnShape, post, REDIS_URL, runId, testEnv } from './helpers.js';

const prefix = `mmtest-retries-${runId()}`;
const keys = createKeys(prefix);
let app: App;
let ticketDir: string;

beforeAll(async () => {
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-retries-'));
  // A short lock wait, so the busy answer comes in a third of a second instead of ten.
  app = await startApp({ env: testEnv({ REDIS_URL, TICKET_DIR: ticketDir }), port: 0, host: '127.0.0.1', storeOptions: { prefix, lockWaitMs: 300 } });
});
afterAll(async () => {
  await app?.close();
  await deleteKeys(`${prefix}:*`);
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

describe('POST /api/chat with an eventId, at least once', () => {
  it('answers busy while another replica holds the conversation, then processes the retry of the same eventId once', async () => {
    const conversation = `retry-${runId()}`;
    const body = { conversation, text: 'iPhoneでIMAPサーバーが応答しませんと出ます', eventId: 'ev-1' };
    const redis = await rawClient();
    try {
      await redis.set(keys.lock(conversation), 'another-replica', { PX: 20_000 });
      const busy = await post(`${app.url}/api/chat`, body);
      expect(busy.status).toBe(200);
      expectTurnShape(busy.body);
      expect(busy.body.replies.map((r: { text: string }) => r.text)).toEqual([app.core.i18n.t('pipeline.busy', undefined, 'ja')]);
      expect(busy.body.duplicate).toBeUndefined();
      // Nothing was processed and the delivery is not remembered as done.
      expect(await redis.exists(keys.state(conversation))).toBe(0);
      expect(await redis.exists(keys.delivery({ conversationId: conversation, channel: 'web', eventId: 'ev-1' }))).toBe(0);

      await redis.del(keys.lock(conversation));
      const retried = await post(`${app.url}/api/chat`, body);
      expectTurnShape(retried.body);
      expect(retried.body.duplicate).toBeUndefined();
      expect(retried.body.intent).toBe('error_server_timeout');
      expect(JSON.parse((await redis.get(keys.state(conversation))) ?? '{}').turn).toBe(1);
      expect(await redis.get(keys.delivery({ conversationId: conversation, channel: 'web', eventId: 'ev-1' }))).toBe('done');

      const again = await post(`${app.url}/api/chat`, body);
      // Not processed again; the answer of the conversation's last delivery is given again (lose-32: its first answer may be lost).
      expect(again.body).toEqual({ conversation, intent: null, node: retried.body.node, status: 'active', replies: retried.body.replies, duplicate: true, echo: body.text });
      expect(JSON.parse((await redis.get(keys.state(conversation))) ?? '{}').turn).toBe(1);
    } finally {
      await redis.del(keys.lock(conversation));
      await redis.close();
    }
  });

  it('runs one of two concurrent deliveries of the same eventId; the other is a duplicate', async () => {
    const conversation = `retry-both-${runId()}`;
    const body = { conversation, text: 'メールを取得できません', eventId: 'ev-both' };
    const [a, b] = await Promise.all([post(`${app.url}/api/chat`, body), post(`${app.url}/api/chat`, body)]);
    expect([a, b].filter((r) => r.body.duplicate === true)).toHaveLength(1);
    const redis = await rawClient();
    try {
      expect(JSON.parse((await redis.get(keys.state(conversation))) ?? '{}').turn).toBe(1);
    } finally {
      await redis.close();
    }
  });
});
