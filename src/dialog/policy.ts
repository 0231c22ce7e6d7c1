/**
 * The turn policy: what a text turn does, as an ordered table of named rules (after botbuilder's and Rasa's
 * default flows). The first rule that applies acts; the order of `turnPolicy()`'s array IS the product's
 * behaviour. Repair rules that apply anywhere (correction, a person, giving up, a vague first message, help at a
 * step) come from dialogs/patterns.yaml — which exist, their order, their parameters — and sit as one block in
 * the table. Each rule is tested alone in test/dialog/policy.test.ts.
 *
 * Before the table runs, every text turn absorbs its facts (slots, model, OS, time, the error text, steps already
 * done) and warns when a password was masked: those happen whatever the rule.
 */
import { ERROR_INTENTS, type FollowUpFields, type FollowUpKind, type Intent, type MessageChoice, type NluResult } from '../core/index.js';
import { DEFAULT_PATTERNS, type DialogNode, type Patterns } from '../data/schemas.js';
import type { FieldFacts } from '../nlu/fields.js';
import { aboutOtherMessaging, notFixedSaid, saysChanged, saysTemporarily, factNamesSymptom, fixedSurely, hedges, moveOf, saysPartly, saysPlainly, tellsFact, onlyHedges, namesEntityOnly, planAnswer, saysOnlyNegated, saysWorksAgain, statesPhrase, readsSurely, SURE_ACT_SHARE, SWITCH_CONFIDENCE, type AnswerPlan } from './answers.js';
import { addFollowUp, addOtherProblemToTicket, askOtherProblem, collect, followUpFields, otherProblemThanTicket } from './handoff.js';
import { onClarifyChoice, startOtherProblem } from './actions.js';
import { NOT_A_TOPIC, outside, understood } from './outside.js';
import { repairRule, repeat, walkOfChange } from './repairs.js';
import { maskSecrets } from './secrets.js';
import { button, ACTIONS, choicesOf, message, msg, say, type Run } from './run.js';
import { againAfterFact, changesRoute, enter, isEntry, isOwnTopic, leadsElsewhere, leaveTo, newEpisode, prompt, restart, sameWalk, switchTo, walksBack } from './tree.js';

/**
 * Below this calibrated confidence an intent is not acted on (read as out_of_scope): 「ぬるぽ」 must not
 * count as "yes, fixed". Entities still count.
 */
export const MIN_CONFIDENCE = 0.4;
export { SWITCH_CONFIDENCE };

/** A text turn as the rules see it. */
export interface TextTurn {
  run: Run;
  text: string;
  /** The NLU result with an unsure intent read as out_of_scope (MIN_CONFIDENCE); entities kept. */
  nlu: NluResult;
  /** The intent is sure enough to leave the current branch for (SWITCH_CONFIDENCE). */
  sure: boolean;
  /** The node waiting for the answer, if any. */
  node?: DialogNode;
  /** A hand-off node is collecting ticket fields. */
  collecting: boolean;
  facts: FieldFacts;
  /** Scratch of rules that decide by computing what they would do (answer_at_node's plan). */
  memo: { plan?: AnswerPlan; followUp?: FollowUp | null };
}

/** One named rule: whether it applies to this turn, and what it does. */
export interface TurnRule {
  readonly name: string;
  applies(t: TextTurn): boolean;
  act(t: TextTurn): void;
}

/**
 * The intent model reads `resolved` only weakly (below SWITCH_CONFIDENCE) and nothing else says "fixed": not the act
 * model in the node's context, not its sure reading over every act, not a fact of the walk's symptom gone. 「更新した」 "I
 * updated it" read resolved at 0.51 and "I re-entered it" at 0.57 (the act model: did_no_result at 0.98 and 0.99) closed
 * the episode at a question with 「直ってよかったです！」. Such a reply is no "fixed": the act it reads decides (a report
 * at a question, "did that fix it?" at a step); with no act read, and no option of the node taking the words ("it can"
 * to "Can you still send mail?"), it is made sure of as hedged_fixed does: one test mail, then [直った].
 */
const weaklyFixed = (t: TextTurn): boolean =>
  t.nlu.intent === 'resolved' && !t.sure && t.run.reading?.act !== 'fixed' && !readsSurely(t.nlu, 'fixed') && t.run.fixed !== true;

/**
 * The act model reads the reply as a step done, with no word of its result (did_no_result: "I logged in again",
 * 「ログインし直しました」), and nothing else says "fixed". Doing the step is not the step working: the intent model's
 * `resolved` above SWITCH_CONFIDENCE ("I logged in again" 0.72 against did_no_result 0.95) closed the episode at a
 * question with 「直ってよかったです！」 (and 「元に戻しました」 "I put it back", resolved 0.99 against 0.77). Whatever the
 * intent model's certainty, it is asked whether that fixed it: one test mail, then [直った] beside the question's own
 * buttons — neither "fixed" nor "so it's still broken", which would be wrong for one of the two readings.
 */
const onlyDidIt = (t: TextTurn): boolean =>
  t.run.reading?.act === 'did_no_result' && !readsSurely(t.nlu, 'fixed') && t.run.fixed !== true;

type QuestionNode = Extract<DialogNode, { kind: 'ask' | 'choice' }>;

/**
 * A question (ask or choice node) read `fixed` in its context (dialogs/answers.yaml `question: fixed: resolved`) with
 * nothing surer saying so — not the intent model's `resolved`, not the act model's sure reading over every act, not a
 * fact of the walk's symptom gone: 「さっき再起動したら普通に使えてます」 "restarted and it's fine now" to 「送信はでき
 * ますか？」 (fixed 0.68 over every act, the intent model out of scope) got 「うまく読み取れませんでした」 and the question
 * again. A person saying their mail works again is made sure of, never re-asked: one test mail, then [直った] beside the
 * question's own buttons (the question stays for a "no, still broken").
 */
