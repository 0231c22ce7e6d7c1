/**
 * Lose-nothing, Slack (lose-37): the process stops between saving a turn and posting its answer. Slack acks an event
 * before the turn runs, so it never redelivers it: before, the turn was saved in Redis, its answer never posted, and
 * nothing anywhere remembered that it was owed — the person waited for ever. Now, with RECOVERY_SPOOL_DIR, every turn
 * is in the spool until its answer is posted; the next start takes it over, runs it again (the pipeline gives the saved
 * answer) and posts it — once, and the turn is not run twice.
 *
 * A real `mailmedic serve` child (killed with SIGKILL while Slack has not answered its chat.postMessage), then a new
 * process on the same spool folder and the same real Redis (unique prefix); the fake Slack Web API on loopback.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackParts, startApp, type App } from '../../../src/main.js';
import { createKeys } from '../../../src/state/keys.js';
import { deleteKeys, rawClient, REDIS_URL } from '../../redis.js';
import { runId, testEnv } from '../../http/helpers.js';
import { startServer, type ServerProcess } from '../../ops/servers.js';
import { dmEvent, envelope, hasKey, SECRET, sendEvent, startFakeSlack, uid, waitFor, type FakeSlack } from './fake-slack.js';

const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';
const prefix = `mmtest-lose37-${runId()}`;
let slack: FakeSlack;
let spool: string;
let tickets: string;
let first: ServerProcess | undefined;
let second: App | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  slack = await startFakeSlack();
  spool = mkdtempSync(join(tmpdir(), 'mm-lose37-spool-'));
  tickets = mkdtempSync(join(tmpdir(), 'mm-lose37-tickets-'));
});
afterAll(async () => {
  await first?.stop('SIGKILL');
  await second?.close();
  await slack?.close();
  await deleteKeys(`${prefix}:*`);
  rmSync(spool, { recursive: true, force: true });
  rmSync(tickets, { recursive: true, force: true });
});

const env = {
  SLACK_BOT_TOKEN: 'xoxb-test-token',
  SLACK_SIGNING_SECRET: SECRET,
  REDIS_URL,
  REDIS_KEY_PREFIX: prefix,
  RECOVERY_SPOOL_DIR: '',
  TICKET_DIR: '',
  RATE_LIMIT_CONVERSATION_PER_MINUTE: '0',
  RATE_LIMIT_CLIENT_PER_MINUTE: '0',
  INCIDENT_THRESHOLD: '0',
};

async function savedTurn(conversationId: string): Promise<number> {
  const redis = await rawClient();
  try {
    return (JSON.parse((await redis.get(createKeys(prefix).state(conversationId))) ?? '{}') as { turn?: number }).turn ?? 0;
  } finally {
    await redis.close();
  }
}

function dm() {
  const team = `T${uid()}`;
  const channel = `D${uid()}`;
  const user = `U${uid()}`;
  const conversationId = `slack:${team}:${channel}:dm`;
  const calls = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === channel);
  /** The answers the person saw (a post Slack never answered is not one). */
  const answers = () => calls().filter((p) => !p.held && hasKey(p, 'tree.auth_entry.say'));
  const say = (url: string, text = SYMPTOM) => sendEvent(url, envelope(team, dmEvent(team, channel, user, text)));
  return { channel, conversationId, calls, answers, say };
}

describe('Slack: a stop between the save and the post', () => {
  it('the next start posts the saved answer, exactly once; a turn answered before the stop is not answered again', async () => {
    const common = { ...env, SLACK_API_URL: slack.url, RECOVERY_SPOOL_DIR: spool, TICKET_DIR: tickets };
    first = await startServer({ ...common, LOG_LEVEL: 'silent' });

    // One conversation answered normally before the stop.
    const done = dm();
    expect((await done.say(first.url)).status).toBe(200);
    await waitFor('the normal answer', () => done.answers().length === 1, 30_000);

    // Another whose answer is on its way when the process is killed: Slack has not answered the post.
    const owed = dm();
    slack.hold('chat.postMessage', owed.channel);
    expect((await owed.say(first.url, `${SYMPTOM}。パスワードはabc12345です`)).status).toBe(200);
    await waitFor('the post in flight', () => owed.calls().some((p) => p.held), 30_000);
    expect(await savedTurn(owed.conversationId)).toBe(1);
    // The turn is on disk while its answer is owed — masked: the password never is.
    const onDisk = readdirSync(spool).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(join(spool, f), 'utf8')).join('');
    expect(onDisk).toContain(owed.conversationId);
    expect(onDisk).not.toContain('abc12345');
    await first.stop('SIGKILL');
    first = undefined;
    slack.release(owed.channel);
    expect(owed.answers()).toHaveLength(0);

    // The next start, on the same spool folder and Redis.
    second = await startApp({
      env: testEnv({ ...common }),
      port: 0,
      host: '127.0.0.1',
      storeOptions: { prefix },
      mounts: [(core) => slackParts(core, { recoveryDelaysMs: [200, 400, 800, 1_600], recoverySpool: { staleMs: 1_000, scanMs: 500 } })],
    });
    await waitFor('the owed answer', () => owed.answers().length > 0, 20_000);
    await sleep(3_000);
    expect(owed.answers()).toHaveLength(1);
    // The turn was not run twice, and the conversation answered before the stop got nothing more.
    expect(await savedTurn(owed.conversationId)).toBe(1);
    expect(done.answers()).toHaveLength(1);
    expect(await savedTurn(done.conversationId)).toBe(1);
    // Nothing is left in the spool (answered turns are marked done: no file stays behind).
    await expect.poll(() => readdirSync(spool).filter((f) => f.endsWith('.jsonl') || f.includes('.jsonl.')), { timeout: 5_000 }).toEqual([]);
  }, 150_000);
});
