/**
 * Kept Slack/Teams turns outlive the replica that kept them (lose-34). A turn that failed with Redis down is kept to
 * be run again and answered (lose-33); before, it lived in the replica's memory only, so a replica that stopped,
 * restarted or crashed meanwhile forgot it — the person was told "the answer will follow here" and it never came.
 * Now it is in the recovery spool (RECOVERY_SPOOL_DIR), masked, with where its answer goes.
 *
 * Real server on loopback (several apps: the replica that kept the turns, then the ones that start after it), a
 * PRIVATE redis-server stopped for real, the local fake Slack Web API and the Bot Connector stand-in.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bench/redis-proc.js';
import { slackParts, startApp, teamsParts, type App } from '../../src/main.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { DurableRedis } from '../durable-redis.js';
import { runId, testEnv } from '../http/helpers.js';
import { dmEvent, envelope, hasKey, keysOf, SECRET, sendEvent, startFakeSlack, tsOf, uid, waitFor, type FakeSlack } from './slack/fake-slack.js';
import { activityId, activityText, messageActivity, postActivity, startFakeConnector, type FakeConnector } from './teams/connector.js';

const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';
/** The symptom with a password in it: it must never reach the disk. */
const WITH_PASSWORD = `${SYMPTOM}。パスワードはhunter2xyzです`;
let slack: FakeSlack;
let connector: FakeConnector;
let redis: DurableRedis;
let redisDir: string;
let spoolDir: string;
let logDir: string;
const apps: App[] = [];
/** The replicas' log files, closed after every app (a late line must find its file open). */
const fds: number[] = [];
const prefix = `mmtest-lose34-${runId()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One replica: Slack and Teams, the spool in `spoolDir`, its log (info) in a file of its own. */
async function replica(name: string): Promise<{ app: App; log: () => string }> {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const delays = [500, 500, 1_000, 1_000, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000];
  const app = await startApp({
    env: testEnv({
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      REDIS_URL: redis.url,
      RECOVERY_SPOOL_DIR: spoolDir,
      TICKET_DIR: join(spoolDir, '..', 'tickets'),
    }),
    logger: createLogger({ level: 'info', fd }),
    port: 0,
    host: '127.0.0.1',
    redisWaitMs: 1_000,
    storeOptions: { prefix, connectTimeoutMs: 200, commandTimeoutMs: 500, lockWaitMs: 300 },
    mounts: [
      (core) => slackParts(core, { recoveryDelaysMs: delays, recoverySpool: { scanMs: 300 } }),
      (core) => teamsParts(core, { recoveryDelaysMs: delays, recoverySpool: { scanMs: 300 } }),
    ],
  });
  apps.push(app);
  fds.push(fd);
  return { app, log: () => readFileSync(logFile, 'utf8') };
}

/** The spool's files and their text, all together (not the replicas' sockets, lose-35). */
const spooled = () =>
  readdirSync(spoolDir)
    .filter((f) => f.endsWith('.jsonl') || f.includes('.jsonl.claimed-'))
    .map((f) => readFileSync(join(spoolDir, f), 'utf8'))
    .join('\n');

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${url}/readyz`)).status === 200) return;
    await sleep(50);
  }
  throw new Error('the app did not become ready');
}

beforeAll(async () => {
  slack = await startFakeSlack();
  connector = await startFakeConnector();
  const base = mkdtempSync(join(tmpdir(), 'mm-lose34-'));
  redisDir = join(base, 'redis');
  spoolDir = join(base, 'spool');
  logDir = join(base, 'logs');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(spoolDir, { recursive: true });
  redis = new DurableRedis(await freePort(), redisDir);
  await redis.start();
});
afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  for (const fd of fds) closeSync(fd);
  await slack?.close();
  await connector?.close();
  await redis?.stop('SIGKILL');
  if (redisDir) rmSync(join(redisDir, '..'), { recursive: true, force: true });
});

