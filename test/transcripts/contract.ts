/**
 * One contract suite for every TranscriptStore (after botbuilder's storageBaseTests): memory and Redis must
 * behave alike — numbering, summaries, status events, order, listing by time, annotations, retention, trimming.
 */
import { describe, expect, it } from 'vitest';
import type { TranscriptStore, TranscriptStoreOptions } from '../../src/transcripts/types.js';
import { DAY, MIN, T0, textTurn } from './fixtures.js';

export type MakeStore = (options?: TranscriptStoreOptions) => Promise<TranscriptStore>;

export function transcriptStoreContract(name: string, make: MakeStore): void {
  describe(`TranscriptStore contract: ${name}`, () => {
    it('numbers turns per conversation and keeps them in order with the node before each', async () => {
      const s = await make();
      const a = await s.append(textTurn('a', T0, { node: 'n1' }));
      const b = await s.append(textTurn('a', T0 + MIN, { node: 'n2', text: '直らない' }));
      await s.append(textTurn('b', T0 + 2 * MIN));
      expect([a.seq, b.seq]).toEqual([1, 2]);
      const turns = await s.turns('a');
      expect(turns.map((t) => [t.seq, t.nodeBefore, t.node, t.text])).toEqual([
        [1, '', 'n1', 'メールを取得できません'],
        [2, 'n1', 'n2', '直らない'],
      ]);
      expect((await s.turns('b')).map((t) => t.seq)).toEqual([1]);
      expect(await s.turns('nope')).toEqual([]);
    });

    it('keeps a summary: status, path, symptom, entities, ticket and a status-change event', async () => {
      const s = await make();
      await s.append(textTurn('c', T0, { intent: 'greeting', node: 'triage', text: 'こんにちは', entities: {} }));
      await s.append(textTurn('c', T0 + MIN, { intent: 'error_auth', node: 'auth_reenter', entities: { carrier: 'docomo', device: 'iphone' } }));
      await s.append(textTurn('c', T0 + 2 * MIN, { intent: 'request_human', node: 'handoff', text: '担当者と話したい' }));
      const last = await s.append(
        textTurn('c', T0 + 3 * MIN, { intent: 'out_of_scope', node: 'handoff', status: 'escalated', events: [{ type: 'ticket', id: 'MM-20261120-0001' }] }),
      );
      expect(last.events).toEqual([
        { type: 'ticket', id: 'MM-20261120-0001' },
        { type: 'status', from: 'active', to: 'escalated' },
      ]);
      const sum = await s.summary('c');
      expect(sum).toMatchObject({
        id: 'c',
        channel: 'web',
        turns: 4,
        status: 'escalated',
        node: 'handoff',
        path: ['triage', 'auth_reenter', 'handoff'],
        symptom: 'error_auth',
        carrier: 'docomo',
        device: 'iphone',
        ticketId: 'MM-20261120-0001',
        misses: 1,
        startedAtMs: T0,
        updatedAtMs: T0 + 3 * MIN,
        preview: 'こんにちは',
      });
      expect(sum?.intents).toEqual(['greeting', 'error_auth', 'request_human', 'out_of_scope']);
      expect(await s.summary('nope')).toBeUndefined();
    });

    it('lists summaries most recent first, narrowed by last activity', async () => {
      const s = await make();
      await s.append(textTurn('old', T0 - 3 * DAY));
      await s.append(textTurn('mid', T0 - DAY));
      await s.append(textTurn('new', T0));
      expect((await s.summaries()).map((x) => x.id).filter((id) => ['old', 'mid', 'new'].includes(id))).toEqual(['new', 'mid', 'old']);
      expect((await s.summaries(T0 - 2 * DAY)).map((x) => x.id)).toEqual(['new', 'mid']);
    });

    it('records a staff take-over on the conversation and its last turn', async () => {
      const s = await make();
      await s.append(textTurn('t', T0));
      expect(await s.addEvent('t', { type: 'taken_over', by: '佐藤' }, T0 + MIN)).toBe(true);
      expect(await s.addEvent('missing', { type: 'taken_over' }, T0)).toBe(false);
      expect((await s.summary('t'))?.takenOver).toEqual({ atMs: T0 + MIN, by: '佐藤' });
      expect((await s.turns('t'))[0]?.events).toContainEqual({ type: 'taken_over', by: '佐藤' });
    });

    it('puts a message sent while a turn ran (recorded before that turn) beside that turn; a hand-back ends the hold', async () => {
      const s = await make();
      await s.append(textTurn('late', T0));
      // The filing turn starts at T0 + MIN; its "ticket filed" message goes out (and is recorded) before the turn is.
      const filed = { type: 'sent' as const, key: 'handoff.user.delivered', text: 'チケット MM-1 を登録しました' };
      await s.addEvent('late', filed, T0 + MIN + 500);
      await s.append(textTurn('late', T0 + MIN, { events: [{ type: 'ticket', id: 'MM-1' }], status: 'escalated' }));
      // A note written after the second turn stays where it was written.
      await s.addEvent('late', { type: 'note', text: 'メモ', by: '佐藤' }, T0 + 2 * MIN);
      await s.append(textTurn('late', T0 + 3 * MIN));
      const turns = await s.turns('late');
      expect(turns.map((t) => t.events.filter((e) => e.type === 'sent' || e.type === 'note').map((e) => e.type))).toEqual([[], ['sent', 'note'], []]);
      expect(turns[1]?.events.map((e) => e.type)).toEqual(['ticket', 'status', 'sent', 'note']);
      await s.addEvent('late', { type: 'taken_over', by: '佐藤' }, T0 + 4 * MIN);
      await s.addEvent('late', { type: 'handed_back', by: '佐藤' }, T0 + 5 * MIN);
      expect((await s.summary('late'))?.handedBack).toEqual({ atMs: T0 + 5 * MIN, by: '佐藤' });
    });

    it('annotates a text turn with the right intent, replaces and removes it, and refuses clicks and unknown turns', async () => {
      const s = await make();
      await s.append(textTurn('n', T0, { text: '送信だけできない', intent: 'error_cannot_fetch' }));
      await s.append(textTurn('n', T0 + MIN, { text: undefined, action: 'resolved', intent: null }));
      const a = await s.annotate({ conversation: 'n', seq: 1, intent: 'error_send', note: '送信の話', atMs: T0 + 2 * MIN });
      expect(a).toMatchObject({ conversation: 'n', seq: 1, intent: 'error_send', predicted: 'error_cannot_fetch', text: '送信だけできない', locale: 'ja', note: '送信の話' });
      expect(await s.annotate({ conversation: 'n', seq: 2, intent: 'resolved', atMs: T0 })).toBeUndefined();
      expect(await s.annotate({ conversation: 'n', seq: 9, intent: 'resolved', atMs: T0 })).toBeUndefined();
      expect(await s.annotate({ conversation: 'zz', seq: 1, intent: 'resolved', atMs: T0 })).toBeUndefined();
      await s.annotate({ conversation: 'n', seq: 1, intent: 'error_auth', atMs: T0 + 3 * MIN });
      expect((await s.annotations('n')).map((x) => x.intent)).toEqual(['error_auth']);
      expect((await s.summary('n'))?.annotations).toBe(1);
      expect((await s.allAnnotations()).filter((x) => x.conversation === 'n')).toHaveLength(1);
      expect(await s.unannotate('n', 1)).toBe(true);
      expect(await s.unannotate('n', 1)).toBe(false);
      expect(await s.annotations('n')).toEqual([]);
      expect((await s.summary('n'))?.annotations).toBe(0);
    });

    it('keeps at most maxTurns turns of a conversation (the most recent) but counts them all', async () => {
      const s = await make({ maxTurns: 5 });
      for (let i = 0; i < 300; i++) await s.append(textTurn('long', T0 + i * 1000, { text: `m${i}` }));
      const turns = await s.turns('long');
      // Redis trims approximately (MAXLEN ~): never fewer than asked, and far fewer than written.
      expect(turns.length).toBeGreaterThanOrEqual(5);
      expect(turns.length).toBeLessThan(300);
      expect(turns[turns.length - 1]?.text).toBe('m299');
      expect((await s.summary('long'))?.turns).toBe(300);
    });

    it('serialises concurrent appends of one conversation without losing or repeating a number', async () => {
      const s = await make();
      await Promise.all(Array.from({ length: 12 }, (_, i) => s.append(textTurn('race', T0 + i, { text: `r${i}` }))));
      const turns = await s.turns('race');
      expect(turns.map((t) => t.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect((await s.summary('race'))?.turns).toBe(12);
    });
  });
}
