import { MemoryOutboxStore } from '../../src/handoff/outbox.js';
import { outboxContract } from './outbox.contract.js';

outboxContract('memory', {
  make: async () => new MemoryOutboxStore(),
  // Two workers of one process share the store; a memory outbox has no life after a restart.
  peer: async (store) => store,
  cleanup: async () => {},
});