const fixedOnlyInContext = (t: TextTurn): boolean =>
  (t.node?.kind === 'ask' || t.node?.kind === 'choice') &&
  t.run.reading?.act === 'fixed' &&
  t.nlu.intent !== 'resolved' &&
  !readsSurely(t.nlu, 'fixed') &&
  t.run.fixed !== true &&
  // "Mail is not working, to be more specific" (fixed 0.56 in context): the fixed words said only negated are no fixed.
  !saysOnlyNegated(t.run, 'fixed', t.text);

/** onlyDidIt at a question (ask or choice node): that question, asked again with askDidItFix. */
const didItAtQuestion = (t: TextTurn): QuestionNode | undefined =>
  onlyDidIt(t) && (t.node?.kind === 'ask' || t.node?.kind === 'choice') ? t.node : undefined;

/** The question again, with [直った] beside its own buttons (unless it has one). */
function questionWithFixed(run: Run, node: QuestionNode): void {
  const own = choicesOf(run, node);
  say(run, node.say, undefined, own.some((c) => c.value === ACTIONS.resolved) ? own : [button(run, 'engine.button.resolved', ACTIONS.resolved), ...own]);
}

/** "Sounds like it works again — send one test mail", then the question again with [直った]. */
function askFixedAtQuestion(run: Run, node: QuestionNode): void {
  say(run, 'engine.fixed_at_question');
  questionWithFixed(run, node);
}

/** "Did that fix it? Send one test mail", then the question again with [直った]. */
function askDidItFix(run: Run, node: QuestionNode): void {
  say(run, 'engine.did_it_question');
  questionWithFixed(run, node);
}

/**
 * "I couldn't tell whether it works now": at a question the question again with [直った] (as askDidItFix); elsewhere
 * the node's buttons.
 */
function confirmFixed(run: Run, node: DialogNode): void {
  if (node.kind === 'ask' || node.kind === 'choice') {
    say(run, 'engine.confirm_fixed');
    return questionWithFixed(run, node);
  }
  say(run, 'engine.confirm_fixed', undefined, choicesOf(run, node));
}

/**
 * 「一部は届くようになった」 "some emails come through now": part of it works. Whether all of it does is asked — at a step
 * with its buttons ([直った] / [まだダメ]), at a question the question again with [直った] beside its own buttons.
 */
function partlyFixed(run: Run, node: DialogNode): void {
  if (node.kind === 'ask' || node.kind === 'choice') {
    say(run, 'engine.partial_fixed');
    return questionWithFixed(run, node);
  }
  say(run, 'engine.partial_fixed', undefined, choicesOf(run, node));
}

/** The text states a fact the tree declares (「送信はできます」, "2FA is on"): noted by `fact_given`, no symptom. */
const statesFact = (t: TextTurn): boolean => t.run.stated.length > 0;

/** The conversation waits at a node and is active (the rules after `outside_conversation`). */
const atActiveNode = (t: TextTurn): t is TextTurn & { node: DialogNode } => t.node !== undefined && t.run.s.status === 'active';

/**
 * A hedged reply in the middle of a walk (「たぶん大丈夫」, "maybe I'll stop", locales `engine.says.hedge`): half a
 * "fixed", goodbye or start-over, which must not end or reset the walk (issue 12 §5).
 */
export const hedgedMidWalk = (t: TextTurn): boolean => atActiveNode(t) && hedges(t.run, t.text);

// ───────────────────────────── the rules, in the order of the table ─────────────────────────────

/**
 * 「最初から」: start over, wherever the conversation is. In the middle of an open episode starting over loses the place
 * (the steps tried, the facts), so it needs the certainty of an end (END_CONFIDENCE): 「最初から」「やり直し」 "start
 * over" read restart at ≥ 0.99, while 「もうログインし直した」 (a step done) read restart at 0.47 and wiped the episode.
 */
export const restartRule: TurnRule = {
  name: 'restart',
  applies: (t) => t.nlu.intent === 'restart' && (t.nlu.confidence >= END_CONFIDENCE || !atActiveNode(t)) && !hedgedMidWalk(t),
  act: (t) => restart(t.run),
};

type FollowUp =
  | { kind: FollowUpKind; fields: FollowUpFields }
  /** Clearly another problem than the ticket's: asked whether it is a new consultation (handoff.ts askOtherProblem). */
  | { kind: 'other_problem'; intent: Intent; fields: FollowUpFields }
  /** 「はい」 / 「いいえ」 typed to that question: as [新しく相談] / [今のチケットに追記]. */
  | { kind: 'new_problem' }
  | { kind: 'add_to_ticket' };

/** followUpOf, read once a turn (the rule's `applies` and `act` both need it). */
function followUpOnce(t: TextTurn): FollowUp | undefined {
  if (t.memo.followUp === undefined) t.memo.followUp = followUpOf(t) ?? null;
  return t.memo.followUp ?? undefined;
}

/**
 * What a message after filing tells the ticket, if anything: 「直った」 (user_resolved), 「まだダメ」 (still_broken), or
 * details — facts the ticket can use (「iOSは18.2です」, a quoted error) or the symptom described again. A symptom that is
 * clearly another problem (another service or device than the ticket's, sending where the ticket is about receiving:
 * dialogs/patterns.yaml `after_filing`) is not added unasked: 「別の問題として新しく相談しますか？」. A new topic the model
 * is sure of (a how-to, moving to a new phone) is a new episode instead, and small talk stays small talk.
 */
