/**
 * The channel-neutral help desk over a transport that keeps what it was asked to show (a real implementation of
 * DeskTransport, like the pipeline tests' RecordingObserver) and the memory key-value store. The platform tests
 * (test/channels/slack/events.test.ts, test/channels/teams/helpdesk*.test.ts) run the same desk end to end.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type ChannelName, type Reply, type Ticket } from '../../src/core/index.js';
import { loadLocales } from '../../src/data/load.js';
import { createHelpDesk, relayLine, type DeskKeys, type DeskTransport, type EscalatedEvent } from '../../src/helpdesk/desk.js';
import { createHoldStore, type DeskLink, type DeskThread } from '../../src/helpdesk/holds.js';
import { createI18n, type I18n } from '../../src/i18n/index.js';
import { MemoryKeyValueStore } from '../../src/state/memory.js';
import { MemoryTranscriptStore } from '../../src/transcripts/memory.js';
import { heldByStaff } from '../../src/transcripts/summary.js';
import { textTurn } from '../transcripts/fixtures.js';

let i18n: I18n;
beforeAll(() => {
  i18n = createI18n(loadLocales().messages);
});

class RecordingTransport implements DeskTransport {
  readonly posts: Array<{ thread?: DeskThread; text: string }> = [];
  readonly statuses: Array<{ status: string; next: 'take' | 'back' }> = [];
  reachable = true;
  async announce(event: EscalatedEvent): Promise<DeskThread | undefined> {
    return this.reachable ? { channel: 'DESK', thread: `t-${event.ticket.id}` } : undefined;
  }
  async post(thread: DeskThread | undefined, text: string): Promise<boolean> {
    if (!this.reachable) return false;
    this.posts.push({ ...(thread ? { thread } : {}), text });
    return true;
  }
  async showStatus(_thread: DeskThread, _link: DeskLink, status: string, next: 'take' | 'back'): Promise<void> {
    this.statuses.push({ status, next });
  }
  staffLabel(): string {
    return 'staff';
  }
}

const TEAMS_KEYS: DeskKeys = {
  takenBy: 'teams.desk.taken_by',
  handedBackBy: 'teams.desk.handed_back_by',
  notFound: 'teams.desk.not_found',
  notHeld: 'teams.desk.not_held',
  unreachable: 'teams.desk.unreachable',
  ready: 'teams.desk.ready',
};
const SLACK_KEYS: DeskKeys = { takenBy: 'slack.desk.taken_by', handedBackBy: 'slack.desk.handed_back_by', notFound: 'slack.desk.not_found' };

const ticket = { id: 'MM-20261128-0001', conversation: 'c1', channel: 'web', locale: 'ja', summary: 's', transcriptUrl: 'x', requester: { id: 'u1' } } as unknown as Ticket;

function setUp(keys: DeskKeys = TEAMS_KEYS) {
  const kv = new MemoryKeyValueStore();
  const holds = createHoldStore(kv, 3_600);
  const transport = new RecordingTransport();
  const told: Array<{ channel: ChannelName; conversationId: string; replies: Reply[] }> = [];
  let reachable = true;
  const transcripts = new MemoryTranscriptStore();
  let now = Date.now();
  const desk = createHelpDesk({
    name: 'test',
    transport,
    holds,
    kv,
    i18n,
    locale: 'ja',
    keys,
    tellPerson: async (link, replies) => {
      if (!reachable) return false;
      told.push({ channel: link.channel, conversationId: link.conversationId, replies });
      return true;
    },
    recordHold: (id, event) => transcripts.addEvent(id, event, (now += 1_000)),
    logger: silentLogger,
  });
  const thread = { channel: 'DESK', thread: `t-${ticket.id}` };
  return { desk, holds, transport, told, thread, transcripts, unreachable: () => (reachable = false) };
}

const staff = { id: 'S1', name: '佐藤' };

describe('help desk', () => {
  it('announces an escalation and remembers its thread for the ticket', async () => {
    const s = setUp();
    await s.desk.notifier.notify({ type: 'escalated', ticket, sink: 'file' });
    expect(await s.holds.byTicket(ticket.id)).toMatchObject({ conversationId: 'c1', channel: 'web', desk: s.thread });
    await s.desk.notifier.notify({ type: 'delivered', ticket, sink: 'file', externalRef: 'ZD-1', attempts: 1 });
    expect(s.transport.posts.at(-1)).toMatchObject({ thread: s.thread });
  });

  it('takes over once however often the button is pressed, and hands back', async () => {
    const s = setUp();
    await s.desk.notifier.notify({ type: 'escalated', ticket, sink: 'file' });
    await s.desk.press({ thread: s.thread, action: 'take', staff, eventId: 'p1' });
    await s.desk.press({ thread: s.thread, action: 'take', staff, eventId: 'p1' });
    await s.desk.press({ thread: s.thread, action: 'take', staff: { id: 'S2', name: '鈴木' }, eventId: 'p2' });
    expect(s.told.map((t) => t.replies[0]!.key)).toEqual(['takeover.taken']);
    expect((await s.holds.get('c1'))?.staff.name).toBe('鈴木');
    expect(s.transport.statuses.map((x) => x.next)).toEqual(['back', 'back']);
    await s.desk.press({ thread: s.thread, action: 'back', staff, eventId: 'p3' });
    expect(await s.holds.get('c1')).toBeUndefined();
    expect(s.told.map((t) => t.replies[0]!.key)).toEqual(['takeover.taken', 'takeover.returned']);
    expect(s.transport.statuses.at(-1)).toMatchObject({ next: 'take', status: i18n.t('teams.desk.handed_back_by', { name: '佐藤' }, 'ja') });
  });

  it('records the take-over and the hand-back in the transcript, so /admin shows the hold ended', async () => {
    const s = setUp();
    await s.transcripts.append(textTurn('c1', Date.now() - 60_000));
    await s.desk.notifier.notify({ type: 'escalated', ticket, sink: 'file' });
    await s.desk.press({ thread: s.thread, action: 'take', staff, eventId: 'p1' });
    await s.desk.press({ thread: s.thread, action: 'take', staff, eventId: 'p2' }); // the same person again: one event
    expect(heldByStaff(await s.transcripts.summary('c1'))).toBe(true);
    await s.desk.press({ thread: s.thread, action: 'back', staff, eventId: 'p3' });
    const events = (await s.transcripts.turns('c1'))[0]!.events;
    expect(events).toEqual([{ type: 'taken_over', by: '佐藤' }, { type: 'handed_back', by: '佐藤' }]);
    const summary = await s.transcripts.summary('c1');
    expect(heldByStaff(summary)).toBe(false);
    expect(summary?.handedBack?.by).toBe('佐藤');
  });

  it('says so in the thread when a press is on an announcement it does not know, or for another ticket', async () => {
    const s = setUp();
    await s.desk.notifier.notify({ type: 'escalated', ticket, sink: 'file' });
    await s.desk.press({ thread: { channel: 'DESK', thread: 'gone' }, action: 'take', staff });
    await s.desk.press({ thread: s.thread, action: 'take', staff, ticketId: 'MM-20261128-0099' });
    expect(s.transport.posts.map((p) => p.text)).toEqual([i18n.t('teams.desk.not_found', undefined, 'ja'), i18n.t('teams.desk.not_found', undefined, 'ja')]);
    expect(await s.holds.get('c1')).toBeUndefined();
  });

  it('relays staff words to the person only while held, redacted, once per message', async () => {
    const s = setUp();
    await s.desk.notifier.notify({ type: 'escalated', ticket, sink: 'file' });
    expect(await s.desk.staffMessage({ thread: s.thread, staff, text: '見ています', eventId: 'm0' })).toBe(true);
    expect(s.told).toEqual([]);
    expect(s.transport.posts.at(-1)?.text).toBe(i18n.t('teams.desk.not_held', undefined, 'ja'));
    await s.desk.press({ thread: s.thread, action: 'take', staff, eventId: 'p1' });
    await s.desk.staffMessage({ thread: s.thread, staff, text: 'パスワードは Abc12345! で試してください', eventId: 'm1' });
    await s.desk.staffMessage({ thread: s.thread, staff, text: 'パスワードは Abc12345! で試してください', eventId: 'm1' });
    const said = s.told.filter((t) => t.replies[0]!.key === 'takeover.staff_said');
    expect(said).toHaveLength(1);
    expect(said[0]!.replies[0]!.text).not.toContain('Abc12345!');
  });

  it('after a password was talked about while held, staff words read with that topic; a request for a password arms the next value (sec-27)', async () => {
    const s = setUp();
    await s.desk.notifier.notify({ type: 'escalated', ticket, sink: 'file' });
    await s.desk.press({ thread: s.thread, action: 'take', staff, eventId: 'p1' });
    await s.desk.staffMessage({ thread: s.thread, staff, text: 'パスワードを変更してみてください', eventId: 'm1' });
    expect(await s.holds.get('c1')).toMatchObject({ passwordTalk: true });
    expect((await s.holds.get('c1'))?.valueNext).toBeUndefined();
    await s.desk.staffMessage({ thread: s.thread, staff, text: '仮に新しいのはアサガオです', eventId: 'm2' });
    const said = s.told.filter((t) => t.replies[0]!.key === 'takeover.staff_said').map((t) => t.replies[0]!.text);
    expect(said).toHaveLength(2);
    expect(said[1]).not.toContain('アサガオ');
    await s.desk.staffMessage({ thread: s.thread, staff, text: '新しいパスワードは何ですか？', eventId: 'm3' });
    expect((await s.holds.get('c1'))?.valueNext).toBe(true);
  });

  it("staff's own value sent alone after their label reaches the person and the transcript as the mark (sec-28)", async () => {
    const s = setUp();
    await s.desk.notifier.notify({ type: 'escalated', ticket, sink: 'file' });
    await s.desk.press({ thread: s.thread, action: 'take', staff, eventId: 'p1' });
    // 「新しい仮パスワードは」 then the value alone, in the next message: the value is never shown, whatever its shape.
    for (const [i, value] of ['Xy7pq', 'ホシゾラ', 'hoshizora', '猫'].entries()) {
      await s.desk.staffMessage({ thread: s.thread, staff, text: '新しい仮パスワードは', eventId: `l${i}` });
      await s.desk.staffMessage({ thread: s.thread, staff, text: value, eventId: `v${i}` });
      const said = s.told.filter((t) => t.replies[0]!.key === 'takeover.staff_said').map((t) => t.replies[0]!.text);
      expect(said.at(-1), value).not.toContain(value);
      expect(said.at(-1), value).toContain('［伏字］');
    }
    // Only the message right after the label: the next one is read as it is.
    await s.desk.staffMessage({ thread: s.thread, staff, text: '新しい仮パスワードは', eventId: 'l9' });
    await s.desk.staffMessage({ thread: s.thread, staff, text: 'Xy7pq', eventId: 'v9' });
    await s.desk.staffMessage({ thread: s.thread, staff, text: 'ログインできましたか', eventId: 'q9' });
    const said = s.told.filter((t) => t.replies[0]!.key === 'takeover.staff_said').map((t) => t.replies[0]!.text);
    expect(said.at(-1)).toContain('ログインできましたか');
    expect((await s.holds.get('c1'))?.staffValueNext).toBeUndefined();
  });

  it('tells staff when the person cannot be reached, if the desk has a line for it', async () => {
    const s = setUp();
    await s.desk.notifier.notify({ type: 'escalated', ticket, sink: 'file' });
    s.unreachable();
    await s.desk.press({ thread: s.thread, action: 'take', staff, eventId: 'p1' });
    expect(s.transport.posts.at(-1)?.text).toBe(i18n.t('teams.desk.unreachable', { channel: 'web' }, 'ja'));
  });

  it('leaves threads that are no announcement\'s alone unless the desk answers them', async () => {
    const slack = setUp(SLACK_KEYS);
    expect(await slack.desk.staffMessage({ thread: { channel: 'C9', thread: '1.2' }, staff, text: 'hi' })).toBe(false);
    expect(slack.transport.posts).toEqual([]);
    const teams = setUp();
    expect(await teams.desk.staffMessage({ thread: { channel: 'DESK', thread: '1.2' }, staff, text: 'hi', eventId: 'r1' })).toBe(true);
    expect(teams.transport.posts.map((p) => p.text)).toEqual([i18n.t('teams.desk.ready', undefined, 'ja')]);
  });

  it('relays a held person\'s turn into the thread, redacted, and fails loudly when the desk is not reachable', async () => {
    const s = setUp();
    await s.desk.notifier.notify({ type: 'escalated', ticket, sink: 'file' });
    await s.desk.press({ thread: s.thread, action: 'take', staff, eventId: 'p1' });
    const hold = (await s.holds.get('c1'))!;
    const turn = { conversationId: 'c1', channel: 'web' as const, userId: 'u1', userName: '山田', text: 'パスワードは Abc12345! です' };
    await s.desk.relay(turn, hold);
    expect(s.transport.posts.at(-1)).toEqual({ thread: s.thread, text: relayLine(turn, i18n, 'ja') });
    expect(s.transport.posts.at(-1)!.text).not.toContain('Abc12345!');
    s.transport.reachable = false;
    await expect(s.desk.relay(turn, hold)).rejects.toThrow(/not reachable/);
  });
});
