/**
 * The reply-act row of `npm run eval`: held-out real mid-conversation replies (intents/real/replies-*.tsv, labelled by a
 * person), each read by the act model with its node as context — the same reading the engine does (src/nlu/replies.ts).
 */
import type { DialogTree } from '../../data/schemas.js';
import { acceptedActs } from '../../dialog/answers.js';
import { actOfLabel, type RealReply } from '../data.js';
import type { Classifier } from '../engine.js';
import { actInContext, type ReplyPlace } from '../replies.js';
import { nodeOfReply } from '../act-prior.js';

/**
 * The place a real reply answered, from the corpus's `node` column (intents/real/replies.md, "Context mapping"): a
 * node id of the tree, `ask:<slot>` (an ask node of that slot), `handoff` (the hand-off form: only the acts that hold
 * anywhere), `resolve` (the resolve node).
 */
export function placeOf(tree: DialogTree, node: string): ReplyPlace {
  const found = nodeOfReply(tree, node);
  if (!found) return { kind: node, accepts: [] };
  return { kind: found.kind, accepts: acceptedActs(tree, found) };
}

/** Act accuracy on the held-out real replies, each read with its node as context (and, for comparison, without). */
export function scoreReplies(classifier: Classifier, tree: DialogTree, items: readonly RealReply[]) {
  const rows = items.map((r) => {
    const nlu = classifier.analyse(r.text);
    const gold = actOfLabel(r.label);
    const inContext = actInContext(nlu, placeOf(tree, r.node)).act ?? 'other';
    const free = actInContext(nlu).act ?? 'other';
    return { r, gold, inContext, free, nlu };
  });
  const acc = (xs: typeof rows, k: 'inContext' | 'free') => ({ correct: xs.filter((x) => x[k] === x.gold).length, total: xs.length, value: xs.length ? xs.filter((x) => x[k] === x.gold).length / xs.length : 0 });
  const by = (loc: string) => rows.filter((x) => x.r.locale === loc);
  const acts = rows.filter((x) => x.gold !== 'other');
  return {
    rows,
    ja: acc(by('ja'), 'inContext'),
    en: acc(by('en'), 'inContext'),
    all: acc(rows, 'inContext'),
    allFree: acc(rows, 'free'),
    actsOnly: acc(acts, 'inContext'),
  };
}