function followUpOf(t: TextTurn): FollowUp | undefined {
  const { s } = t.run;
  if (s.status !== 'escalated' || !s.ticketId) return undefined;
  const intent = t.nlu.intent;
  // 「はい」「いいえ」 to 「別の問題として新しく相談しますか？」 (asked last turn: its buttons are still on screen).
  if (s.otherProblem && s.offered?.includes(ACTIONS.newProblem)) {
    if (intent === 'affirm') return { kind: 'new_problem' };
    if (intent === 'deny') return { kind: 'add_to_ticket' };
  }
  if (t.sure && isEntry(t.run, intent) && !ERROR_INTENTS.has(intent) && !NOT_A_TOPIC.has(intent)) return undefined;
  const fields = followUpFields(t.text, t.nlu, t.facts);
  if ((intent === 'resolved' || readsSurely(t.nlu, 'fixed')) && !hedges(t.run, t.text)) return { kind: 'user_resolved', fields };
  if (otherProblemThanTicket(t.run, t.nlu) && isEntry(t.run, intent)) return { kind: 'other_problem', intent, fields };
  if (intent === 'not_resolved' || readsSurely(t.nlu, 'still_broken')) return { kind: 'still_broken', fields };
  if (Object.keys(fields).length > 0 || ERROR_INTENTS.has(intent)) return { kind: 'details', fields };
  return undefined;
}

/**
 * After filing: what the person says next that the ticket can use is added to it (handoff.ts addFollowUp); clearly
 * another problem is asked about first (new consultation, or added to the ticket after all).
 */
export const afterFilingRule: TurnRule = {
  name: 'after_filing',
  applies: (t) => followUpOnce(t) !== undefined,
  act: (t) => {
    const follow = followUpOnce(t)!;
    const text = () => maskSecrets(t.text).text.trim() || undefined;
    if (follow.kind === 'new_problem') return startOtherProblem(t.run);
    if (follow.kind === 'add_to_ticket') return addOtherProblemToTicket(t.run);
    if (follow.kind === 'other_problem') return askOtherProblem(t.run, follow.intent, follow.fields, text());
    addFollowUp(t.run, follow.kind, follow.fields, text());
  },
};

/**
 * At the hand-off form, a reply that surely says the mail works again (「完全に解決しました」 "The issue has resolved now",
 * "all good now"): the form group moves `fixed` to `resolved` (dialogs/answers.yaml), and as sure as a step must be
 * (`confirm: fixed`, answers.ts fixedSurely) *and* with the fixed words said plainly (`confirm: fixed: words`, not
 * negated), it is no answer to the form — the rule `resolved` takes it to the resolve node, no ticket filed. A person is
 * on the way here, so the reading alone is not enough: 「…以下のようなエラーを知ることができました」 (a log sent, read
 * fixed 0.87) closed on a train fold. A partial, hedged or weaker "fixed" stays the form's answer as before
 * (intents/real/notes/acts-26.md).
 */
function fixedAtForm(t: TextTurn): boolean {
  const { run } = t;
  return (
    moveOf(run, t.node) === 'resolved' &&
    fixedSurely(run, t.nlu, t.text) &&
    saysPlainly(run, 'fixed', t.text) &&
    !saysPartly(run, 'fixed', t.text) &&
    !hedges(run, t.text) &&
    resolvedRule.applies(t)
  );
}

/** At a hand-off node collecting fields, the text is the answer to the form (never a branch switch), unless it says fixed surely. */
export const collectFormRule: TurnRule = {
  name: 'collect_form',
  applies: (t) => t.collecting && t.node !== undefined && !fixedAtForm(t),
  act: (t) => collect(t.run, t.text, t.nlu, t.facts),
};

/**
 * 「たぶん直りました」 "I think it's fixed now, maybe": half a "fixed", which must not close the episode (issue 12 §5) nor get
 * 「うまく読み取れませんでした」 at a question. Asked to make sure: one test mail, then [直った] — at a step with its
 * buttons, at a question with [直った] beside the question's own (the question again, for a "not yet").
 */
export const hedgedFixedRule: TurnRule = {
  name: 'hedged_fixed',
  applies: (t) =>
    atActiveNode(t) &&
    t.node.kind !== 'resolve' &&
    // A bare 「たぶん」 "maybe" "I think so" at a step ("did that fix it?"): unsure whether it works — the same check, never
    // "fixed", "how to do it" or 「うまく読み取れませんでした」. At a question it answers the question (cannot_answer …).
    ((t.node.kind === 'step' && onlyHedges(t.run, t.text)) ||
      ((t.nlu.intent === 'resolved' || t.run.reading?.act === 'fixed' || readsSurely(t.nlu, 'fixed') || t.run.fixed === true) && hedges(t.run, t.text))) &&
    !tellsFact(t.run),
  act: (t) => {
    const { run } = t;
    const node = t.node!;
    if (node.kind === 'step') return say(run, 'engine.hedged_fixed_step', undefined, choicesOf(run, node));
    if (node.kind !== 'ask' && node.kind !== 'choice') return say(run, 'engine.hedged_fixed_question', undefined, choicesOf(run, node));
    say(run, 'engine.hedged_fixed_question');
    const own = choicesOf(run, node);
    say(run, node.say, undefined, own.some((c) => c.value === ACTIONS.resolved) ? own : [button(run, 'engine.button.resolved', ACTIONS.resolved), ...own]);
  },
};

/** The text answers the node on screen: an option, a slot value, a step's result. */
export const answerAtNodeRule: TurnRule = {
  name: 'answer_at_node',
  applies: (t) => {
    t.memo.plan = t.node ? planAnswer(t.run, t.node, t.text, t.nlu) : undefined;
    return t.memo.plan !== undefined;
  },
  act: (t) => {
    const plan = t.memo.plan ?? (t.node ? planAnswer(t.run, t.node, t.text, t.nlu) : undefined);
    plan?.();
    // A symptom answered through a menu option still names the branch (for the ticket's intent).
    const { s } = t.run;
    if (s.intent === null && isEntry(t.run, t.nlu.intent) && t.sure) s.intent = t.nlu.intent;
  },
};

