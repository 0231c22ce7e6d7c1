/**
 * POST /api/messages on the real HTTP server (startApp, port 0), with Activities shaped exactly like the Bot
 * Framework Emulator's and Teams', and serviceUrl pointing at a local fake Bot Connector that records replies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, teamsParts, type App } from '../../../src/main.js';
import { webMount } from '../../../src/channels/web/mount.js';
import { testEnv } from '../../http/helpers.js';
import {
  activityId,
  activityText,
  cardActions,
  conversationUpdate,
  messageActivity,
  postActivity,
  startFakeConnector,
  type FakeConnector,
} from './connector.js';

const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';
const APP_ID = '6f1c2a7e-3b4d-4c5e-9f60-718293a4b5c6';

let connector: FakeConnector;
let app: App;
let ticketDir: string;

beforeAll(async () => {
  connector = await startFakeConnector();
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-teams-'));
  // The default MOUNTS: proves the composition root wires the Teams channel (Emulator mode: no app id).
  app = await startApp({ env: testEnv({ TICKET_DIR: ticketDir }), port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await connector?.close();
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

/** The posts that answered one incoming activity. */
const repliesTo = (id: string) => connector.messages().filter((p) => p.replyToId === id);

describe('POST /api/messages in Emulator mode', () => {
  it('answers a message with the reply text and the choices as Adaptive Card buttons carrying {action, nonce}', async () => {
    const conversationId = `emu-${activityId()}|livechat`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: SYMPTOM });
    const res = await postActivity(app.url, msg);
    expect(res.status).toBe(200);

    const replies = repliesTo(msg.id as string);
    // One activity per turn (one notification): its text, then one card with the buttons.
    expect(replies).toHaveLength(1);
    expect(replies[0]?.activity.attachments).toHaveLength(1);
    // Posted to v3/conversations/{id}/activities/{replyToId} with the id URL-decoded back to the original.
    for (const r of replies) expect(r.conversationId).toBe(conversationId);
    const buttons = replies.flatMap((r) => cardActions(r.activity));
    expect(buttons.map((b) => b.data.action)).toEqual(expect.arrayContaining(['resolved', 'not_resolved']));
    expect(new Set(buttons.map((b) => b.data.nonce)).size).toBe(1);
    expect(buttons[0]?.data.nonce).toMatch(/^\d+$/);
    expect(replies.map((r) => activityText(r.activity)).join('\n')).toMatch(/パスワード/);
  });

  it('answers a card submit that is not ours like Slack does: "no longer active, type", in the person\'s language, the dialog unmoved', async () => {
    for (const [locale, words] of [['ja-JP', /このボタンはもう使えません/], ['en-US', /no longer active/]] as const) {
      const conversationId = `emu-${activityId()}|livechat`;
      const first = messageActivity({ serviceUrl: connector.url, conversationId, text: SYMPTOM, locale });
      await postActivity(app.url, first);
      const before = await app.core.stores.store.get(`teams:${conversationId}`);
      // A card of another app (or an older version of ours) posts its own data, without text.
      const submit = messageActivity({ serviceUrl: connector.url, conversationId, value: { verb: 'approve', requestId: 42 }, locale });
      expect((await postActivity(app.url, submit)).status).toBe(200);
      const replies = repliesTo(submit.id as string);
      expect(replies).toHaveLength(1);
      expect(activityText(replies[0]!.activity)).toMatch(words);
      expect((await app.core.stores.store.get(`teams:${conversationId}`))?.node).toBe(before?.node);
    }
  });

  it('answers an Action.Execute of a card that is not ours (invoke adaptiveCard/action) with the same words, as the invoke response', async () => {
    const conversationId = `emu-${activityId()}|livechat`;
    const invoke = { ...messageActivity({ serviceUrl: connector.url, conversationId, locale: 'en-US' }), type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'approve', data: {} } } };
    const res = await postActivity(app.url, invoke);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { statusCode: number; type: string; value: string };
    expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(body.value).toMatch(/no longer active/);
    expect(await app.core.stores.store.get(`teams:${conversationId}`)).toBeUndefined();
  });

  it('advances the dialog on a card submit, and a second press of the same card does not advance it again', async () => {
    const conversationId = `emu-${activityId()}|livechat`;
    const key = `teams:${conversationId}`;
    const first = messageActivity({ serviceUrl: connector.url, conversationId, text: SYMPTOM });
    await postActivity(app.url, first);
    const before = await app.core.stores.store.get(key);
    expect(before?.node).toBe('auth_reenter');
    const button = repliesTo(first.id as string)
      .flatMap((r) => cardActions(r.activity))
      .find((b) => b.data.action === 'not_resolved');
    expect(button).toBeDefined();

    // Action.Submit arrives as a message whose value is the button's data (no text).
    const submit = messageActivity({ serviceUrl: connector.url, conversationId, value: button!.data });
    expect((await postActivity(app.url, submit)).status).toBe(200);
    const after = await app.core.stores.store.get(key);
    expect(after?.node).toBe('dc_daccount');
    expect(after?.stepsTried).toHaveLength(1);
    expect(repliesTo(submit.id as string)).toHaveLength(1);

    // The same button pressed again: a new activity with the old nonce is refused as stale.
    const again = messageActivity({ serviceUrl: connector.url, conversationId, value: button!.data });
    expect((await postActivity(app.url, again)).status).toBe(200);
    const still = await app.core.stores.store.get(key);
    expect(still?.node).toBe('dc_daccount');
    expect(still?.stepsTried).toHaveLength(1);
    expect(repliesTo(again.id as string).map((r) => activityText(r.activity)).join('\n')).toContain(
      app.core.i18n.t('engine.stale_choice', undefined, 'ja').slice(0, 8),
    );
  });

  it('replies once to an activity delivered twice', async () => {
    const conversationId = `emu-${activityId()}|livechat`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: 'メールを取得できません' });
    expect((await postActivity(app.url, msg)).status).toBe(200);
    const once = repliesTo(msg.id as string).length;
    expect(once).toBeGreaterThan(0);
    expect((await postActivity(app.url, msg)).status).toBe(200);
    expect(repliesTo(msg.id as string)).toHaveLength(once);
    expect((await app.core.stores.store.get(`teams:${conversationId}`))?.turn).toBe(1);
  });

  it('strips the <at> mention in a channel and keys the conversation by tenant', async () => {
    const conversationId = `19:${activityId()}@thread.tacv2;messageid=1700000000000`;
    const msg = messageActivity({
      serviceUrl: connector.url,
      conversationId,
      text: SYMPTOM,
      mention: true,
      tenantId: 'tenant-1',
      conversationType: 'channel',
    });
    expect((await postActivity(app.url, msg)).status).toBe(200);
    const state = await app.core.stores.store.get(`teams:tenant-1:${conversationId}`);
    expect(state?.node).toBe('auth_reenter');
    expect(state?.userName).toBe('山田 花子');
    expect(state?.errorText ?? '').not.toContain('<at>');
    const replies = repliesTo(msg.id as string);
    // One activity per turn (one notification): its text, then one card with the buttons.
    expect(replies).toHaveLength(1);
    expect(replies[0]?.activity.attachments).toHaveLength(1);
    expect(replies[0]?.conversationId).toBe(conversationId);
  });

  it('welcomes on conversationUpdate when the bot is added, once per delivery, in the activity locale', async () => {
    const conversationId = `emu-${activityId()}|livechat`;
    const update = conversationUpdate({ serviceUrl: connector.url, conversationId, locale: 'en-US' });
    expect((await postActivity(app.url, update)).status).toBe(200);
    expect((await postActivity(app.url, update)).status).toBe(200);
    const welcome = connector.messages().filter((p) => p.conversationId === conversationId);
    expect(welcome).toHaveLength(1);
    expect(welcome[0]?.activity.text).toBe(app.core.i18n.t('teams.welcome', undefined, 'en'));

    // Another person joining (bot not among membersAdded) is not welcomed in the channel.
    const other = conversationUpdate({ serviceUrl: connector.url, conversationId, botAdded: false });
    expect((await postActivity(app.url, other)).status).toBe(200);
    expect(connector.messages().filter((p) => p.conversationId === conversationId)).toHaveLength(1);
  });

  it('refuses malformed activities with 400 and keeps serving', async () => {
    const conversationId = `emu-${activityId()}`;
    const valid = messageActivity({ serviceUrl: connector.url, conversationId, text: 'こんにちは' });
    const bad: unknown[] = [
      [],
      {},
      { type: 'message' },
      { ...valid, serviceUrl: 'not a url' },
      { ...valid, serviceUrl: 'file:///etc/passwd' },
      { ...valid, conversation: {} },
      { ...valid, from: { id: 42 } },
      { ...valid, text: { html: '<b>' } },
      { ...valid, type: 7 },
    ];
    const posts = connector.posted.length;
    for (const body of bad) {
      const res = await postActivity(app.url, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(JSON.parse(res.text).error).toBe(app.core.i18n.t('teams.api.bad_activity', undefined, 'ja'));
    }
    expect((await postActivity(app.url, '{"type": "message",')).status).toBe(400);
    expect((await postActivity(app.url, 'null')).status).toBe(400);
    expect((await postActivity(app.url, 'type=message', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(connector.posted.length).toBe(posts);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect((await postActivity(app.url, valid)).status).toBe(200);
  });

  it('answers an empty message and a message with a stranger value politely', async () => {
    const conversationId = `emu-${activityId()}`;
    const empty = messageActivity({ serviceUrl: connector.url, conversationId, text: '' });
    expect((await postActivity(app.url, empty)).status).toBe(200);
    expect(activityText(repliesTo(empty.id as string)[0]?.activity)).toBe(app.core.i18n.t('pipeline.empty_text', undefined, 'ja'));
    const odd = messageActivity({ serviceUrl: connector.url, conversationId, value: { something: 'else' } });
    expect((await postActivity(app.url, odd)).status).toBe(200);
    expect(repliesTo(odd.id as string).length).toBeGreaterThan(0);
  });

  it('asks for the error as text when a screenshot comes without words (not "your message was empty")', async () => {
    const conversationId = `emu-${activityId()}`;
    const screenshot: Record<string, unknown> = {
      ...messageActivity({ serviceUrl: connector.url, conversationId, text: '' }),
      attachments: [
        { contentType: 'image/*', contentUrl: 'https://smba.example/v3/attachments/1/views/original' },
        { contentType: 'text/html', content: '<div><img src="https://smba.example/v3/attachments/1/views/original"></div>' },
      ],
    };
    expect((await postActivity(app.url, screenshot)).status).toBe(200);
    expect(activityText(repliesTo(screenshot.id as string)[0]?.activity)).toBe(app.core.i18n.t('pipeline.attachment_only', undefined, 'ja'));
    // Only Teams' HTML copy of a formatted message is not a file: an empty one is still "empty".
    const html: Record<string, unknown> = { ...messageActivity({ serviceUrl: connector.url, conversationId, text: '' }), attachments: [{ contentType: 'text/html', content: '<p></p>' }] };
    expect((await postActivity(app.url, html)).status).toBe(200);
    expect(activityText(repliesTo(html.id as string)[0]?.activity)).toBe(app.core.i18n.t('pipeline.empty_text', undefined, 'ja'));
  });

  it('tells the person in Teams, proactively, when their ticket reaches the ticket system', async () => {
    const conversationId = `emu-${activityId()}|livechat`;
    for (const text of [SYMPTOM, '担当の人につないで', 'iPhone 15、iOS 18.1、今朝9時から毎回です']) {
      const msg = messageActivity({ serviceUrl: connector.url, conversationId, text });
      expect((await postActivity(app.url, msg)).status).toBe(200);
    }
    const state = await app.core.stores.store.get(`teams:${conversationId}`);
    expect(state?.status).toBe('escalated');
    const ticketId = state?.ticketId;
    expect(ticketId).toMatch(/^MM-\d{8}-\d{4,}$/);
    // The file sink files it in the background; the channel then posts into the conversation (no replyToId needed).
    await connector.waitFor((posted) =>
      posted.some((p) => p.conversationId === conversationId && activityText(p.activity).includes(`${ticketId}`) && /担当窓口/.test(activityText(p.activity))),
    );
  });
});

describe('POST /api/messages, slow turns and typing', () => {
  let tuned: App;
  beforeAll(async () => {
    tuned = await startApp({
      env: testEnv({ TICKET_DIR: ticketDir }),
      port: 0,
      host: '127.0.0.1',
      // Typing at once, and the request answered before the turn finishes: its replies must still arrive.
      mounts: [(core) => teamsParts(core, { typingDelayMs: 0, ackAfterMs: 0 })],
    });
  });
  afterAll(async () => {
    await tuned?.close();
  });

  it('shows typing while it works and still replies after answering the request early', async () => {
    const conversationId = `emu-${activityId()}`;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId, text: SYMPTOM });
    expect((await postActivity(tuned.url, msg)).status).toBe(200);
    await connector.waitFor((posted) => posted.some((p) => p.replyToId === msg.id && p.activity.type === 'message'));
    const ours = connector.posted.filter((p) => p.replyToId === msg.id);
    expect(ours[0]?.activity.type).toBe('typing');
    expect(ours.findIndex((p) => p.activity.type === 'typing')).toBeLessThan(ours.findIndex((p) => p.activity.type === 'message'));
  });
});

describe('POST /api/messages with MicrosoftAppId set', () => {
  let secured: App;
  beforeAll(async () => {
    secured = await startApp({
      env: testEnv({ TICKET_DIR: ticketDir, MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret' }),
      port: 0,
      host: '127.0.0.1',
      mounts: [(core) => teamsParts(core), (core) => webMount({ pipeline: core.pipeline, i18n: core.i18n, defaultLocale: 'ja', logger: core.logger })],
    });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('refuses a request without a token with 401 and sends nothing', async () => {
    const posts = connector.posted.length;
    const msg = messageActivity({ serviceUrl: connector.url, conversationId: `sec-${activityId()}`, text: SYMPTOM });
    const res = await postActivity(secured.url, msg);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text).error).toBe(secured.core.i18n.t('teams.api.unauthorized', undefined, 'ja'));
    expect(connector.posted.length).toBe(posts);
  });

  it('refuses a request whose bearer token is not a Bot Framework token with 401', async () => {
    const msg = messageActivity({ serviceUrl: connector.url, conversationId: `sec-${activityId()}`, text: SYMPTOM });
    const res = await postActivity(secured.url, msg, { authorization: 'Bearer not.a.jwt' });
    expect(res.status).toBe(401);
  });
});
