/**
 * What is read of a message that carries a password (rob-22): the NLU and the reply reader see the text with its
 * secrets masked — as the transcript keeps it — so a password that reads like a reply never decides the intent or
 * the reading staff see. Real content, NLU, engine and memory stores; the transcript store is the real memory one.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type Turn } from '../../src/core/index.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { createStores } from '../../src/state/stores.js';
import { createTranscriptObserver, MemoryTranscriptStore } from '../../src/transcripts/index.js';
import { CollectingTickets, loadContent, type Content } from './setup.js';

let content: Content;
beforeAll(async () => {
  content = await loadContent();
});

function setUp() {
  const stores = createStores({}, silentLogger);
  const transcripts = new MemoryTranscriptStore();
  const observer = createTranscriptObserver(transcripts);
  const tickets = new CollectingTickets();
  const pipeline = createPipeline({ ...content, ...stores, tickets, observers: [observer] });
  const id = `secret-${randomBytes(4).toString('hex')}`;
  const say = (text: string) => pipeline.handle({ conversationId: id, channel: 'web', userId: 'u1', text } satisfies Turn);
  return { stores, transcripts, observer, pipeline, id, say, tickets };
}

describe('a message with a password is read masked', () => {
  it('「パスワードはnaoritaです」: the intent, its ranking and the reading kept are those of 「パスワードは［伏字］です」', async () => {
    const s = setUp();
    await s.say('受信できない');
    const out = await s.say('パスワードはnaoritaです');
    await s.observer.flush(2000);
    const turn = (await s.transcripts.turns(s.id)).at(-1)!;
    const masked = content.nlu.analyse('パスワードは［伏字］です', 'ja');
    expect(turn.text).toBe('パスワードは［伏字］です');
    expect(out.intent).toBe(masked.intent);
    expect(turn.intent).toBe(masked.intent);
    expect(turn.ranking?.map((r) => r.intent)).toEqual(masked.ranking.slice(0, 3).map((r) => r.intent));
    expect(JSON.stringify(turn)).not.toContain('naorita');
  });

  it('"my password is Working2024": read as "my password is [redacted]"', async () => {
    const s = setUp();
    await s.say("I can't receive mail");
    const out = await s.say('my password is Working2024');
    await s.observer.flush(2000);
    const turn = (await s.transcripts.turns(s.id)).at(-1)!;
    expect(out.intent).toBe(content.nlu.analyse('my password is [redacted]', 'en').intent);
    expect(JSON.stringify(turn)).not.toContain('Working2024');
  });

  it('a value sent alone after 「パスワードは」 is read as the mark itself', async () => {
    const s = setUp();
    await s.say('受信できない');
    await s.say('パスワードは');
    const out = await s.say('naoritaaa');
    await s.observer.flush(2000);
    const turn = (await s.transcripts.turns(s.id)).at(-1)!;
    const mark = content.nlu.analyse('［伏字］', 'ja');
    expect(out.secret).toBe('［伏字］');
    expect(turn.text).toBe('［伏字］');
    expect([turn.intent, turn.confidence]).toEqual([mark.intent, Math.round(mark.confidence * 1000) / 1000]);
  });

  it.each([
    ['after the episode is resolved', ['受信できない', '直りました', 'パスワードはAbc12345x'], 'Abc12345x'],
    ['after the person ended it', ['受信できない', 'もういいです', 'Qz81hh2Lw!'], 'Qz81hh2Lw'],
    ['after a label, once resolved', ['受信できない', '直りました', 'パスワードは', 'hunterq'], 'hunterq'],
    ['a label, a person, the value, the form', ['受信できない', 'パスワードは', '担当者と話したい', 'hunterq', 'iPhone 15、iOS 18.1、ドコモメール、今朝から毎回'], 'hunterq'],
    ['kana after the label', ['パスワードはすもももももも'], 'すもももももも'],
  ])('%s: nothing kept (state, transcript, ticket) holds the password, and the person is warned', async (_, texts, secret) => {
    const s = setUp();
    let warned = false;
    for (const text of texts) warned = (await s.say(text)).replies.some((r) => r.key === 'engine.no_password') || warned;
    await s.observer.flush(2000);
    expect(warned).toBe(true);
    expect(JSON.stringify(await s.stores.store.get(s.id))).not.toContain(secret);
    expect(JSON.stringify(await s.transcripts.turns(s.id))).not.toContain(secret);
    expect(JSON.stringify([...s.tickets.byId.values()])).not.toContain(secret);
  });
});