/**
 * Right after 「直ってよかったです！」 (the resolve node), a reply the intent model cannot place (out of scope): 「その後
 * 再起動すると再発しました」, "The thing is in my tab I do have that options", 「確認した後何をすればいいのでしょうか？」 —
 * a person whose mail problem may be back, who got "I only help with mail". Unsure, the bot asks: 「うまく読み取れません
 * でした。まだメールでお困りのことがあれば…」 and the symptom menu (a new episode, as any reply after the end). Messaging
 * that is not mail keeps its own answer (outside).
 */
export const unsureAfterResolvedRule: TurnRule = {
  name: 'unsure_after_resolved',
  applies: (t) => t.node?.kind === 'resolve' && t.run.s.status === 'resolved' && t.nlu.intent === 'out_of_scope' && !aboutOtherMessaging(t.run, t.text),
  act: (t) => {
    newEpisode(t.run);
    say(t.run, 'engine.resolved_unsure');
    enter(t.run, t.run.ctx.tree.start);
  },
};

/** No node waits (first turn, parked) or the episode is over (resolved, ended, escalated). */
export const outsideRule: TurnRule = {
  name: 'outside_conversation',
  applies: (t) => !t.node || t.run.s.status !== 'active',
  act: (t) => outside(t.run, t.nlu),
};

/**
 * 「直りました」 at a node that is not a step (a step reads it itself): to the resolve node. Also when the act model reads
 * the reply surely as `fixed` (SURE_ACT_SHARE of all its probability) though the intent model is unsure: 「Wi-Fi切ったら
 * 送れました」 to "which device?" (intent 0.36) is a person whose mail works again, not text to clarify. A fact said on its
 * own ("I can log in on my computer", read fixed) is noted instead (fact_given): it says nothing of the mail here — but a
 * fact that is the walk's own symptom gone (「受信は大丈夫になりました」 in the receiving walk, `run.fixed`) is "fixed".
 */
export const resolvedRule: TurnRule = {
  name: 'resolved',
  applies: (t) =>
    atActiveNode(t) &&
    (t.nlu.intent === 'resolved' || readsSurely(t.nlu, 'fixed') || t.run.fixed === true || fixedOnlyInContext(t)) &&
    !(weaklyFixed(t) && t.run.reading?.act !== undefined && !onlyDidIt(t)) &&
    !hedgedMidWalk(t) &&
    !tellsFact(t.run),
  act: (t) => {
    // A weak "fixed" that reads no act (and no option of the node took it: answer_at_node comes first): made sure of.
    if (weaklyFixed(t)) return hedgedFixedRule.act(t);
    const node = t.node!;
    // 「まだ解決していません」 "it's not resolved" read resolved (the word, not its negation): which one, never closed.
    if (saysOnlyNegated(t.run, 'fixed', t.text) && t.run.fixed !== true) return confirmFixed(t.run, node);
    // 「一部は届くようになった」 "some emails come through now": part of it works — do all of them? Never closed as fixed.
    if (saysPartly(t.run, 'fixed', t.text) && t.run.fixed !== true) return partlyFixed(t.run, node);
    // "then it works, for a while", "I get a different error now", "was working flawlessly": no fix (notFixedSaid). At a
    // step the step did not fix it (the walk goes on); at a question, said so and the question again.
    const notFixed = t.run.fixed !== true ? notFixedSaid(t.run, node, t.text) : undefined;
    if (notFixed) return notFixed();
    // A step done and no result said, at a question ("I logged in again"): did that fix it? (one test mail, [直った]).
    const question = didItAtQuestion(t);
    if (question) return askDidItFix(t.run, question);
    // Read `fixed` only in the question's context: made sure of, with [直った] (fixedOnlyInContext).
    if (fixedOnlyInContext(t)) return askFixedAtQuestion(t.run, node as QuestionNode);
    if (onlyDidIt(t) && node.kind === 'step') return say(t.run, 'engine.step_did', undefined, choicesOf(t.run, node));
    // At a step the fixed confirmation holds whichever model read "fixed" (answers.yaml `confirm: fixed: share`): the
    // intent model's `resolved` with the act reading something else (or fixed weakly) is asked about, not closed.
    if (node.kind === 'step' && t.run.fixed !== true && !readsSurely(t.nlu, 'fixed') && !fixedSurely(t.run, t.nlu, t.text))
      return say(t.run, 'engine.step_did', undefined, choicesOf(t.run, node));
    // At a question, where it was said is kept: 「やっぱり無理」 right after goes back to it (repair correction).
    if (node.kind !== 'step') t.run.s.resolvedFrom = node.id;
    leaveTo(t.run, node.kind === 'step' && node.resolved ? node.resolved : t.run.ctx.tree.globals.resolved, 'resolved');
  },
};

/**
 * Ending an open episode needs more certainty than switching branch: the end loses the place, and a fact misread as
 * a goodbye ("I'm on wifi" read goodbye at 0.73, "I'm at home" at 0.84 — "I'm off", "I'm done" are goodbyes) must not
 * end the conversation. Plain goodbyes (「またね」「失礼します」 "ok bye" "gotta go") read ≥ 0.98.
 */
export const END_CONFIDENCE = 0.9;

/** A sure goodbye: to the end node. */
export const goodbyeRule: TurnRule = {
  name: 'goodbye',
  applies: (t) => atActiveNode(t) && t.nlu.intent === 'goodbye' && t.nlu.confidence >= END_CONFIDENCE && !hedgedMidWalk(t),
  act: (t) => leaveTo(t.run, t.run.ctx.tree.globals.end),
};

