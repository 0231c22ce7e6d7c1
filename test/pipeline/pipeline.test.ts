import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, silentLogger, type Logger, type Turn } from '../../src/core/index.js';
import { TICKET_ID_PATTERN } from '../../src/state/ticket-id.js';
import { cleanText, createPipeline, cutText, PIPELINE_KEYS } from '../../src/pipeline/pipeline.js';
import { loadLocales } from '../../src/data/load.js';
import type { PipelineOptions, TicketHandler } from '../../src/pipeline/types.js';
import { metricsObserver, registry } from '../../src/http/metrics.js';
import type { DialogTree } from '../../src/data/schemas.js';
import { createStores } from '../../src/state/stores.js';
import type { Stores } from '../../src/state/types.js';
import type { StepFn } from '../../src/dialog/types.js';
import { step as engineStep } from '../../src/dialog/engine.js';
import { deletePrefix, freePort, PrivateRedis, REDIS_URL, uniquePrefix } from '../state/helpers.js';
import { CollectingTickets, loadContent, RecordingObserver, type Content } from './setup.js';

/** 2026-11-28 12:00 JST. */
const NOW = Date.UTC(2026, 10, 28, 3, 0, 0);
const clock = () => NOW;

let content: Content;
beforeAll(async () => {
  content = await loadContent();
});

function build(stores: Stores, extra: Partial<PipelineOptions> = {}) {
  const observer = new RecordingObserver();
  const tickets = new CollectingTickets();
  const pipeline = createPipeline({ ...content, ...stores, tickets, observers: [observer], clock, ...extra });
  return { pipeline, observer, tickets };
}
/** The real engine, for stand-ins that wrap it. */
build.engine = engineStep;

let seq = 0;
const turnOf = (conversationId: string, t: Partial<Turn>): Turn => ({ conversationId, channel: 'web', userId: 'u1', ...t });
const newId = () => `conv-${process.pid}-${++seq}-${randomBytes(3).toString('hex')}`;

/** A logger that keeps what was logged, to check failures are reported. */
function recordingLogger(): Logger & { lines: Array<{ level: string; obj: object; msg?: string }> } {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const make = (): Logger => ({
    debug: (obj, msg) => lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
    child: () => make(),
  });
  return Object.assign(make(), { lines });
}

