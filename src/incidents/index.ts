/**
 * Incident detection (issue 15 item 4): see types.ts and service.ts. `createIncidents` picks the store of the
 * process's backend (Redis when the stores run on Redis, shared by every replica; memory otherwise).
 */
import type { Stores } from '../state/types.js';
import { MemoryIncidentStore, RedisIncidentStore } from './store.js';
import { createIncidentService, type IncidentService, type IncidentServiceOptions } from './service.js';
import type { IncidentStore } from './types.js';

export * from './types.js';
export { createIncidentService, signatureOf, type IncidentService, type IncidentServiceOptions } from './service.js';
export { MemoryIncidentStore, RedisIncidentStore } from './store.js';
export { incidentsRouter, renderIncidentBanner } from './admin.js';

export function createIncidents(stores: Pick<Stores, 'open'>, options: Omit<IncidentServiceOptions, 'store'>): IncidentService {
  const store = stores.open<IncidentStore>({
    memory: () => new MemoryIncidentStore(options.clock),
    redis: (connection) => new RedisIncidentStore(connection),
  });
  return createIncidentService({ ...options, store });
}