/**
 * 「LINEの引き継ぎもしたい」「SMSも届かない」 at a node: messaging that is not mail (answers.ts aboutOtherMessaging) is
 * no answer (「iMessageが送れない」 at the menu is no [送信できない]), no new symptom and no "that's what we're working on":
 * said to be out of scope, and the node's buttons again. A mail problem named with it (「メールもLINEも」) is not this.
 */
export const otherMessagingRule: TurnRule = {
  name: 'other_messaging',
  applies: (t) =>
    atActiveNode(t) &&
    !statesFact(t) &&
    aboutOtherMessaging(t.run, t.text) &&
    (otherAppWorks(t) ||
      // Read as a mail symptom or topic (「iMessageが送れない」 read error_send), or as nothing the node takes: 「LINEは使えます」
      // at the outage check answers it (other services work) and is left to answer_at_node.
      (isEntry(t.run, t.nlu.intent) && !NOT_A_TOPIC.has(t.nlu.intent)) ||
      (t.nlu.intent === 'out_of_scope' && planAnswer(t.run, t.node, t.text, t.nlu) === undefined)),
  // Before any branch (at the menu) it is the out-of-scope answer; in a walk, the walk goes on — and another app that
  // works is information, not a request: only the mail is affected, the node's buttons again.
  act: (t) => {
    if (otherAppWorks(t)) return say(t.run, 'engine.other_app_works', undefined, choicesOf(t.run, t.node!));
    say(t.run, t.run.s.intent === null ? 'engine.out_of_scope_messaging' : 'engine.messaging_in_walk', undefined, choicesOf(t.run, t.node!));
  },
};

/**
 * In a walk, the message says another messaging app works (「LINEは届く」, "MMS works though", "Telegram is fine": the
 * words of `engine.says.app_works`, not negated): information — the problem is the mail's alone — which no step result
 * and no "I only help with mail" fits ("MMS works though" read `fixed` at a step and closed the walk). Where an option of
 * a question takes those words (「LINEは使えます」 at the outage check: only this account), the option answers.
 */
function otherAppWorks(t: TextTurn): boolean {
  if (t.run.s.intent === null || !t.node || statesPhrase(t.run, 'engine.says.app_works', t.text) < 0) return false;
  return t.node.kind === 'step' || planAnswer(t.run, t.node, t.text, t.nlu) === undefined;
}

/**
 * Another symptom than the branch's: switch to its entry. Before any branch is chosen (at the menu) a symptom is
 * the answer expected, so it needs no extra certainty. An entry that leads right back here (「2段階認証は有効です」 at
 * the 2FA question) is not a switch: "that's what we're working on"; nor is a how-to topic the node is a step of.
 */
export const newSymptomRule: TurnRule = {
  name: 'new_symptom',
  applies: (t) =>
    atActiveNode(t) &&
    // A fact that names the symptom (「迷惑メールフォルダに入ってしまう」 at the menu, main.yaml `fact_symptoms`) is the symptom.
    // In a walk too when the model, sure, reads the same symptom the fact names: 「送信済みには入ってる」 at the not-arriving
    // walk's junk step (sent_ok → error_send, read error_send) is the sending topic — whose start takes it to the recipient's side.
    (!statesFact(t) || factNamesSymptom(t.run, t.nlu.intent) || (t.sure && t.run.s.intent !== null && t.run.factSymptom === t.nlu.intent)) &&
    isEntry(t.run, t.nlu.intent) &&
    (t.sure || t.run.s.intent === null) &&
    t.nlu.intent !== t.run.s.intent &&
    // A reply that is only a hedge names no symptom: "mostly" at the backup checklist (error_intermittent 0.64) left it.
    !onlyHedges(t.run, t.text) &&
    // A step done, no result said, at a question (「ログインし直しました」 read error_auth 0.82 at 「送信はできますか？」): doing
    // a step is no new symptom — report_at_question asks whether it fixed it. A change that names the very walk read
    // (trigger device_change, read migration_device_change: "I switched to a new iPhone" at the menu after "start over")
    // is the symptom's story, not a step done: its walk (device-37; it was 「わかりました」 and the menu again).
    (!didItAtQuestion(t) || namesItsChange(t)) &&
    // A fact told in words the model reads as a symptom whose walk is the route already taken ("it was my au ID password
    // I changed", read error_auth, in the password-change walk begun as cannot-receive): no new symptom — fact_given
    // notes it and goes on, instead of the walk's opening said again.
    !(tellsFact(t.run) && !changesRoute(t.run, t.nlu.intent) && !factNamesSymptom(t.run, t.nlu.intent)),
  act: (t) => {
    // A how-to topic the node on screen is a step of (「アプリ用パスワード」 at the app-password step) is this walk: going
    // to its entry would walk back to its first question.
    // A symptom whose entry walks back into this walk (tree.ts walksBack) is this walk too: not its opening again.
    if (leadsElsewhere(t.run, t.nlu.intent) && !isOwnTopic(t.run, t.nlu.intent, t.node) && !walksBack(t.run, t.nlu.intent)) return switchTo(t.run, t.nlu.intent);
    say(t.run, 'engine.same_topic', undefined, choicesOf(t.run, t.node!));
  },
};

/** The turn names a change (trigger) whose walk (patterns.yaml `vague_first_message: changed`) is the symptom read. */
const namesItsChange = (t: TextTurn): boolean =>
  t.nlu.entities.trigger !== undefined && walkOfChange(t.run, t.nlu.entities.trigger) === t.nlu.intent;

/** The branch's own symptom again: "that's what we're working on", and the question again. */
export const sameSymptomRule: TurnRule = {
  name: 'same_symptom',
  // A fact told with it (「パソコンでは新しいパスワードで入れます」 in the password walk) is news: noted by fact_given.
  applies: (t) => atActiveNode(t) && !tellsFact(t.run) && isEntry(t.run, t.nlu.intent) && t.nlu.intent === t.run.s.intent,
  act: (t) => say(t.run, 'engine.same_topic', undefined, choicesOf(t.run, t.node!)),
};

