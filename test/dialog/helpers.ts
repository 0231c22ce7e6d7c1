/**
 * Builders for engine unit tests: a small fixture tree, NluResult values (the engine's input — what the NLU
 * would have produced; not a stand-in for our NLU's behaviour, which the conversation tests exercise), meta, ctx.
 */
import type { Entities, Intent, Locale, NluResult, Act } from '../../src/core/index.js';
import { loadLocales } from '../../src/data/load.js';
import { dialogFileSchema, type DialogNode, type DialogTree } from '../../src/data/schemas.js';
import { createI18n } from '../../src/i18n/index.js';
import { step } from '../../src/dialog/engine.js';
import { render } from '../../src/dialog/render.js';
import { renderTicket } from '../../src/dialog/ticket.js';
import type { Reply, Ticket } from '../../src/core/index.js';
import type { ConversationState, StepContext, StepInput, StepMeta, StepOutput } from '../../src/dialog/types.js';

export const i18n = createI18n(loadLocales().messages);

export function nlu(intent: Intent, entities: Entities = {}, locale: Locale = 'ja', confidence = 0.9): NluResult {
  return { intent, confidence, entities, locale, ranking: [{ intent, confidence }] };
}

/**
 * The NLU result with the act model's ranking (`NluResult.acts`) as the engine would get it: `act` with `p`, the
 * rest on `other` (the model itself is tested in test/nlu/replies.test.ts; these tests are about what the engine does).
 */
export function withAct(result: NluResult, act: Act, p = 0.95, also?: Act): NluResult {
  const acts = [{ act, confidence: also ? p * 0.6 : p }];
  if (also) acts.push({ act: also, confidence: p * 0.4 });
  return { ...result, acts: [...acts, { act: 'other' as Act, confidence: 1 - p }] };
}

export function tree(file: unknown, version = 'v1'): DialogTree {
  const f = dialogFileSchema.parse(file);
  const nodes = new Map<string, DialogNode>(f.nodes.map((n) => [n.id, n]));
  return {
    start: f.start!,
    globals: f.globals!,
    slots: f.slots ?? {},
    entries: f.entries ?? {},
    nodes,
    sources: new Map(),
    version,
  };
}

/** A tree covering every node kind and the global targets. Locale keys are fx.* (rendered as the key). */
export const FIXTURE = {
  start: 'menu',
  globals: { handoff: 'handoff', resolved: 'fixed', end: 'bye', triage: 'menu' },
  slots: { scope: ['receive', 'send', 'both', 'sometimes'], cause: ['auth', 'network', 'server'] },
  entries: {
    error_auth: 'auth_start',
    error_connect: 'net_airplane',
    error_send: 'send_step',
    howto_network_reset: 'reset_info',
    check_outage: 'loop_a',
  },
  nodes: [
    {
      id: 'menu',
      kind: 'choice',
      say: 'fx.menu',
      options: [
        { value: 'auth', label: 'engine.value.device.iphone', next: 'auth_start', intents: ['error_auth'] },
        { value: 'net', label: 'engine.value.device.android', next: 'net_airplane' },
      ],
    },
    { id: 'auth_start', kind: 'route', set: { cause: 'auth' }, cases: [{ when: { carrier: 'docomo' }, next: 'docomo_step' }], default: 'ask_carrier' },
    {
      id: 'ask_carrier',
      kind: 'ask',
      slot: 'carrier',
      say: 'fx.ask_carrier',
      options: [
        { value: 'docomo', label: 'engine.value.carrier.docomo' },
        { value: 'au', label: 'engine.value.carrier.au' },
        { value: 'softbank', label: 'engine.value.carrier.softbank', next: 'sb_info' },
      ],
      next: 'reenter',
    },
    { id: 'sb_info', kind: 'info', say: 'fx.sb_info', next: 'reenter' },
    { id: 'reenter', kind: 'step', title: 'fx.reenter.title', say: 'fx.reenter.say', help: 'fx.reenter.help', next: 'docomo_check' },
    { id: 'docomo_check', kind: 'step', when: { carrier: 'docomo' }, skip: 'handoff', title: 'fx.dcheck.title', say: 'fx.dcheck.say', next: 'handoff' },
    { id: 'docomo_step', kind: 'step', title: 'fx.dacc.title', say: 'fx.dacc.say', next: 'handoff' },
    { id: 'net_airplane', kind: 'step', set: { cause: 'network' }, title: 'fx.air.title', say: 'fx.air.say', next: 'net_wifi' },
    { id: 'net_wifi', kind: 'step', title: 'fx.wifi.title', say: 'fx.wifi.say', next: 'handoff' },
    { id: 'send_step', kind: 'step', title: 'fx.send.title', say: 'fx.send.say', next: 'handoff' },
    { id: 'reset_info', kind: 'info', say: 'fx.reset_info', next: 'bye' },
    { id: 'fixed', kind: 'resolve', say: 'fx.fixed', options: [{ value: 'prevention', label: 'fx.opt.prevention', next: 'prev_info' }] },
    { id: 'prev_info', kind: 'info', say: 'fx.prev_info', next: 'bye' },
    { id: 'handoff', kind: 'handoff', say: 'fx.handoff' },
    { id: 'bye', kind: 'end', say: 'fx.bye' },
    { id: 'loop_a', kind: 'route', cases: [{ when: { scope: 'never' }, next: 'bye' }], default: 'loop_b' },
    { id: 'loop_b', kind: 'route', cases: [{ when: { scope: 'never' }, next: 'bye' }], default: 'loop_a' },
  ],
};