describe('kept Slack and Teams turns outlive the replica that kept them (RECOVERY_SPOOL_DIR)', () => {
  it('kept while Redis is down, the replica stops, Redis comes back: two replicas start on the spool and the answers are posted once, in the right DM and as a reply to the Teams message; no password on disk', async () => {
    const first = await replica('first');
    const team = `T${uid()}`;
    const channel = `D${uid()}`;
    const user = `U${uid()}`;
    const dmPosts = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === channel);
    const conversationId = `emu-${activityId()}|livechat`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: WITH_PASSWORD });
    const teamsAnswers = () => connector.messages().filter((p) => p.replyToId === msg.id).map((p) => activityText(p.activity));
    const apology = first.app.core.i18n.t('pipeline.store_unavailable_later', undefined, 'ja');

    await redis.stop();
    try {
      expect((await sendEvent(first.app.url, envelope(team, dmEvent(team, channel, user, WITH_PASSWORD)))).status).toBe(200);
      const told = await waitFor('the Slack apology', () => dmPosts().find((p) => hasKey(p, 'pipeline.store_unavailable', true)), 10_000);
      expect(keysOf(told)).toEqual(['pipeline.store_unavailable_later']);
      expect((await postActivity(first.app.url, msg)).status).toBe(200);
      await waitFor('the Teams apology', () => teamsAnswers().length > 0, 10_000);
      expect(teamsAnswers()).toEqual([apology]);

      // Both kept turns are on disk, masked: the password never is.
      const disk = spooled();
      expect.soft(disk).toContain(channel);
      expect.soft(disk).toContain(conversationId);
      expect.soft(disk).toContain('［伏字］');
      expect(disk).not.toContain('hunter2xyz');

      // The replica stops while Redis is still down (a restart, a deploy): before, its kept turns were gone.
      await first.app.close();
    } finally {
      await redis.start();
    }
    expect(dmPosts().some((p) => hasKey(p, 'tree.auth_entry.say'))).toBe(false);

    // Two replicas start on the same spool at once: one takes the turns over, and each answer is posted once.
    const [second, third] = await Promise.all([replica('second'), replica('third')]);
    await Promise.all([waitReady(second.app.url), waitReady(third.app.url)]);
    const answered = await waitFor('the Slack answer', () => dmPosts().find((p) => hasKey(p, 'tree.auth_entry.say')), 30_000);
    expect(answered.args.thread_ts).toBeUndefined();
    await waitFor('the Teams answer', () => teamsAnswers().length > 1, 30_000);
    await sleep(3_000);
    expect(dmPosts().filter((p) => hasKey(p, 'tree.auth_entry.say'))).toHaveLength(1);
    expect(dmPosts().filter((p) => hasKey(p, 'pipeline.recovery_gave_up'))).toHaveLength(0);
    const later = teamsAnswers().slice(1);
    expect(later).toHaveLength(1);
    expect(later[0]).not.toBe(apology);
    expect(later[0]!.length).toBeGreaterThan(0);
    // Settled: nothing left in the spool for a later start to post again.
    expect(spooled()).not.toContain(channel);
    expect(spooled()).not.toContain(conversationId);
    expect((second.log() + third.log()).match(/kept turns taken over from a replica that stopped/g)?.length ?? 0).toBeGreaterThanOrEqual(1);
    await second.app.close();
    await third.app.close();
  }, 120_000);

  it('a corrupt or truncated spool line is skipped with a log line naming the file; the good line is answered, a turn kept hours ago is told to send it again', async () => {
    const team = `T${uid()}`;
    const channel = `D${uid()}`;
    const user = `U${uid()}`;
    const dmPosts = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === channel);
    // The file of a replica on another host that stopped a while ago: a garbage line, a line cut by a crash, a good one.
    const name = `slack.otherhost.4242.${'ab12cd'.repeat(2)}.jsonl`;
    const file = join(spoolDir, name);
    const good = {
      op: 'keep',
      id: `k-${uid()}`,
      turn: { conversationId: `slack:${team}:${channel}:dm`, channel: 'slack', userId: user, text: SYMPTOM, eventId: `msg:${channel}:${tsOf()}` },
      where: { team, channel },
      locale: 'ja',
      later: 'pipeline.store_unavailable_later',
      keptAtMs: Date.now() - 120_000,
    };
    // And a turn kept two hours ago, in another DM: too old to run; its person is told to send it again.
    const oldChannel = `D${uid()}`;
    const stale = { ...good, id: `k-${uid()}`, turn: { ...good.turn, conversationId: `slack:${team}:${oldChannel}:dm`, eventId: `msg:${oldChannel}:${tsOf()}` }, where: { team, channel: oldChannel }, keptAtMs: Date.now() - 2 * 3_600_000 };
    writeFileSync(file, `\u0000\u0001garbage\n${JSON.stringify(good)}\n${JSON.stringify(stale)}\n{"op":"keep","id":"k-cut","turn":{"conversationId":"slack:T1:D1`);
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(file, old, old);
    const replicaNow = await replica('fourth');
    await waitReady(replicaNow.app.url);
    await waitFor('the answer of the good line', () => dmPosts().find((p) => hasKey(p, 'tree.auth_entry.say')), 30_000);
    await sleep(1_500);
    expect(dmPosts().filter((p) => hasKey(p, 'tree.auth_entry.say'))).toHaveLength(1);
    const skipped = replicaNow
      .log()
      .split('\n')
      .filter((l) => l.includes('recovery spool line skipped'))
      .map((l) => JSON.parse(l) as { file: string; line: number });
    expect(skipped.map((s) => s.line)).toEqual([1, 4]);
    const oldPosts = slack.calls('chat.postMessage').filter((p) => p.args.channel === oldChannel);
    expect(oldPosts.map((p) => keysOf(p))).toEqual([['pipeline.recovery_gave_up']]);
    expect(skipped.every((s) => s.file.includes('slack.otherhost.4242.'))).toBe(true);
    // Still serving: the replica did not crash on it.
    expect((await fetch(`${replicaNow.app.url}/healthz`)).status).toBe(200);
    await replicaNow.app.close();
  }, 90_000);
});

describe('RECOVERY_SPOOL_DIR at start', () => {
  it('off or empty is memory only; a folder that cannot be written stops start-up naming the variable', async () => {
    expect(loadConfig(testEnv({ RECOVERY_SPOOL_DIR: 'off' })).env.RECOVERY_SPOOL_DIR).toBeUndefined();
    expect(loadConfig(testEnv({ RECOVERY_SPOOL_DIR: '' })).env.RECOVERY_SPOOL_DIR).toBeUndefined();
    // A file where the folder should be.
    const notADir = join(logDir, 'not-a-folder');
    writeFileSync(notADir, 'x');
    await expect(
      startApp({
        env: testEnv({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url, RECOVERY_SPOOL_DIR: join(notADir, 'spool') }),
        port: 0,
        host: '127.0.0.1',
        mounts: [(core) => slackParts(core)],
      }),
    ).rejects.toThrow(/RECOVERY_SPOOL_DIR: cannot write to/);
  }, 60_000);
});
