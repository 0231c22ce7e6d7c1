/**
 * Fault walk (lose-35): the Bot Connector fails AFTER the turn was taken — Teams got its 200, the turn ran and was
 * saved, and sending the answer gets 503 for longer than the connector client's own retries. Teams does not redeliver
 * an activity answered 200, and the saved turn makes a redelivery a duplicate anyway: before, the answer was logged
 * as "not delivered" and lost. Now it is kept and posted, once, as a reply to the person's message, when the
 * connector answers again; the turn is not run twice.
 *
 * Real server on loopback, the Bot Connector stand-in (test/channels/teams/connector.ts), memory store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, teamsParts, type App } from '../../../src/main.js';
import { testEnv } from '../../http/helpers.js';
import { activityId, messageActivity, postActivity, startFakeConnector, type FakeConnector } from './connector.js';

let connector: FakeConnector;
let app: App;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  connector = await startFakeConnector();
  app = await startApp({
    env: testEnv({}),
    port: 0,
    host: '127.0.0.1',
    mounts: [(core) => teamsParts(core, { recoveryDelaysMs: [500, 1_000, 1_000, 2_000, 2_000, 2_000] })],
  });
});
afterAll(async () => {
  await app?.close();
  await connector?.close();
});

describe('the Bot Connector answers 503 after the turn was taken', () => {
  it('the answer is kept and posted once, as a reply to the message, when the connector is back; the turn ran once', async () => {
    const conversationId = `emu-${activityId()}|livechat`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: 'メールを取得できません' });
    const answers = () => connector.messages().filter((p) => p.replyToId === msg.id && p.kind === 'send');
    const refusedBefore = connector.refused();
    connector.failNext(6, 503);
    expect((await postActivity(app.url, msg)).status).toBe(200);
    await expect.poll(() => connector.refused() - refusedBefore, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => answers().length, { timeout: 25_000, interval: 200 }).toBeGreaterThan(0);
    const first = answers().length;
    await sleep(3_000);
    // Posted once: no second copy, and no "send it again".
    expect(answers()).toHaveLength(first);
    expect(JSON.stringify(answers().map((a) => a.activity))).not.toContain(app.core.i18n.t('pipeline.recovery_gave_up', undefined, 'ja'));
    expect(connector.refused() - refusedBefore).toBe(6);
    expect((await app.core.transcripts.turns(`teams:${conversationId}`)).length).toBe(1);
  }, 60_000);
});
