/**
 * The Slack channel end to end: the real bolt app on the real HTTP server (startApp with the default MOUNTS, port 0),
 * signed requests shaped like Slack's, and a local fake Slack Web API (SLACK_API_URL) that records every call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/main.js';
import { testEnv } from '../../http/helpers.js';
import {
  BOT_USER,
  buttonsOf,
  clickPayload,
  dmEvent,
  envelope,
  hasKey,
  keyOf,
  keysOf,
  SECRET,
  sendEvent,
  slackEnv,
  sendInteraction,
  startFakeSlack,
  tsOf,
  uid,
  waitFor,
  type FakeSlack,
  type SlackCall,
} from './fake-slack.js';

const ADMIN_TOKEN = 'admin-token-for-the-slack-tests-0123456789';

export const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';

let slack: FakeSlack;
let app: App;
let ticketDir: string;


beforeAll(async () => {
  slack = await startFakeSlack();
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-slack-'));
  app = await startApp({ env: slackEnv(slack.url, ticketDir, { ADMIN_TOKEN }), port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await slack?.close();
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

const postsIn = (channel: string) => slack.calls('chat.postMessage').filter((c) => c.args.channel === channel);

const deskPosts = () => slack.calls('chat.postMessage').filter((c) => c.args.channel === '#helpdesk' || c.args.channel === 'CDESK01');
const fresh = () => ({ team: `T${uid()}`, dm: `D${uid()}`, user: `U${uid()}` });

/** Sends a DM and waits for the first reply posted after it; returns the replies posted so far for it. */
async function dm(c: { team: string; dm: string; user: string }, text: string): Promise<SlackCall[]> {
  const before = postsIn(c.dm).length;
  const res = await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, text)));
  expect(res.status).toBe(200);
  await waitFor('a reply', () => postsIn(c.dm).length > before);
  return postsIn(c.dm).slice(before);
}

/** Waits for a post in `channel` whose reply key is `key`. */
const replyWithKey = (channel: string, key: string, after = -1) =>
  waitFor(`reply ${key}`, () => postsIn(channel).find((p) => p.seq > after && hasKey(p, key)));

