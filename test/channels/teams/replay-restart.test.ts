/**
 * Lose-nothing, Teams (lose-36): the Bot Connector gets each part of what the person is owed exactly once, in order,
 * across a connector outage and across a restart of the bot.
 *
 * - One conversation, three messages: the first answer is accepted (200), the second refused (503, past the connector
 *   client's own retries), then the connector answers again (200) — the person reads answer 1, answer 2, answer 3,
 *   each once, in that order (an answer is one activity: translate.ts `outcomeToActivities`).
 * - A restart mid-answer: the turn ran and was saved in Redis, the answer never reached the person, the process went
 *   away (kept answers are in memory; no spool). Teams delivers the same activity (same id) again to the new process:
 *   before, the saved turn made it a duplicate and nothing was posted — the answer was lost for good. Now the saved
 *   answer is posted once; a further redelivery gets nothing more, and the turn is not run twice.
 *
 * Real server on loopback, real Redis (unique prefix), the Bot Connector stand-in (connector.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, teamsParts, type App } from '../../../src/main.js';
import { createKeys } from '../../../src/state/keys.js';
import { deleteKeys, rawClient, REDIS_URL } from '../../redis.js';
import { runId, testEnv } from '../../http/helpers.js';
import { activityId, activityText, messageActivity, postActivity, startFakeConnector, type FakeConnector } from './connector.js';

const prefix = `mmtest-teams-replay-${runId()}`;
let connector: FakeConnector;
const apps: App[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const start = async (delaysMs: number[], spoolDir?: string) => {
  const app = await startApp({
    env: testEnv({ REDIS_URL, ...(spoolDir ? { RECOVERY_SPOOL_DIR: spoolDir } : {}) }),
    port: 0,
    host: '127.0.0.1',
    storeOptions: { prefix },
    mounts: [(core) => teamsParts(core, { recoveryDelaysMs: delaysMs, recoverySpool: { staleMs: 1_000, scanMs: 500 } })],
  });
  apps.push(app);
  return app;
};

/** The first process: the turn runs and is saved; every send of its answer is refused until the process goes away. */
const answerRefusedThenStop = async (conversationId: string, msg: ReturnType<typeof messageActivity>, spoolDir?: string) => {
  const first = await start([60_000], spoolDir);
  const refused = connector.refused();
  connector.failNext(1_000, 503);
  expect((await postActivity(first.url, msg)).status).toBe(200);
  await expect.poll(() => connector.refused() - refused, { timeout: 20_000 }).toBeGreaterThan(0);
  await expect.poll(() => first.core.transcripts.turns(`teams:${conversationId}`).then((t) => t.length), { timeout: 10_000 }).toBe(1);
  await first.close();
  connector.failNext(0);
};

beforeAll(async () => {
  connector = await startFakeConnector();
});
afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  await connector?.close();
  await deleteKeys(`${prefix}:*`);
  if (spool) rmSync(spool, { recursive: true, force: true });
});
let spool: string | undefined;

describe('Teams answers reach the person once each, in order', () => {
  it('accepted, refused (503), accepted again: answers 1, 2, 3, each once, in order', async () => {
    const app = await start([300, 600, 1_000, 1_000, 2_000]);
    const conversationId = `emu-${activityId()}|livechat`;
    const sent = () => connector.messages().filter((p) => p.conversationId === conversationId);
    const one = messageActivity({ serviceUrl: connector.url, conversationId, text: 'メールを取得できません' });
    expect((await postActivity(app.url, one)).status).toBe(200);
    await expect.poll(() => sent().length, { timeout: 10_000 }).toBe(1);

    const two = messageActivity({ serviceUrl: connector.url, conversationId, text: 'iPhoneです' });
    const refused = connector.refused();
    connector.failNext(4, 503);
    expect((await postActivity(app.url, two)).status).toBe(200);
    await expect.poll(() => connector.refused() - refused, { timeout: 20_000 }).toBe(4);
    const three = messageActivity({ serviceUrl: connector.url, conversationId, text: 'はい' });
    expect((await postActivity(app.url, three)).status).toBe(200);
    await expect.poll(() => sent().length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    await sleep(2_500);
    expect(sent().map((p) => p.replyToId)).toEqual([one.id, two.id, three.id]);
    expect((await app.core.transcripts.turns(`teams:${conversationId}`)).length).toBe(3);
    await app.close();
  }, 60_000);

  it('a replayed activity after a restart mid-answer: the saved answer is posted once, the turn not run again', async () => {
    const conversationId = `emu-${activityId()}|livechat`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: 'メールを取得できません' });
    const answers = () => connector.messages().filter((p) => p.replyToId === msg.id);
    await answerRefusedThenStop(conversationId, msg);
    expect(answers()).toHaveLength(0);

    // The new process gets the same activity again (Teams redelivers what it saw no answer for).
    const second = await start([300, 600]);
    expect((await postActivity(second.url, msg)).status).toBe(200);
    await expect.poll(() => answers().length, { timeout: 10_000 }).toBe(1);
    expect(activityText(answers()[0]!.activity)).not.toBe('');
    // Once more: nothing more is posted, and the conversation stays at its one turn.
    expect((await postActivity(second.url, msg)).status).toBe(200);
    await sleep(1_500);
    expect(answers()).toHaveLength(1);
    const redis = await rawClient();
    try {
      expect(JSON.parse((await redis.get(createKeys(prefix).state(`teams:${conversationId}`))) ?? '{}').turn).toBe(1);
    } finally {
      await redis.close();
    }
  }, 60_000);

  it('with a spool: the new process takes the kept turn over AND gets the redelivery — one answer, not two', async () => {
    spool = mkdtempSync(join(tmpdir(), 'mm-teams-replay-'));
    const conversationId = `emu-${activityId()}|livechat`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: 'メールを取得できません' });
    const answers = () => connector.messages().filter((p) => p.replyToId === msg.id);
    await answerRefusedThenStop(conversationId, msg, spool);

    const second = await start([200, 400, 800], spool);
    expect((await postActivity(second.url, msg)).status).toBe(200);
    await expect.poll(() => answers().length, { timeout: 10_000 }).toBe(1);
    await sleep(3_000);
    expect(answers()).toHaveLength(1);
  }, 60_000);
});
