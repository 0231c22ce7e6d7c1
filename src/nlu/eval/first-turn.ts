/**
 * What the bot ANSWERS to a real first message, not only what the NLU reads (issue 12: "in-domain real messages
 * answered with the out-of-scope reply ≤ 2 %"). Each line is one first turn through the dialog engine (src/dialog,
 * pure: no Redis, no channel) with the classifier's reading, and the row counts the turns whose replies include the
 * out-of-scope answer (`engine.out_of_scope`). The engine keeps some lines the NLU put out of scope — a message that
 * names a carrier, a service or mail words is asked about (the menu), never told "I only do mail" — so this figure is
 * at most the NLU's; the off-topic side is measured the same way, so a keep that lets off-topic text through shows.
 */
import type { Locale } from '../../core/index.js';
import type { DialogTree } from '../../data/schemas.js';
import { step } from '../../dialog/engine.js';
import type { I18n } from '../../i18n/index.js';
import type { Classifier } from '../engine.js';

const OUT_OF_SCOPE = 'engine.out_of_scope';

export interface FirstTurnLine {
  text: string;
  intent: string;
  locale: string;
}

/** Whether the bot's first answer to `text` is the out-of-scope reply. */
export function answeredOutOfScope(classifier: Classifier, tree: DialogTree, i18n: I18n, text: string, locale: Locale): boolean {
  const out = step(
    undefined,
    { kind: 'text', text, nlu: classifier.analyse(text, locale) },
    { conversationId: 'eval', channel: 'web', userId: 'eval', locale, nowMs: 0 },
    { tree, i18n },
  );
  return out.replies.some((r) => r.key === OUT_OF_SCOPE);
}

/**
 * What the person sees after a first message (eval:dev --dump): the out-of-scope answer, the two-stage fallback's
 * question (the symptoms offered as buttons), the symptom menu, or a walk into a branch (the symptom that chose it).
 */
export interface FirstAnswer {
  kind: 'oos' | 'clarify' | 'menu' | 'walk' | 'other';
  offered?: string[];
  branch?: string | null;
  node: string | null;
  /** The node the same message reaches when read as its gold symptom (entities kept, no clarify): same walk or not. */
  goldNode?: string | null;
}

export function firstAnswer(classifier: Classifier, tree: DialogTree, i18n: I18n, text: string, locale: Locale, gold?: string): FirstAnswer {
  const meta = { conversationId: 'eval', channel: 'web' as const, userId: 'eval', locale, nowMs: 0 };
  const nlu = classifier.analyse(text, locale);
  const out = step(undefined, { kind: 'text', text, nlu }, meta, { tree, i18n });
  const seen = answerOf(out, tree);
  if (gold && gold !== nlu.intent && gold !== 'out_of_scope') {
    const g = { ...nlu, intent: gold as typeof nlu.intent, confidence: 1 };
    delete g.clarify;
    return { ...seen, goldNode: step(undefined, { kind: 'text', text, nlu: g }, meta, { tree, i18n }).state.node };
  }
  return seen;
}

/**
 * A wrong walk: an in-domain first message walked into another node than the one its gold symptom reaches (the
 * person is led through the wrong steps; asking instead is what the two-stage fallback is for).
 */
export function isWrongWalk(a: FirstAnswer): boolean {
  return a.kind === 'walk' && a.goldNode !== undefined && a.node !== a.goldNode;
}

function answerOf(out: ReturnType<typeof step>, tree: DialogTree): FirstAnswer {
  const node = out.state.node;
  if (out.replies.some((r) => r.key === OUT_OF_SCOPE)) return { kind: 'oos', node };
  if (out.clarification?.offered.length) return { kind: 'clarify', offered: out.clarification.offered, node };
  if (out.state.intent) return { kind: 'walk', branch: out.state.intent, node };
  if (node === tree.start) return { kind: 'menu', node };
  return { kind: 'other', node };
}

/** In-domain lines answered out of scope, and off-topic lines answered out of scope (both as the bot replies). */
export function scoreFirstTurns(classifier: Classifier, tree: DialogTree, i18n: I18n, lines: readonly FirstTurnLine[]) {
  const said = lines.map((l) => ({ l, oos: answeredOutOfScope(classifier, tree, i18n, l.text, l.locale as Locale) }));
  const ratio = (xs: typeof said) => ({ correct: xs.filter((x) => x.oos).length, total: xs.length, value: xs.length ? xs.filter((x) => x.oos).length / xs.length : 0 });
  return {
    inDomainOos: ratio(said.filter((x) => x.l.intent !== 'out_of_scope')),
    offTopicOos: ratio(said.filter((x) => x.l.intent === 'out_of_scope')),
  };
}
