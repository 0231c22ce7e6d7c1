/** The pipeline → transcript observer: redaction before storing, never blocking or throwing, failed turns kept. */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { MemoryTranscriptStore } from '../../src/transcripts/memory.js';
import { createTranscriptObserver, toTranscriptTurn } from '../../src/transcripts/observer.js';
import type { TranscriptStore } from '../../src/transcripts/types.js';
import { record } from './fixtures.js';

describe('transcript observer', () => {
  it('redacts passwords, app passwords, one-time codes and tokens in user text, replies and entities before storing', async () => {
    const store = new MemoryTranscriptStore();
    const obs = createTranscriptObserver(store);
    obs.onTurn(
      record({
        text: 'パスワードは Abc12345! です。確認コード 482913 も来ました。アプリ用パスワード abcd-efgh-ijkl-mnop',
        outcome: {
          conversation: 'c-rec',
          intent: 'error_auth',
          node: 'auth',
          status: 'active',
          replies: [{ key: 'k', text: 'token=ghp_0123456789abcdefghijklmnopqrstuvwxyz0 は送らないでください', choices: [{ label: '直った', value: 'resolved' }] }],
        },
        nlu: { intent: 'error_auth', confidence: 0.91234, entities: { os_version: 'iOS 18.1' }, locale: 'ja', ranking: [{ intent: 'error_auth', confidence: 0.91234 }] },
      }),
    );
    expect(await obs.flush()).toBe(true);
    const [t] = await store.turns('c-rec');
    expect(t?.text).not.toMatch(/Abc12345|482913|abcd-efgh/);
    expect(t?.text).toContain('［伏字］');
    expect(t?.text).toContain('パスワードは');
    expect(t?.replies[0]?.text).not.toContain('ghp_');
    expect(t?.redacted).toEqual(expect.arrayContaining(['password', 'otp', 'token']));
    expect(t?.entities).toEqual({ os_version: 'iOS 18.1' });
    expect(t?.confidence).toBe(0.912);
    expect(JSON.stringify(await store.summary('c-rec'))).not.toMatch(/Abc12345|482913/);
  });

  it('records a failed turn with its error code', async () => {
    const store = new MemoryTranscriptStore();
    const obs = createTranscriptObserver(store);
    obs.onTurn(record({ error: { code: ErrorCode.StoreUnavailable, message: 'redis down' }, node: '', status: 'active' }));
    await obs.flush();
    const [t] = await store.turns('c-rec');
    expect(t?.error).toEqual({ code: 'store_unavailable' });
    expect((await store.summary('c-rec'))?.errors).toBe(1);
  });

  it('returns at once and never throws when the store fails or hangs; counts what was lost', async () => {
    let release!: () => void;
    const hanging = new Promise<void>((r) => (release = r));
    const broken = {
      append: async () => {
        await hanging;
        throw new Error('store down');
      },
    } as unknown as TranscriptStore;
    const obs = createTranscriptObserver(broken, { maxPending: 2 });
    for (let i = 0; i < 5; i++) expect(obs.onTurn(record())).toBeUndefined();
    expect(obs.pending()).toBe(2);
    expect(obs.lost.dropped).toBe(3);
    expect(await obs.flush(50)).toBe(false);
    release();
    expect(await obs.flush()).toBe(true);
    expect(obs.lost.failed).toBe(2);
  });

  it('keeps the order of one conversation even when writes finish out of order', async () => {
    const store = new MemoryTranscriptStore();
    const slow = { ...store, append: async (t: Parameters<TranscriptStore['append']>[0]) => {
      if (t.text === 'first') await new Promise((r) => setTimeout(r, 30));
      return store.append(t);
    } } as unknown as TranscriptStore;
    const obs = createTranscriptObserver(slow);
    obs.onTurn(record({ text: 'first' }));
    obs.onTurn(record({ text: 'second' }));
    await obs.flush();
    expect((await store.turns('c-rec')).map((t) => t.text)).toEqual(['first', 'second']);
  });

  it('records a click with its value and no NLU', () => {
    const r = record();
    r.turn = { conversationId: 'c', channel: 'slack', userId: 'U1', action: 'not_resolved' };
    const t = toTranscriptTurn(r);
    expect(t.action).toBe('not_resolved');
    expect(t.text).toBeUndefined();
    expect(t.intent).toBe('greeting'); // the engine's reading of the turn (outcome.intent)
  });

  it('copies the two-stage fallback (symptoms offered, the choice) into the stored turn', () => {
    const r = record();
    r.outcome = { ...r.outcome, clarification: { offered: ['error_auth', 'error_connect'], chosen: 'none' } };
    expect(toTranscriptTurn(r).clarification).toEqual({ offered: ['error_auth', 'error_connect'], chosen: 'none' });
    expect(toTranscriptTurn(record()).clarification).toBeUndefined();
  });
});
