/**
 * The dialog engine: a pure step function over the troubleshooting tree (dialogs/*.yaml), wired from its parts:
 *
 *   step(state | undefined, input, meta, ctx) → { state, replies, effects, intent }
 *
 *  - src/nlu/locale.ts     the conversation's language (the one detector);
 *  - src/nlu/replies.ts    what a reply means beside its intent (the recogniser: fixed, gives up, asks how …);
 *  - facts.ts              what every text turn tells (slots, model, OS, time, the error text, steps already done);
 *  - policy.ts             what a text turn does: an ordered table of named rules, repairs from dialogs/patterns.yaml;
 *  - actions.ts            what a click does;
 *  - tree.ts               the tree interpreter (enter, `when`, slots, automatic transitions, the bug guard);
 *  - answers.ts            answers at the node on screen; handoff.ts: the hand-off form; outside.ts: no node waits;
 *  - render.ts             messages → text, once, at the end of the turn (the pipeline calls it).
 *
 * No I/O, no clock (time is `meta.nowMs`), no randomness. User input never makes it throw; a bug (an unknown
 * node, more than MAX_HOPS automatic transitions) throws CodedError(Internal) for the pipeline's error handler.
 */
import { ERROR_INTENTS, INTENT_ROLE, type Intent, type NluResult } from '../core/index.js';
import { detectLocale } from '../nlu/locale.js';
import { parseFieldFacts } from '../nlu/fields.js';
import { namesOnlyOldDevice } from '../nlu/entities.js';
import { readReply, type ReplyReader } from '../nlu/replies.js';
import { onAction } from './actions.js';
import { acceptedActs, glossaryTerms, textMentions } from './answers.js';
import { absorb } from './facts.js';
import { afterOtherProblemQuestion } from './handoff.js';
import { walkOfChange } from './repairs.js';
import { applyPolicy, MIN_CONFIDENCE, policyOf, SWITCH_CONFIDENCE, type TextTurn } from './policy.js';
import { currentNode, say, type Run } from './run.js';
import { maskInTopic, maskSecrets } from './secrets.js';
import { besideSecrets, opensValue, REDACTION_MARK, valueAlone } from '../core/redact.js';
import { newState, upgradeState } from './state.js';
import { deriveCause, enter, isEntry, prompt } from './tree.js';
import { STATE_SCHEMA, type ConversationState, type StepContext, type StepInput, type StepMeta, type StepOutput } from './types.js';

export { ACTIONS, ENTITY_SLOTS } from './run.js';
export { HANDOFF_FIELDS, missingFields, type HandoffField } from './handoff.js';
export { MAX_HOPS, holds } from './tree.js';
export { MIN_CONFIDENCE, SWITCH_CONFIDENCE } from './policy.js';
export { newState } from './state.js';

/** Fillers that a language switch replaces with the question itself in the new language. */
const FILLERS = new Set(['engine.same_topic', 'engine.ack', 'engine.greet']);

