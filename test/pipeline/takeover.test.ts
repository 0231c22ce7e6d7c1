/**
 * Staff take-over as a link of the chain: a held conversation's turns go to the desk that holds it — once per
 * delivery, under the conversation's lock — and are answered quietly, marked as handled by staff, and observed
 * like any other turn. Real content, NLU and memory stores; the desk is a real implementation of DeskRelay that
 * keeps what it was given.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type Turn } from '../../src/core/index.js';
import { createHoldStore, type TakeoverRecord } from '../../src/helpdesk/holds.js';
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
});
