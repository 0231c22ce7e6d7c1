/**
 * Repair rules (Rasa default_flows: correct, hand over, cancel, clarify): conversation repairs that apply at any
 * node. dialogs/patterns.yaml lists which exist, their order and parameters; each is implemented once here.
 * What the reply means (gives up, vague, asks how, still broken) is the recogniser's (`run.reading`, src/nlu/replies.ts).
 */
import { INTENT_ROLE, type Intent } from '../core/index.js';
import type { DialogNode, DialogOption, Repair, RepairName } from '../data/schemas.js';
import { DOMAIN_RESCUE } from '../nlu/engine.js';
import { foldAnswer } from '../nlu/replies.js';
import { alternation, asksQuestion, localeWords, asksTrustAtStep, factNamesSymptom, answerStep, asksHowAtStep, saysOnlySecret, glossaryTerms, statesPhrase, restates, textMentions, whereTerms, optionOfAct, groupOf, hedges, matchWords, moveOf, namesEntry, onlyHedges, SURE_ACT_SHARE, SWITCH_CONFIDENCE } from './answers.js';
import { askFields, escalatedAlready, noteSymptom, type HandoffField } from './handoff.js';
import { FACT_ALONE_EXTRA } from './facts.js';
import { maskSecrets } from './secrets.js';
import { menuSymptom, NOT_A_TOPIC, understood } from './outside.js';
import { clarificationPending, clarifyButtons, type TextTurn, type TurnRule } from './policy.js';
import { ACTIONS, button, choicesOf, msg, say, setStatus, type Run } from './run.js';
import { againAfterFact, applyOption, enter, isEntry, isOwnTopic, leadsElsewhere, leaveTo, prompt, recordStep, switchTo } from './tree.js';

/** Counts one more meeting of `repair` at the node on screen (this episode) and returns the count. */
export function repeat(run: Run, repair: string): number {
  const key = `${repair}:${run.s.node ?? ''}`;
  const repeats = (run.s.repeats ??= {});
  repeats[key] = (repeats[key] ?? 0) + 1;
  return repeats[key];
}

/** The node's buttons with [担当者に相談] first: a person as the main choice. */
function personFirst(run: Run, node: DialogNode) {
  const rest = choicesOf(run, node).filter((c) => c.value !== ACTIONS.human);
  return [button(run, 'engine.button.human', ACTIONS.human), ...rest];
}

/** The step last answered "fixed", if the conversation's last recorded step was. */
function lastFixedStep(run: Run) {
  const last = run.s.stepsTried.at(-1);
  const node = last && last.result === 'resolved' ? run.ctx.tree.nodes.get(last.node) : undefined;
  return node?.kind === 'step' ? { last: last!, node } : undefined;
}

/** The question this episode was answered "fixed" at (ConversationState.resolvedFrom), if it is still in the tree. */
function fixedAtQuestion(run: Run): DialogNode | undefined {
  const id = run.s.resolvedFrom;
  return id ? run.ctx.tree.nodes.get(id) : undefined;
}

/**
 * 「やっぱりまだダメ」 right after a step was answered "fixed": that step's result is corrected, the branch goes on after it.
 * Right after 「できた」 to a question (not a step): 「まだ直っていないのですね」 and that question again.
 */
function correction(): TurnRule {
  return {
    name: 'correction',
    applies: ({ run, node, nlu }) =>
      node?.kind === 'resolve' &&
      run.s.status === 'resolved' &&
      (nlu.intent === 'not_resolved' || run.reading?.act === 'still_broken') &&
      (lastFixedStep(run) !== undefined || fixedAtQuestion(run) !== undefined),
    act: ({ run }) => {
      const question = fixedAtQuestion(run);
      if (question) {
        run.s.resolvedFrom = undefined;
        setStatus(run, 'active');
        say(run, 'engine.still_broken_question');
        return enter(run, question.id);
      }
      const { last, node } = lastFixedStep(run)!;
      last.result = 'not_resolved';
      setStatus(run, 'active');
      enter(run, node.next);
    },
  };
}

/**
 * 「助けてください」 "help me please" as the first message: a plea (the act model's reading is surely how_to) that names no
 * symptom, topic, error, change or fact. It asks for help with what the bot does: the menu's question — not the out-of-scope
 * line (the intent model reads 「助けてください」 out_of_scope) and not a person at once (it reads "help me please"
 * request_human). Asking for a person in so many words ("can someone help me", read wants_human) is not a plea.
 */
export function pleaFirst({ run, nlu }: Pick<TextTurn, 'run' | 'nlu'>): boolean {
  const { s, ctx } = run;
  const first = nlu.acts?.[0];
  return (
    (s.node === null || s.node === ctx.tree.start) &&
    s.status === 'active' &&
    s.intent === null &&
    first?.act === 'how_to' &&
    first.confidence >= SURE_ACT_SHARE &&
    !(isEntry(run, nlu.intent) && !NOT_A_TOPIC.has(nlu.intent)) &&
    !nlu.entities.error_message &&
    !nlu.entities.trigger &&
    run.learned.length === 0 &&
    run.stated.length === 0
  );
}

/** The reply is the words of an option of the question (ask or choice) on screen. */
function answersOption(t: TextTurn): boolean {
  const node = t.node;
  return node !== undefined && (node.kind === 'ask' || node.kind === 'choice') && matchWords(t.run, node.options, t.text) !== undefined;
}