export const fixtureTree = tree(FIXTURE);

export function ctxFor(t: DialogTree = fixtureTree, extra: Partial<StepContext> = {}): StepContext {
  return { tree: t, i18n, ...extra };
}

let clock = 1_700_000_000_000;
export function meta(extra: Partial<StepMeta> = {}): StepMeta {
  clock += 1000;
  return { conversationId: 'c/1', channel: 'web', userId: 'u1', userName: 'Taro', locale: 'ja', nowMs: clock, ...extra };
}

/** A small driver: keeps the state between turns like the pipeline does. */
export class Convo {
  state: ConversationState | undefined;
  last!: StepOutput;
  constructor(
    readonly ctx: StepContext = ctxFor(),
    readonly metaExtra: Partial<StepMeta> = {},
  ) {}
  run(input: StepInput): StepOutput {
    this.last = step(this.state, input, meta(this.metaExtra), this.ctx);
    this.state = this.last.state;
    return this.last;
  }
  say(text: string, result: NluResult): StepOutput {
    return this.run({ kind: 'text', text, nlu: result });
  }
  click(value: string, nonce?: string): StepOutput {
    return this.run({ kind: 'action', value, ...(nonce !== undefined ? { nonce } : {}) });
  }
  get keys(): string[] {
    return this.last.replies.map((r) => r.key);
  }
  get values(): string[] {
    return this.last.replies.flatMap((r) => (r.choices ?? []).map((c) => c.value));
  }
  /** The last turn's replies as the pipeline renders them (ticket id given when a ticket was filed). */
  get rendered(): Reply[] {
    return rendered(this.last, this.state?.ticketId ?? (this.ticket ? TEST_TICKET_ID : undefined));
  }
  /** The ticket the last turn filed, rendered as the pipeline does (id TEST_TICKET_ID), if any. */
  get ticket(): Ticket | undefined {
    return ticketOf(this.last);
  }
}

/** The id the test helpers give a filed ticket. */
export const TEST_TICKET_ID = 'MM-20261128-0007';

/** A step's replies rendered (in the state's locale) as the pipeline does at the end of the turn. */
export function rendered(out: StepOutput, ticketId?: string): Reply[] {
  return render(out.replies, { i18n, locale: out.state.locale, ...(ticketId ? { ticketId } : {}) });
}

/** The ticket a step filed, rendered as the pipeline does after assigning `id`. */
export function ticketOf(out: StepOutput, id = TEST_TICKET_ID): Ticket | undefined {
  const e = out.effects.find((x) => x.type === 'ticket');
  return e?.type === 'ticket' ? renderTicket(e.draft, { id, i18n, publicUrl: 'https://desk.example.com/' }) : undefined;
}