/** One turn of the conversation. See the module comment. `read` is the reply recogniser (issue 12 swaps it). */
export function step(
  prev: ConversationState | undefined,
  input: StepInput,
  meta: StepMeta,
  ctx: StepContext,
  read: ReplyReader = readReply,
): StepOutput {
  const intent = input.kind === 'text' ? input.nlu.intent : null;
  const fresh = !prev || prev.schema !== STATE_SCHEMA;
  const s = fresh ? newState(meta, ctx, input.kind === 'text' ? detectLocale(input.text, undefined, meta.locale) : meta.locale) : upgradeState(prev, ctx.tree);
  s.turn += 1;
  s.updatedAtMs = meta.nowMs;
  s.channel = meta.channel;
  s.userId = meta.userId;
  if (meta.userName) s.userName = meta.userName;
  if (meta.permalink) s.permalink = meta.permalink;
  const run: Run = { s, replies: [], effects: [], meta, ctx, hops: 0, missed: false, learned: [], stated: [] };
  let rule: string | undefined;

  // `clarifying`: the two-stage fallback's 「「…」ということでしょうか？」 waits (no node yet): a reply to it is a reply too.
  const before = { locale: s.locale, node: s.node, status: s.status, clarifying: !!s.clarifyOffered?.length };
  // 「パスワードは」 sent alone, then the value: that message is the password. Read masked (nor its language), warned.
  let text = input.kind === 'text' ? (input.text ?? '') : '';
  run.secret = input.kind === 'text' && !fresh && s.valueNext === true && valueAlone(text);
  if (run.secret) text = REDACTION_MARK[s.locale];
  // 「パスワードを変えた」 said before, then 「ドコモメールの新しいのはホシゾラ」: the value is masked by the conversation's topic,
  // and the engine, the echo and the transcript keep that (StepOutput.secret), never the raw text.
  const inTopic = input.kind === 'text' && !fresh && !run.secret ? maskInTopic(text, prev) : undefined;
  if (inTopic !== undefined) {
    text = inTopic;
    run.maskedByTopic = true;
  }
  const opened = s.valueNext === true && !run.secret;
  delete s.valueNext;
  if (input.kind === 'text' && !run.secret && opensValue(text)) s.valueNext = true;
  if (input.kind === 'text') s.locale = detectLocale(text, fresh ? undefined : s.locale, meta.locale);

  if (fresh && prev) {
    // A state written by an older engine: restart politely rather than misread it.
    say(run, 'engine.tree_changed');
  } else if (!fresh && s.treeVersion !== ctx.tree.version) {
    if (s.node && !ctx.tree.nodes.has(s.node)) {
      // The node this conversation waited at is gone: restart, keeping what we know (slots, steps).
      say(run, 'engine.tree_changed');
      s.node = null;
      s.pending = undefined;
      if (s.status !== 'escalated') s.status = 'active';
    }
    s.treeVersion = ctx.tree.version;
  }

  if (input.kind === 'action') {
    if (fresh) {
      // A click on a conversation that has expired (or never existed here): say so and start again.
      if (!prev) say(run, 'engine.expired');
      enter(run, ctx.tree.start);
    } else onAction(run, input.value, input.nonce);
  } else {
    rule = onText(run, text, input.nlu, read);
    // Switched language mid-question (「…」 then "can we do this in English?"): show the question again in it.
    const node = currentNode(run);
    if (!fresh && before.locale !== s.locale && node && s.node === before.node && s.status === 'active' && !asked(run, node)) {
      // The filler ("that's what we're working on") is replaced by the question itself in the new language.
      run.replies = run.replies.filter((r) => !FILLERS.has(r.key));
      prompt(run, node);
    }
  }

  // 「パスワードは」, then 「担当者と話したい」 (or the person button), then the value: the label still waits for it, at
  // the hand-off form or with staff (pipeline/links.ts takeover reads it from the state).
  if (opened && !s.valueNext && handingOver(run, before)) s.valueNext = true;
  if (!run.missed) s.misses = 0;
  // Said once, a password change stays the conversation's topic for what is typed later (secrets.ts maskInTopic).
  if (s.slots.trigger === 'password_change') s.passwordTalk = true;
  s.cause = deriveCause(s);
  const out: StepOutput = { state: s, replies: run.replies, effects: run.effects, intent };
  if (run.clarification) out.clarification = run.clarification;
  if (run.secret || run.maskedByTopic) out.secret = text;
  // For staff (the transcript): what the reply was read as, and the rule that acted — the intent alone misleads at a
  // question (「もういいです」 reads as affirm 0.28 while the act model's give_up ended the conversation).
  // Only for a reply to a question on screen — a node's, or the two-stage fallback's ask-back before any node (「わかりません」
  // there was listed as the symptom model's 肯定 0.94): a first message is read by its intent.
  if ((before.node || before.clarifying) && run.reading?.act && run.reading.act !== 'other') out.reading = { act: run.reading.act, confidence: Math.round(run.reading.confidence * 1000) / 1000 };
  if (rule) out.rule = rule;
  return out;
}

/** Keys that put the hand-off form's question on screen (its fields, or the ticket already filed). */
const HANDOFF_ASKS = new Set(['engine.handoff.ask', 'engine.handoff.reask', 'engine.escalated_already', 'engine.escalated_already_no_id']);

/** True when this turn's replies already show the question of `node` (the hand-off form's is its fields). */
function asked(run: Run, node: NonNullable<ReturnType<typeof currentNode>>): boolean {
  if (node.kind === 'handoff') return run.replies.some((r) => HANDOFF_ASKS.has(r.key));
  return run.replies.some((r) => r.key === ('say' in node ? node.say : ''));
}

