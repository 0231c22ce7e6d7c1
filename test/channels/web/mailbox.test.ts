/**
 * The web mailbox, run over the memory key-value store and over real Redis (a unique key prefix, cleaned up after):
 * messages come back in order after a cursor, exactly once across polls, capped, per conversation; the Redis form is
 * one stream under the conversation's hash tag with the TTL it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { silentLogger, type Reply } from '../../../src/core/index.js';
import { createWebMailbox, MAX_PENDING, parseCursor, webSender, type WebMailbox } from '../../../src/channels/web/mailbox.js';
import { MemoryKeyValueStore } from '../../../src/state/memory.js';
import { createStores } from '../../../src/state/stores.js';
import type { Stores } from '../../../src/state/types.js';
import { deleteKeys, REDIS_URL, runId } from '../../http/helpers.js';

const reply = (text: string, choices?: Reply['choices']): Reply => ({ key: 'test.key', text, ...(choices ? { choices } : {}) });
const TTL = 120;

const prefix = `mmtest-${runId()}`;
let redis: Stores;
beforeAll(async () => {
  redis = createStores({ redis: { mode: 'single', url: REDIS_URL } }, silentLogger, { prefix });
  await redis.redis!.waitReady(5_000);
});
afterAll(async () => {
  await redis?.health.close();
  await deleteKeys(`${prefix}:*`);
});

const backends: Array<[string, () => WebMailbox]> = [
  ['memory', () => createWebMailbox(new MemoryKeyValueStore(), TTL)],
  ['redis', () => createWebMailbox(redis.kv, TTL)],
];

describe.each(backends)('web mailbox (%s)', (_name, make) => {
  it('returns what came after the cursor, oldest first, each message once across polls', async () => {
    const box = make();
    const c = `box-${runId()}`;
    expect(await box.read(c)).toEqual({ messages: [], cursor: '0-0' });
    await box.push(c, [reply('one'), reply('two', [{ label: 'はい', value: 'yes' }])]);
    const first = await box.read(c);
    expect(first.messages.map((m) => m.text)).toEqual(['one', 'two']);
    expect(first.messages[0]).toEqual({ id: first.messages[0]!.id, text: 'one' });
    expect(first.messages[1]!.choices).toEqual([{ label: 'はい', value: 'yes' }]);
    expect(first.cursor).toBe(first.messages[1]!.id);
    expect(await box.read(c, first.cursor)).toEqual({ messages: [], cursor: first.cursor });

    await box.push(c, [reply('three')]);
    const second = await box.read(c, first.cursor);
    expect(second.messages.map((m) => m.text)).toEqual(['three']);
    // A second tab that has seen only 'one' still gets the rest.
    expect((await box.read(c, first.messages[0]!.id)).messages.map((m) => m.text)).toEqual(['two', 'three']);
  });

  it('keeps conversations apart and keeps only the newest MAX_PENDING messages', async () => {
    const box = make();
    const a = `box-a-${runId()}`;
    const b = `box-{b}%-${runId()}`;
    await box.push(a, Array.from({ length: MAX_PENDING + 5 }, (_, i) => reply(`m${i}`)));
    await box.push(b, [reply('for b')]);
    const all = await box.read(a);
    expect(all.messages).toHaveLength(MAX_PENDING);
    expect(all.messages[0]!.text).toBe('m5');
    expect(all.messages.at(-1)!.text).toBe(`m${MAX_PENDING + 4}`);
    expect((await box.read(b)).messages.map((m) => m.text)).toEqual(['for b']);
  });
});

describe('web mailbox details', () => {
  it('memory: a mailbox idle longer than its TTL is gone', async () => {
    let now = 1_000_000;
    const box = createWebMailbox(new MemoryKeyValueStore({ clock: () => now }), 60);
    await box.push('c1', [reply('hello')]);
    now += 59_000;
    expect((await box.read('c1')).messages).toHaveLength(1);
    now += 2_000;
    expect((await box.read('c1')).messages).toHaveLength(0);
  });

  it('redis: one stream under the conversation hash tag, with the TTL it was given', async () => {
    const box = createWebMailbox(redis.kv, TTL);
    const c = `ttl-${runId()}`;
    await box.push(c, [reply('hello')]);
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      const key = `${prefix}:{c:${c}}:webbox`;
      expect(await client.type(key)).toBe('stream');
      const ttl = await client.ttl(key);
      expect(ttl).toBeGreaterThan(TTL - 5);
      expect(ttl).toBeLessThanOrEqual(TTL);
    } finally {
      await client.quit();
    }
  });

  it('the sender says false (and does not throw) when the store is down', async () => {
    const down = createStores({ redis: { mode: 'single', url: 'redis://127.0.0.1:1' } }, silentLogger, {
      prefix,
      connectTimeoutMs: 200,
      commandTimeoutMs: 300,
    });
    try {
      const send = webSender(createWebMailbox(down.kv, TTL));
      expect(await send('c-down', [reply('lost?')])).toBe(false);
      expect(await webSender(createWebMailbox(new MemoryKeyValueStore(), TTL))('c-up', [reply('kept')])).toBe(true);
    } finally {
      await down.health.close();
    }
  });

  it('accepts only cursors it could have returned', () => {
    expect(parseCursor('1712345678901-3')).toBe('1712345678901-3');
    expect(parseCursor('0')).toBe('0-0');
    expect(parseCursor('007-01')).toBe('7-1');
    for (const bad of ['', '-', 'abc', '1-2-3', '1.5', '-1', '1-', '1234567890123456-0', '+', '(1-0', ' 1-0']) {
      expect(parseCursor(bad), bad).toBeUndefined();
    }
  });
});
