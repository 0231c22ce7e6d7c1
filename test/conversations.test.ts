/**
 * Conversation tests as data (after botbuilder's *.test.dialog and Rasa's test stories): every
 * test/conversations/*.yaml script is played through the SAME pipeline the channels use — real NLU, real tree,
 * real engine — once with the memory store and once with the Redis store (127.0.0.1:6379, unique key prefix,
 * cleaned up afterwards). Expectations are on intents, node ids, statuses, locale keys and slots, so rewording a
 * message breaks no test.
 *
 * Script format:
 *   name: …            # optional, defaults to the file name
 *   locale: ja         # the channel's locale (Turn.locale); optional
 *   turns:
 *     - user: "…"      # or `click: <choice value>` (must be one of the buttons just offered; sent with the
 *                      #   current nonce, or `nonce: stale` to send an outdated one, or `nonce: none` to send none —
 *                      #   POST /api/chat and chat --jsonl — with a button of any earlier message)
 *       intent: error_auth          # NLU intent of this turn (null for a click)
 *       node: dc_daccount           # node the conversation waits at afterwards
 *       status: active              # active | resolved | escalated | ended
 *       keys: [tree.dc_entry.say]   # reply keys that must all be present
 *       not_keys: [engine.clarify]  # reply keys that must be absent
 *       said: [engine.handoff.steps_recorded]  # messages said INSIDE a reply (a parameter of another message): their
 *       not_said: […]                #   text in the conversation's locale must / must not be in the replies
 *       choices: [resolved]         # button values that must be offered
 *       not_choices: [android]      # button values that must not be offered
 *       slots: {carrier: docomo}    # slot values (subset)
 *       locale: en                  # conversation locale afterwards
 *       ticket: {fields: {…}}       # a ticket was filed this turn; its contents (subset)
 *       follow_up: {kind: details}  # a follow-up was added to the ticket this turn; its contents (subset)
 *       steps: 2                    # number of steps tried so far
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { INTENTS, LOCALES, silentLogger, type Turn } from '../src/core/index.js';
import { ticketSchema } from '../src/dialog/ticket.js';
import { createPipeline } from '../src/pipeline/pipeline.js';
import type { PipelineOutcome } from '../src/pipeline/types.js';
import { createStores } from '../src/state/stores.js';
import type { Stores } from '../src/state/types.js';
import { CollectingTickets, loadContent, type Content } from './pipeline/setup.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from './state/helpers.js';

const expectations = {
  intent: z.union([z.enum(INTENTS), z.null()]).optional(),
  node: z.string().optional(),
  status: z.enum(['active', 'resolved', 'escalated', 'ended']).optional(),
  keys: z.array(z.string()).optional(),
  not_keys: z.array(z.string()).optional(),
  said: z.array(z.string()).optional(),
  not_said: z.array(z.string()).optional(),
  choices: z.array(z.string()).optional(),
  not_choices: z.array(z.string()).optional(),
  slots: z.record(z.string(), z.string().nullable()).optional(),
  locale: z.enum(LOCALES).optional(),
  ticket: z.record(z.string(), z.unknown()).optional(),
  follow_up: z.record(z.string(), z.unknown()).optional(),
  steps: z.number().int().min(0).optional(),
};
const turnSchema = z.union([
  z.strictObject({ user: z.string(), ...expectations }),
  z.strictObject({ click: z.string(), nonce: z.enum(['stale', 'none']).optional(), ...expectations }),
]);
const scriptSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  locale: z.enum(LOCALES).optional(),
  turns: z.array(turnSchema).min(1),
});
type Script = z.infer<typeof scriptSchema> & { file: string };

const DIR = join(import.meta.dirname, 'conversations');
const scripts: Script[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ ...scriptSchema.parse(parse(readFileSync(join(DIR, f), 'utf8'))), file: f }));

/** 2026-11-28 12:00 JST, advancing a second per turn. */
let now = Date.UTC(2026, 10, 28, 3, 0, 0);
const clock = () => (now += 1000);

let content: Content;
beforeAll(async () => {
  content = await loadContent();
});