/** 「担当者と話したい」: to the hand-off node; once escalated, "already handed off" (one ticket per episode). */
function wantsPerson(params: Extract<Repair, { rule: 'wants_person' }>): TurnRule {
  return {
    name: 'wants_person',
    // The intent, or the act in any sentence: 「担当者と話したい。iPhone 14、iOS 17.5 …」 — the details fill the ticket.
    // Not a reply that is only a hedge: "I suppose" (read request_human 0.67, wants_human 0.58) at the backup checklist
    // opened the hand-off. A request with anything more in it (「担当者と話したい。たぶんiPhone 14」) still gets a person.
    // Nor a plea for help as the first message (「助けてください」 "help me please"): vague_first_message offers the menu.
    // At a step or question the act alone must hold `min_share` of the node's candidates: 「これって有料ですか」 at the quota
    // step read wants_human at 0.33 and handed off a person who had asked whether storage costs money (staff-28).
    // Nor the words of an option of the question on screen read by the models as a request for a person:
    // "personal" / "a personal one" at 「会社か個人か」 (wm_kind; request_human 0.46 / 0.72: "person") handed a personal
    // Outlook.com user over instead of taking [Personal] (outlook-36; the act model read wants_human 0.72 too). Asked in
    // so many words (`words`), it still is.
    applies: (t) =>
      ((t.nlu.intent === 'request_human' && !answersOption(t)) ||
        (params.words !== undefined && t.run.s.status === 'active' && textMentions(t.run, params.words, t.text)) ||
        (t.run.reading?.act === 'wants_human' &&
          !answersOption(t) &&
          (params.min_share === undefined || t.run.s.status !== 'active' || t.run.reading.confidence >= params.min_share) &&
          // "We need to check you're a real person" quoted from Yahoo's sending check (trial-en-35 #1): no request.
          !(params.except && textMentions(t.run, params.except, t.text)))) &&
      !onlyHedges(t.run, t.text) &&
      !pleaFirst(t),
    act: ({ run, nlu }) => {
      if (run.s.status === 'escalated') return escalatedAlready(run);
      noteSymptom(run, nlu);
      leaveTo(run, run.ctx.tree.globals.handoff);
    },
  };
}

/**
 * 「もういいです」: the person stops here — a polite end, not "still broken" and not a miss. In the middle of an open
 * episode ending it needs a sure reading (SURE_ACT_SHARE), like start over and goodbye (END_CONFIDENCE): 「もういいです」
 * "never mind" read give_up at ≥ 0.88, while "maybe" to the backup checklist read it at 0.50 and ended the conversation.
 */
function giveUp(params: { offer_person: boolean; min_share?: number }): TurnRule {
  const minShare = params.min_share ?? SURE_ACT_SHARE;
  return {
    name: 'give_up',
    applies: ({ run, text, node, nlu }) =>
      run.reading?.act === 'give_up' &&
      (run.s.status !== 'active' ||
        (run.reading.confidence >= minShare &&
          !(node && hedges(run, text)) &&
          // An unsure give-up the intent model reads as fixed (「もういいです、直りました」 "never mind, it works now") is
          // that fix, said with a shrug: the resolved rule closes it as fixed, not as given up.
          !(run.reading.confidence < SURE_ACT_SHARE && nlu.intent === 'resolved'))),
    act: ({ run }) => {
      const { s, ctx } = run;
      if (s.status === 'resolved') return enter(run, ctx.tree.globals.end);
      if (s.status !== 'active') return say(run, s.status === 'escalated' ? 'engine.welcome_escalated' : 'engine.welcome');
      recordStep(run, 'unknown');
      s.pending = undefined;
      s.node = ctx.tree.globals.end;
      setStatus(run, 'ended');
      // A person is offered once here: the end node does not offer one again.
      const choices = [button(run, 'engine.button.restart', ACTIONS.restart)];
      if (params.offer_person) choices.unshift(button(run, 'engine.button.human', ACTIONS.human));
      say(run, 'engine.give_up', undefined, choices);
    },
  };
}

/**
 * 「このボット使えない」 "the bot is stupid", "you're useless" at a step or question (the act `frustrated`): the person
 * vents and is still stuck — it read fixed ("Great, glad it works again!"), thanks or 「うまく読み取れませんでした」.
 * Nothing is recorded and nothing closes: a short apology, a person as the main choice and the node's buttons. A reply
 * that is only a hedge is no venting; an unsure reading is no venting either.
 */
function frustration(params: { min_share?: number }): TurnRule {
  const minShare = params.min_share ?? SURE_ACT_SHARE;
  return {
    name: 'frustration',
    applies: ({ run, node, text }) =>
      // Venting by a clear share (patterns.yaml `min_share`, 0.6: 「もう何回やってもダメ、ほんとイライラする」 reads 0.67 at a
      // question): nonsense (「ふがふが」, read frustrated at 0.32) is a miss, clarified as such.
      run.reading?.act === 'frustrated' &&
      run.reading.confidence >= minShare &&
      run.s.status === 'active' &&
      (node?.kind === 'step' || node?.kind === 'ask' || node?.kind === 'choice') &&
      !onlyHedges(run, text),
    act: ({ run, node }) => say(run, 'engine.frustrated', undefined, personFirst(run, node!)),
  };
}

/** The walk patterns.yaml `vague_first_message: changed` names for a change (`trigger`: an OS update, a password change …). */
function changedWalk(params: Extract<Repair, { rule: 'vague_first_message' }>, trigger: string | undefined): Intent | undefined {
  return trigger === undefined ? undefined : params.changed?.find((c) => c.trigger === trigger)?.intent;
}