export const greetingRule: TurnRule = {
  name: 'greeting',
  applies: (t) => atActiveNode(t) && t.nlu.intent === 'greeting',
  act: (t) => say(t.run, 'engine.greet', undefined, choicesOf(t.run, t.node!)),
};

export const thanksRule: TurnRule = {
  name: 'thanks',
  applies: (t) => atActiveNode(t) && t.nlu.intent === 'thanks',
  act: (t) => say(t.run, 'engine.ack', undefined, choicesOf(t.run, t.node!)),
};

/**
 * A fact given on its own (「iCloudです」): take it, and show the question again with it filled in. A fact the bot
 * already had (「iphone」 again at a step) is acknowledged the same way, not 「うまく読み取れませんでした」. A stated
 * fact that settles the question on screen (an ask node's slot, a `when` it no longer meets) moves on instead.
 */
export const factGivenRule: TurnRule = {
  name: 'fact_given',
  applies: (t) =>
    atActiveNode(t) && (t.run.learned.length > 0 || statesFact(t) || namesEntityOnly(t.nlu)),
  act: (t) => {
    const { run } = t;
    const node = t.node!;
    // One side of a two-sided symptom gone (「受信は大丈夫になった」 where both sides failed, main.yaml `fact_narrows`):
    // said so, and the walk of the side still broken from its start (the steps already tried skip themselves).
    if (run.narrowed) {
      say(run, 'engine.side_fixed', { symptom: msg(`ticket.intent.${run.narrowed}`) });
      return switchTo(run, run.narrowed, false);
    }
    // A fact that is another step done (「通知はオンになってる」 at the fetch step, facts.ts): that step is named as noted.
    const done = node.kind === 'step' ? run.s.stepsTried.findLast((x) => x.atMs === run.meta.nowMs && x.node !== node.id) : undefined;
    // A fact the bot already had (「Outlookです」 after Outlook was named) is no news: said so, and what is asked now in full
    // (the step's text, the question), so the person knows what to do next — not a bare 「ありがとうございます」.
    const known = !run.learned.length && !statesFact(t);
    if (done?.title) say(run, 'engine.other_step_noted', { step: message(run, done.title) });
    else if (known && node.kind === 'step') {
      say(run, 'engine.known_fact');
      return prompt(run, node);
    } else say(run, 'engine.noted');
    // A fact that changes the walk (「会社のOutlookです」 at a light step of the receiving walk: its entry now routes to the
    // company-mail branch): that walk, from its start. Otherwise the node again.
    const intent = run.s.intent;
    if (intent && isEntry(run, intent) && changesRoute(run, intent, true)) return switchTo(run, intent, false);
    againAfterFact(run, node);
  },
};

/**
 * 「やってみたけど変わらない」 "tried it, nothing changed" to a question (its answer group's `noted` move: still broken,
 * did it, already tried) naming no step — a report that names steps is noted by `answer_at_node`. It is understood (the
 * problem is still there) but answers nothing, so: said so, with the question's buttons, never 「うまく読み取れませんで
 * した」, and no miss counted. Said again at the same question, a person is offered beside the buttons; from the third
 * time the person comes first (not the same question forever).
 */
export const reportAtQuestionRule: TurnRule = {
  name: 'report_at_question',
  applies: (t) => atActiveNode(t) && (t.node.kind === 'ask' || t.node.kind === 'choice') && moveOf(t.run, t.node) === 'noted',
  act: (t) => {
    const { run } = t;
    const n = repeat(run, 'report');
    const person = button(run, 'engine.button.human', ACTIONS.human);
    const rest = choicesOf(run, t.node!).filter((c) => c.value !== ACTIONS.human);
    if (n === 1) {
      // "tried that already" to a check's question (the outage page): it was checked — what did it show? No "still broken".
      if (run.reading?.act === 'already_tried') return say(run, 'engine.already_question', undefined, choicesOf(run, t.node!));
      // 「ログインし直しました」: a step done, no result said — did that fix it? (one test mail, [直った] beside the question).
      const question = didItAtQuestion(t);
      if (question) return askDidItFix(run, question);
      return say(run, 'engine.still_broken_question', undefined, choicesOf(run, t.node!));
    }
    say(run, 'engine.still_broken_question_human', undefined, n === 2 ? [...rest, person] : [person, ...rest]);
  },
};

/**
 * One more text the bot could not place (a miss, counted): the buttons to offer with it — a person added from
 * `offer_person_after` misses in a row, and made the main choice from `person_first_after` (`stuck`: not the same
 * question forever).
 */
function afterMiss(run: Run, params: Patterns['clarify'], choices: MessageChoice[]): { level: 'plain' | 'human' | 'stuck'; choices: MessageChoice[] } {
  run.missed = true;
  run.s.misses += 1;
  const person = button(run, 'engine.button.human', ACTIONS.human);
  const rest = choices.filter((c) => c.value !== ACTIONS.human);
  if (params.person_first_after && run.s.misses >= params.person_first_after) return { level: 'stuck', choices: [person, ...rest] };
  if (run.s.misses >= params.offer_person_after) return { level: 'human', choices: rest.length < choices.length ? choices : [...choices, person] };
  return { level: 'plain', choices };
}

const CLARIFY_KEY = { plain: 'engine.clarify', human: 'engine.clarify_human', stuck: 'engine.clarify_stuck' } as const;

