import { defineConfig } from 'vitest/config';

/**
 * The unit project: tests that run inside the test process alone — no Redis, no socket (nock refuses every
 * connection, see test/setup/unit.ts), no child process, and no build output. Listed here rather than by folder
 * so that no test file has to move; a new test file is integration until it is listed.
 *
 * The tests that load kuromoji and the intent model (nlu/classifier, nlu/tokenizer, teams/manifest,
 * teams/translate) are integration: each costs ~1 s and ~300 MB per file even with the build's decompressed
 * dictionary and trained model in dist/, and without a build each trains the model itself (measured without a
 * build on a busy 2-core machine: these four took 57 s of test time, all other unit files together ~8 s).
 */
export const UNIT = [
  'test/core/**/*.test.ts',
  'test/dialog/**/*.test.ts',
  'test/nlu/act-prior.test.ts',
  'test/nlu/contrast.test.ts',
  'test/nlu/entities.test.ts',
  'test/nlu/normalize.test.ts',
  'test/nlu/oos-rule.test.ts',
  'test/data/code-keys.test.ts',
  'test/state/memory.test.ts',
  'test/state/ttl-map.test.ts',
  'test/transcripts/memory.test.ts',
  'test/transcripts/observer.test.ts',
  'test/transcripts/query.test.ts',
  'test/handoff/redact-ticket.test.ts',
  'test/handoff/sinks.requests.test.ts',
  'test/http/log.test.ts',
  'test/channels/slack/ids.test.ts',
  'test/channels/web/locales.test.ts',
];

export default defineConfig({
  test: {
    // kuromoji's dictionary takes ~1 s and ~300 MB per worker: keep workers few on a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    // Tests that spawn the CLI (summer-time, jsonl across two processes) take ~15 s alone and timed out at 30 s on a
    // shared 2-core machine at load 12–15 (round 20); a limit, not a measure of speed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          setupFiles: ['test/setup/unit.ts'],
          // One module graph per worker instead of one per file: unit tests change no module state (no vi.mock, fake
          // timers or env edits — a test that adds one must undo it), and loading src/ once cut a busy-machine run
          // from 51 s to 16 s.
          isolate: false,
          // No Redis here: a unit test that reaches for one fails on a closed port instead of using a shared server.
          env: { REDIS_URL: 'redis://127.0.0.1:1' },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          // Finds or starts the Redis the integration tests share (REDIS_URL); see test/setup/redis.global.ts.
          globalSetup: ['test/setup/redis.global.ts'],
        },
      },
    ],
  },
});
