import { describe, expect, it } from 'vitest';
import { MemoryTranscriptStore } from '../../src/transcripts/memory.js';
import { transcriptStoreContract } from './contract.js';
import { DAY, T0, textTurn } from './fixtures.js';

transcriptStoreContract('memory', async (options) => new MemoryTranscriptStore(options));

describe('MemoryTranscriptStore retention', () => {
  it('forgets a conversation once retention has passed since its last turn', async () => {
    let now = T0;
    const s = new MemoryTranscriptStore({ retentionDays: 2, clock: () => now });
    await s.append(textTurn('r', T0));
    now = T0 + 2 * DAY - 1;
    expect((await s.summaries()).map((x) => x.id)).toEqual(['r']);
    now = T0 + 2 * DAY;
    expect(await s.summary('r')).toBeUndefined();
    expect(await s.turns('r')).toEqual([]);
    expect(await s.summaries()).toEqual([]);
  });
});

describe('MemoryTranscriptStore bound', () => {
  it('keeps at most maxConversations, dropping the least recently active one', async () => {
    const s = new MemoryTranscriptStore({ maxConversations: 3, clock: () => T0 + 10 });
    await s.append(textTurn('a', T0));
    await s.append(textTurn('b', T0 + 1));
    await s.append(textTurn('c', T0 + 2));
    await s.append(textTurn('a', T0 + 3)); // a is active again: b is now the oldest
    await s.append(textTurn('d', T0 + 4));
    expect(await s.summary('b')).toBeUndefined();
    expect((await s.summaries()).map((x) => x.id).sort()).toEqual(['a', 'c', 'd']);
    expect(await s.turns('a')).toHaveLength(2);
  });
});
