/**
 * The Teams help desk (TEAMS_HELPDESK_CHANNEL) on the real HTTP server (startApp, port 0, the default MOUNTS),
 * with activities shaped like Teams' and a local fake Bot Connector recording what the bot posts: the escalation
 * card (POST /v3/conversations, a new thread in the channel), replies in its thread, card updates (PUT) and the
 * messages that reach the person.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/main.js';
import { TEAMS_DESK_KEYS } from '../../../src/channels/teams/index.js';
import { post, runId, testEnv } from '../../http/helpers.js';
import { activityId, activityText, cardActions, messageActivity, postActivity, startFakeConnector, type FakeConnector, type Posted } from './connector.js';

const SYMPTOM = 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる';
const PASSWORD = 'hunter2pass';
const DESK = `19:desk${runId()}@thread.tacv2`;
const TENANT = 'tenant-desk-1';
const STAFF = { id: '29:staff-1', name: '佐藤（ヘルプデスク）', aadObjectId: 'aad-staff-1' };

let connector: FakeConnector;
let app: App;
let ticketDir: string;

beforeAll(async () => {
  connector = await startFakeConnector();
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-teams-desk-'));
  app = await startApp({ env: testEnv({ TICKET_DIR: ticketDir, TEAMS_HELPDESK_CHANNEL: DESK, LOG_LEVEL: process.env.TEST_LOG ?? 'silent' }), port: 0, host: '127.0.0.1' });
  // The documented set-up step: someone @mentions the bot once in the help-desk channel (it learns the serviceUrl).
  const id = activityId();
  await inDesk({ conversationId: `${DESK};messageid=${id}`, id, text: 'セットアップ' });
});

afterAll(async () => {
  await app?.close();
  await connector?.close();
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

const t = (key: string, params?: Record<string, string>) => app.core.i18n.t(key, params, 'ja');
/** A fixed string of a locale text (the part before its first placeholder), to find a message by its key. */
const stem = (key: string) => t(key).split('{')[0]!;
const sends = () => connector.posted.filter((p) => p.kind === 'send' && p.activity?.type === 'message');
const sentTo = (conversationId: string, after = 0) => sends().filter((p) => p.conversationId === conversationId && connector.posted.indexOf(p) >= after);
const mark = () => connector.posted.length;

async function waitPost(what: string, find: () => Posted | undefined): Promise<Posted> {
  let found: Posted | undefined;
  await connector.waitFor(() => (found = find()) !== undefined).catch(() => {
    throw new Error(`not seen: ${what}`);
  });
  return found!;
}

/** A person in a Teams personal chat. */
function person() {
  const conversationId = `a:person-${activityId()}`;
  return {
    conversationId,
    async say(text: string, extra: Record<string, unknown> = {}) {
      const msg = { ...messageActivity({ serviceUrl: connector.url, conversationId, text, tenantId: TENANT }), ...extra };
      const res = await postActivity(app.url, msg);
      expect(res.status).toBe(200);
      return connector.messages().filter((p) => p.replyToId === msg.id);
    },
  };
}

/** Something staff do in the help-desk channel (a card press or an @mention), as Teams delivers it. */
async function inDesk(parts: { conversationId: string; text?: string; value?: unknown; replyToId?: string; id?: string }) {
  const msg = messageActivity({
    serviceUrl: connector.url,
    tenantId: TENANT,
    conversationType: 'channel',
    teamsChannel: { channel: DESK },
    from: STAFF,
    mention: parts.text !== undefined,
    ...parts,
  });
  const res = await postActivity(app.url, msg);
  expect(res.status).toBe(200);
  return msg;
}