/** The same, read from the tree's patterns (a change stated with its new value names the walk anywhere: engine.ts). */
export function walkOfChange(run: Run, trigger: string): Intent | undefined {
  const rule = run.ctx.tree.patterns?.repairs.find((r): r is Extract<Repair, { rule: 'vague_first_message' }> => r.rule === 'vague_first_message');
  return rule ? changedWalk(rule, trigger) : undefined;
}

/**
 * A plea for help as the first message (pleaFirst): the menu. 「メールがおかしい」 as a first message: which symptom? (the start menu's buttons); what it did tell is kept. Not when it
 * quotes an error. When it names what changed (an OS update, a phone change) and no symptom surely, the change names
 * the walk (§3): the `changed` symptom of that trigger, whose entry routes by it — 「iOSアップデートしてからメールの調子
 * が悪い」 (read out_of_scope, its domain reading 0.53) is the after-an-update walk, not the menu. A sure symptom beside
 * the change ("mail stopped working after the iOS update", read error_cannot_fetch) routes as usual.
 */
function vagueFirstMessage(params: Extract<Repair, { rule: 'vague_first_message' }>): TurnRule {
  const walkOf = (t: TextTurn) => changedWalk(params, t.nlu.entities.trigger);
  return {
    name: 'vague_first_message',
    applies: (t) => {
      const { run, nlu } = t;
      const { s, ctx } = run;
      if (pleaFirst(t)) return true;
      if (!((s.node === null || s.node === ctx.tree.start) && s.status === 'active')) return false;
      // 「パスワードは［伏字］に変えました」 "I changed my password to [redacted]": the new value typed with the change says it
      // is done (no wish, no how-to) — the change names the walk whatever act the rest reads as (the value is gone from
      // what the models read, and 「…に変えました」 alone reads resolved or out of scope).
      const statedWithValue = !!nlu.entities.trigger && run.secretSaid === true;
      // A stated fact that names the symptom (main.yaml `fact_symptoms`) is no vague message: "it's my work email, it
      // won't even add the account" (acts: vague_problem) got the menu again instead of the sign-in walk (trial-en-28 #10).
      if (run.factSymptom && factNamesSymptom(run, run.factSymptom) && isEntry(run, run.factSymptom)) return false;
      if (run.reading?.act !== 'vague_problem' && !statedWithValue) return false;
      if (nlu.entities.error_message || nlu.intent === 'request_human') return false;
      // A sure symptom that the act model itself does not read as vague: the symptom's walk. 「メールの送信はできるのに、
      // 受信ができない」 (error_cannot_fetch 1.00; acts other 0.99, vague_problem 0.27) read vague only in context, where
      // `other` weighs a quarter (replies.ts OTHER_WEIGHT), and got 「どんなふうにおかしいですか？」 and the menu.
      // 「メールがおかしい」 "my email is acting weird" read vague_problem first (1.00) and still get the menu.
      if (t.sure && isEntry(run, nlu.intent) && !NOT_A_TOPIC.has(nlu.intent) && nlu.acts?.[0]?.act !== 'vague_problem') return false;
      if (!nlu.entities.trigger) return true;
      const walk = walkOf(t);
      return walk !== undefined && isEntry(run, walk) && !(t.sure && isEntry(run, nlu.intent) && !NOT_A_TOPIC.has(nlu.intent));
    },
    act: (t) => {
      const { run } = t;
      const { s, ctx } = run;
      // A plea: "of course" and the menu's own question (「どんなことでお困りですか？」).
      if (pleaFirst(t)) {
        say(run, 'engine.plea');
        return enter(run, ctx.tree.start);
      }
      const walk = t.nlu.entities.trigger ? walkOf(t) : undefined;
      if (walk) {
        if (s.node === null) understood(run);
        return switchTo(run, walk, false);
      }
      if (s.node === null) understood(run);
      // Vague but in a menu button's words (「メールがちゃんと同期されない」, "Work Email Not Syncing Properly": the act
      // model reads "properly" as vague): that button's symptom, as if clicked — not the menu asking what is wrong.
      const named = menuSymptom(run, t.text);
      if (named) return switchTo(run, named);
      const menu = ctx.tree.nodes.get(ctx.tree.start);
      s.node = ctx.tree.start;
      say(run, 'engine.vague', undefined, menu ? choicesOf(run, menu) : []);
    },
  };
}

/**
 * 「やり方がわからない」 at a step (its group's `help` move): the step's help, then the same step again; the second time
 * a more detailed explanation (the step's `help_detail`, else the general one); from the third a person as the main
 * choice. A step without help starts at the detailed explanation.
 */
