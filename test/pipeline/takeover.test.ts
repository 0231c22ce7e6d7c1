/**
 * Staff take-over as a link of the chain: a held conversation's turns go to the desk that holds it — once per
 * delivery, under the conversation's lock — and are answered quietly, marked as handled by staff, and observed
 * like any other turn. Real content, NLU and memory stores; the desk is a real implementation of DeskRelay that
 * keeps what it was given.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type Turn } from '../../src/core/index.js';
import { createHelpDesk, relayLine, type DeskTransport } from '../../src/helpdesk/desk.js';
import { createHoldStore, type DeskThread, type TakeoverRecord } from '../../src/helpdesk/holds.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import type { DeskRelay, HeldConversation } from '../../src/pipeline/types.js';
import { createStores } from '../../src/state/stores.js';
import { createTranscriptObserver, MemoryTranscriptStore } from '../../src/transcripts/index.js';
import { CollectingTickets, loadContent, RecordingObserver, type Content } from './setup.js';

let content: Content;
beforeAll(async () => {
  content = await loadContent();
});

/** A desk that keeps the turns relayed to it; `down` makes it fail like an unreachable desk channel. */
class RecordingDesk implements DeskRelay {
  readonly relayed: Array<{ turn: Turn; hold: HeldConversation }> = [];
  down = false;
  async relay(turn: Turn, hold: HeldConversation): Promise<void> {
    if (this.down) throw new Error('desk channel not reachable');
    this.relayed.push({ turn, hold });
  }
}

function setUp() {
  const stores = createStores({}, silentLogger);
  const holds = createHoldStore(stores.kv, 3_600);
  const desk = new RecordingDesk();
  const observer = new RecordingObserver();
  const transcripts = new MemoryTranscriptStore();
  const transcriptObserver = createTranscriptObserver(transcripts);
  const pipeline = createPipeline({
    ...content,
    ...stores,
    tickets: new CollectingTickets(),
    observers: [observer, transcriptObserver],
    takeover: { holds, relayFor: () => desk, active: () => true },
  });
  const id = `held-${randomBytes(4).toString('hex')}`;
  const hold: TakeoverRecord = {
    conversationId: id,
    channel: 'web',
    locale: 'ja',
    ticketId: 'MM-20261128-0001',
    desk: { channel: 'CDESK', thread: '1.1' },
    staff: { id: 'U-staff', name: '佐藤' },
    sinceMs: 0,
  };
  return { stores, holds, desk, observer, transcripts, transcriptObserver, pipeline, id, hold };
}

const turnOf = (conversationId: string, t: Partial<Turn>): Turn => ({ conversationId, channel: 'web', userId: 'u1', userName: '山田', ...t });

