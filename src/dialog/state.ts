/**
 * Conversation state: a fresh one, and reading one written by an older engine. States are kept for a day, so a
 * deploy meets conversations in flight; a shape that changed compatibly is upgraded here instead of restarting them.
 */
import type { Locale } from '../core/index.js';
import type { DialogTree } from '../data/schemas.js';
import { STATE_SCHEMA, type ConversationState, type StepContext, type StepMeta } from './types.js';

/** A fresh conversation state. Exported for tests and for the pipeline's expired-conversation path. */
export function newState(meta: StepMeta, ctx: Pick<StepContext, 'tree'>, locale: Locale = meta.locale): ConversationState {
  return {
    schema: STATE_SCHEMA,
    treeVersion: ctx.tree.version,
    conversationId: meta.conversationId,
    channel: meta.channel,
    userId: meta.userId,
    ...(meta.userName ? { userName: meta.userName } : {}),
    ...(meta.permalink ? { permalink: meta.permalink } : {}),
    locale,
    node: null,
    status: 'active',
    slots: {},
    intent: null,
    stepsTried: [],
    misses: 0,
    collected: {},
    turn: 0,
    createdAtMs: meta.nowMs,
    updatedAtMs: meta.nowMs,
  };
}

/**
 * A private copy of a stored state in today's shape. Steps tried were once stored as rendered titles
 * (`{node, step: "機内モードのオン/オフ"}`), which froze them in the language of the moment: such an entry gets its
 * node's title key back, so it renders in the conversation's language; an entry whose node left the tree keeps its text.
 */
export function upgradeState(prev: ConversationState, tree: DialogTree): ConversationState {
  const s = structuredClone(prev);
  for (const x of s.stepsTried) {
    if (x.title !== undefined) continue;
    const node = tree.nodes.get(x.node);
    if (node?.kind === 'step') {
      x.title = node.title;
      delete x.step;
    }
  }
  return s;
}
