/**
 * The channels' recovery of turns the platform will not deliver again (src/channels/recover.ts), with a stand-in
 * pipeline whose store is "down" until the test says otherwise: kept in order, answered once, given up with a plain
 * "send it again".
 */
import { describe, expect, it } from 'vitest';
import { silentLogger, type Turn } from '../../src/core/index.js';
import { createRecovery } from '../../src/channels/recover.js';
import type { PipelineOutcome } from '../../src/pipeline/types.js';
import { createI18n } from '../../src/i18n/index.js';
import { loadLocales } from '../../src/data/load.js';

const i18n = createI18n(loadLocales().messages);

function standIn() {
  const state = { down: true, ran: [] as string[], done: new Set<string>() };
  const pipeline = {
    async handle(turn: Turn): Promise<PipelineOutcome> {
      const base = { conversation: turn.conversationId, intent: null, node: '', status: 'active' as const };
      if (state.down) return { ...base, replies: [{ key: 'pipeline.store_unavailable', text: i18n.t('pipeline.store_unavailable', undefined, 'ja') }], error: 'store_unavailable' };
      if (state.done.has(turn.eventId!)) return { ...base, replies: [], duplicate: true };
      state.done.add(turn.eventId!);
      state.ran.push(turn.text!);
      return { ...base, replies: [{ key: 'answer', text: `re: ${turn.text}` }] };
    },
  };
  return { state, pipeline };
}
const turn = (text: string, eventId: string): Turn => ({ conversationId: 'c1', channel: 'slack', userId: 'u1', text, eventId });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('recovery of a turn the platform will not redeliver', () => {
  it('keeps failed turns in order and answers each once when the store is back', async () => {
    const { state, pipeline } = standIn();
    const recovery = createRecovery({ pipeline, i18n, logger: silentLogger, channel: 'slack', delaysMs: [30, 30, 30, 30] });
    const posted: string[] = [];
    const deliver = async (o: PipelineOutcome) => void posted.push(...o.replies.map((r) => r.key));
    await recovery.run(turn('one', 'e1'), deliver);
    await recovery.run(turn('two', 'e2'), deliver);
    expect(posted).toEqual(['pipeline.store_unavailable_later', 'pipeline.store_unavailable_later']);
    expect(recovery.kept()).toBe(2);
    state.down = false;
    await sleep(100);
    expect(state.ran).toEqual(['one', 'two']);
    expect(posted.slice(2)).toEqual(['answer', 'answer']);
    expect(recovery.kept()).toBe(0);
    await recovery.close();
  });

  it('a resend of the same words is answered once, with the kept turn', async () => {
    const { state, pipeline } = standIn();
    const recovery = createRecovery({ pipeline, i18n, logger: silentLogger, channel: 'slack', delaysMs: [10_000] });
    const posted: string[] = [];
    const deliver = async (o: PipelineOutcome) => void posted.push(...o.replies.map((r) => r.text));
    await recovery.run(turn('one', 'e1'), deliver);
    state.down = false;
    await recovery.run(turn(' one ', 'e9'), deliver);
    expect(state.ran).toEqual(['one']);
    expect(posted.filter((t) => t === 're: one')).toHaveLength(1);
    await recovery.close();
  });

  it('gives up after its tries and tells the person plainly to send it again', async () => {
    const { pipeline } = standIn();
    const recovery = createRecovery({ pipeline, i18n, logger: silentLogger, channel: 'slack', delaysMs: [10, 10] });
    const posted: string[] = [];
    await recovery.run(turn('one', 'e1'), async (o) => void posted.push(...o.replies.map((r) => r.key)));
    await sleep(100);
    expect(posted).toEqual(['pipeline.store_unavailable_later', 'pipeline.recovery_gave_up']);
    expect(recovery.kept()).toBe(0);
    await recovery.close();
  });
});