/** Nothing placed the text: a clarifying question with the same buttons; repeated misses also offer a person. */
export function clarifyRule(params: Patterns['clarify']): TurnRule {
  return {
    name: 'clarify',
    applies: atActiveNode,
    act: (t) => {
      // A password typed in (masked, engine.no_password said): the warning is the answer, not 「うまく読み取れませんでした」
      // as well, and no miss — the step or question again.
      if (t.run.replies.some((r) => r.key === 'engine.no_password')) {
        const node = t.node!;
        if (node.kind === 'step') return say(t.run, 'engine.step_again', undefined, choicesOf(t.run, node));
        if ('say' in node) return say(t.run, node.say, undefined, choicesOf(t.run, node));
      }
      const { level, choices } = afterMiss(t.run, params, choicesOf(t.run, t.node!));
      say(t.run, CLARIFY_KEY[level], undefined, choices);
    },
  };
}

/** The two-stage fallback's buttons: the offered symptoms (`clarify:<intent>`), then 「どれでもない」 (`clarify:none`). */
export function clarifyButtons(run: Run, offered: readonly Intent[]): MessageChoice[] {
  return [...offered.map((i) => button(run, `ticket.intent.${i}`, `${ACTIONS.clarify}${i}`)), button(run, 'engine.button.clarify_none', `${ACTIONS.clarify}none`)];
}

/**
 * The two-stage fallback's question (「〜ということでしょうか？」) is waiting for its answer: symptoms offered, no symptom
 * chosen yet, the conversation active, at the start node (or none).
 */
export function clarificationPending(t: TextTurn): boolean {
  const { s, ctx } = t.run;
  return !!s.clarifyOffered?.length && s.status === 'active' && s.intent === null && (!t.node || t.node.id === ctx.tree.start);
}

/**
 * The phone named at the two-stage fallback's question, read (unsure: asking back or under 0.5) as moving mail to a new phone:
 * "Google Pixel 9 XL, Android 15" (trial-en-35 #10, tutanota#8202; 0.23) replaced the question's choices with a
 * device-change one. A device or OS version, no change said (no trigger) and no error: the phone, noted — the same
 * question (as 「iPhone 13です」 read out of scope already is).
 */
export function namesPhoneAtClarification(t: TextTurn): boolean {
  const { nlu } = t;
  const e = nlu.entities;
  return (
    clarificationPending(t) &&
    // Read out of scope with an ask-back of its own (migration_device_change, error_cannot_fetch), or the phone change unsure.
    (nlu.intent === 'out_of_scope' || (nlu.intent === 'migration_device_change' && (nlu.clarify !== undefined || nlu.confidence < 0.5))) &&
    !!(e.device || e.os_version) &&
    !e.trigger &&
    !e.error_message
  );
}

/**
 * The share of a `fixed` reading (read with no node: the clarification has none) that closes at the two-stage fallback's
 * question when the reply also says it works again in so many words (answers.yaml `confirm: fixed: works_again`).
 */
export const CLARIFY_FIXED_SHARE = 0.6;

/**
 * A reply to the two-stage fallback's question that says the problem is gone: there is no symptom left to pick.
 * "It's solved, the mail lost in the middle should be because of the previous error, the latest mail has been received"
 * (github.com/RSSNext/Folo/issues/1226; read fixed 0.69, the intent model unsure between symptoms) and "it works now,
 * thanks" (resolved) were another 「〜ということでしょうか？」 before round 33. Sure as at a step (answers.ts
 * fixedSurely), or a `fixed` reading of CLARIFY_FIXED_SHARE with the works-again words; never when the fixed words are
 * only negated, or said partly, for a while only, as a changed error, or hedged (those are asked again, as before).
 */
export function fixedAtClarification(t: TextTurn): boolean {
  const { run, text, nlu } = t;
  if (!clarificationPending(t)) return false;
  if (saysOnlyNegated(run, 'fixed', text) || saysPartly(run, 'fixed', text) || saysTemporarily(run, 'fixed', text) || saysChanged(run, 'fixed', text) || hedges(run, text)) return false;
  return fixedSurely(run, nlu, text) || (run.reading?.act === 'fixed' && run.reading.confidence >= CLARIFY_FIXED_SHARE && saysWorksAgain(run, text));
}

/**
 * Two-stage fallback (Rasa's): a message about mail whose symptom is uncertain (the NLU's `clarify`: the 2–3
 * likeliest symptoms) before any branch is chosen is not turned away and not guessed at: 「〜ということでしょうか？」
 * with those symptoms as buttons (`clarify:<intent>`) plus 「どれでもない」 (`clarify:none` → the symptom menu).
 * The offer is recorded on the turn (StepOutput.clarification) and the click's choice too (actions.ts). A reading
 * asked about only for its margin, whose offered symptoms would all walk to the same node on the same route with this
 * text, has nothing to ask: the walk.
 */
export const clarifySymptomRule: TurnRule = {
  name: 'clarify_symptom',
  applies: (t) => {
    const offered = t.nlu.clarify?.filter((i) => t.run.ctx.tree.entries[i] !== undefined) ?? [];
    const { s, ctx } = t.run;
    // Messaging that is not mail ("new phone, whatsapp not working") is no mail symptom to guess at: outside answers it.
    // A reading asked about only for its margin (sure enough, but close to the next symptom: NluResult.clarifyByMargin) has
    // nothing to ask when the symptoms would all walk the same way with this text (tree.ts sameWalk). An unsure or
    // rescued reading is always asked: left alone it may not walk at all.
    // A fact stated in the message (main.yaml `facts`) that every offered walk routes to the same step has decided the
    // walk: 「会社のメールが容量いっぱいで受信できない」 (mailbox: full, company mail) is the company's quota step whether it is
    // read cannot-fetch or not-arriving — there was a 「特定のメールが届かない」ということでしょうか？ first.
    const sure = t.nlu.clarifyByMargin === true;
    const factLeads = t.run.learned.some((slot) => ctx.tree.facts?.[slot] !== undefined) && sameWalk(t.run, offered, true);
    return offered.length > 1 && s.intent === null && s.status === 'active' && (!t.node || t.node.id === ctx.tree.start) && !aboutOtherMessaging(t.run, t.text) && !(sure && sameWalk(t.run, offered)) && !factLeads && !fixedAtClarification(t) && !namesPhoneAtClarification(t);
  },
  act: (t) => {
    const { run } = t;
    const offered = t.nlu.clarify!.filter((i) => run.ctx.tree.entries[i] !== undefined);
    if (run.s.node === null) understood(run);
    run.s.clarifyOffered = offered;
    run.clarification = { offered };
    say(run, 'engine.clarify_symptom', { symptom: msg(`ticket.intent.${offered[0]!}`) }, clarifyButtons(run, offered));
  },
};

