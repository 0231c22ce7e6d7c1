/**
 * The Teams help desk on two replicas sharing one real Redis (127.0.0.1:6379, a unique key prefix, cleaned up
 * after): the desk channel is learnt by one replica and used by the other, a [Take over] pressed on one replica
 * holds the conversation on both, and staff replies received by either reach the person.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/main.js';
import { startReplicas, type Replicas } from '../../replicas.js';
import { runId } from '../../http/helpers.js';
import { activityId, activityText, cardActions, messageActivity, postActivity, startFakeConnector, type FakeConnector, type Posted } from './connector.js';

const prefix = `mmtest-desk-${runId()}`;
const DESK = `19:deskr${runId()}@thread.tacv2`;
const TENANT = 'tenant-desk-r';
const STAFF = { id: '29:staff-r', name: 'Staff R', aadObjectId: 'aad-staff-r' };
const PASSWORD = 'hunter2pass';
let connector: FakeConnector;
let a: App;
let b: App;
let replicas: Replicas;

beforeAll(async () => {
  connector = await startFakeConnector();
  replicas = await startReplicas(prefix, { TEAMS_HELPDESK_CHANNEL: DESK });
  ({ a, b } = replicas);
});

afterAll(async () => {
  await replicas?.close();
  await connector?.close();
});

async function waitPost(find: () => Posted | undefined): Promise<Posted> {
  let found: Posted | undefined;
  await connector.waitFor(() => (found = find()) !== undefined);
  return found!;
}

const desk = (app: App, parts: { conversationId: string; text?: string; value?: unknown; replyToId?: string; id?: string }) =>
  postActivity(
    app.url,
    messageActivity({ serviceUrl: connector.url, tenantId: TENANT, conversationType: 'channel', teamsChannel: { channel: DESK }, from: STAFF, mention: parts.text !== undefined, ...parts }),
  );

describe('Teams help desk on two replicas sharing Redis', () => {
  it('set up on one replica, taken over on the other: the hold, the relay and the staff replies work across replicas', async () => {
    // Set-up mention reaches replica b only; replica a learns the desk from Redis.
    const id = activityId();
    expect((await desk(b, { conversationId: `${DESK};messageid=${id}`, id, text: 'setup' })).status).toBe(200);

    const conversationId = `a:person-${activityId()}`;
    const say = async (app: App, text: string) => {
      const msg = messageActivity({ serviceUrl: connector.url, conversationId, text, tenantId: TENANT });
      expect((await postActivity(app.url, msg)).status).toBe(200);
      return connector.messages().filter((p) => p.replyToId === msg.id);
    };
    await say(a, 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる');
    await say(a, '担当者と話したい');
    const filed = await say(a, 'iPhone 15、iOS 18.1、今朝9時から毎回です');
    const ticketId = /MM-\d{8}-\d{4,}/.exec(filed.map((r) => activityText(r.activity)).join('\n'))![0];
    const created = await waitPost(() => connector.posted.find((x) => x.kind === 'create' && JSON.stringify(x.activity).includes(ticketId)));
    expect(connector.posted.filter((x) => x.kind === 'create' && JSON.stringify(x.activity).includes(ticketId))).toHaveLength(1);
    const { id: thread, activityId: root } = created.created!;
    const take = cardActions(created.activity).find((x) => (x.data as any).mmDesk === 'take')!;

    // Take over on replica b; the person, talking to replica a, is held.
    const before = connector.posted.length;
    expect((await desk(b, { conversationId: thread, value: take.data, replyToId: root })).status).toBe(200);
    const taken = a.core.i18n.t('takeover.taken', { name: STAFF.name }, 'ja');
    await waitPost(() => connector.posted.slice(before).find((x) => x.conversationId === conversationId && x.activity?.text === taken));
    expect(await say(a, `まだです。パスワードは ${PASSWORD}`)).toHaveLength(0);
    const relayed = await waitPost(() => connector.posted.slice(before).find((x) => x.conversationId === thread && x.activity?.text?.includes('まだです')));
    expect(relayed.activity.text).not.toContain(PASSWORD);

    // Staff reply reaches replica a this time; the person gets it.
    expect((await desk(a, { conversationId: thread, text: '確認します', replyToId: root })).status).toBe(200);
    await waitPost(() => connector.posted.slice(before).find((x) => x.conversationId === conversationId && x.activity?.text?.includes('確認します')));
  });
});
