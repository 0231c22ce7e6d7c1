/**
 * The node kind as context of a reply act (issue 12 §4): how often each act came at each kind of node in the real
 * replies' train split (intents/real/replies-*.tsv, the `node` column read on the dialog tree). After a step,
 * 「やったけどダメ」-like replies and "did it" are common; at the hand-off form details and "a person please"; at a
 * choice, yes / no and answers. The reading in context (src/nlu/replies.ts actInContext) multiplies the act model's
 * probabilities by ((count + 1) / (n + K))^ACT_PRIOR_POWER of the node's kind — the counts are learned data, counted
 * at `npm run build` next to the act model (model.json `actPrior`), like the model's weights.
 * (The model file's data hash does not cover dialogs/: after a dialog edit that changes a node's kind the counts are
 * stale until the next build — they only shift weights.)
 */
import type { Act, ActPrior } from '../core/index.js';
import { ACTS } from '../core/index.js';
import type { DialogNode, DialogTree } from '../data/schemas.js';

/**
 * The power of the prior: 0 ignores it, 1 is the plain count ratio. 0.6, chosen on `npm run eval:dev` (page folds,
 * 681 train replies, prior counted on the other folds: none 58.0 %, 0.3 61.1 %, 0.6 61.7 %, 1 62.3 % but its
 * fold 0 fell 1.5 points; 0.6 is no fold worse).
 */
export const ACT_PRIOR_POWER = 0.6;

/**
 * The node a real reply answered, from the corpus's `node` column (intents/real/replies.md, "Context mapping"): a node
 * id of the tree, `ask:<slot>` (an ask node of that slot), `resolve` (the resolve node); undefined when the tree has
 * none (`handoff` names the hand-off form by kind).
 */
export function nodeOfReply(tree: DialogTree, node: string): DialogNode | undefined {
  const slot = node.startsWith('ask:') ? node.slice(4) : undefined;
  return slot
    ? [...tree.nodes.values()].find((n) => n.kind === 'ask' && n.slot === slot)
    : node === 'resolve'
      ? tree.nodes.get(tree.globals.resolved)
      : tree.nodes.get(node);
}

/** The kind of node a real reply answered (the column itself when the tree has no such node: `handoff`). */
export function kindOfReply(tree: DialogTree, node: string): string {
  return nodeOfReply(tree, node)?.kind ?? node;
}

/** Counts acts per node kind. */
export function countActPrior(rows: Iterable<{ kind: string; act: Act }>): ActPrior {
  const out: Record<string, Partial<Record<Act, number>>> = {};
  for (const { kind, act } of rows) {
    const m = (out[kind] ??= {});
    m[act] = (m[act] ?? 0) + 1;
  }
  return out;
}

/**
 * The acts re-weighted by the prior of a node kind, normalised again and best first; the same array when the kind has
 * no counts (or power is 0).
 */
export function weighActs(
  acts: ReadonlyArray<{ act: Act; confidence: number }>,
  prior: ActPrior | undefined,
  kind: string | undefined,
  power = ACT_PRIOR_POWER,
): ReadonlyArray<{ act: Act; confidence: number }> {
  const counts = kind !== undefined ? prior?.[kind] : undefined;
  if (!counts || power <= 0 || acts.length === 0) return acts;
  let n = 0;
  for (const c of Object.values(counts)) n += c ?? 0;
  const k = ACTS.length;
  const weighed = acts.map((a) => ({ act: a.act, confidence: a.confidence * (((counts[a.act] ?? 0) + 1) / (n + k)) ** power }));
  const sum = weighed.reduce((s, a) => s + a.confidence, 0) || 1;
  for (const a of weighed) a.confidence /= sum;
  return weighed.sort((a, b) => b.confidence - a.confidence);
}