describe('take-over link', () => {
  it('sits under the lock, before the conversation is loaded', () => {
    expect(setUp().pipeline.links).toEqual(['observe', 'answer failures', 'validate', 'dedupe', 'lock', 'take-over', 'load', 'understand', 'step', 'effects', 'save']);
  });

  it('relays a held conversation to its desk, answers quietly as handled by staff, and the transcript says who holds it', async () => {
    const s = setUp();
    await s.pipeline.handle(turnOf(s.id, { text: 'メールが受信できません' }));
    const before = await s.stores.store.get(s.id);
    await s.holds.set(s.hold);

    const out = await s.pipeline.handle(turnOf(s.id, { text: 'まだ届きません', eventId: 'e1' }));
    expect(out).toMatchObject({ replies: [], status: 'escalated', heldBy: { id: 'U-staff', name: '佐藤' } });
    expect(s.desk.relayed.map((r) => r.turn.text)).toEqual(['まだ届きません']);
    expect(s.desk.relayed[0]!.hold).toMatchObject({ ticketId: 'MM-20261128-0001' });
    // The bot did not take part: no NLU, the state as it was.
    expect(s.observer.records.at(-1)).toMatchObject({ outcome: { heldBy: { name: '佐藤' } } });
    expect(s.observer.records.at(-1)!.nlu).toBeUndefined();
    expect(await s.stores.store.get(s.id)).toEqual(before);
    await s.transcriptObserver.flush();
    const turns = await s.transcripts.turns(s.id);
    expect(turns.at(-1)).toMatchObject({ text: 'まだ届きません', replies: [], events: expect.arrayContaining([{ type: 'taken_over', by: '佐藤' }]) });
    expect((await s.transcripts.summary(s.id))?.takenOver?.by).toBe('佐藤');

    // A redelivery of the same message is not relayed twice; after hand-back the bot answers again.
    expect((await s.pipeline.handle(turnOf(s.id, { text: 'まだ届きません', eventId: 'e1' }))).duplicate).toBe(true);
    expect(s.desk.relayed).toHaveLength(1);
    await s.holds.clear(s.id);
    const back = await s.pipeline.handle(turnOf(s.id, { text: 'まだ届きません', eventId: 'e2' }));
    expect(back.heldBy).toBeUndefined();
    expect(back.replies.length).toBeGreaterThan(0);
    expect(s.desk.relayed).toHaveLength(1);
  });

  it('relays a password sent in the message after its label as the mark alone, to the desk and the transcript (rob-20)', async () => {
    const s = setUp();
    await s.holds.set(s.hold);
    for (const text of ['パスワードは', 'hunter', 'パスワードは', 'わからない']) await s.pipeline.handle(turnOf(s.id, { text }));
    expect(s.desk.relayed.map((r) => r.turn.text)).toEqual(['パスワードは', '［伏字］', 'パスワードは', 'わからない']);
    await s.transcriptObserver.flush();
    const turns = await s.transcripts.turns(s.id);
    expect(turns.map((t) => t.text)).toEqual(['パスワードは', '［伏字］', 'パスワードは', 'わからない']);
    expect(turns[1]?.redacted).toEqual(['password']);
  });

  it('a label sent to the bot just before staff took over still masks the value relayed next, once (rob-22)', async () => {
    const s = setUp();
    for (const text of ['メールが受信できません', 'パスワードは']) await s.pipeline.handle(turnOf(s.id, { text }));
    await s.holds.set(s.hold);
    for (const text of ['hunter', 'qwertyx']) await s.pipeline.handle(turnOf(s.id, { text }));
    expect(s.desk.relayed.map((r) => r.turn.text)).toEqual(['［伏字］', 'qwertyx']);
    await s.transcriptObserver.flush();
    const turns = await s.transcripts.turns(s.id);
    expect(turns.slice(-2).map((t) => t.text)).toEqual(['［伏字］', 'qwertyx']);
    expect(JSON.stringify(turns)).not.toContain('hunter');
  });

  it('relays clicks too, and keeps the person answered quietly when the desk cannot be reached', async () => {
    const s = setUp();
    await s.holds.set(s.hold);
    expect((await s.pipeline.handle(turnOf(s.id, { action: 'resolved' }))).heldBy).toBeDefined();
    expect(s.desk.relayed[0]!.turn.action).toBe('resolved');
    s.desk.down = true;
    const out = await s.pipeline.handle(turnOf(s.id, { text: 'もしもし' }));
    expect(out).toMatchObject({ replies: [], heldBy: { id: 'U-staff' } });
  });

  it('leaves conversations nobody holds to the bot, and does not even look while no desk is wired', async () => {
    const s = setUp();
    const out = await s.pipeline.handle(turnOf(s.id, { text: 'メールが受信できません' }));
    expect(out.replies.length).toBeGreaterThan(0);
    expect(s.desk.relayed).toEqual([]);

    let looked = 0;
    const quiet = createPipeline({
      ...content,
      ...s.stores,
      takeover: { holds: { get: async () => (looked++, s.hold), renew: async () => {} }, relayFor: () => s.desk, active: () => false },
    });
    await s.holds.set(s.hold);
    expect((await quiet.handle(turnOf(s.id, { text: '最初から' }))).heldBy).toBeUndefined();
    expect(looked).toBe(0);
  });

  it('relays a katakana or kanji value sent after its label, and a katakana value with no copula, as the mark (sec-27)', async () => {
    const s = setUp();
    await s.holds.set(s.hold);
    for (const text of ['パスワードは', 'ホシゾラ', '暗証番号は', '鈴木です', 'パスワードはネコ', 'パスワードは太郎', 'パスワードは', '不明']) await s.pipeline.handle(turnOf(s.id, { text }));
    // What the desk posts: the relayed turn as the desk's line (relayLine redacts the one message).
    const relayed = s.desk.relayed.map((r) => relayLine(r.turn, content.i18n, 'ja'));
    expect(relayed.join('\n')).not.toMatch(/ホシゾラ|鈴木|ネコ|太郎/);
    expect(relayed.at(-1)).toContain('不明');
    await s.transcriptObserver.flush();
    expect(JSON.stringify(await s.transcripts.turns(s.id))).not.toMatch(/ホシゾラ|鈴木|ネコ|太郎/);
  });

  it('after a password change was said to staff, a value after 「新しいのは」 / "the new one is" is relayed masked (sec-27)', async () => {
    const s = setUp();
    await s.holds.set(s.hold);
    for (const text of ['昨日パスワードを変えました', 'ドコモメールの新しいのはミナミカゼ', 'the new one is marigold']) await s.pipeline.handle(turnOf(s.id, { text }));
    const relayed = s.desk.relayed.map((r) => relayLine(r.turn, content.i18n, 'ja'));
    expect(relayed[0]).toContain('昨日パスワードを変えました');
    expect(relayed.join('\n')).not.toMatch(/ミナミカゼ|marigold/);
    await s.transcriptObserver.flush();
    expect(JSON.stringify(await s.transcripts.turns(s.id))).not.toMatch(/ミナミカゼ|marigold/);
  });

  it('"the new password is:" relayed, then the value alone: the desk and the transcript get the mark (sec-27)', async () => {
    const s = setUp();
    await s.holds.set({ ...s.hold, locale: 'en' } as TakeoverRecord);
    for (const text of ['the new password is:', 'hoshizora', 'still no mail']) await s.pipeline.handle(turnOf(s.id, { text, locale: 'en' }));
    expect(s.desk.relayed.map((r) => r.turn.text)).toEqual(['the new password is:', '[redacted]', 'still no mail']);
  });

  it('staff ask for a password: the value the person sends alone reaches the desk and the transcript as the mark (sec-27)', async () => {
    const s = setUp();
    const posts: string[] = [];
    const transport: DeskTransport = {
      announce: async () => undefined,
      post: async (_thread: DeskThread | undefined, text: string) => (posts.push(text), true),
      showStatus: async () => {},
      staffLabel: () => 'staff',
    };
    const told: string[] = [];
    const helpDesk = createHelpDesk({
      name: 'test',
      transport,
      holds: s.holds,
      kv: s.stores.kv,
      i18n: content.i18n,
      locale: 'ja',
      keys: { takenBy: 'slack.desk.taken_by', handedBackBy: 'slack.desk.handed_back_by', notFound: 'slack.desk.not_found' },
      tellPerson: async (_link, replies) => (told.push(...replies.map((r) => r.text ?? '')), true),
      logger: silentLogger,
    });
    const pipeline = createPipeline({
      ...content,
      ...s.stores,
      tickets: new CollectingTickets(),
      observers: [s.transcriptObserver],
      takeover: { holds: s.holds, relayFor: () => helpDesk, active: () => true },
    });
    await s.holds.link(s.hold);
    await s.holds.set(s.hold);
    const staff = { id: 'U-staff', name: '佐藤' };
    await helpDesk.staffMessage({ thread: s.hold.desk, staff, text: '新しいパスワードは何ですか？', eventId: 's1' });
    await pipeline.handle(turnOf(s.id, { text: 'ホシゾラ' }));
    await helpDesk.staffMessage({ thread: s.hold.desk, staff, text: 'What is your new password?', eventId: 's2' });
    await pipeline.handle(turnOf(s.id, { text: 'hoshizora' }));
    // Asked again, the person answers with no value: kept as typed.
    await helpDesk.staffMessage({ thread: s.hold.desk, staff, text: 'パスワードを教えてください', eventId: 's3' });
    await pipeline.handle(turnOf(s.id, { text: 'わからない' }));
    expect(told).toHaveLength(3);
    expect(posts.join('\n')).not.toMatch(/ホシゾラ|hoshizora/);
    expect(posts.at(-1)).toContain('わからない');
    await s.transcriptObserver.flush();
    const turns = JSON.stringify(await s.transcripts.turns(s.id));
    expect(turns).not.toMatch(/ホシゾラ|hoshizora/);
    expect(turns).toContain('わからない');
  });
});
