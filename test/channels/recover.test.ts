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