function helpAtStep(params: Extract<Repair, { rule: 'help_at_step' }>): TurnRule {
  // The walk's own how-to topic asked again at one of its steps, surely, with no fact stated and no act read, where the
  // act model's likeliest act besides its background `other` is one the step answers with its help (how_to): how to do
  // this step (`topics:` in dialogs/patterns.yaml). 「アプリパスワード作りました」 leans to did_no_result: not help.
  const asksTopicAgain = ({ run, nlu, node }: TextTurn) => {
    if (node?.kind !== 'step' || node.help === undefined || run.reading?.act !== undefined) return false;
    if (!(params.topics ?? []).includes(nlu.intent) || !isOwnTopic(run, nlu.intent, node) || nlu.confidence < SWITCH_CONFIDENCE) return false;
    if (run.stated.length > 0 || run.learned.length > 0) return false;
    const lean = nlu.acts?.find((a) => a.act !== 'other')?.act;
    return lean !== undefined && groupOf(run.ctx.tree, node)[lean] === 'help';
  };
  // 「パスワードってどこに入れるの？」 "where do I put the password?" at a step that has help: a where-question (locales
  // `engine.says.where`) about doing this step — no setting the glossary places (the rule where_setting), no symptom, nothing
  // off-topic (「ランチどこ行く？」), no fact stated — is its help, not 「うまく読み取れませんでした」 nor a new topic.
  const NOT_ABOUT_THE_STEP: ReadonlySet<string> = new Set(['error', 'out_of_scope', 'small_talk']);
  const asksWhereAtStep = ({ run, nlu, node, text }: TextTurn) =>
    node?.kind === 'step' &&
    node.help !== undefined &&
    // An unsure reading is out of scope here (MIN_CONFIDENCE); the domain detector still tells a question about mail
    // (「作ったけどどこに入れるの？」 "I made it but where does it go", aboutMail 0.86–0.89) from an off-topic one.
    (!NOT_ABOUT_THE_STEP.has(INTENT_ROLE[nlu.intent]) || (nlu.intent === 'out_of_scope' && (nlu.aboutMail ?? 0) >= DOMAIN_RESCUE)) &&
    run.stated.length === 0 &&
    textMentions(run, 'engine.says.where', text) &&
    whereTerms(run, text).length === 0;
  return {
    name: 'help_at_step',
    // A reply that is only a hedge (「たぶん」 "maybe", read dont_know) asks nothing: the rule hedged_fixed asks to make sure.
    applies: (t: TextTurn) =>
      t.node?.kind === 'step' && t.run.s.status === 'active' && !onlyHedges(t.run, t.text) && !asksTrustAtStep(t.run, t.node, t.text) && (asksHowAtStep(t.run, t.nlu) || asksTopicAgain(t) || asksWhereAtStep(t)),
    act: (t: TextTurn) => {
      const { run, node } = t;
      if (node?.kind !== 'step') return;
      const n = repeat(run, 'help') + (node.help ? 0 : 1);
      if (n === 1) return answerStep(run, node, ACTIONS.help);
      if (n === 2) {
        say(run, node.help_detail ?? 'engine.help_detail');
        return say(run, 'engine.step_again', undefined, choicesOf(run, node));
      }
      say(run, 'engine.help_person', undefined, personFirst(run, node));
    },
  };
}

/** An open episode whose node on screen waits for an answer: a step, a question or a choice. */
const awaitsAnswer = (t: TextTurn): boolean =>
  t.node !== undefined && t.run.s.status === 'active' && (t.node.kind === 'step' || t.node.kind === 'ask' || t.node.kind === 'choice');

/**
 * 「送信サーバーってどこ？」 "where's the outgoing server setting?" at a step or question: a how-to about a setting the
 * glossary places (`where: true`), not "that's what we're working on" (the intent model reads the term as the branch's
 * own symptom) nor a walk to another branch (「受信サーバーってどこ？」 in the sending walk). Where it is on the
 * person's device (iPhone/iPad, Android, or both when not known), then the node again.
 */
function whereSetting(): TurnRule {
  const platform = (device: string | undefined) => (device === 'iphone' || device === 'ipad' ? 'ios' : device === 'android' ? 'android' : 'none');
  return {
    name: 'where_setting',
    applies: (t) =>
      awaitsAnswer(t) &&
      whereTerms(t.run, t.text).length > 0,
    act: (t) => {
      const { run } = t;
      for (const id of whereTerms(run, t.text).slice(0, 2)) say(run, `tree.glossary_where.${id}.${platform(run.s.slots.device)}`);
      prompt(run, t.node!);
    },
  };
}