async function play(script: Script, stores: Stores, runId: string): Promise<void> {
  const tickets = new CollectingTickets();
  const pipeline = createPipeline({ ...content, ...stores, tickets, clock, publicUrl: 'https://desk.example.com' });
  const conversationId = `${basename(script.file, '.yaml')}-${runId}`;
  let last: PipelineOutcome | undefined;
  let filed = 0;
  for (const [i, step] of script.turns.entries()) {
    const where = `${script.file} turn ${i + 1} (${'user' in step ? step.user : `click ${step.click}`})`;
    const turn: Turn = { conversationId, channel: 'web', userId: 'u-test', userName: 'Test User', eventId: `${conversationId}-${i}` };
    if (script.locale) turn.locale = script.locale;
    if ('user' in step) turn.text = step.user;
    else {
      const offered = (last?.replies ?? []).flatMap((r) => (r.choices ?? []).map((c) => c.value));
      if (step.nonce === undefined) expect(offered, `${where}: button was not offered`).toContain(step.click);
      const state = await stores.store.get(conversationId);
      turn.action = step.click;
      if (step.nonce !== 'none') turn.nonce = step.nonce === 'stale' ? String((state?.offer ?? 0) - 1) : String(state?.offer);
    }
    const out = await pipeline.handle(turn);
    last = out;
    const keys = out.replies.map((r) => r.key);
    const values = out.replies.flatMap((r) => (r.choices ?? []).map((c) => c.value));
    const state = await stores.store.get(conversationId);
    const seen = `${where}\n  → intent=${out.intent} node=${out.node} status=${out.status} keys=${keys.join(',')} choices=${values.join(',')}`;
    for (const r of out.replies) expect(r.text.trim().length, `${seen}: empty reply ${r.key}`).toBeGreaterThan(0);
    expect(keys, `${seen}: an internal error reply`).not.toContain('pipeline.internal_error');
    if (step.intent !== undefined) expect(out.intent, seen).toBe(step.intent);
    if (step.node !== undefined) expect(out.node, seen).toBe(step.node);
    if (step.status !== undefined) expect(out.status, seen).toBe(step.status);
    for (const k of step.keys ?? []) expect(keys, seen).toContain(k);
    for (const k of step.not_keys ?? []) expect(keys, seen).not.toContain(k);
    const shownText = out.replies.map((r) => r.text).join('\n');
    const saidText = (k: string) => content.i18n.t<string>(k as never, undefined, state?.locale ?? script.locale ?? 'ja');
    for (const k of step.said ?? []) expect(shownText, `${seen}: ${k} not said`).toContain(saidText(k));
    for (const k of step.not_said ?? []) expect(shownText, `${seen}: ${k} said`).not.toContain(saidText(k));
    for (const v of step.choices ?? []) expect(values, seen).toContain(v);
    for (const v of step.not_choices ?? []) expect(values, seen).not.toContain(v);
    for (const [slot, v] of Object.entries(step.slots ?? {})) expect(state?.slots[slot], `${seen}: slot ${slot}`).toBe(v ?? undefined);
    if (step.locale) expect(state?.locale, seen).toBe(step.locale);
    if (step.locale === 'en') {
      // An English conversation gets English replies and buttons (no kana leaking from a missing en key).
      const shown = out.replies.flatMap((r) => [r.text, ...(r.choices ?? []).map((c) => c.label)]).join('\n');
      expect(shown, `${seen}: Japanese in an English reply`).not.toMatch(/[\u3040-\u30ff]/);
    }
    if (step.steps !== undefined) expect(state?.stepsTried.length, `${seen}: steps tried`).toBe(step.steps);
    if (out.ticket) filed++;
    if (step.ticket) {
      expect(out.ticket, `${seen}: no ticket`).toBeDefined();
      expect(ticketSchema.safeParse(out.ticket).success, `${seen}: ticket fails ticketSchema`).toBe(true);
      expect(out.ticket, seen).toMatchObject(step.ticket);
      expect(out.ticket!.id).toMatch(/^MM-\d{8}-\d{4,}$/);
    } else expect(out.ticket, `${seen}: unexpected ticket`).toBeUndefined();
    if (step.follow_up) {
      expect(out.followUp, `${seen}: no follow-up`).toBeDefined();
      expect(out.followUp, seen).toMatchObject(step.follow_up);
      expect(tickets.followUps.get(out.followUp!.id), `${seen}: follow-up not handed to the ticket handler`).toEqual(out.followUp);
    } else expect(out.followUp, `${seen}: unexpected follow-up`).toBeUndefined();
  }
  // Every ticket the conversation produced reached the handler exactly once.
  expect(tickets.byId.size).toBe(filed);
  expect(tickets.submits).toBe(filed);
}

describe.each([
  ['memory', () => ({ stores: createStores({}, silentLogger), prefix: undefined as string | undefined })],
  [
    'redis',
    () => {
      const prefix = uniquePrefix('conv');
      return { stores: createStores({ redis: { mode: 'single', url: REDIS_URL } }, silentLogger, { prefix }), prefix };
    },
  ],
])('conversation scripts (%s store)', (kind, make) => {
  let stores: Stores;
  let prefix: string | undefined;
  const runId = `${kind}-${process.pid}`;
  beforeAll(async () => {
    ({ stores, prefix } = make());
    await stores.redis?.waitReady(5000);
  });
  afterAll(async () => {
    await stores?.health.close();
    if (prefix) await deletePrefix(prefix);
  });
  it('has scripts', () => expect(scripts.length).toBeGreaterThan(0));
  for (const script of scripts) {
    it(script.name ?? script.file, () => play(script, stores, runId));
  }
});
