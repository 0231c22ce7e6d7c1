/**
 * An engine fault is not swallowed: the real engine on a tree with a bug (an entry pointing at no node, a loop of
 * automatic transitions) throws, and the pipeline's one error handler logs it at error with the conversation id,
 * records it on the turn for the transcript, answers politely and leaves the stored state as it was.
 * Fails if the engine turns its bugs into an ordinary-looking reply.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, silentLogger, type Logger } from '../../src/core/index.js';
import { loadDialogs } from '../../src/data/load.js';
import type { DialogTree } from '../../src/data/schemas.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { createStores } from '../../src/state/stores.js';
import { CollectingTickets, RecordingObserver } from '../pipeline/setup.js';
import { i18n, nlu } from './helpers.js';

function recordingLogger(): Logger & { lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> } {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
  const make = (): Logger => ({
    debug: (obj, msg) => lines.push({ level: 'debug', obj: obj as Record<string, unknown>, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
    child: () => make(),
  });
  return Object.assign(make(), { lines });
}

const real = loadDialogs().tree!;

/** The real tree with the push-notification entry pointing at a node that does not exist. */
const broken: DialogTree = { ...real, entries: { ...real.entries, error_push: 'no_such_node' }, version: 'broken' };

function build(tree: DialogTree) {
  const logger = recordingLogger();
  const observer = new RecordingObserver();
  const stores = createStores({}, silentLogger);
  // The NLU is given: this test is about the engine's faults, whatever the classifier says.
  const pipeline = createPipeline({ nlu: { analyse: () => nlu('error_push') }, tree, i18n, ...stores, tickets: new CollectingTickets(), observers: [observer], logger });
  return { pipeline, observer, logger, stores };
}

describe('an engine fault', () => {
  it('reaches the pipeline error handler: logged at error with the conversation id, recorded on the turn, answered politely', async () => {
    const { pipeline, observer, logger, stores } = build(broken);
    const out = await pipeline.handle({ conversationId: 'fault-1', channel: 'web', userId: 'u1', text: '通知が来ない' });
    expect(out.replies.map((r) => r.key)).toEqual(['pipeline.internal_error']);
    expect(observer.records[0]!.error).toMatchObject({ code: ErrorCode.Internal });
    expect(observer.records[0]!.error!.message).toContain('no_such_node');
    const logged = logger.lines.find((l) => l.level === 'error' && l.msg === 'turn failed');
    expect(logged?.obj).toMatchObject({ conversation: 'fault-1', code: ErrorCode.Internal });
    // Nothing half-done was saved.
    expect(await stores.store.get('fault-1')).toBeUndefined();
  });

  it('is not raised by the same turn on the sound tree', async () => {
    const { pipeline, observer } = build(real);
    const out = await pipeline.handle({ conversationId: 'fault-2', channel: 'web', userId: 'u1', text: '通知が来ない' });
    expect(out.replies.map((r) => r.key)).not.toContain('pipeline.internal_error');
    expect(observer.records[0]!.error).toBeUndefined();
  });
});