/** True when this turn handed the conversation over: it entered the hand-off form, or escalated. */
function handingOver(run: Run, before: { node: string | null; status: ConversationState['status'] }): boolean {
  const { s } = run;
  if (s.status === 'escalated' && before.status !== 'escalated') return true;
  return s.node !== before.node && currentNode(run)?.kind === 'handoff';
}

/** The facts of a masked text; a quote that is only marks (「［伏字］」) is no error text. */
function factsOf(masked: string): ReturnType<typeof parseFieldFacts> {
  const facts = parseFieldFacts(masked);
  if (facts.quotedError !== undefined && besideSecrets(facts.quotedError).trim() === '') delete facts.quotedError;
  return facts;
}

/**
 * Readings a "what does it mean" reply gets besides what_is: not knowing how, not knowing, or nothing placed — never a
 * result (「IMAPの意味が分からないけどまだダメ」 reads still_broken: the step's result, kept).
 */
const ASKS_MEANING: ReadonlySet<string> = new Set(['how_to', 'dont_know', 'other']);

/** A text turn: what it tells is absorbed, then the turn policy decides what it does. Returns the rule that acted. */
function onText(run: Run, text: string, raw: NluResult, read: ReplyReader): string | undefined {
  const { s, ctx } = run;
  run.text = text;
  // Act only on intents the NLU is reasonably sure of; entities are kept either way.
  let nlu: NluResult = raw.confidence >= MIN_CONFIDENCE ? raw : { ...raw, intent: 'out_of_scope' };
  // In a phone change, the old device named (「古いiPadにまだメールが設定されています」 at the new phone's password step) is
  // not the device in hand: it neither answers 「お使いの端末は？」 nor turns the new iPhone's steps into the iPad's (device-37).
  if (nlu.entities.device && (s.slots.trigger === 'device_change' || nlu.entities.trigger === 'device_change') && namesOnlyOldDevice(text)) {
    const { device: _old, ...rest } = nlu.entities;
    nlu = { ...nlu, entities: rest };
  }
  const node = currentNode(run);
  // The act model read in the node's context: the acts its answer group accepts (dialogs/answers.yaml). It reads the
  // text with its secrets masked, like the NLU (pipeline/links.ts): a password is never what a reply means.
  const accepts = node ? acceptedActs(ctx.tree, node) : [];
  run.reading = read(maskSecrets(text).text, nlu, node && s.status === 'active' ? { kind: node.kind, accepts } : undefined);
  // 「それってどういう意味？」 names no glossary term: a question about the step or question itself (how_to).
  if (run.reading?.act === 'what_is' && glossaryTerms(ctx.tree, text).length === 0) run.reading = { ...run.reading, act: 'how_to' };
  // 「プロファイルを入れろと言われても意味が分からない」 (trial-ja-34 #12, read dont_know: the choice's [手順を順番に] and the
  // deletion checklist) "I don't know what a profile means": a glossary term named with words that say its MEANING is not
  // understood is a what-is question about that term — its explanation, then the node again (leftovers-35).
  else if (run.reading && run.reading.act !== 'what_is' && ASKS_MEANING.has(run.reading.act ?? '') && accepts.includes('what_is') &&
    glossaryTerms(ctx.tree, text).length > 0 && textMentions(run, 'engine.says.meaning_words', text))
    run.reading = { ...run.reading, act: 'what_is' };
  // 「使ってない」 right after 「VPNってなに？」 was answered: what is not used is the term just explained — its light step
  // (glossary `step:`) is named, as in 「VPNは使ってない」 (facts.ts records it as skipped; the step on screen decides).
  const explained = s.explained?.turn === s.turn - 1 ? s.explained.terms : [];
  if (run.reading?.mentionsSkipped && run.reading.mentions.length === 0 && explained.length) {
    const steps = explained.flatMap((id) => ctx.tree.answers?.glossary?.[id]?.step ?? []);
    if (steps.length) run.reading = { ...run.reading, mentions: steps };
  }
  const collecting = node?.kind === 'handoff' && !!s.pending?.length && s.status === 'active';
  // Facts are read from the text masked whole: a part cut out of the raw text (a quote: 「パスワードは「からたちのはな」です」)
  // and masked alone has lost the label that made it a password, and would reach the state and the ticket as typed.
  const masked = maskSecrets(text);
  const facts = factsOf(masked.text);
  run.slotsBefore = { ...s.slots };
  absorb(run, text, masked.text, nlu, facts, collecting);
  run.secretSaid = run.secret === true || run.maskedByTopic === true || masked.redacted;
  if (run.secretSaid) say(run, 'engine.no_password');
  const named = symptomOfFact(run, nlu) ?? symptomOfChange(run, nlu);
  // The fact's symptom replaces the reading, and its uncertainty with it (no two-stage fallback over other symptoms).
  const { clarify: _unsure, clarifyByMargin: _byMargin, ...plain } = nlu;
  // A fact said on its own that names the very symptom the model reads, unsure, is as sure as a sure reading (outlook-36):
  // 「確認コードが届かない」 at 「お使いの端末は？」 (code: missing → mail_not_arriving, read so at 0.51) was only noted where
  // "the code never arrives" (0.99) switched to the not-arriving walk; both now do.
  const factSure = run.stated.length > 0 && run.factSymptom === nlu.intent;
  const turn: TextTurn = named
    ? { run, text, nlu: { ...plain, intent: named }, sure: true, node, collecting, facts, memo: {} }
    : { run, text, nlu, sure: raw.confidence >= SWITCH_CONFIDENCE || factSure, node, collecting, facts, memo: {} };
  // 「別の問題として新しく相談しますか？」 waiting: a message that does not answer it is handled as usual, then the question.
  const pendingOther = s.otherProblem;
  const rule = applyPolicy(policyOf(ctx.tree.patterns), turn);
  afterOtherProblemQuestion(run, pendingOther);
  return rule;
}