describe('Slack events over HTTP', () => {
  it('answers a DM at the top level with the choices as Block Kit buttons carrying the offer nonce', async () => {
    const c = fresh();
    await dm(c, SYMPTOM);
    const withButtons = await waitFor('buttons', () => postsIn(c.dm).find((p) => buttonsOf(p).length > 0));
    const buttons = buttonsOf(withButtons);
    expect(buttons.map((b) => b.value)).toEqual(expect.arrayContaining(['resolved', 'not_resolved']));
    expect(buttons[0]!.block_id).toMatch(/^mm\|\d+\|ja\|dm$/);
    expect(withButtons.args.thread_ts).toBeUndefined();
    // The requester's name and locale were looked up for the turn.
    expect(slack.calls('users.info').some((u) => u.args.user === c.user)).toBe(true);
  });

  it('answers a mention in a channel in its thread, without the mention in the text', async () => {
    const team = `T${uid()}`;
    const channel = `C${uid()}`;
    const ts = tsOf();
    await sendEvent(app.url, envelope(team, { type: 'app_mention', channel, user: `U${uid()}`, text: `<@${BOT_USER}> ${SYMPTOM}`, ts, team }));
    // The symptom's first step arrives (after any "understood as …" line), every reply in the mention's thread.
    const reply = await waitFor('threaded reply', () => postsIn(channel).find((p) => hasKey(p, 'tree.auth_entry.say')));
    expect(reply.args.thread_ts).toBe(ts);
    expect(postsIn(channel).every((p) => p.args.thread_ts === ts)).toBe(true);
    // The thread's permalink was fetched for the ticket.
    expect(slack.calls('chat.getPermalink').some((p) => p.args.channel === channel && p.args.message_ts === ts)).toBe(true);
  });

  it('advances the dialog on a click, updates the clicked message to the answer without buttons, and refuses the same set twice', async () => {
    const c = fresh();
    await dm(c, SYMPTOM);
    const msg = await waitFor('buttons', () => postsIn(c.dm).find((p) => buttonsOf(p).length > 0));
    const notResolved = buttonsOf(msg).find((b) => b.value === 'not_resolved')!;
    const before = postsIn(c.dm).length;
    const payload = clickPayload({ team: c.team, user: c.user, channel: c.dm, messageTs: msg.ts!, message: msg, button: notResolved });
    const res = await sendInteraction(app.url, payload);
    expect(res.status).toBe(200);
    const update = await waitFor('chat.update', () => slack.calls('chat.update').find((u) => u.args.ts === msg.ts));
    expect((update.args.blocks as Array<{ type: string }>).some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(update.args.blocks)).toContain(notResolved.label);
    const next = await waitFor('next step', () => postsIn(c.dm).slice(before).find((p) => buttonsOf(p).length > 0));
    expect(keyOf(next)).not.toBe(keyOf(msg));
    expect(buttonsOf(next)[0]!.block_id).not.toBe(notResolved.block_id);

    // The same click delivered again, then a text turn: only the text turn is answered.
    await sendInteraction(app.url, payload);
    const mark = postsIn(c.dm).at(-1)!.seq;
    await dm(c, '最初から');
    const after = postsIn(c.dm).filter((p) => p.seq > mark);
    expect(after.map(keyOf)).not.toContain(keyOf(next));
  });

  it('posts ONE message per turn (every reply as sections, then the buttons); a click updates it to the choice, without buttons', async () => {
    const c = fresh();
    await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, SYMPTOM)));
    const first = await waitFor('the first turn', () => postsIn(c.dm).find((p) => buttonsOf(p).length > 0));
    // The turn said several things (what was understood, the branch, the first step): all in that one message.
    expect(keysOf(first).length).toBeGreaterThan(1);
    expect(keysOf(first)).toContain('tree.auth_entry.say');
    expect(postsIn(c.dm)).toHaveLength(1);
    const blocks = first.args.blocks as Array<{ type: string }>;
    expect(blocks.at(-1)?.type).toBe('actions');
    expect(blocks.filter((b) => b.type === 'actions')).toHaveLength(1);
    expect(blocks.slice(0, -1).every((b) => b.type === 'section')).toBe(true);

    const notResolved = buttonsOf(first).find((b) => b.value === 'not_resolved')!;
    await sendInteraction(app.url, clickPayload({ team: c.team, user: c.user, channel: c.dm, messageTs: first.ts!, message: first, button: notResolved }));
    const update = await waitFor('chat.update', () => slack.calls('chat.update').find((u) => u.args.ts === first.ts));
    expect((update.args.blocks as Array<{ type: string }>).some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(update.args.blocks)).toContain(notResolved.label);
    await waitFor('the second turn', () => postsIn(c.dm).length > 1);
    // Wait for the conversation to be idle: a text turn after it is answered after the click's turn.
    await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, '最初から')));
    await waitFor('restart', () => postsIn(c.dm).find((p) => hasKey(p, 'engine.restart', true)));
    // Three turns (symptom, click, restart): three messages.
    expect(postsIn(c.dm)).toHaveLength(3);
  });

  it('acks a signed click on a button that is not ours (200) and tells only that person, in their language, that it is no longer active', async () => {
    const c = fresh();
    await dm(c, SYMPTOM);
    const msg = await waitFor('buttons', () => postsIn(c.dm).find((p) => buttonsOf(p).length > 0));
    const before = postsIn(c.dm).length;
    // A button of an older version of the app (another action_id), then one of ours whose block id is not ours.
    for (const button of [
      { action_id: 'legacy_choice', value: 'not_resolved', block_id: 'old-block', label: 'まだダメ' },
      { action_id: 'mm_choice_0', value: 'not_resolved', block_id: 'someone-else', label: 'まだダメ' },
    ]) {
      const res = await sendInteraction(app.url, clickPayload({ team: c.team, user: c.user, channel: c.dm, messageTs: msg.ts!, message: msg, button }));
      expect(res.status).toBe(200);
    }
    const told = await waitFor('two ephemeral notes', () => {
      const e = slack.calls('chat.postEphemeral').filter((p) => p.args.channel === c.dm);
      return e.length >= 2 ? e : undefined;
    });
    for (const note of told) {
      expect(note.args.user).toBe(c.user);
      expect(note.args.text).toContain('このボタンは');
      expect(note.args.metadata).toBeUndefined();
    }
    // The dialog did not move: a later message is answered as usual and nothing was posted for the clicks.
    expect(postsIn(c.dm)).toHaveLength(before);
    expect(slack.calls('chat.update').some((u) => u.args.ts === msg.ts)).toBe(false);
    await dm(c, '最初から');
  });

  it('answers a foreign click in a thread inside that thread, in English for an English speaker', async () => {
    const team = `T${uid()}`;
    const channel = `C${uid()}`;
    const threadTs = tsOf();
    const user = `U${uid()}`;
    slack.setLocale(user, 'en-US');
    const message = { method: 'chat.postMessage', seq: 0, ts: tsOf(), args: { channel, text: 'old', thread_ts: threadTs, blocks: [] } };
    const res = await sendInteraction(
      app.url,
      clickPayload({ team, user, channel, messageTs: message.ts, message, button: { action_id: 'approve_request', value: 'x', block_id: 'b', label: 'Approve' } }),
    );
    expect(res.status).toBe(200);
    const note = await waitFor('ephemeral note', () => slack.calls('chat.postEphemeral').find((p) => p.args.channel === channel));
    expect(note.args.thread_ts).toBe(threadTs);
    expect(note.args.text).toMatch(/no longer active/);
  });

  it('refuses a request signed with another secret: 401, no reply', async () => {
    const c = fresh();
    const res = await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, SYMPTOM)), { secret: 'another-secret' });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('');
    const unsigned = await fetch(`${app.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(401);
    await dm(fresh(), 'こんにちは'); // a later good request is answered, so the refused one had its chance
    expect(postsIn(c.dm)).toHaveLength(0);
  });

  it('refuses a timestamp more than five minutes in the past or in the future: 401, no reply', async () => {
    const c = fresh();
    const now = Math.floor(Date.now() / 1000);
    const past = await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, SYMPTOM)), { timestampSec: now - 301 - 5 });
    const future = await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, SYMPTOM)), { timestampSec: now + 301 + 5 });
    expect(past.status).toBe(401);
    expect(future.status).toBe(401);
    const click = await sendInteraction(app.url, { type: 'block_actions' }, { timestampSec: now + 600 });
    expect(click.status).toBe(401);
    await dm(fresh(), 'こんにちは');
    expect(postsIn(c.dm)).toHaveLength(0);
  });

  it('answers an event delivered twice (and retried with X-Slack-Retry-Num) exactly once', async () => {
    const once = fresh();
    const twice = { ...fresh(), team: once.team };
    const eventA = envelope(once.team, dmEvent(once.team, once.dm, once.user, SYMPTOM));
    const eventB = envelope(twice.team, dmEvent(twice.team, twice.dm, twice.user, SYMPTOM));
    await sendEvent(app.url, eventA);
    await sendEvent(app.url, eventB);
    await sendEvent(app.url, eventB);
    await sendEvent(app.url, eventB, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    // Turns of one conversation run in order: once the restart is answered, everything before it was handled.
    await sendEvent(app.url, envelope(once.team, dmEvent(once.team, once.dm, once.user, '最初から')));
    await sendEvent(app.url, envelope(twice.team, dmEvent(twice.team, twice.dm, twice.user, '最初から')));
    const lastA = await waitFor('restart answered (once)', () => postsIn(once.dm).findLast((p) => p.seq > 0 && hasKey(p, 'engine.restart', true)));
    const lastB = await waitFor('restart answered (twice)', () => postsIn(twice.dm).findLast((p) => hasKey(p, 'engine.restart', true)));
    const keysA = postsIn(once.dm).filter((p) => p.seq < lastA.seq).flatMap(keysOf);
    const keysB = postsIn(twice.dm).filter((p) => p.seq < lastB.seq).flatMap(keysOf);
    expect(keysB).toEqual(keysA);
    expect(keysB.filter((k) => k === 'tree.auth_entry.say')).toHaveLength(1);
  });

  it('answers two messages delivered out of order (the later one first, then the earlier one, then a retry of each) once each (lose-32)', async () => {
    const c = fresh();
    const early = envelope(c.team, dmEvent(c.team, c.dm, c.user, SYMPTOM));
    const late = envelope(c.team, dmEvent(c.team, c.dm, c.user, '最初から'));
    expect(Number((early.event as { ts: string }).ts)).toBeLessThan(Number((late.event as { ts: string }).ts));
    await sendEvent(app.url, late);
    const restart = await waitFor('the later message answered', () => postsIn(c.dm).find((p) => hasKey(p, 'engine.restart', true)));
    await sendEvent(app.url, early);
    const entry = await waitFor('the earlier message answered, not dropped as stale', () => postsIn(c.dm).find((p) => p.seq > restart.seq && hasKey(p, 'tree.auth_entry.say')));
    await sendEvent(app.url, late, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    await sendEvent(app.url, early, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    // A marker turn: turns of one conversation run in order, so once it is answered the retries were handled.
    await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, '最初から')));
    await waitFor('the marker answered', () => postsIn(c.dm).find((p) => p.seq > entry.seq && hasKey(p, 'engine.restart', true)));
    const keys = postsIn(c.dm).flatMap(keysOf);
    expect(keys.filter((k) => k === 'tree.auth_entry.say')).toHaveLength(1);
    expect(keys.filter((k) => k.startsWith('engine.restart'))).toHaveLength(2);
  });

  it('waits out a 429 with Retry-After for that conversation only, then delivers the reply', async () => {
    const slow = fresh();
    const other = fresh();
    slack.queue('chat.postMessage', { status: 429, headers: { 'retry-after': '2' }, channel: slow.dm });
    await sendEvent(app.url, envelope(slow.team, dmEvent(slow.team, slow.dm, slow.user, SYMPTOM)));
    const limited = await waitFor('the 429', () => slack.calls('chat.postMessage').find((p) => p.args.channel === slow.dm));
    // Another conversation is answered while the first one waits.
    const otherReplies = await dm(other, SYMPTOM);
    const delivered = await waitFor('the retried post', () => postsIn(slow.dm).find((p) => p.seq > limited.seq), 20_000);
    expect(delivered.args.text).toBe(limited.args.text);
    expect(otherReplies[0]!.seq).toBeLessThan(delivered.seq);
  });
});

describe('Slack help desk', () => {
  it('announces an escalation in SLACK_HELPDESK_CHANNEL; take-over relays both ways; hand-back returns to the bot', async () => {
    const c = fresh();
    await dm(c, SYMPTOM);
    await dm(c, '担当者と話したい');
    await dm(c, 'iPhone 15、iOS 18.1、今朝9時から毎回です。パスワードは hunter2pass です');
    const created = await replyWithKey(c.dm, 'pipeline.ticket_created');
    const ticketId = /MM-\d{8}-\d{4,}/.exec(created.args.text)![0];
    // The file sink files the ticket in the background and the person is told; wait for that news, so it cannot
    // land in the middle of the take-over below (where nothing but staff's words may reach the person).
    await replyWithKey(c.dm, 'handoff.user.delivered', created.seq);

    const announcement = await waitFor('announcement', () => deskPosts().find((p) => p.args.text.includes(ticketId) && buttonsOf(p).length > 0));
    expect(announcement.args.channel).toBe('#helpdesk');
    const body = JSON.stringify(announcement.args.blocks);
    expect(body).toContain('IMAPアカウントのパスワードが正しくありません');
    expect(body).toContain('iOS 18.1');
    expect(body).not.toContain('hunter2pass');
    const takeOver = buttonsOf(announcement).find((b) => b.action_id === 'mm_takeover')!;
    expect(takeOver.value).toBe(ticketId);

    // Staff take over: the person is told, and the announcement now offers [Hand back].
    const staff = `U${uid()}`;
    const deskMsg = { ...announcement, args: { ...announcement.args } };
    const mark = postsIn(c.dm).at(-1)!.seq;
    await sendInteraction(app.url, clickPayload({ team: c.team, user: staff, channel: 'CDESK01', messageTs: announcement.ts!, message: deskMsg, button: takeOver }));
    await replyWithKey(c.dm, 'takeover.taken', mark);
    const updated = await waitFor('announcement updated', () => slack.calls('chat.update').find((u) => u.args.ts === announcement.ts));
    const handBack = (updated.args.blocks as Array<Record<string, any>>).flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e: any) => e.action_id === 'mm_handback');
    expect(handBack).toBeDefined();

    // The person writes: the bot stays quiet and the message goes to the help-desk thread (redacted).
    const mark2 = postsIn(c.dm).at(-1)!.seq;
    await sendEvent(app.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, 'まだ届きません。パスワードは hunter2pass です')));
    const relayed = await waitFor('relay to desk', () => postsIn('CDESK01').find((p) => p.args.thread_ts === announcement.ts && p.args.text.includes('まだ届きません')));
    expect(relayed.args.text).not.toContain('hunter2pass');

    // A screenshot sent alone (a file share without words): staff see that a file came, its name and type, in the
    // thread and on the conversation's /admin page — not an empty line.
    await sendEvent(
      app.url,
      envelope(c.team, dmEvent(c.team, c.dm, c.user, '', { subtype: 'file_share', files: [{ id: 'F1', name: 'IMG_0123.PNG', mimetype: 'image/png', filetype: 'png' }] })),
    );
    const fileLine = await waitFor('file relayed to desk', () => postsIn('CDESK01').find((p) => p.args.thread_ts === announcement.ts && p.args.text.includes('IMG_0123.PNG')));
    expect(fileLine.args.text).toContain('image/png');
    expect(fileLine.args.text).toMatch(/スクリーンショット/);
    const conversation = await waitFor('the transcript', async () =>
      (await app.core.transcripts.summaries()).find((x) => x.id.includes(c.dm) && x.turns >= 5),
    );
    const adminPage = await waitFor('the file on /admin', async () => {
      const r = await fetch(`${app.url}/admin/conversations/${encodeURIComponent(conversation.id)}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/html' } });
      const html = await r.text();
      return html.includes('data-testid="user-files"') ? html : undefined;
    });
    expect(adminPage).toContain('IMG_0123.PNG (image/png)');

    // Staff write in the thread: it reaches the person.
    await sendEvent(app.url, envelope(c.team, { type: 'message', channel: 'CDESK01', channel_type: 'channel', user: staff, text: '設定画面を見せてください', ts: tsOf(), thread_ts: announcement.ts }));
    const fromStaff = await replyWithKey(c.dm, 'takeover.staff_said', mark2);
    expect(fromStaff.args.text).toContain('設定画面を見せてください');
    expect(postsIn(c.dm).filter((p) => p.seq > mark2 && p.seq < fromStaff.seq).map(keyOf)).toEqual([]);

    // Hand back: the person is told, and the bot answers again (nothing more is relayed).
    const mark3 = fromStaff.seq;
    const updatedMsg = { ...updated, args: { ...updated.args, text: announcement.args.text } };
    await sendInteraction(
      app.url,
      clickPayload({ team: c.team, user: staff, channel: 'CDESK01', messageTs: announcement.ts!, message: updatedMsg, button: { action_id: 'mm_handback', value: ticketId, block_id: 'mm_desk', label: 'x' } }),
    );
    await replyWithKey(c.dm, 'takeover.returned', mark3);
    const deskCount = postsIn('CDESK01').length;
    const answer = await dm(c, '最初から');
    expect(keyOf(answer[0]!)).not.toBe('takeover.staff_said');
    expect(postsIn('CDESK01').filter((p) => p.args.thread_ts === announcement.ts && p.seq > mark3 && p.args.text.includes('最初から'))).toHaveLength(0);
    expect(postsIn('CDESK01').length).toBeGreaterThanOrEqual(deskCount);
  });
});
