/**
 * The whole app on a real Redis Cluster (three `redis-server --cluster-enabled yes` on free loopback ports, made a
 * cluster with `redis-cli --cluster create`): a conversation through the HTTP server and the pipeline to a ticket —
 * state, locks, de-duplication, ticket sequence, the outbox's Lua scripts and transcripts all run on the Cluster —
 * and every key family of one conversation maps to one hash slot (the store contract itself runs on a Cluster in
 * test/state/redis-cluster.test.ts).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { startApp, type App } from '../../src/main.js';
import { outboxKeys } from '../../src/handoff/outbox-redis.js';
import { createKeys } from '../../src/state/keys.js';
import { expectTurnShape, post } from '../http/helpers.js';
import { PrivateCluster, uniquePrefix } from '../state/helpers.js';

const cluster = new PrivateCluster();
let app: App;
const prefix = uniquePrefix('ops-cluster');
const ticketDir = mkdtempSync(join(tmpdir(), 'mm-cluster-tickets-'));

/** A plain client on one node, for CLUSTER KEYSLOT and SCAN (it never follows redirects). */
async function nodeClient(port: number) {
  const c = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false } });
  c.on('error', () => {});
  await c.connect();
  return c;
}

beforeAll(async () => {
  await cluster.start();
  app = await startApp({
    env: {
      LOG_LEVEL: 'silent',
      REDIS_CLUSTER_NODES: cluster.nodes,
      REDIS_KEY_PREFIX: prefix,
      TICKET_DIR: ticketDir,
    },
    port: 0,
    host: '127.0.0.1',
    redisWaitMs: 15_000,
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  cluster.stop();
  rmSync(ticketDir, { recursive: true, force: true });
});

/** Every key on every master whose name contains `needle`, with the port of the node holding it. */
async function keysOnCluster(needle: string): Promise<Array<{ key: string; port: number }>> {
  const found: Array<{ key: string; port: number }> = [];
  for (const port of cluster.ports) {
    const c = await nodeClient(port);
    try {
      for await (const batch of c.scanIterator({ MATCH: `*${needle.replace(/[*?[\]\\]/g, '\\$&')}*`, COUNT: 500 })) {
        for (const key of batch) found.push({ key, port });
      }
    } finally {
      await c.close();
    }
  }
  return found;
}

async function slotOf(key: string): Promise<number> {
  const c = await nodeClient(cluster.ports[0]!);
  try {
    return Number(await c.sendCommand(['CLUSTER', 'KEYSLOT', key]));
  } finally {
    await c.close();
  }
}

describe('the app on a Redis Cluster', () => {
  // A platform-like id with the characters that matter: ':' (kept), braces and '%' (escaped out of the hash tag).
  const conversation = `T01:C02:{17.3}%-${Date.now().toString(36)}`;

  it('reports ready with the store on the Cluster', async () => {
    expect(app.core.stores.kind).toBe('redis-cluster');
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(200);
  });

  it('carries a conversation to exactly one delivered ticket, duplicates ignored, transcript kept', async () => {
    const say = (text: string, n: number) => post(`${app.url}/api/chat`, { conversation, text, user: 'u-cluster', eventId: `c${n}` });
    const script: Array<[string, string]> = [
      ['iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる', 'auth_reenter'],
      ['まだダメ', 'dc_daccount'],
      ['担当の人につないで', 'handoff'],
    ];
    let n = 0;
    for (const [text, node] of script) {
      const [first, again] = await Promise.all([say(text, ++n), say(text, n)]);
      const replies = [first, again].filter((r) => r.body.duplicate !== true);
      expect(replies).toHaveLength(1);
      expectTurnShape(replies[0]!.body);
      expect(replies[0]!.body.node).toBe(node);
    }
    const filed = await say('iPhone 15、iOS 18.1、今朝9時から毎回です', ++n);
    expect(filed.body.status).toBe('escalated');
    const id: string = filed.body.ticket.id;

    // Delivered through the outbox's multi-key Lua scripts on the Cluster (a CROSSSLOT error would stop it).
    for (let i = 0; i < 200 && !readdirSync(ticketDir).includes(`${id}.json`); i++) await sleep(50);
    expect(readdirSync(ticketDir)).toEqual([`${id}.json`]);
    for (let i = 0; i < 100 && (await app.core.handoff.status(id))?.state !== 'delivered'; i++) await sleep(50);
    expect((await app.core.handoff.status(id))?.state).toBe('delivered');

    // Transcripts (streams under the conversation's tag) written on the Cluster, every turn once.
    await sleep(200);
    const turns = await app.core.transcripts.turns(conversation);
    expect(turns.length).toBe(n);
  }, 60_000);

  it('keeps every key of one conversation on one slot, and the outbox on one slot', async () => {
    const keys = createKeys(prefix);
    const tag = keys.tag(conversation);
    // By name: every family built from the tag (state, lock, delivery claims, transcripts, take-over, web mailbox, Teams reference).
    const names = [
      keys.state(conversation),
      keys.lock(conversation),
      keys.delivery({ conversationId: conversation, channel: 'web', eventId: 'c1' }),
      keys.delivery({ conversationId: conversation, channel: 'slack', eventId: 'Ev0123' }),
      `${tag}:tx`,
      `${tag}:tx:meta`,
      `${tag}:tx:notes`,
      keys.of({ conversation, name: 'takeover' }),
      keys.of({ conversation, name: 'webbox' }),
      keys.of({ conversation, name: 'teams:ref' }),
    ];
    const slots = await Promise.all(names.map(slotOf));
    expect(new Set(slots).size).toBe(1);

    // As stored: the keys the conversation really left behind sit on one node and one slot.
    const stored = await keysOnCluster(tag);
    const families = new Set(stored.map((k) => k.key.slice(tag.length + 1).split(':')[0]));
    expect([...families].sort()).toEqual(expect.arrayContaining(['seen', 'state', 'tx']));
    expect(new Set(stored.map((k) => k.port)).size).toBe(1);
    expect(new Set(await Promise.all(stored.map((k) => slotOf(k.key))))).toEqual(new Set([slots[0]]));

    // The outbox: one slot for the whole queue (its scripts move a ticket between lists atomically).
    const ok = outboxKeys(prefix);
    const outboxNames = [ok.claim('MM-20261128-0001'), ok.escalation('fp'), ok.records, ok.ready, ok.processing, ok.leases, ok.dead, ok.done('x')];
    expect(new Set(await Promise.all(outboxNames.map(slotOf))).size).toBe(1);
    const outboxStored = await keysOnCluster(ok.tag);
    expect(outboxStored.length).toBeGreaterThan(0);
    expect(new Set(outboxStored.map((k) => k.port)).size).toBe(1);

    // Whole-deployment keys (ticket sequence, transcript index) are single-key: any slot is fine, but they exist.
    expect((await keysOnCluster(`${prefix}:ticketseq:`)).length).toBe(1);
  });
});