describe('Teams help desk', () => {
  it('has every desk key in ja and en', () => {
    for (const key of TEAMS_DESK_KEYS) {
      for (const locale of ['ja', 'en'] as const) expect(app.core.i18n.has(key, locale), `${locale}: ${key}`).toBe(true);
    }
  });

  it('set-up: an @mention in the help-desk channel is answered there and never reaches the troubleshooting dialog', async () => {
    const id = activityId();
    const thread = `${DESK};messageid=${id}`;
    await inDesk({ conversationId: thread, id, text: 'こんにちは' });
    const ready = await waitPost('ready', () => sentTo(thread).find((p) => activityText(p.activity).includes(stem('teams.desk.ready'))));
    expect(ready.activity.text).toBe(t('teams.desk.ready'));
    expect(await app.core.stores.store.get(`teams:${TENANT}:${thread}`)).toBeUndefined();
  });

  it('announces an escalation from Teams as a card; take-over relays both ways (redacted); hand-back returns to the bot', async () => {
    const p = person();
    await p.say(SYMPTOM);
    await p.say('担当者と話したい');
    const filed = await p.say(`iPhone 15、iOS 18.1、今朝9時から毎回です。パスワードは ${PASSWORD} です`);
    const ticketId = /MM-\d{8}-\d{4,}/.exec(filed.map((r) => activityText(r.activity)).join('\n'))?.[0];
    expect(ticketId).toBeDefined();

    // The card: a new thread in the desk channel, with the ticket's facts and no password.
    const created = await waitPost('announcement', () =>
      connector.posted.find((x) => x.kind === 'create' && JSON.stringify(x.activity).includes(ticketId!)),
    );
    expect(created.conversationId).toBe(DESK);
    expect(created.params.isGroup).toBe(true);
    expect(created.params.channelData.tenant.id).toBe(TENANT);
    const card = JSON.stringify(created.activity);
    expect(card).toContain('IMAPアカウントのパスワードが正しくありません');
    expect(card).toContain('iOS 18.1');
    expect(card).toContain('iPhone 15');
    expect(card).toContain(t('teams.desk.fact.steps'));
    expect(card).toContain('/admin/conversations/');
    expect(card).not.toContain(PASSWORD);
    const take = cardActions(created.activity).find((b) => (b.data as any).mmDesk === 'take');
    expect(take?.title).toBe(t('teams.desk.take_over'));
    expect(take?.data).toEqual({ mmDesk: 'take', ticket: ticketId });
    const { id: thread, activityId: root } = created.created!;

    // Delivery news goes into the card's thread.
    await waitPost('delivered in the thread', () => sentTo(thread).find((x) => x.activity.text?.includes(ticketId!)));

    // Take over (pressed twice: the same activity redelivered): the person is told once, the card offers [Hand back].
    const before = mark();
    const press = { conversationId: thread, value: take!.data, replyToId: root, id: activityId() };
    await inDesk(press);
    await inDesk(press);
    const taken = await waitPost('taken', () => sentTo(p.conversationId, before).find((x) => x.activity.text?.includes(STAFF.name)));
    expect(taken.activity.text).toBe(app.core.i18n.t('takeover.taken', { name: STAFF.name }, 'ja'));
    const updated = await waitPost('card updated', () => connector.posted.find((x) => x.kind === 'update' && x.replyToId === root && connector.posted.indexOf(x) >= before));
    expect(updated.conversationId).toBe(thread);
    const back = cardActions(updated.activity).find((b) => (b.data as any).mmDesk === 'back');
    expect(back?.data).toEqual({ mmDesk: 'back', ticket: ticketId });
    expect(JSON.stringify(updated.activity)).toContain(t('teams.desk.taken_by', { name: STAFF.name }));
    expect(await app.core.holds.get(`teams:${TENANT}:${p.conversationId}`)).toMatchObject({ ticketId, staff: { id: STAFF.aadObjectId } });
    expect(sentTo(p.conversationId, before).filter((x) => x.activity.text === taken.activity.text)).toHaveLength(1);

    // The person writes: the bot stays quiet, the message goes to the thread, redacted.
    const before2 = mark();
    const quiet = await p.say(`まだ届きません。パスワードは ${PASSWORD} です`);
    expect(quiet).toHaveLength(0);
    const relayed = await waitPost('relay', () => sentTo(thread, before2).find((x) => x.activity.text?.includes('まだ届きません')));
    expect(relayed.activity.text).not.toContain(PASSWORD);
    expect(relayed.activity.text).toContain('山田 花子');
    // A screenshot sent alone (Teams: a file download-info attachment, no words): staff see that a file came, by name.
    const beforeFile = mark();
    const file = { contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'エラー画面.png', content: { downloadUrl: 'https://example.invalid/f', fileType: 'png' } };
    expect(await p.say('', { attachments: [file] })).toHaveLength(0);
    const fileLine = await waitPost('file relay', () => sentTo(thread, beforeFile).find((x) => x.activity.text?.includes('エラー画面.png')));
    expect(fileLine.activity.text).toContain('エラー画面.png (png)');
    expect(fileLine.activity.text).toContain('山田 花子');

    // Staff reply in the thread (@mentioning the bot): it reaches the person without the mention.
    const before3 = mark();
    await inDesk({ conversationId: thread, text: '設定画面のスクリーンショットを送ってください', replyToId: root });
    const fromStaff = await waitPost('staff message', () => sentTo(p.conversationId, before3).find((x) => x.activity.text?.includes('スクリーンショット')));
    expect(fromStaff.activity.text).toBe(app.core.i18n.t('takeover.staff_said', { name: STAFF.name, text: '設定画面のスクリーンショットを送ってください' }, 'ja'));
    expect(fromStaff.activity.text).not.toContain('<at>');

    // Hand back: the person is told, the card offers [Take over] again, the bot answers again and nothing is relayed.
    const before4 = mark();
    await inDesk({ conversationId: thread, value: back!.data, replyToId: root });
    await waitPost('returned', () => sentTo(p.conversationId, before4).find((x) => x.activity.text === app.core.i18n.t('takeover.returned', {}, 'ja')));
    const reupdated = await waitPost('card updated again', () =>
      connector.posted.find((x) => x.kind === 'update' && x.replyToId === root && connector.posted.indexOf(x) >= before4),
    );
    expect(cardActions(reupdated.activity).map((b) => (b.data as any).mmDesk)).toEqual(['take']);
    expect(await app.core.holds.get(`teams:${TENANT}:${p.conversationId}`)).toBeUndefined();
    const before5 = mark();
    const answer = await p.say('最初から');
    expect(answer.length).toBeGreaterThan(0);
    expect(sentTo(thread, before5).filter((x) => x.activity.text?.includes('最初から'))).toHaveLength(0);
  });

  it('holds a web-chat person from Teams: their messages reach the thread, and what staff write reaches the web page', async () => {
    const conversation = `desk-web-${activityId()}`;
    const chat = (text: string) => post(`${app.url}/api/chat`, { conversation, text, locale: 'ja' });
    let cursor: string | undefined;
    /** Polls the web mailbox (as the page does) until a message contains `part`. */
    const webMessage = async (part: string) => {
      let found: string | undefined;
      await expect
        .poll(async () => {
          const res = await post(`${app.url}/api/chat/messages`, { conversation, after: cursor });
          expect(res.status).toBe(200);
          cursor = res.body.cursor;
          found ??= (res.body.messages as Array<{ text: string }>).map((m) => m.text).find((x) => x.includes(part));
          return found;
        }, { timeout: 10_000 })
        .toBeDefined();
      return found!;
    };
    await chat(SYMPTOM);
    await chat('担当者と話したい');
    const filed = await chat('Pixel 8、Android 14、昨日の夜からずっとです');
    const ticketId = /MM-\d{8}-\d{4,}/.exec(JSON.stringify(filed.body))![0];
    const created = await waitPost('announcement', () => connector.posted.find((x) => x.kind === 'create' && JSON.stringify(x.activity).includes(ticketId)));
    const { id: thread, activityId: root } = created.created!;
    const take = cardActions(created.activity).find((b) => (b.data as any).mmDesk === 'take')!;

    const before = mark();
    await inDesk({ conversationId: thread, value: take.data, replyToId: root });
    expect(await webMessage(STAFF.name)).toBe(app.core.i18n.t('takeover.taken', { name: STAFF.name }, 'ja'));

    const quiet = await chat(`まだダメです。パスワードは ${PASSWORD}`);
    expect(quiet.status).toBe(200);
    expect(quiet.body.replies).toEqual([]);
    const relayed = await waitPost('relay', () => sentTo(thread, before).find((x) => x.activity.text?.includes('まだダメです')));
    expect(relayed.activity.text).not.toContain(PASSWORD);

    await inDesk({ conversationId: thread, text: 'Gmail の設定画面を開いてください', replyToId: root });
    expect(await webMessage('Gmail の設定画面')).toBe(
      app.core.i18n.t('takeover.staff_said', { name: STAFF.name, text: 'Gmail の設定画面を開いてください' }, 'ja'),
    );
    // Reachable like a Slack or Teams person: staff are never told the person could not be reached.
    expect(sentTo(thread, before).filter((x) => x.activity.text === t('teams.desk.unreachable', { channel: 'web' }))).toEqual([]);
  });

  it('a press on a card it no longer knows is answered in the thread, and a mention before take-over tells staff to take over first', async () => {
    const root = `${Date.now()}99`;
    const thread = `${DESK};messageid=${root}`;
    await inDesk({ conversationId: thread, value: { mmDesk: 'take', ticket: 'MM-20990101-0001' }, replyToId: root });
    await waitPost('not found', () => sentTo(thread).find((x) => x.activity.text === t('teams.desk.not_found')));

    // A real announcement not yet taken: a staff mention in its thread is not relayed to the person.
    const p = person();
    await p.say(SYMPTOM);
    await p.say('担当者と話したい');
    const filed = await p.say('iPhone 14、iOS 17.5、昨日からずっとです');
    const ticketId = /MM-\d{8}-\d{4,}/.exec(filed.map((r) => activityText(r.activity)).join('\n'))![0];
    const created = await waitPost('announcement', () => connector.posted.find((x) => x.kind === 'create' && JSON.stringify(x.activity).includes(ticketId)));
    const before = mark();
    await inDesk({ conversationId: created.created!.id, text: 'これ誰か見られますか', replyToId: created.created!.activityId });
    await waitPost('not held', () => sentTo(created.created!.id, before).find((x) => x.activity.text === t('teams.desk.not_held')));
    // (The person may meanwhile be told their ticket was delivered; nothing staff wrote reaches them.)
    expect(sentTo(p.conversationId, before).filter((x) => x.activity.text?.includes('これ誰か見られますか'))).toHaveLength(0);
  });
});
