/**
 * Signed Slack bodies of a shape bolt does not expect (issue 13): `event: null`, an event without a type, a payload
 * type nobody handles. Slack signed them, so they are not attacks — the answer is an immediate 2xx (Slack stops
 * retrying) or a 400 for a body that is not JSON at all; never a 500, never a 3-second wait for an ack that no
 * listener gives. The bot stays up and answers the next real message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/main.js';
import { dmEvent, envelope, hasKey, keysOf, sendEvent, sendInteraction, signedHeaders, slackEnv, startFakeSlack, uid, waitFor, type FakeSlack } from './fake-slack.js';

let slack: FakeSlack;
let app: App;
let ticketDir: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-slack-shapes-'));
  app = await startApp({ env: slackEnv(slack.url, ticketDir), port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  rmSync(ticketDir, { recursive: true, force: true });
});

/** Status and how long the answer took (a 3 s wait is bolt giving up on an ack). */
async function timed(p: Promise<Response>) {
  const t0 = Date.now();
  const res = await p;
  await res.text();
  return { status: res.status, slow: Date.now() - t0 >= 2_500 };
}

describe('signed Slack bodies of unexpected shapes', () => {
  const team = `T${uid()}`;
  const cases: Array<[string, Record<string, unknown>]> = [
    ['event: null', { ...envelope(team, {}), event: null }],
    ['event: a string', { ...envelope(team, {}), event: 'message' }],
    ['event without a type', envelope(team, { text: 'hi' })],
    ['an unknown envelope type', { type: 'something_new', team_id: team }],
    ['no type at all', { team_id: team }],
  ];
  for (const [what, body] of cases) {
    it(`${what}: answered at once with 2xx, not 500`, async () => {
      const r = await timed(sendEvent(app.url, body));
      expect(r.status).toBeGreaterThanOrEqual(200);
      expect(r.status).toBeLessThan(300);
      expect(r.slow).toBe(false);
    });
  }

  it('an unknown interaction payload type is answered at once with 2xx', async () => {
    const r = await timed(sendInteraction(app.url, { type: 'brand_new_surface', team: { id: team }, user: { id: 'U1' } }));
    expect(r.status).toBeGreaterThanOrEqual(200);
    expect(r.status).toBeLessThan(300);
    expect(r.slow).toBe(false);
  });

  it('a signed body that is not JSON is a 400', async () => {
    const body = '{"type": "event_callback", ';
    const res = await fetch(`${app.url}/slack/events`, { method: 'POST', headers: signedHeaders(body, 'application/json'), body });
    expect(res.status).toBe(400);
  });

  it('a file shared without words (a screenshot of the error) is asked for the error as text, not told the message was empty', async () => {
    const dm = `D${uid()}`;
    const user = `U${uid()}`;
    const share = dmEvent(team, dm, user, '', { subtype: 'file_share', files: [{ id: `F${uid()}`, mimetype: 'image/png', name: 'IMG_0001.png' }] });
    expect((await sendEvent(app.url, envelope(team, share))).status).toBe(200);
    const post = await waitFor('a reply', () => slack.calls('chat.postMessage').find((c) => c.args.channel === dm));
    expect(keysOf(post)).toEqual(['pipeline.attachment_only']);
    expect(post.args.text).toBe(app.core.i18n.t('pipeline.attachment_only', undefined, 'ja'));
    // A message with no text and no file is still "empty".
    const dm2 = `D${uid()}`;
    await sendEvent(app.url, envelope(team, dmEvent(team, dm2, user, '')));
    const empty = await waitFor('a reply', () => slack.calls('chat.postMessage').find((c) => c.args.channel === dm2));
    expect(keysOf(empty)).toEqual(['pipeline.empty_text']);
  });

  it('the bot still answers the next real message', async () => {
    const dm = `D${uid()}`;
    const user = `U${uid()}`;
    await sendEvent(app.url, envelope(team, dmEvent(team, dm, user, 'iPhoneでメールが受信できない')));
    const post = await waitFor('a reply', () => slack.calls('chat.postMessage').find((c) => c.args.channel === dm));
    expect(hasKey(post, 'pipeline.internal_error')).toBe(false);
  });
});