describe('a turn taken over from a process that stopped mid-answer (lose-37)', () => {
  /** A spool holding one turn of a stopped process, a pipeline with its answer saved, and the claims' store. */
  const setUp = (claim: true | 'posted' | undefined) => {
    const claims = new Map<string, unknown>();
    if (claim !== undefined) claims.set('e1', claim);
    const t = turn('one', 'e1');
    const spool = {
      file: 'fake',
      keep: async () => undefined,
      done: async () => undefined,
      adopt: async () => [{ id: 's1', turn: t, where: { place: 1 }, locale: 'ja' as const, later: 'pipeline.store_unavailable_later', keptAtMs: Date.now() }],
      close: async () => undefined,
    };
    const pipeline = {
      // The turn was saved before the stop: a run of it again is a duplicate carrying the saved answer.
      handle: async (x: Turn): Promise<PipelineOutcome> => ({ conversation: x.conversationId, intent: null, node: 'n', status: 'active', replies: [{ key: 'answer', text: 're: one' }], duplicate: true }),
    };
    const posted: string[] = [];
    const recovery = createRecovery({
      pipeline,
      i18n,
      logger: silentLogger,
      channel: 'slack',
      delaysMs: [10, 10],
      spool,
      revive: () => async (o) => void posted.push(...o.replies.map((r) => r.key)),
      answered: {
        claim: async (x) => (claims.has(x.eventId!) ? false : (claims.set(x.eventId!, true), true)),
        release: async (x) => claims.delete(x.eventId!),
        posted: async (x) => claims.set(x.eventId!, 'posted'),
        unfinished: async (x) => claims.get(x.eventId!) === true,
      },
    });
    return { recovery, posted, claims };
  };

  it('no claim: the saved answer is posted once, and the claim says posted', async () => {
    const { recovery, posted, claims } = setUp(undefined);
    await sleep(150);
    expect(posted).toEqual(['answer']);
    expect(claims.get('e1')).toBe('posted');
    await recovery.close();
  });

  it('a claim its process left unfinished (killed mid-post): posted by the taker, once', async () => {
    const { recovery, posted, claims } = setUp(true);
    await sleep(150);
    expect(posted).toEqual(['answer']);
    expect(claims.get('e1')).toBe('posted');
    await recovery.close();
  });

  it('a claim that says posted: not posted again', async () => {
    const { recovery, posted } = setUp('posted');
    await sleep(150);
    expect(posted).toEqual([]);
    await recovery.close();
  });
});

describe('with a spool, a turn is on disk until its answer is posted (lose-37)', () => {
  it('kept in the spool from before the run until the post went out, then marked done; a kept turn keeps its line', async () => {
    const { state, pipeline } = standIn();
    state.down = false;
    const log: string[] = [];
    const spool = {
      file: 'fake',
      keep: async (e: { id: string; turn: Turn }) => void log.push(`keep ${e.turn.text}`),
      done: async () => void log.push('done'),
      adopt: async () => [],
      close: async () => undefined,
    };
    const recovery = createRecovery({ pipeline, i18n, logger: silentLogger, channel: 'slack', delaysMs: [10_000], spool });
    let release!: () => void;
    const inFlight = new Promise<void>((r) => (release = r));
    const running = recovery.run(turn('one', 'e1'), async () => {
      log.push('posting');
      await inFlight;
    }, { place: 1 });
    await sleep(50);
    // The post is under way: the turn is on disk, not yet done (a stop now leaves it for the next start).
    expect(log).toEqual(['keep one', 'posting']);
    release();
    await running;
    expect(log).toEqual(['keep one', 'posting', 'done']);
    // The store down: the turn is kept — its line stays (no done) until it is answered.
    state.down = true;
    log.length = 0;
    await recovery.run(turn('two', 'e2'), async () => undefined, { place: 1 });
    expect(log.filter((l) => l === 'done')).toEqual([]);
    expect(recovery.kept()).toBe(1);
    await recovery.close();
  });
});
