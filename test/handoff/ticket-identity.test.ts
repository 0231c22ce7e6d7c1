/**
 * Issue 13: ticket numbers that cannot collide. Before: after a Redis restart the day counter began again at
 * -0001, the file sink found that file, called it "already delivered" and wrote nothing (591 of 591 escalations
 * lost, each person told someone else's number). Here: a real private redis-server is killed (its data gone) and
 * restarted between two rounds of escalations to a real file sink — every ticket is written, under its own
 * number, with its own content. And a sink that already holds another ticket under an id reports a conflict: the
 * ticket is filed again under a new number and the person is told that one.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../../src/bench/redis-proc.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger, type Ticket } from '../../src/core/index.js';
import { createTicketHandler, redisOutboxStore, type HandoffService } from '../../src/handoff/index.js';
import { MemoryOutboxStore, type OutboxStore } from '../../src/handoff/outbox.js';
import { createFileSink } from '../../src/handoff/sinks/index.js';
import { createStores } from '../../src/state/stores.js';
import type { Stores } from '../../src/state/types.js';
import { captureLogger, makeTicket } from './fixtures.js';
const cap = captureLogger();

const tuning = { baseDelayMs: 20, maxDelayMs: 100, pollMs: 25, random: () => 0.5 };

let redis: PrivateRedis;
let dir: string;
beforeAll(async () => {
  redis = await startPrivateRedis();
  dir = await mkdtemp(join(tmpdir(), 'mm-ticket-identity-'));
});
afterAll(async () => {
  await redis?.close();
  await rm(dir, { recursive: true, force: true });
});

function open(stores: Stores, ticketDir: string): HandoffService {
  const config = loadConfig({ TICKET_DIR: ticketDir, ...(stores.redis ? { REDIS_URL: redis.url } : {}) });
  return createTicketHandler(config, {
    logger: cap.logger,
    store: stores.open<OutboxStore>({ memory: () => new MemoryOutboxStore(), redis: (c) => redisOutboxStore(c) }),
    ticketIds: stores.ticketIds,
    outbox: tuning,
  });
}

async function escalate(stores: Stores, handoff: HandoffService, conversation: string) {
  const id = await stores.ticketIds.next(Date.now());
  const ticket = makeTicket(id, { conversation, summary: `[mailmedic] ${conversation}` });
  const told = await handoff.submit(ticket);
  return { conversation, told };
}

async function filed(folder: string): Promise<Ticket[]> {
  const names = (await readdir(folder)).filter((n) => n.endsWith('.json'));
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(folder, n), 'utf8')) as Ticket));
}

describe('ticket identity (issue 13)', () => {
  it('Redis killed and restarted (data lost) between escalations: 0 lost, 0 reused numbers, each told its own', async () => {
    const folder = join(dir, 'restart');
    const N = 25;
    const told: Array<{ conversation: string; told: { id: string; acceptedBy: string } }> = [];
    for (const round of [1, 2]) {
      const config = loadConfig({ REDIS_URL: redis.url, TICKET_DIR: folder });
      const stores = createStores(config, silentLogger, { prefix: 'mmti' });
      await stores.redis!.waitReady(5_000);
      const handoff = open(stores, folder);
      await handoff.start();
      for (let i = 0; i < N; i++) told.push(await escalate(stores, handoff, `r${round}-c${i}`));
      await handoff.stop();
      await stores.health.close();
      // Redis dies with everything it held (the day counter included) and comes back empty.
      await redis.kill();
      await redis.start();
    }
    const tickets = await filed(folder);
    const byId = new Map(tickets.map((t) => [t.id, t]));
    // Every escalation written, each under the number its person was told, with that person's content.
    const missing = told.filter((t) => !byId.has(t.told.id));
    expect(missing).toEqual([]);
    expect(tickets).toHaveLength(2 * N);
    expect(new Set(told.map((t) => t.told.id)).size).toBe(2 * N);
    for (const t of told) {
      expect(t.told.acceptedBy).toBe('sink');
      expect(byId.get(t.told.id)?.conversation).toBe(t.conversation);
    }
  });

  it('a file sink that already holds another ticket under the id reports a conflict; the ticket is filed under a new number', async () => {
    const folder = join(dir, 'conflict');
    const stores = createStores({ redis: undefined }, silentLogger);
    const handoff = open(stores, folder);
    await handoff.start();
    // What a lost counter (or a second memory-mode replica) would do: the next number is already taken at the sink.
    const taken = await stores.ticketIds.next(Date.now());
    const other = makeTicket(taken, { conversation: 'someone-else' });
    await createFileSink({ dir: folder }).deliver(other, { attempt: 1 });
    const mine = makeTicket(taken, { conversation: 'me', summary: `[mailmedic] me ${taken}` });
    const told = await handoff.submit(mine);
    await handoff.stop();

    expect(told.id).not.toBe(taken);
    expect(told.acceptedBy).toBe('sink');
    const tickets = await filed(folder);
    expect(tickets).toHaveLength(2);
    expect(tickets.find((t) => t.id === taken)?.conversation).toBe('someone-else');
    const refiled = tickets.find((t) => t.id === told.id)!;
    expect(refiled.conversation).toBe('me');
    // Every mention of the number in the ticket is the new one.
    expect(refiled.summary).toBe(`[mailmedic] me ${told.id}`);
    expect(handoff.metrics.conflicts).toBe(1);
    expect(await handoff.status(taken)).toMatchObject({ state: 'renumbered', renumberedTo: told.id });
    expect(await handoff.status(told.id)).toMatchObject({ state: 'delivered', renumberedFrom: [taken] });
  });

  it('the same ticket delivered twice to the file sink is one ticket, not a conflict', async () => {
    const folder = join(dir, 'repeat');
    const sink = createFileSink({ dir: folder });
    await sink.init?.();
    const t = makeTicket('MM-20261129-123456');
    await sink.deliver(t, { attempt: 1 });
    await expect(sink.deliver(t, { attempt: 2 })).resolves.toMatchObject({ externalRef: join(folder, 'MM-20261129-123456.json') });
    await writeFile(join(folder, 'MM-20261129-654321.json'), '{"id":"MM-20261129-654321","conversation":"x"}\n');
    await expect(sink.deliver(makeTicket('MM-20261129-654321'), { attempt: 1 })).rejects.toMatchObject({ reason: 'conflict', retryable: false });
  });
});