/**
 * A change stated with its new value typed (「ドコモメールの新しいのは［伏字］」, "I changed my password to [redacted]",
 * masked): the change is done and names the walk — patterns.yaml `vague_first_message: changed`, the walk whose entry
 * routes by that trigger — whatever the model reads in what is left. 「新しいのは［伏字］」 read as a new phone
 * (migration_device_change 0.70) walked a person who had changed their password to the phone-change steps, at the first
 * message and mid-walk alike. A request for a person, small talk or an answer the model does not read as a symptom keeps
 * its reading; so does a walk already on that symptom (no switch to make).
 */
function symptomOfChange(run: Run, nlu: NluResult): Intent | undefined {
  if (!nlu.entities.trigger || !isEntry(run, nlu.intent) || !run.secretSaid) return undefined;
  const walk = walkOfChange(run, nlu.entities.trigger);
  return walk !== undefined && walk !== nlu.intent && isEntry(run, walk) ? walk : undefined;
}

/**
 * The symptom a stated fact names (dialogs/main.yaml `fact_symptoms`), when it is to replace the intent model's reading:
 * no walk chosen yet (a first message, the menu, after an episode ended) and the model reads another symptom or
 * nothing. "my emails end up in the junk folder" read error_send (0.58; "my replies from customers end up in junk" 0.96)
 * and asked 「受信はできますか？」: the words of the fact (junk: lands) say the mail arrives, in the junk folder. A
 * request for a person, small talk or a topic (a how-to, a phone change) keeps its reading; a question states no fact (facts.ts)
 * but one of `fact_questions`, which names its walk over a topic reading too.
 */
function symptomOfFact(run: Run, nlu: NluResult): Intent | undefined {
  const named = run.factSymptom;
  // The model's own reading, when it is that symptom but unsure (「Mail Delivery Subsystem から返ってきた」: error_send or
  // mail_not_arriving?), is made sure by the fact: no two-stage fallback.
  if (!named || (nlu.intent === named && !nlu.clarify) || !isEntry(run, named)) return undefined;
  if (run.s.intent !== null && run.s.status === 'active') return undefined;
  // A fact a question states (main.yaml `fact_questions`) is what the question asks about: it names the walk over a topic
  // reading as well — "Are there any limits on iCloud Mail?" (big_file: howto) was read check_outage 0.51 and walked the
  // outage check (walks-37). A request for a person or small talk keeps its reading still.
  const topic = run.factAsked === true && INTENT_ROLE[nlu.intent] === 'topic';
  return ERROR_INTENTS.has(nlu.intent) || nlu.intent === 'out_of_scope' || topic ? named : undefined;
}
