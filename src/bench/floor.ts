/**
 * The floor of `npm run bench:load`: a server doing only what one /api/chat turn must — HTTP, JSON parse and
 * serialise, and the same store calls the pipeline makes (lock → get → set with the optimistic turn check →
 * release) through the same state/ store classes — and nothing else (no NLU, no engine, no logs, no metrics).
 * mailmedic's throughput is reported as a fraction of this one's, measured in the same run on the same machine.
 *
 * Run as a child process by load.ts (`node dist/bench/load.js --floor`), configured like `mailmedic serve`:
 * PORT, REDIS_URL (memory stores without it), REDIS_KEY_PREFIX, STATE_TTL_SECONDS. Prints
 * `listening on http://localhost:<port>` on stderr once it listens; stops on SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../core/index.js';
import type { ConversationState } from '../dialog/types.js';
import { createStores } from '../state/stores.js';

/** A state of the size a real conversation has after a few turns (the floor must move the same bytes). */
function nextState(prev: ConversationState | undefined, id: string, text: string): ConversationState {
  const turn = prev ? prev.turn + 1 : 1;
  const stepsTried = prev ? [...prev.stepsTried, { node: `n${turn}`, title: 'floor-step', result: 'failed' }] : [];
  return {
    ...(prev ?? {}),
    schema: 1,
    treeVersion: 'floor',
    conversationId: id,
    channel: 'web',
    userId: 'web-user',
    locale: 'ja',
    node: `n${turn}`,
    status: 'active',
    slots: { carrier: 'docomo', device: 'iphone', service: 'carrier_mail' },
    intent: null,
    errorText: text,
    stepsTried: stepsTried.slice(-8),
    misses: 0,
    collected: {},
    turn,
  } as unknown as ConversationState;
}

export async function runFloorServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const redisUrl = env.REDIS_URL;
  const stores = createStores(redisUrl ? { redis: { mode: 'single', url: redisUrl } } : {}, silentLogger, {
    prefix: env.REDIS_KEY_PREFIX || undefined,
  });
  if (stores.redis) await stores.redis.waitReady(10_000);
  const { store } = stores;
  const ttl = Number(env.STATE_TTL_SECONDS || 86_400);

  const turn = async (body: string): Promise<string> => {
    const input = JSON.parse(body) as { conversation: string; text: string };
    const id = input.conversation;
    return store.withLock(id, async () => {
      const prev = await store.get(id);
      const state = nextState(prev, id, input.text);
      await store.set(id, state, ttl, { expectedTurn: prev ? prev.turn : -1 });
      return JSON.stringify({
        conversation: id,
        intent: null,
        node: state.node,
        status: state.status,
        replies: [{ key: 'floor-reply', text: `turn ${state.turn}: ${input.text}`, choices: [] }],
      });
    });
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      turn(Buffer.concat(chunks).toString('utf8')).then(
        (json) => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(json),
        (e: unknown) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(e) })),
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(Number(env.PORT || 0), '127.0.0.1', resolve));
  process.stderr.write(`floor: listening on http://localhost:${(server.address() as AddressInfo).port}\n`);
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void stores.health.close().then(() => process.exit(0)));
  });
}