/**
 * A reply to the two-stage fallback's question that names no symptom. The question was 「〜ということでしょうか？」, so
 * 「はい」「そうです」 takes the likeliest symptom (as its button would, and recorded the same way) and 「いいえ」「違う」 asks
 * about the next likeliest (「では「…」でしょうか？」, the buttons left), 「どれでもない」 (the menu) after the last. Anything else — 「再起動はもうしました」, 「Wi-Fiとモバイル両方ダメです」 — asks again with
 * the same buttons (a miss: the second also offers a person, the third puts the person first), instead of the greeting
 * menu as if nothing had been said. 「わからない」 goes on with the likeliest symptom (the safe default, said so). A
 * symptom typed instead routes as usual (outside / new_symptom).
 */
export function clarifyPendingRule(params: Patterns['clarify']): TurnRule {
  return {
    name: 'clarify_pending',
    applies: (t) => {
      if (!clarificationPending(t)) return false;
      // "It's solved, …" (read as a symptom by the intent model) at the question: the problem is gone, not a new one.
      if (fixedAtClarification(t)) return true;
      if (namesPhoneAtClarification(t)) return true;
      return !(isEntry(t.run, t.nlu.intent) && !NOT_A_TOPIC.has(t.nlu.intent));
    },
    act: (t) => {
      const { run } = t;
      const offered = run.s.clarifyOffered!;
      const likeliest = { symptom: msg(`ticket.intent.${offered[0]!}`) };
      // The problem said to be gone: closed as fixed (the resolve node: glad it works, the prevention checklist offered).
      if (fixedAtClarification(t)) {
        run.s.clarifyOffered = undefined;
        return leaveTo(run, run.ctx.tree.globals.resolved, 'resolved');
      }
      if (readsSurely(t.nlu, 'dont_know')) {
        // 「わからない」: the likeliest symptom is the safe default; its branch's first question sorts it out.
        say(run, 'engine.clarify_default', likeliest);
        return onClarifyChoice(run, offered[0]!);
      }
      if (t.nlu.intent === 'affirm') return onClarifyChoice(run, offered[0]!);
      // 「いいえ」「パスワードは変えてない」 (read deny): not the likeliest — the next one is asked about, with the buttons left;
      // a "no" to the last is 「どれでもない」 (the menu).
      if (t.nlu.intent === 'deny') {
        const rest = offered.slice(1);
        if (!rest.length) return onClarifyChoice(run, 'none');
        run.s.clarifyOffered = rest;
        run.clarification = { offered: rest };
        return say(run, 'engine.clarify_next', { symptom: msg(`ticket.intent.${rest[0]!}`) }, clarifyButtons(run, rest));
      }
      // 「iPhone 13です」, "gmail": only the phone or the mail service named — noted (the engine keeps it), no miss: the
      // question again, said so (trial-en-29: "iphone 13", then "gmail" were "Sorry, which of these is closest?" twice).
      if (namesEntityOnly(t.nlu) || namesPhoneAtClarification(t)) return say(run, 'engine.clarify_noted', likeliest, clarifyButtons(run, offered));
      const { level, choices } = afterMiss(run, params, clarifyButtons(run, offered));
      if (level === 'stuck') return say(run, 'engine.clarify_stuck', undefined, choices);
      say(run, 'engine.clarify_symptom_again', likeliest, choices);
    },
  };
}

/** The turn policy: one array, in order. The repair block comes from dialogs/patterns.yaml. */
export function turnPolicy(patterns: Patterns = DEFAULT_PATTERNS): readonly TurnRule[] {
  const repairs = patterns.repairs.map(repairRule);
  // A password typed into the hand-off form is not the form's answer (it would use up the form's one re-ask and file a
  // half-empty ticket): secret_only, when the patterns have it, is tried before the form.
  const beforeForm = repairs.filter((r) => r.name === 'secret_only');
  return [
    restartRule,
    ...beforeForm,
    collectFormRule,
    afterFilingRule,
    ...repairs.filter((r) => !beforeForm.includes(r)),
    clarifySymptomRule,
    clarifyPendingRule(patterns.clarify),
    hedgedFixedRule,
    otherMessagingRule,
    answerAtNodeRule,
    unsureAfterResolvedRule,
    outsideRule,
    resolvedRule,
    goodbyeRule,
    newSymptomRule,
    sameSymptomRule,
    greetingRule,
    thanksRule,
    factGivenRule,
    reportAtQuestionRule,
    clarifyRule(patterns.clarify),
  ];
}

const built = new WeakMap<Patterns, readonly TurnRule[]>();

/** The policy of a tree's patterns, built once per patterns object. */
export function policyOf(patterns: Patterns = DEFAULT_PATTERNS): readonly TurnRule[] {
  let rules = built.get(patterns);
  if (!rules) built.set(patterns, (rules = turnPolicy(patterns)));
  return rules;
}

/** Runs the first rule that applies; returns its name (every active node ends in `clarify`, so one always does). */
export function applyPolicy(rules: readonly TurnRule[], t: TextTurn): string | undefined {
  for (const rule of rules) {
    if (rule.applies(t)) {
      rule.act(t);
      return rule.name;
    }
  }
  return undefined;
}
