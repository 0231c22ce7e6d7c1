/**
 * Transcripts for help-desk staff: the store (memory, or Redis streams when Redis is configured), the observer
 * that records every turn (redacted), and the queries and exports the review page and the CLI share.
 *
 *   const transcripts = createTranscriptStore(config, stores, logger);   // on the process's backend (Stores.open)
 *   const observer = createTranscriptObserver(transcripts, { logger });
 *   createPipeline({ …, observers: [observer] });
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../core/index.js';
import type { Stores } from '../state/types.js';
import { MemoryTranscriptStore } from './memory.js';
import { RedisTranscriptStore } from './redis.js';
import type { TranscriptStore, TranscriptStoreOptions } from './types.js';

export * from './types.js';
export { applyTurn, withActionLabels, withDerivedSymptom, withDerivedSteps, stepsOfTurns, symptomOfTurns, SYMPTOM_INTENTS } from './summary.js';
export { createTranscriptObserver, toTranscriptTurn, type TranscriptObserver } from './observer.js';
export * from './query.js';
export * from './export.js';
export { MemoryTranscriptStore } from './memory.js';
export { RedisTranscriptStore } from './redis.js';

/**
 * The transcript store for this process: Redis when the stores run on Redis (sharing their connection and key
 * prefix), memory otherwise. Retention comes from TRANSCRIPT_RETENTION_DAYS.
 */
export function createTranscriptStore(
  config: Pick<Config, 'env'>,
  stores: Pick<Stores, 'open'>,
  logger?: Logger,
  options: TranscriptStoreOptions = {},
): TranscriptStore {
  const opts = { retentionDays: config.env.TRANSCRIPT_RETENTION_DAYS, ...options };
  return stores.open<TranscriptStore>({
    memory: () => new MemoryTranscriptStore(opts),
    redis: (connection) => new RedisTranscriptStore(connection, { ...opts, logger }),
  });
}
