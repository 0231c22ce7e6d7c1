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