describe('pipeline with the real engine, tree and NLU (memory stores)', () => {
  it('understands a first message, answers with the first step and saves the conversation', async () => {
    const stores = createStores({}, silentLogger);
    const { pipeline, observer } = build(stores);
    const id = newId();
    const out = await pipeline.handle(turnOf(id, { text: 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる' }));
    expect(out.intent).toBe('error_auth');
    expect(out.status).toBe('active');
    expect(out.node).not.toBe('');
    expect(out.replies.length).toBeGreaterThan(0);
    expect(out.duplicate).toBeUndefined();
    const saved = await stores.store.get(id);
    expect(saved).toMatchObject({ node: out.node, turn: 1, slots: { carrier: 'docomo' } });
    expect(observer.records).toHaveLength(1);
    expect(observer.records[0]).toMatchObject({ node: out.node, status: 'active', atMs: NOW, nlu: { intent: 'error_auth' } });
    expect(observer.records[0]!.error).toBeUndefined();
  });

  it('processes a redelivered event once and renders nothing for the copy', async () => {
    const stores = createStores({}, silentLogger);
    const { pipeline, observer } = build(stores);
    const id = newId();
    const t = turnOf(id, { text: 'メールが受信できません', eventId: 'Ev1' });
    const [a, b] = await Promise.all([pipeline.handle(t), pipeline.handle(t)]);
    const dup = [a, b].filter((o) => o.duplicate);
    expect(dup).toHaveLength(1);
    expect(dup[0]!.replies).toEqual([]);
    expect((await stores.store.get(id))?.turn).toBe(1);
    expect(observer.records).toHaveLength(1);
    // The same event id on another channel is another delivery.
    expect((await pipeline.handle({ ...t, channel: 'slack' })).duplicate).toBeUndefined();
  });

  it('asks what is wrong when the text is empty or only blanks and control characters, leaving the state alone', async () => {
    const stores = createStores({}, silentLogger);
    const { pipeline } = build(stores);
    const id = newId();
    for (const text of ['', '   \n\t ', '\u0000\u0007\u001b', undefined]) {
      const out = await pipeline.handle(turnOf(id, { text }));
      expect(out.replies.map((r) => r.key)).toEqual(['pipeline.empty_text']);
      expect(out.status).toBe('active');
    }
    expect(await stores.store.get(id)).toBeUndefined();
  });

  it('processes a 100 KB message, handing the NLU only the first 4,000 characters', async () => {
    const stores = createStores({}, silentLogger);
    const { pipeline, observer } = build(stores);
    const text = 'iPhoneでメールが送信できません。'.repeat(6_000);
    expect(text.length).toBeGreaterThan(100_000);
    const out = await pipeline.handle(turnOf(newId(), { text }));
    expect(observer.records[0]!.error).toBeUndefined();
    expect(observer.records[0]!.turn.text).toHaveLength(4_000);
    expect(out.replies.length).toBeGreaterThan(0);
    expect(out.replies.map((r) => r.key).filter((k) => k.startsWith('pipeline.'))).toEqual([]);
  });

  it('strips binary junk and still answers', async () => {
    const stores = createStores({}, silentLogger);
    const { pipeline, observer } = build(stores);
    const junk = Buffer.from(randomBytes(2_000)).toString('utf8') + '\u0000\u0001\uD800 メールが届かない';
    const out = await pipeline.handle(turnOf(newId(), { text: junk }));
    const seen = observer.records[0]!.turn.text ?? '';
    // eslint-disable-next-line no-control-regex -- asserting control characters are gone.
    expect(seen).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(seen.endsWith('メールが届かない')).toBe(true);
    expect(observer.records[0]!.error).toBeUndefined();
    expect(out.replies.length).toBeGreaterThan(0);
  });

  it('refuses an action that is not a choice token, and lets the engine answer an unknown but well-formed one', async () => {
    const stores = createStores({}, silentLogger);
    const { pipeline } = build(stores);
    const id = newId();
    await pipeline.handle(turnOf(id, { text: 'メールが受信できません' }));
    const before = await stores.store.get(id);
    const bad = await pipeline.handle(turnOf(id, { action: '<script>alert(1)</script>' }));
    expect(bad.replies.map((r) => r.key)).toEqual(['pipeline.bad_action']);
    expect(bad.node).toBe(before!.node);
    expect(await stores.store.get(id)).toEqual(before);
    const unknown = await pipeline.handle(turnOf(id, { action: 'no_such_button' }));
    expect(unknown.replies.map((r) => r.key)).toContain('engine.stale_choice');
  });

  it('answers a turn without a conversation id politely instead of throwing', async () => {
    const { pipeline, observer } = build(createStores({}, silentLogger));
    const out = await pipeline.handle(turnOf('', { text: 'こんにちは' }));
    expect(out.replies.map((r) => r.key)).toEqual(['pipeline.bad_input']);
    expect(observer.records[0]!.error?.code).toBe(ErrorCode.InputInvalid);
  });

  it('ignores a locale it does not know instead of failing on it', async () => {
    const { pipeline } = build(createStores({}, silentLogger));
    const bogus = { locale: 'fr' } as unknown as Partial<Turn>;
    const empty = await pipeline.handle(turnOf(newId(), { text: '', ...bogus }));
    expect(empty.replies.map((r) => r.key)).toEqual(['pipeline.empty_text']);
    expect(empty.replies[0]!.text).toContain('メッセージが空でした');
    const out = await pipeline.handle(turnOf(newId(), { text: 'My iPhone says the IMAP server is not responding', ...bogus }));
    expect(out.replies.map((r) => r.key).some((k) => k.startsWith('pipeline.'))).toBe(false);
  });

  it('gives a hand-off ticket its MM-YYYYMMDD-NNNN id, submits it once and tells the user the number', async () => {
    const stores = createStores({}, silentLogger);
    const { pipeline, tickets, observer } = build(stores);
    const id = newId();
    await pipeline.handle(turnOf(id, { text: 'iPhoneでIMAPサーバーが応答しませんと出ます' }));
    const asked = await pipeline.handle(turnOf(id, { text: '担当者と話したい' }));
    expect(asked.ticket).toBeUndefined();
    const filed = await pipeline.handle(turnOf(id, { action: 'skip', eventId: 'click-1' }));
    expect(filed.status).toBe('escalated');
    const ticket = filed.ticket!;
    expect(ticket.id).toMatch(TICKET_ID_PATTERN);
    expect(ticket.id).toBe('MM-20261128-108001');
    expect(tickets.submits).toBe(1);
    expect(tickets.byId.get(ticket.id)).toEqual(ticket);
    const told = filed.replies.find((r) => r.key === 'pipeline.ticket_created');
    expect(told?.text).toContain(ticket.id);
    expect((await stores.store.get(id))?.ticketId).toBe(ticket.id);
    // Rendered once, after the id was assigned: no unfilled reference or placeholder reaches anyone.
    expect(JSON.stringify([filed, observer.records])).not.toMatch(/"ref"|\{ticket\}/);

    // A redelivered click and a second request for a person file nothing more; the number is repeated.
    expect((await pipeline.handle(turnOf(id, { action: 'skip', eventId: 'click-1' }))).duplicate).toBe(true);
    const again = await pipeline.handle(turnOf(id, { text: '担当者と話したい' }));
    expect(again.ticket).toBeUndefined();
    expect(again.replies.map((r) => r.text).join('\n')).toContain(ticket.id);
    expect(tickets.submits).toBe(1);

    // The next escalation of the day gets the next number.
    const other = newId();
    await pipeline.handle(turnOf(other, { text: '担当者と話したい' }));
    const second = await pipeline.handle(turnOf(other, { action: 'skip' }));
    expect(second.ticket?.id).toBe('MM-20261128-108002');
  });

  it('leaves the conversation before hand-off when the ticket handler refuses the ticket', async () => {
    const stores = createStores({}, silentLogger);
    let fail = true;
    const flaky: TicketHandler & { accepted: string[] } = {
      accepted: [],
      async submit(ticket) {
        if (fail) throw new Error('outbox full');
        this.accepted.push(ticket.id);
      },
    };
    const { pipeline, observer } = build(stores, { tickets: flaky });
    const id = newId();
    await pipeline.handle(turnOf(id, { text: '担当者と話したい' }));
    const before = await stores.store.get(id);
    const failed = await pipeline.handle(turnOf(id, { action: 'skip' }));
    expect(failed.replies.map((r) => r.key)).toEqual(['pipeline.ticket_failed']);
    expect(failed.ticket).toBeUndefined();
    expect(observer.records.at(-1)!.error?.code).toBe(ErrorCode.TicketDelivery);
    expect(await stores.store.get(id)).toEqual(before);
    fail = false;
    const filed = await pipeline.handle(turnOf(id, { action: 'skip' }));
    expect(filed.ticket?.id).toMatch(TICKET_ID_PATTERN);
    expect(flaky.accepted).toEqual([filed.ticket!.id]);
  });
});

describe('a fault inside the real engine', () => {
  /**
   * The real tree with one node broken as a content mistake would: auth_entry_say (the password walk's opening when an
   * error is named; auth_entry routes to it) goes on to a node that does not exist.
   */
  function brokenTree(): DialogTree {
    const nodes = new Map(content.tree.nodes);
    const entry = nodes.get('auth_entry_say');
    if (!entry || !('next' in entry)) throw new Error('auth_entry_say with a next is what this test breaks');
    nodes.set('auth_entry_say', { ...entry, next: 'no_such_node' } as typeof entry);
    return { ...content.tree, nodes, version: `${content.tree.version}-broken` };
  }
  const errorsCounted = async () => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith('mailmedic_turn_errors_total{') && l.includes('kind="internal"') && l.includes('channel="web"'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };

  it('reaches the one error handler: logged at error with the conversation, counted, recorded, answered politely, nothing saved', async () => {
    const stores = createStores({}, silentLogger);
    const logger = recordingLogger();
    const recorder = new RecordingObserver();
    const { pipeline } = build(stores, { tree: brokenTree(), logger, observers: [metricsObserver, recorder] });
    const id = newId();
    const before = await errorsCounted();
    const out = await pipeline.handle(turnOf(id, { text: 'iPhoneで「IMAPアカウントのパスワードが正しくありません」と出ます', eventId: 'broken-1' }));

    // Answered politely, in the language of the message, with nothing of the engine's own apology.
    expect(out.replies.map((r) => r.key)).toEqual(['pipeline.internal_error']);
    expect(out.replies[0]!.text).toBe(content.i18n.t('pipeline.internal_error', undefined, 'ja'));
    // Recorded on the turn (the transcript's error) …
    expect(recorder.records).toHaveLength(1);
    expect(recorder.records[0]!.error?.code).toBe(ErrorCode.Internal);
    expect(recorder.records[0]!.nlu?.intent).toBe('error_auth');
    // … logged at error with the conversation id …
    const failed = logger.lines.filter((l) => l.level === 'error' && l.msg === 'turn failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.obj).toMatchObject({ conversation: id, code: ErrorCode.Internal });
    // … counted in /metrics …
    expect(await errorsCounted()).toBe(before + 1);
    // … and the conversation is left as it was.
    expect(await stores.store.get(id)).toBeUndefined();

    // The delivery was released: once the content is fixed, the client's retry is processed (once).
    const fixed = build(stores).pipeline;
    const retried = await fixed.handle(turnOf(id, { text: 'iPhoneで「IMAPアカウントのパスワードが正しくありません」と出ます', eventId: 'broken-1' }));
    expect(retried.duplicate).toBeUndefined();
    expect(retried.replies.map((r) => r.key)).toContain('tree.auth_entry.say');
    expect((await fixed.handle(turnOf(id, { text: 'x', eventId: 'broken-1' }))).duplicate).toBe(true);
  });
});

describe('at-least-once turns, at-most-once effects (memory stores)', () => {
  it('answers busy while the conversation is locked, then processes the retry of the same eventId once', async () => {
    const stores = createStores({}, silentLogger, { lockWaitMs: 100 });
    const { pipeline, observer } = build(stores);
    const id = newId();
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    // Another turn of the conversation holds the lock for as long as the test wants.
    const holder = stores.store.withLock(id, async () => {
      entered();
      await new Promise<void>((r) => (release = r));
    });
    await inside;
    const t = turnOf(id, { text: 'メールが受信できません', eventId: 'ev-busy' });
    const busy = await pipeline.handle(t);
    expect(busy.replies.map((r) => r.key)).toEqual(['pipeline.busy']);
    expect(busy.duplicate).toBeUndefined();
    expect(observer.records.at(-1)!.error?.code).toBe(ErrorCode.LockTimeout);
    release();
    await holder;

    const retried = await pipeline.handle(t);
    expect(retried.duplicate).toBeUndefined();
    expect(retried.replies.map((r) => r.key).filter((k) => k.startsWith('pipeline.'))).toEqual([]);
    expect((await stores.store.get(id))?.turn).toBe(1);
    const again = await pipeline.handle(t);
    // Not processed again; the answer of the conversation's last delivery is given again (lose-32).
    expect(again).toMatchObject({ duplicate: true, replies: retried.replies });
    expect((await stores.store.get(id))?.turn).toBe(1);
  });

  it('never runs two concurrent deliveries of one eventId, even while the first waits for the lock', async () => {
    const stores = createStores({}, silentLogger);
    const steps: string[] = [];
    const { pipeline } = build(stores, {
      step: (prev, input, meta, ctx) => {
        steps.push(meta.conversationId);
        return build.engine(prev, input, meta, ctx);
      },
    });
    const id = newId();
    const t = turnOf(id, { text: 'メールが受信できません', eventId: 'ev-twice' });
    const outs = await Promise.all(Array.from({ length: 5 }, () => pipeline.handle(t)));
    expect(outs.filter((o) => o.duplicate)).toHaveLength(4);
    expect(steps).toHaveLength(1);
  });

  it('marks a delivery that saved nothing done too: a repeated empty message is not answered twice', async () => {
    const stores = createStores({}, silentLogger);
    const { pipeline } = build(stores);
    const t = turnOf(newId(), { text: '   ', eventId: 'ev-empty' });
    expect((await pipeline.handle(t)).replies.map((r) => r.key)).toEqual(['pipeline.empty_text']);
    expect((await pipeline.handle(t)).duplicate).toBe(true);
  });

  it('files no second ticket when the hand-off turn is retried after its answer was lost', async () => {
    const stores = createStores({}, silentLogger);
    const { pipeline, tickets } = build(stores);
    const id = newId();
    await pipeline.handle(turnOf(id, { text: '担当者と話したい', eventId: 'h1' }));
    const filed = await pipeline.handle(turnOf(id, { action: 'skip', eventId: 'h2' }));
    expect(filed.ticket).toBeDefined();
    expect((await pipeline.handle(turnOf(id, { action: 'skip', eventId: 'h2' }))).duplicate).toBe(true);
    expect(tickets.submits).toBe(1);
  });
});

describe('pipeline mechanics (stand-in step)', () => {
  const stores = () => createStores({}, silentLogger);

  it('answers with internal_error when the engine throws, and observers still hear of the turn', async () => {
    const boom: StepFn = () => {
      throw new Error('engine bug');
    };
    const logger = recordingLogger();
    const { pipeline, observer } = build(stores(), { step: boom, logger });
    const out = await pipeline.handle(turnOf(newId(), { text: 'こんにちは', locale: 'en' }));
    expect(out.replies.map((r) => r.key)).toEqual(['pipeline.internal_error']);
    expect(out.replies[0]!.text).not.toBe('pipeline.internal_error');
    expect(observer.records[0]!.error).toMatchObject({ code: ErrorCode.Internal, message: 'engine bug' });
    expect(logger.lines.some((l) => l.level === 'error' && l.msg === 'turn failed')).toBe(true);
  });

  it('is not delayed or broken by an observer that throws or rejects', async () => {
    const logger = recordingLogger();
    const later = new RecordingObserver();
    const { pipeline } = build(stores(), {
      logger,
      observers: [
        {
          onTurn() {
            throw new Error('sync observer bug');
          },
        },
        { onTurn: () => Promise.reject(new Error('async observer bug')) },
        // Never settles: the turn must not wait for it.
        { onTurn: () => new Promise<void>(() => {}) },
        later,
      ],
    });
    const out = await pipeline.handle(turnOf(newId(), { text: 'メールが受信できません' }));
    expect(out.replies.length).toBeGreaterThan(0);
    expect(later.records).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    const failures = logger.lines.filter((l) => l.msg === 'turn observer failed').map((l) => (l.obj as { err: string }).err);
    expect(failures.sort()).toEqual(['async observer bug', 'sync observer bug']);
  });

  it('never shows a reference to a ticket id when no ticket was filed', async () => {
    const leaky: StepFn = (prev, _input, meta) => ({
      state: { ...(prev ?? { schema: 1, treeVersion: 'x', conversationId: meta.conversationId, channel: meta.channel, userId: meta.userId, locale: 'ja', node: null, status: 'active', slots: {}, intent: null, stepsTried: [], misses: 0, collected: {}, turn: 0, createdAtMs: 0, updatedAtMs: 0 }), turn: (prev?.turn ?? 0) + 1 },
      replies: [{ key: 'engine.escalated_already', params: { ticket: { ref: 'ticket_id' } } }],
      effects: [],
      intent: null,
    });
    const { pipeline } = build(stores(), { step: leaky });
    const out = await pipeline.handle(turnOf(newId(), { text: 'hi' }));
    expect(out.replies.map((r) => r.key)).toEqual(['pipeline.internal_error']);
  });

  it('is one chain: observe outermost, the error handler inside it, then validate, dedupe, lock … save', () => {
    const { pipeline } = build(stores());
    expect(pipeline.links).toEqual(['observe', 'answer failures', 'validate', 'dedupe', 'lock', 'load', 'understand', 'step', 'effects', 'save']);
  });

  it('has every reply it can give written in Japanese and English', () => {
    const { messages } = loadLocales();
    for (const key of PIPELINE_KEYS) {
      expect(messages.ja.has(key), `ja ${key}`).toBe(true);
      expect(messages.en.has(key), `en ${key}`).toBe(true);
    }
    expect(messages.ja.get('pipeline.ticket_created')).toContain('{id}');
    expect(messages.en.get('pipeline.ticket_created')).toContain('{id}');
  });

  it('cleans and cuts text without splitting characters', () => {
    expect(cleanText(' a\r\nb\u0000c\u001b[31m\uFFFD ')).toBe('a\nbc[31m');
    expect(cleanText('メール📱')).toBe('メール📱');
    const emoji = 'a'.repeat(3_999) + '😀';
    expect(cutText(emoji, 4_000)).toBe('a'.repeat(3_999));
    expect(cutText('abc', 4_000)).toBe('abc');
  });
});

describe('pipeline on Redis: two replicas sharing one Redis', () => {
  const prefix = uniquePrefix('pipeline');
  let a: Stores;
  let b: Stores;
  beforeAll(async () => {
    // Two connections, as two processes would have.
    a = createStores({ redis: { mode: 'single', url: REDIS_URL } }, silentLogger, { prefix });
    b = createStores({ redis: { mode: 'single', url: REDIS_URL } }, silentLogger, { prefix });
    await a.redis!.waitReady(5_000);
    await b.redis!.waitReady(5_000);
  });
  afterAll(async () => {
    await a.health.close();
    await b.health.close();
    await deletePrefix(prefix);
  });

  it('serialises concurrent turns of one conversation: every turn processed, none lost', async () => {
    const ra = build(a);
    const rb = build(b);
    const id = newId();
    await ra.pipeline.handle(turnOf(id, { text: 'iPhoneでIMAPサーバーが応答しませんと出ます' }));
    const texts = ['まだダメ', '直らない', 'だめでした', 'まだ届かない'];
    const outs = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        (i % 2 ? ra : rb).pipeline.handle(turnOf(id, { text: texts[i % texts.length], eventId: `e${i}` })),
      ),
    );
    const errors = [...ra.observer.records, ...rb.observer.records].filter((r) => r.error);
    expect(errors).toEqual([]);
    expect(outs.every((o) => o.replies.length > 0)).toBe(true);
    expect((await a.store.get(id))?.turn).toBe(17);
  });

  it('processes one delivery once even when both replicas receive it', async () => {
    const ra = build(a);
    const rb = build(b);
    const id = newId();
    const t = turnOf(id, { text: 'メールが受信できません', eventId: 'Ev-both' });
    const outs = await Promise.all([ra.pipeline.handle(t), rb.pipeline.handle(t)]);
    expect(outs.filter((o) => o.duplicate)).toHaveLength(1);
    expect((await b.store.get(id))?.turn).toBe(1);
  });

  it('files exactly one ticket when the hand-off click reaches both replicas, numbered from the shared sequence', async () => {
    const tickets = new CollectingTickets();
    const ra = build(a, { tickets });
    const rb = build(b, { tickets });
    const id = newId();
    await ra.pipeline.handle(turnOf(id, { text: '担当者と話したい' }));
    const outs = await Promise.all([
      ra.pipeline.handle(turnOf(id, { action: 'skip', eventId: 'c1' })),
      rb.pipeline.handle(turnOf(id, { action: 'skip', eventId: 'c1' })),
      rb.pipeline.handle(turnOf(id, { action: 'skip', eventId: 'c2' })),
    ]);
    expect(tickets.submits).toBe(1);
    const ticket = outs.find((o) => o.ticket)!.ticket!;
    expect(ticket.id).toBe('MM-20261128-108001');
    expect((await a.store.get(id))?.ticketId).toBe(ticket.id);
  });
});

describe('pipeline while Redis is down', () => {
  let server: PrivateRedis;
  let stores: Stores;
  beforeAll(async () => {
    server = new PrivateRedis(await freePort());
    await server.start();
    stores = createStores({ redis: { mode: 'single', url: server.url } }, silentLogger, { maxReconnectDelayMs: 200 });
    await stores.redis!.waitReady(5_000);
  });
  afterAll(async () => {
    await stores.health.close();
    await server.stop();
  });

  it('answers "try again shortly", then works again by itself once Redis is back', async () => {
    const { pipeline, observer } = build(stores);
    const id = newId();
    const first = await pipeline.handle(turnOf(id, { text: 'メールが受信できません', eventId: 'x1' }));
    expect(first.replies.map((r) => r.key).some((k) => k.startsWith('pipeline.'))).toBe(false);

    await server.stop();
    const down = await pipeline.handle(turnOf(id, { text: 'まだダメ', eventId: 'x2' }));
    expect(down.replies.map((r) => r.key)).toEqual(['pipeline.store_unavailable']);
    expect(down.replies[0]!.text).toContain('少し待って');
    expect(observer.records.at(-1)!.error?.code).toBe(ErrorCode.StoreUnavailable);

    await server.start();
    await stores.redis!.waitReady(10_000);
    const back = await pipeline.handle(turnOf(id, { text: 'メールが受信できません', eventId: 'x3' }));
    expect(back.replies.map((r) => r.key).some((k) => k.startsWith('pipeline.'))).toBe(false);
    expect(observer.records.at(-1)!.error).toBeUndefined();
  });
});
