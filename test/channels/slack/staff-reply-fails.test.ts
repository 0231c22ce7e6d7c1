/**
 * Lose-nothing, Slack help desk (lose-36): staff hold a conversation and write to the person in the desk thread while
 * Slack refuses the post into the person's DM for longer than our own retries (a Slack incident). Before, the Slack
 * channel counted the message as told — the person never got it and staff were never told (the transcript even
 * showed it as sent). Now staff read in their thread that the person could not be reached (as the Teams desk says),
 * and the transcript does not claim it was sent.
 *
 * Real server on loopback, the local fake Slack Web API (answers scripted per channel), memory store, file tickets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackParts, startApp, type App } from '../../../src/main.js';
import { buttonsOf, clickPayload, dmEvent, envelope, hasKey, sendEvent, sendInteraction, slackEnv, startFakeSlack, tsOf, uid, waitFor, type FakeSlack } from './fake-slack.js';

/** The symptom line of the Slack suites (test/channels/slack/events.test.ts; team-written). */
const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';
let slack: FakeSlack;
let app: App;
let ticketDir: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-slack-staff-'));
  app = await startApp({
    env: slackEnv(slack.url, ticketDir),
    port: 0,
    host: '127.0.0.1',
    // Our own retries of one call: 3 tries, quickly (the default lasts ≈ 7 s; Slack incidents last longer).
    mounts: [(core) => slackParts(core, { retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 100, rateLimitWaits: 3, maxRetryAfterMs: 1_000 } })],
  });
});
afterAll(async () => {
  await app?.close();
  await slack?.close();
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

const postsIn = (channel: string) => slack.calls('chat.postMessage').filter((c) => c.args.channel === channel && c.ts !== undefined);
const deskPosts = () => slack.calls('chat.postMessage').filter((c) => c.args.channel === '#helpdesk' || c.args.channel === 'CDESK01');

describe('staff write to the person while Slack refuses the post', () => {
  it('staff are told in their thread that the person could not be reached; the transcript does not say it was sent', async () => {
    const c = { team: `T${uid()}`, dm: `D${uid()}`, user: `U${uid()}` };
    const say = async (text: string) => {
      const before = postsIn(c.dm).length;
      await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, text)));
      await waitFor('a reply', () => postsIn(c.dm).length > before);
    };
    await say(SYMPTOM);
    await say('担当者と話したい');
    await say('iPhone 15、iOS 18.1、今朝9時から毎回です');
    const created = await waitFor('ticket created', () => postsIn(c.dm).find((p) => hasKey(p, 'pipeline.ticket_created')));
    const ticketId = /MM-\d{8}-\d{4,}/.exec(created.args.text)![0];
    await waitFor('ticket news', () => postsIn(c.dm).find((p) => hasKey(p, 'handoff.user.delivered')));
    const announcement = await waitFor('announcement', () => deskPosts().find((p) => p.args.text.includes(ticketId) && buttonsOf(p).length > 0));
    const staff = `U${uid()}`;
    const takeOver = buttonsOf(announcement).find((b) => b.action_id === 'mm_takeover')!;
    await sendInteraction(app.url, clickPayload({ team: c.team, user: staff, channel: 'CDESK01', messageTs: announcement.ts!, message: announcement, button: takeOver }));
    await waitFor('takeover.taken', () => postsIn(c.dm).find((p) => hasKey(p, 'takeover.taken')));

    // Slack refuses every post into the person's DM for the next three tries (all of ours).
    const down = { status: 500, body: { ok: false, error: 'internal_error' }, channel: c.dm };
    slack.queue('chat.postMessage', down, down, down);
    await sendEvent(app.url, envelope(c.team, { type: 'message', channel: 'CDESK01', channel_type: 'channel', user: staff, text: '設定画面を見せてください', ts: tsOf(), thread_ts: announcement.ts }));

    const unreachable = app.core.i18n.t('slack.desk.unreachable', { channel: 'slack' }, 'ja');
    const told = await waitFor('the desk told', () => postsIn('CDESK01').find((p) => p.args.thread_ts === announcement.ts && p.args.text.includes('届けられませんでした')), 15_000);
    expect(told.args.text).toBe(unreachable);
    expect(postsIn(c.dm).filter((p) => hasKey(p, 'takeover.staff_said'))).toHaveLength(0);
    const events = JSON.stringify(await app.core.transcripts.turns(`slack:${c.team}:${c.dm}:dm`));
    expect(events).not.toContain('設定画面を見せてください');
  }, 60_000);
});
