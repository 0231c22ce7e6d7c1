/**
 * Two replicas behind an imaginary load balancer: two real `mailmedic serve` processes on different ports, one
 * shared Redis (unique key prefix) and one shared ticket folder. One conversation goes through both, alternating,
 * with every delivery repeated on the other replica (same eventId) and a burst of concurrent turns: no lost
 * update, no reordering, no double reply, exactly one ticket.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../src/state/keys.js';
import { expectTurnShape } from '../http/helpers.js';
import { deletePrefix, rawClient, REDIS_URL, uniquePrefix } from '../state/helpers.js';
import { chat, startServer, type ServerProcess, type TurnResponse } from './servers.js';

const prefix = uniquePrefix('ops-replicas');
const ticketDir = mkdtempSync(join(tmpdir(), 'mm-replicas-'));
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, TICKET_DIR: ticketDir, DEFAULT_LOCALE: 'ja' };
  [a, b] = await Promise.all([startServer(env), startServer(env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await deletePrefix(prefix);
  rmSync(ticketDir, { recursive: true, force: true });
});

/** The stored state of a conversation, read straight from Redis. */
async function storedState(conversation: string): Promise<any> {
  const c = await rawClient();
  try {
    const raw = await c.get(createKeys(prefix).state(conversation));
    return raw ? JSON.parse(raw) : undefined;
  } finally {
    await c.close();
  }
}

/** Delivers one turn to `first` and the same delivery (same eventId) to `second` at the same time. */
async function deliverTwice(first: ServerProcess, second: ServerProcess, body: Record<string, unknown>): Promise<TurnResponse> {
  const [x, y] = await Promise.all([chat(first.url, body), chat(second.url, body)]);
  expect(x.status).toBe(200);
  expect(y.status).toBe(200);
  const answered = [x, y].filter((r) => r.body.duplicate !== true);
  const duplicates = [x, y].filter((r) => r.body.duplicate === true);
  // Exactly one run per delivery: the other replica saw the eventId and ran nothing. While the turn is in progress it
  // renders nothing; once the turn is saved, a repeat of the last answered delivery gets that turn's own replies again
  // (round 32, README `POST /api/chat`) — never replies of its own.
  expect(answered).toHaveLength(1);
  expect(duplicates).toHaveLength(1);
  expect([[], answered[0]!.body.replies]).toContainEqual(duplicates[0]!.body.replies);
  expectTurnShape(answered[0]!.body);
  return answered[0]!;
}

const ticketFiles = () => readdirSync(ticketDir).filter((f) => f.endsWith('.json'));

describe('two replicas on one Redis', () => {
  it('carry one conversation alternately, with duplicates and concurrent turns, to exactly one ticket', async () => {
    const conversation = `ops-rep-${Date.now().toString(36)}`;
    const turn = (n: number, text: string) => ({ conversation, text, user: 'u-ops', eventId: `ev-${n}` });

    // Alternate replicas each turn; each turn's state was saved by the other replica (no sticky sessions).
    let r = await deliverTwice(a, b, turn(1, 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる'));
    expect(r.body.node).toBe('auth_reenter');
    r = await deliverTwice(b, a, turn(2, 'まだダメ'));
    expect(r.body.node).toBe('dc_daccount');
    r = await deliverTwice(a, b, turn(3, 'まだダメです'));
    expect(r.body.node).toBe('dc_reenter');
    r = await deliverTwice(b, a, turn(4, '担当の人につないで'));
    expect(r.body.node).toBe('handoff');
    r = await deliverTwice(a, b, turn(5, 'iPhone 15、iOS 18.1、今朝9時から毎回です'));
    expect(r.body.status).toBe('escalated');
    const ticket = r.body.ticket;
    expect(ticket.id).toMatch(/^MM-\d{8}-\d{4,}$/);
    expect(ticket.conversation).toBe(conversation);
    // Steps recorded in order across both replicas: nothing reordered, nothing lost.
    expect(ticket.fields.stepsTried.map((s: { result: string }) => s.result)).toEqual(['not_resolved', 'not_resolved', 'unknown']);

    const before = await storedState(conversation);
    expect(before.turn).toBeGreaterThanOrEqual(5);

    // A burst: 12 different turns at once, spread over both replicas, each also redelivered to the other one.
    // Among them people asking for a person again — must never file a second ticket.
    const burst = Array.from({ length: 12 }, (_, i) => turn(100 + i, i % 3 === 0 ? '担当者と話したい' : 'ありがとう'));
    const results = await Promise.all(
      burst.flatMap((body, i) => [chat(i % 2 ? a.url : b.url, body), chat(i % 2 ? b.url : a.url, body)]),
    );
    for (const res of results) expect(res.status).toBe(200);
    const answered = results.filter((res) => res.body.duplicate !== true);
    expect(answered).toHaveLength(burst.length);
    for (const res of answered) {
      expectTurnShape(res.body);
      expect(res.body.status).toBe('escalated');
      expect(res.body.ticket).toBeUndefined();
    }

    // No lost update: every processed turn was counted once, whichever replica ran it.
    const after = await storedState(conversation);
    expect(after.turn - before.turn).toBe(burst.length);
    expect(after.ticketId).toBe(ticket.id);
    expect(after.stepsTried).toEqual(before.stepsTried);

    // Exactly one ticket file, written by whichever replica's outbox worker leased it.
    for (let i = 0; i < 200 && ticketFiles().length === 0; i++) await sleep(50);
    expect(ticketFiles()).toEqual([`${ticket.id}.json`]);
    const filed = JSON.parse(readFileSync(join(ticketDir, `${ticket.id}.json`), 'utf8'));
    expect(filed.id).toBe(ticket.id);
    expect(filed.conversation).toBe(conversation);
  }, 120_000);

  it('both replicas report ready, and both shut down with exit code 0', async () => {
    for (const s of [a, b]) {
      const ready = await fetch(`${s.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: Record<string, boolean> }).checks.store).toBe(true);
    }
    // Still exactly one ticket after both outboxes were stopped (nothing re-delivered on the way out).
    const codes = await Promise.all([a.stop(), b.stop()]);
    expect(codes).toEqual([0, 0]);
    expect(ticketFiles()).toHaveLength(1);
  }, 60_000);
});
