/**
 * Fault walk (lose-35): Slack fails AFTER the turn was taken — the event is acked, the turn runs and is saved, and
 * chat.postMessage answers 500 for longer than our own retries last (a Slack incident). Slack will not redeliver
 * the acked event, and the saved turn makes a redelivery a duplicate anyway: before, the answer was logged as "not
 * delivered" and lost — the person saw nothing, ever. Now the answer is kept and posted when Slack answers again,
 * once, and the turn is not run a second time.
 *
 * Real server on loopback, the local fake Slack Web API (answers scripted per channel), memory store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackParts, startApp, type App } from '../../../src/main.js';
import { testEnv } from '../../http/helpers.js';
import { dmEvent, envelope, hasKey, SECRET, sendEvent, startFakeSlack, uid, waitFor, type FakeSlack } from './fake-slack.js';

const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';
let slack: FakeSlack;
let app: App;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  slack = await startFakeSlack();
  app = await startApp({
    env: testEnv({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url }),
    port: 0,
    host: '127.0.0.1',
    mounts: [
      (core) =>
        slackParts(core, {
          // Our own retries of one call: 3 tries, quickly (the default lasts ≈ 7 s; Slack incidents last longer).
          retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 100, rateLimitWaits: 3, maxRetryAfterMs: 1_000 },
          recoveryDelaysMs: [500, 500, 1_000, 1_000, 2_000],
        }),
    ],
  });
});
afterAll(async () => {
  await app?.close();
  await slack?.close();
});

describe('Slack answers 500 after the turn was taken (longer than our retries)', () => {
  it('the answer is kept and posted once when Slack answers again; the turn is not run twice', async () => {
    const team = `T${uid()}`;
    const channel = `D${uid()}`;
    const user = `U${uid()}`;
    // Six failures in a row for this DM: two rounds of our three tries.
    const down = { status: 500, body: { ok: false, error: 'internal_error' }, channel };
    slack.queue('chat.postMessage', down, down, down, down, down, down);
    const tried = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === channel);
    const posted = () => tried().filter((p) => p.ts !== undefined);

    expect((await sendEvent(app.url, envelope(team, dmEvent(team, channel, user, SYMPTOM)))).status).toBe(200);
    await waitFor('Slack tried three times', () => tried().length >= 3, 15_000);
    const answer = await waitFor('the answer, once Slack is back', () => posted().find((p) => hasKey(p, 'tree.auth_entry.say')), 15_000);
    expect(answer.args.channel).toBe(channel);
    await sleep(2_500);
    expect(posted().filter((p) => hasKey(p, 'tree.auth_entry.say'))).toHaveLength(1);
    expect(posted().filter((p) => hasKey(p, 'pipeline.recovery_gave_up'))).toHaveLength(0);
    // Every post Slack accepted in this DM is that one answer (no apology, no second copy).
    expect(posted()).toHaveLength(1);
    // The turn ran once: the conversation is one turn in.
    const turns = await app.core.transcripts.turns(`slack:${team}:${channel}:dm`);
    expect(turns.length).toBe(1);
  }, 40_000);
});