/** The content words of a text: runs of two or more kanji / katakana, Latin words of three letters or more. */
const CONTENT_WORD = /[\p{Script=Han}々\p{Script=Katakana}ー]{2,}|[a-z][a-z'-]{2,}/gu;

/** The node's own text (its say, help, title and explain, either language), folded for a contains test. */
function nodeWords(run: Run, node: DialogNode): string {
  const keys = ['say', 'help', 'title', 'explain'].map((k) => (node as Record<string, unknown>)[k]).filter((k): k is string => typeof k === 'string');
  return keys.flatMap((k) => (['ja', 'en'] as const).map((l) => run.ctx.i18n.t(k as never, undefined, l))).join(' ').normalize('NFKC').toLowerCase();
}

/** The alternatives of a locale key in both languages, folded (NFKC, lower case) for a contains test. */
function foldedWords(run: Run, key: string): string[] {
  return localeWords(run.ctx.i18n, key).map((w) => w.normalize('NFKC').toLowerCase().trim()).filter(Boolean);
}

/**
 * 「一番近い駅はどこ？」 "where's the nearest station?" "where can I get lunch?" at a step or question: a where-question
 * (`engine.says.where`) whose content words (beside the where-words and the question's own `words`) are none of mail's
 * (`engine.says.mail_words`), no entity, no glossary term, no fact, and appear nowhere in the node's own text (its say,
 * help and title, either language): it asks about something else — what the bot helps with, and the node again. The act
 * model reads such a question how_to, so it got the step's help. 「どこにあるの？」 "where is that?" name nothing: the
 * node's help (help_at_step); 「ストレージはどこで見るの？」 at the quota step names the step's own word.
 */
function offTopicQuestion(params: Extract<Repair, { rule: 'off_topic_question' }>): TurnRule {
  const content = (run: Run, text: string): string[] => {
    let rest = text.normalize('NFKC').toLowerCase();
    // A Latin word goes only whole ("i" is no part of "find"); other words wherever they stand; longest first.
    const question = [...foldedWords(run, 'engine.says.where'), ...foldedWords(run, params.words), ...foldedWords(run, 'engine.says.filler')].sort((a, b) => b.length - a.length);
    rest = rest.replace(new RegExp(alternation(question, "a-z'"), 'g'), ' ');
    return rest.match(CONTENT_WORD) ?? [];
  };
  return {
    name: 'off_topic_question',
    applies: (t) => {
      const { run, node, nlu, text } = t;
      if (!node || !awaitsAnswer(t)) return false;
      // Read how_to (it would be the node's help or explanation); other off-topic lines (「ランチどこ行く？」, read other)
      // are misses, clarified and counted as before.
      if (run.reading?.act !== 'how_to') return false;
      if (!textMentions(run, 'engine.says.where', text) || whereTerms(run, text).length || glossaryTerms(run.ctx.tree, text).length) return false;
      if (run.stated.length || run.learned.length || Object.keys(nlu.entities).length || (isEntry(run, nlu.intent) && t.sure)) return false;
      if (textMentions(run, 'engine.says.mail_words', text)) return false;
      const named = content(run, text);
      if (!named.length) return false;
      const own = nodeWords(run, node);
      return named.every((w) => !own.includes(w));
    },
    act: (t) => {
      say(t.run, 'engine.off_topic_at_node');
      prompt(t.run, t.node!);
    },
  };
}

/**
 * 「どういう意味？」 "what do you mean?" at a question: a request to explain the question (locales `engine.says.meaning`,
 * read how_to or dont_know or no act), not 「わからない」 — the node's own explanation (`explain:`), else the general one,
 * then the question again. A term named (「IMAPってどういう意味？」) is the glossary's (the move `explain`). So are
 * 「どこ？」 (a where-word naming no placed setting) and a bare 「むり」 "I can't" where the question has `explain:` and no
 * option takes the words: what to look at and where, not 「わからない」 nor "still broken".
 */
function explainQuestion(): TurnRule {
  return {
    name: 'explain_question',
    applies: (t) => {
      const { run, node } = t;
      if (!node || run.s.status !== 'active' || (node.kind !== 'ask' && node.kind !== 'choice')) return false;
      // 「受け取れないです」 "I can't receive them" to 「送信はできますか？」: the symptom the question is about, said again
      // (the node's `restated:` words) — no answer, neither "no" nor "sending works".
      if (restates(run, node, t.text)) return true;
      // The question has its own explanation, and none of its options takes the words.
      const explains = () => 'explain' in node && node.explain !== undefined && !matchWords(run, node.options, t.text);
      // 「むり」 "I can't" alone, where no option takes it (「送信はできますか？」 has its own `=むり`: no): not "still
      // broken" — the person cannot check what is asked, so what to look at and how, and the question again.
      if (statesPhrase(run, 'engine.says.cannot_do', t.text) === 0 && explains()) return true;
      // 「え？」 "huh?" as the whole reply (`engine.says.puzzled`): puzzled by the question — what it asks, not 「わからない」.
      if (statesPhrase(run, 'engine.says.puzzled', t.text) === 0 && !matchWords(run, node.options, t.text)) return true;
      const act = run.reading?.act;
      if (act !== undefined && act !== 'how_to' && act !== 'dont_know' && act !== 'what_is') return false;
      if (glossaryTerms(run.ctx.tree, t.text).length > 0) return false;
      // 「どこ？」 "where?" naming no setting the glossary places (the rule where_setting): where to look for what is
      // asked — the question's explanation, as a step's help answers it at a step (help_at_step) — not 「わからない」.
      if (textMentions(run, 'engine.says.where', t.text) && explains()) return true;
      return textMentions(run, 'engine.says.meaning', t.text);
    },
    act: (t) => {
      const node = t.node!;
      // Said again after the explanation: the person cannot tell — the question's safe default, as for 「わからない」 twice.
      if (restates(t.run, node, t.text) && repeat(t.run, 'restated') > 1 && takeDefault(t.run, node)) return;
      say(t.run, 'explain' in node && node.explain ? node.explain : 'engine.explain_question');
      prompt(t.run, node);
    },
  };
}

/**
 * 「わからない」 to a question (its group's `cannot_answer` move): a hint and the same buttons; the second time a way
 * forward — the node's safe `default:` option, or a person as the main choice.
 */
function cannotAnswer(params: Extract<Repair, { rule: 'cannot_answer' }>): TurnRule {
  // 「送ったことない」 "never sent anything yet" at a question (patterns.yaml `untried`): cannot tell, whatever act or
  // symptom the models read in it ("no idea, never sent anything yet" read deny; "never tried sending" error_send).
  const untried = (t: TextTurn) =>
    params.untried !== undefined && t.node?.kind === 'ask' && t.node.default !== undefined && statesPhrase(t.run, params.untried, t.text, 'engine.says.hedge') >= 0;
  return {
    name: 'cannot_answer',
    applies: (t) =>
      t.node !== undefined &&
      t.run.s.status === 'active' &&
      (untried(t) || (moveOf(t.run, t.node) === 'cannot_answer' && !namesEntry(t.run, t.nlu))) &&
      // An option that lists the act (`acts:`) is the answer: answer_at_node takes it.
      optionOfAct(t.run, t.node) === undefined &&
      // 「わからない」 is an answer where the question offers [わからない].
      !('options' in t.node && t.node.options && matchWords(t.run, t.node.options, t.text)),
    act: (t) => {
      const { run } = t;
      const node = t.node!;
      // Never tried (a question with a safe default only): its default at once — asking to pick the closest answer, or
      // to say 「わからない」 again, asks for what they just said they cannot know.
      if (untried(t) && takeDefault(run, node)) return;
      if (repeat(run, 'cannot_answer') === 1) return say(run, 'engine.dont_know_hint', undefined, choicesOf(run, node));
      if (takeDefault(run, node)) return;
      say(run, 'engine.dont_know_person', undefined, personFirst(run, node));
    },
  };
}

/** The question's safe `default:` option taken, said so (false: the node has none). */
function takeDefault(run: Run, node: DialogNode): boolean {
  const fallback = node.kind === 'ask' && node.default ? node.options.find((o) => o.value === node.default) : undefined;
  if (!fallback || node.kind !== 'ask') return false;
  say(run, 'engine.dont_know_default', { choice: { key: fallback.label } });
  run.s.slots[node.slot] = fallback.value;
  enter(run, applyOption(run, fallback, fallback.next ?? node.next));
  return true;
}

/**
 * A correction (「いや一部じゃなくて全部来ないです」, "I meant sending, not receiving"): never recorded as 「まだダメ」.
 * The part the person corrects to (NluResult.corrected: the words after 「じゃなくて」, or the whole text) is read
 * again: an option of the question on screen, else the symptom it names (its branch), else which answer was wrong.
 */
function reroute(params: Extract<Repair, { rule: 'reroute' }>): TurnRule {
  return {
    name: 'reroute',
    // A correction that corrects something: a "not X but Y" shape (or "no, Y"), another symptom than the branch's named
    // as surely as a branch switch needs, or the words patterns.yaml lists naming a walk elsewhere ("all mail" at the
    // junk-folder step). "Actually, can we switch to English? Sending fails" in the sending branch corrects nothing;
    // "it works fine on my laptop" at the outage check, error_intermittent at 0.43, answers it.
    // At a step, a reply that is only such words ("all mail", 「全部です」, "nothing arrives" at the junk-folder step, whose
    // opening said "some" and told them to say so) corrects the walk's premise too — whether it reads no act or a plain
    // no / "still broken" (the words the opening asks for are no answer to the step).
    applies: (t) =>
      t.run.s.status === 'active' &&
      t.node !== undefined &&
      ((t.run.reading?.act === 'correction' &&
        (t.nlu.corrected !== undefined ||
          (t.sure && isEntry(t.run, t.nlu.intent) && t.nlu.intent !== t.run.s.intent) ||
          symptomByWords(t.run, params, t.text) !== undefined)) ||
        ((t.run.reading?.act === undefined || NO_ACTS.has(t.run.reading.act)) && t.node.kind === 'step' && symptomByWords(t.run, params, t.text, true) !== undefined) ||
        // 「いや、何も来ない」 "no, nothing arrives at all" at the junk-folder step read as a plain no or "still broken": the
        // no is to the walk's premise when what follows it names a walk elsewhere on its own (the model sure of it, or
        // the words alone) — never recorded as 「まだダメ」 with the next filter step.
        (NO_ACTS.has(t.run.reading?.act ?? '') && t.nlu.corrected !== undefined && correctedSymptom(t.run, params, t.nlu.corrected, true) !== undefined) ||
        // 「いや、パスワードの問題じゃなくて相手から送ったメールが戻ってくるらしい」 (the act model's `other`, 0.69) in a walk: a
        // "not X but Y" shape (or a plain no) whose Y states a fact naming a walk elsewhere (main.yaml `fact_symptoms`: the
        // mail came back → the returned-mail steps) is a correction whatever act it reads — never 「わかりました。試してみて」.
        // Not the model's reading of Y alone: "new phone, whatsapp not working" at the menu has the shape too.
        (t.run.s.intent !== null && t.nlu.corrected !== undefined && factSymptomIn(t.run, t.nlu.corrected.text) !== undefined) ||
        // 「いや、そういう話じゃないです」 "that's not what I meant" alone (read deny): which answer was wrong is asked.
        saysNotThat(t.run, params, t.text)),
    act: (t) => {
      const { run, nlu } = t;
      const node = t.node!;
      const said = nlu.corrected?.text ?? t.text;
      const named = nlu.corrected ?? nlu;
      const options: DialogOption[] = 'options' in node && node.options ? node.options : [];
      const opt = matchWords(run, options, said);
      // Thanked for the correction where it is taken; one placed nowhere asks what was wrong, its own sorry (never two).
      // An option's own words with no "no, Y" shape (「届きます」 "they arrive" at 「手動なら届きますか？」, read as a
      // correction by the act model) answer the question: no thanks for a correction nobody made.
      if (opt && (node.kind === 'ask' || opt.next)) {
        if (nlu.corrected !== undefined) say(run, 'engine.corrected');
        if (node.kind === 'ask') run.s.slots[node.slot] = opt.value;
        return enter(run, applyOption(run, opt, opt.next ?? (node.kind === 'ask' ? node.next : node.id)));
      }
      // The symptom the corrected words name: the model's sure reading, else the words patterns.yaml lists. A correction
      // corrects something: a reading that leads back into the walk on screen ("nothing arrives" read as the not-arriving
      // symptom at its own junk-folder step) gives way to the words.
      // A fact stated in the corrected words that names a walk elsewhere (「相手から送ったメールが戻ってくる」: a returned mail,
      // main.yaml `fact_symptoms`) names it before the model's reading of the words (read as mail not arriving).
      const symptom = factSymptomIn(run, said) ?? correctedSymptom(run, params, { text: said, intent: named.intent, confidence: named.confidence });
      if (symptom || run.learned.length > 0) say(run, 'engine.corrected');
      // The step on screen did not apply (its premise was corrected): so recorded, not "no answer". The symptom the
      // ticket keeps, when it was the person's own words, becomes the corrected one (state.errorOwnWords).
      if (symptom) {
        if (run.s.errorOwnWords) run.s.errorText = maskSecrets(said).text.trim() || run.s.errorText;
        return switchTo(run, symptom, false, 'rerouted');
      }
      // The correction was a fact (「いや、Androidです」): noted; the node again as after any fact (a question asked
      // again or settled, a step's buttons — never a step's "give it a try" at a question).
      if (run.learned.length > 0) return againAfterFact(run, node);
      say(run, 'engine.correction_what', undefined, choicesOf(run, node));
    },
  };
}

/** Readings of a "no, Y" reply that take the no as an answer to the step — unless Y names a walk elsewhere (reroute). */
const NO_ACTS: ReadonlySet<string> = new Set(['deny', 'still_broken']);

/**
 * The symptom a corrected part names: the model's sure reading of it — another symptom than the walk's, whose walk is
 * elsewhere ("none of my emails arrive" read as the not-arriving symptom at its own junk-folder step corrects nothing by
 * its symptom: re-entering the same walk only skipped the step) — else the words patterns.yaml lists (`alone`: as the
 * whole corrected part, filler aside).
 */
function correctedSymptom(run: Run, params: Extract<Repair, { rule: 'reroute' }>, part: { text: string; intent: Intent; confidence: number }, alone = false): Intent | undefined {
  const byModel = isEntry(run, part.intent) && part.intent !== run.s.intent && part.confidence >= SURE && leadsElsewhere(run, part.intent) ? part.intent : undefined;
  return byModel ?? symptomByWords(run, params, part.text, alone);
}

/**
 * The symptom the words of patterns.yaml `reroute: symptoms` name in `said` (either language), when its walk is elsewhere.
 * `alone`: the words must be the whole reply, filler aside (statesPhrase, FACT_ALONE_EXTRA).
 */
function symptomByWords(run: Run, params: Extract<Repair, { rule: 'reroute' }>, said: string, alone = false): Intent | undefined {
  const folded = foldAnswer(said);
  const intent = (params.symptoms ?? []).find((x) => {
    if (alone) {
      const extra = statesPhrase(run, x.says, said);
      return extra >= 0 && extra <= FACT_ALONE_EXTRA;
    }
    return (['ja', 'en'] as const).some((l) =>
      run.ctx.i18n
        .t(x.says, undefined, l)
        .split('|')
        .map(foldAnswer)
        .some((w) => w !== '' && folded.includes(w)),
    );
  })?.intent;
  return intent && isEntry(run, intent) && leadsElsewhere(run, intent) ? intent : undefined;
}

/**
 * The symptom a fact stated in `said` names (main.yaml `fact_symptoms`: 「メールが戻ってくる」 the returned mail → the
 * sending topic, whose start routes to the returned-mail steps), when this turn stated it (facts.ts) and its walk is elsewhere.
 */
function factSymptomIn(run: Run, said: string): Intent | undefined {
  const symptom = run.factSymptom;
  if (!symptom || symptom === run.s.intent || !isEntry(run, symptom) || !leadsElsewhere(run, symptom)) return undefined;
  const values = Object.entries(run.ctx.tree.factSymptoms ?? {}).flatMap(([slot, byValue]) =>
    Object.entries(byValue ?? {}).filter(([, intent]) => intent === symptom).map(([value]) => run.ctx.tree.facts?.[slot]?.[value]),
  );
  return values.some((key) => key !== undefined && statesPhrase(run, key, said) >= 0) ? symptom : undefined;
}

/** The reply is only the words of patterns.yaml `reroute: not_that` (filler aside): "that's not what I meant". */
function saysNotThat(run: Run, params: Extract<Repair, { rule: 'reroute' }>, text: string): boolean {
  if (!params.not_that) return false;
  const extra = statesPhrase(run, params.not_that, text);
  return extra >= 0 && extra <= FACT_ALONE_EXTRA;
}

/** A corrected part read as a symptom needs this much of the model's confidence (else the words of patterns.yaml). */
const SURE = 0.6;

/**
 * A message that is only a password (「暗証番号 0000 を入れた」 at 「送信はできますか？」, 「ネットワーク暗証番号は1234」 as the
 * first message, the value after 「パスワードは」): masked and warned (engine.no_password, said for every masked text), it
 * carries no symptom and no answer, so nothing is concluded from what the models read in it (the intent model read
 * 「…を入れた」 `resolved` and closed the episode, 「ネットワーク暗証番号」 a network reset). No miss is counted.
 * Before any branch: the menu. At a question or a step: the same again. After the episode: nothing more.
 */
function secretOnly(params: Extract<Repair, { rule: 'secret_only' }>): TurnRule {
  return {
    name: 'secret_only',
    applies: ({ run, text }) => {
      if (run.secret) return true;
      const masked = maskSecrets(text);
      return (masked.redacted || run.maskedByTopic === true) && saysOnlySecret(run, masked.text, params.filler);
    },
    act: ({ run, node, collecting }) => {
      const { s, ctx } = run;
      if (s.status === 'escalated') return escalatedAlready(run);
      say(run, 'engine.secret_only');
      if (s.status !== 'active') return;
      // The hand-off form: the same fields again, its one re-ask not used up.
      if (collecting) return askFields(run, (s.pending ?? []) as HandoffField[], 'engine.handoff.reask');
      if (!node || (node.id === ctx.tree.start && s.intent === null)) return enter(run, ctx.tree.start);
      if (node.kind === 'step') return say(run, 'engine.step_again', undefined, choicesOf(run, node));
      prompt(run, node);
    },
  };
}

/**
 * 「パスワード知らない」 "I forgot my password" at a step or question: where a password is checked and reset — the service's
 * own account page, never this chat — then the node again (a step's buttons, a person among them; a question asked again).
 * The intent model reads such a reply as the auth symptom (「はい、その件で進めています」), the act model as other.
 */
function unknownPassword(params: Extract<Repair, { rule: 'unknown_password' }>): TurnRule {
  return {
    name: 'unknown_password',
    applies: (t) =>
      awaitsAnswer(t) &&
      textMentions(t.run, params.words, t.text) &&
      !(params.except && textMentions(t.run, params.except, t.text)),
    act: (t) => {
      say(t.run, 'engine.unknown_password');
      prompt(t.run, t.node!);
    },
  };
}

/**
 * A destructive word that also names a step of its own (`bare`: 「リセットしたほうがいい？」 "should I reset it?" — リセット also
 * names the network-settings reset): destructive only when the text names none of `except` (ネットワーク, Wi‑Fi, パスワード …:
 * the reset of something else) and the node on screen does not speak of it itself (at the network-reset question, the
 * Outlook app's 「アカウントのリセット」 step the question is about that step: its own help and moves answer it).
 */
function saysBareDestructive(t: TextTurn, params: Extract<Repair, { rule: 'destructive_question' }>): boolean {
  const { run, text } = t;
  if (!params.bare || !textMentions(run, params.bare, text)) return false;
  if (params.except && textMentions(run, params.except, text)) return false;
  if (!awaitsAnswer(t)) return true;
  const own = nodeWords(run, t.node!);
  return !foldedWords(run, params.bare).some((word) => own.includes(word));
}

/**
 * "should i format the phone?" 「初期化したほうがいいですか？」 at a step, a question or the two-stage fallback's
 * symptom question (trial-en-33 #21): a question about a destructive action (formatting, a factory reset, deleting the
 * account or the profile: `words`) that the node on screen does not ask for — no node with `destructive:`, `backup:` or
 * `confirm:` (there the move reassure answers what goes and what stays). Not needed now: light steps first, nothing is
 * deleted without a backup and the person's OK (engine.destructive_not_now); then the node (or the symptom question)
 * again. The intent model read it howto_prevention and the fallback offered "preventing recurrence". Only a question
 * (`ask` words, or a trailing question mark): "I factory reset it, still broken" is a result, read as any reply.
 */
function destructiveQuestion(params: Extract<Repair, { rule: 'destructive_question' }>): TurnRule {
  return {
    name: 'destructive_question',
    applies: (t) =>
      (awaitsAnswer(t) ? t.node!.destructive === undefined && t.node!.backup === undefined && !('confirm' in t.node! && t.node!.confirm !== undefined) : clarificationPending(t)) &&
      (textMentions(t.run, params.words, t.text) || saysBareDestructive(t, params)) &&
      (asksQuestion(t.text) || textMentions(t.run, params.ask, t.text)),
    act: (t) => {
      const { run } = t;
      say(run, 'engine.destructive_not_now');
      if (awaitsAnswer(t)) return prompt(run, t.node!);
      const offered = run.s.clarifyOffered!;
      say(run, 'engine.clarify_symptom', { symptom: msg(`ticket.intent.${offered[0]!}`) }, clarifyButtons(run, offered));
    },
  };
}

/**
 * 「SSLなしにしてもいいの？」 "can I just turn SSL off?" in the middle of a walk: a question whether to do what the guide
 * advises against (the guide: server name, port and SSL as the service's official settings say; without SSL the password and
 * mail travel unencrypted). The topic's answer — no, and why — then the node again. The act model read it how_to (the step's
 * help) or nothing (「うまく読み取れませんでした」). Only a question (`ask` words, or a trailing question mark).
 */
function unsafeQuestion(params: Extract<Repair, { rule: 'unsafe_question' }>): TurnRule {
  const topicOf = (t: TextTurn) => params.topics.find((topic) => textMentions(t.run, topic.words, t.text));
  return {
    name: 'unsafe_question',
    applies: (t) => awaitsAnswer(t) && topicOf(t) !== undefined && (asksQuestion(t.text) || textMentions(t.run, params.ask, t.text)),
    act: (t) => {
      say(t.run, topicOf(t)!.say as never);
      prompt(t.run, t.node!);
    },
  };
}

const REPAIRS: { [N in RepairName]: (params: Extract<Repair, { rule: N }>) => TurnRule } = {
  secret_only: secretOnly,
  correction,
  wants_person: wantsPerson,
  give_up: giveUp,
  frustration,
  vague_first_message: vagueFirstMessage,
  help_at_step: helpAtStep,
  cannot_answer: cannotAnswer,
  where_setting: whereSetting,
  unknown_password: unknownPassword,
  unsafe_question: unsafeQuestion,
  destructive_question: destructiveQuestion,
  off_topic_question: offTopicQuestion,
  explain_question: explainQuestion,
  reroute,
};

/** The rule of one entry of dialogs/patterns.yaml. */
export function repairRule(repair: Repair): TurnRule {
  return (REPAIRS[repair.rule] as (p: Repair) => TurnRule)(repair);
}
