/**
 * What a text turn tells us, whatever else it does: entity slots, device model, OS, time, frequency, mail
 * settings, the error text, and light steps the person says they already did. Filled on every text turn, so a
 * fact already given is never asked for again.
 */
import { ERROR_INTENTS, type Act, type Intent, type NluResult } from '../core/index.js';
import { deviceOfModel, type FieldFacts } from '../nlu/fields.js';
import { ENTITY_SLOTS, type Run } from './run.js';
import { maskSecrets } from './secrets.js';
import { opensValue } from '../core/redact.js';
import { holds } from './tree.js';
import { statesPhrase, textMentions } from './answers.js';

/**
 * Takes the facts of this turn's text into the state. `masked`: the text with its secrets masked (the engine masks it
 * once a turn). `collecting`: the hand-off form reads the answer itself.
 */
export function absorb(run: Run, text: string, masked: string, nlu: NluResult, facts: FieldFacts, collecting: boolean): void {
  const { s } = run;
  for (const slot of ENTITY_SLOTS) {
    const v = nlu.entities[slot];
    if (v && s.slots[slot] !== v) run.learned.push(slot);
    if (v) s.slots[slot] = v; // a new value overwrites: the user corrects themselves
  }
  if (facts.os && !nlu.entities.os_version) s.slots.os_version = facts.os;
  if (facts.model) {
    // A model given on its own (「Galaxy S23」 at a step) is news to note, like an entity.
    if (s.collected.model !== facts.model) run.learned.push('model');
    s.collected.model = facts.model;
    if (!s.slots.device) s.slots.device = deviceOfModel(facts.model);
  }
  if (facts.occurredAt) s.collected.occurredAt = facts.occurredAt;
  if (facts.frequency) s.collected.frequency = facts.frequency;
  for (const side of ['incoming', 'outgoing'] as const) {
    for (const [k, v] of Object.entries(facts[side] ?? {})) s.collected[`settings.${side}.${k}`] = String(v);
  }
  noteMentionedSteps(run);
  noteStatedFacts(run, text, nlu);
  // A quoted message is what the screen says: it replaces a symptom described in the user's own words.
  if (facts.quotedError && (nlu.entities.error_message || (!s.slots.error_message && (collecting || ERROR_INTENTS.has(nlu.intent))))) {
    s.errorText = maskSecrets(facts.quotedError).text;
    s.errorOwnWords = undefined;
  }
  if (collecting) return; // at hand-off the answer is read by collect(), field by field
  const words = symptomWords(run, masked, nlu);
  if (nlu.entities.error_message) {
    s.errorText = facts.quotedError ? maskSecrets(facts.quotedError).text : words || undefined;
    s.errorOwnWords = undefined;
  }
  // 「パスワードは」 alone (its value comes next) says nothing the screen shows: no error text for the ticket.
  else if (ERROR_INTENTS.has(nlu.intent) && !s.errorText && !opensValue(text)) {
    s.errorText = facts.quotedError ? maskSecrets(facts.quotedError).text : words || undefined;
    s.errorOwnWords = facts.quotedError || !s.errorText ? undefined : true;
  }
}

/**
 * The words of a symptom the ticket keeps as its エラー表示, without the clauses that ask for a person: from
 * 「担当者と話したい。iPhone 15、auのメールが昨日から受信できない」 the desk reads 「iPhone 15、auのメールが昨日から受信できない」,
 * not its own name as if the screen showed it. Only on a turn that asks for one; nothing left, no error text.
 */
function symptomWords(run: Run, text: string, nlu: NluResult): string {
  if (nlu.intent !== 'request_human' && run.reading?.act !== 'wants_human') return text;
  const clauses = text.split(/(?<=[。．！？!?\n、,，]|[.;]\s)/);
  const kept = clauses.filter((c) => !textMentions(run, 'engine.says.person_words', c));
  if (kept.length === clauses.length) return text;
  return kept.join('').replace(/^[\s。．、,，.!！?？;]+|[\s、,，;]+$/g, '');
}

/**
 * 「再起動もしたけどダメ」: a light step the user already did is marked done (its node then skips itself) and
 * recorded once as tried without success. 「VPNは使っていません」 up front: that step does not apply — marked done,
 * recorded as skipped. Only `done_*` slots the tree declares are used, so the tree stays in charge of which steps exist.
 */
function noteMentionedSteps(run: Run): void {
  const { s, ctx } = run;
  const reading = run.reading;
  if (!reading) return;
  const declared = ctx.tree.slots ?? {};
  const mentioned = reading.mentions.filter((slot) => slot in declared && !s.slots[slot]);
  // "No VPN" names one step; a sentence naming several is not read as "none of them apply".
  if (reading.mentionsSkipped && mentioned.length !== 1) return;
  for (const slot of mentioned) {
    // A step may have device variants (dev_restart / dev_restart_android): record the one this person would see.
    const steps = [...ctx.tree.nodes.values()].filter((n) => n.kind === 'step' && n.set?.[slot] !== undefined);
    const step = steps.find((n) => !n.when || holds(n.when, s.slots)) ?? steps[0];
    s.slots[slot] = 'yes';
    // News like a stated fact: a reply that only says it (「VPNは使ってないです」 at 「送信はできますか？」) is noted.
    run.learned.push(slot);
    if (step?.kind === 'step' && !s.stepsTried.some((x) => x.node === step.id))
      s.stepsTried.push({ node: step.id, title: step.title, result: reading.mentionsSkipped ? 'skipped' : 'not_resolved', atMs: run.meta.nowMs });
    tell(run, slot, reading.mentionsSkipped ? 'skipped' : 'not_resolved');
  }
}

/**
 * Keeps a step the person reported done for the walk to say so when it skips it (tree.ts). Not at a step: there the
 * step's answer says it already (「「再起動」は試し済みとして記録しました（あとで出てきても飛ばします）」).
 */
function tell(run: Run, slot: string, result: 'not_resolved' | 'skipped'): void {
  const node = run.s.node ? run.ctx.tree.nodes.get(run.s.node) : undefined;
  if (node?.kind === 'step' && run.s.status === 'active') return;
  (run.s.told ??= {})[slot] = result;
}

/**
 * Folded characters a reply may hold beside the words of a fact and still be that fact on its own (「はい、送信はできます」,
 * "sending works fine"); more (「受信はできるけど送信ができない」) says something else too, which is read as usual.
 */
export const FACT_ALONE_EXTRA = 6;

/** Acts that ask or doubt rather than state (how_to, what_is, dont_know): the facts they hold are not stated. */
const ASKING_ACTS: ReadonlySet<Act> = new Set(['how_to', 'what_is', 'dont_know']);

/**
 * 「送信はできます」, "2FA is on": facts the tree declares (dialogs/main.yaml `facts`) stated in passing. The slot is
 * filled (a later question it answers is not asked); a fact said on its own also marks the turn: such a reply is
 * noted, not read as a new symptom (policy.ts). A value is taken only when the text states one value of the slot.
 */
function noteStatedFacts(run: Run, text: string, nlu: NluResult): void {
  // A question or a doubt states nothing: "where do I check if 2FA is on?", 「2段階認証がオンかわからない」. A doubt the
  // act model reads only once `other` is weighed down (replies.ts OTHER_WEIGHT: a reply usually answers) is no doubt:
  // "550 user unknown" alone, an error text, reads `other` first — it states the returned mail.
  // A slot the tree declares a question states too (main.yaml `fact_questions`: 「添付ファイルは圧縮しなくていいんですか?」
  // asks the big-file how-to) is still read.
  const asking = run.reading?.act !== undefined && ASKING_ACTS.has(run.reading.act) && nlu.acts?.[0]?.act !== 'other';
  for (const [slot, values] of Object.entries(run.ctx.tree.facts ?? {})) {
    if (asking && !run.ctx.tree.factQuestions?.includes(slot)) continue;
    const stated = Object.entries(values)
      .map(([value, key]) => ({ value, extra: statesPhrase(run, key, text) }))
      .filter((x) => x.extra >= 0);
    if (stated.length !== 1) continue;
    const { value, extra } = stated[0]!;
    // The walk's own symptom gone (main.yaml `fact_fixes`): 「受信は大丈夫になりました」 in the receiving walk is "fixed",
    // not "the other side works" — which would take the sending walk. Said beside more, it is read as usual. A hedge
    // beside it (「たぶん受信は大丈夫になった」) is still that "fixed", half said: the rule hedged_fixed makes sure. Words that
    // say it works again beside it ("Now everything works well, sending and fetching mails.") say the same "fixed".
    // One side of a two-sided symptom gone (main.yaml `fact_narrows`: 「受信は大丈夫になった」 where both sides failed):
    // the slot narrows to the side still broken and the walk goes on for it (fact_given re-routes), no "fixed".
    const narrowed = narrowsTo(run, slot, value);
    if (narrowed) run.narrowed = narrowed;
    else if (fixesSymptom(run, slot, value) && statesPhrase(run, run.ctx.tree.facts![slot]![value]!, text, 'engine.says.hedge', 'engine.says.works_again') <= FACT_ALONE_EXTRA) {
      run.fixed = true;
      continue;
    }
    if (extra <= FACT_ALONE_EXTRA) run.stated.push(slot);
    const symptom = run.ctx.tree.factSymptoms?.[slot]?.[value] ?? symptomLeft(run, slot, value, nlu);
    if (symptom) {
      run.factSymptom = symptom as Intent;
      run.factAsked = run.ctx.tree.factQuestions?.includes(slot) === true;
    }
    if (run.s.slots[slot] === value) continue;
    run.learned.push(slot);
    run.s.slots[slot] = value;
    noteStepDone(run, slot, value);
  }
}

/** The fact slot = value contradicts the symptom of the walk the conversation is in (main.yaml `fact_fixes`). */
function fixesSymptom(run: Run, slot: string, value: string): boolean {
  const intent = run.s.intent;
  return intent !== null && (run.ctx.tree.factFixes?.[slot]?.[value] ?? []).includes(intent);
}

/**
 * Before any walk is chosen, a stated fact that contradicts the symptom the intent model reads (main.yaml `fact_fixes`:
 * "I am able to receive emails, but can't send any" read error_cannot_fetch 0.64, receiving said to work) names the side
 * it leaves broken (main.yaml `fact_narrows`: receiving works → error_send) — before, the receiving walk's opening was
 * said, then the sending one, and the ticket kept "cannot get mail" (trial-en-31 #3, thunderbird-android#2624). A fact
 * that does not contradict the reading (an auth error with "sending works") names nothing.
 */
function symptomLeft(run: Run, slot: string, value: string, nlu: NluResult): Intent | undefined {
  if (run.s.intent !== null && run.s.status === 'active') return undefined;
  const contradicted = run.ctx.tree.factFixes?.[slot]?.[value] ?? [];
  const left = Object.values(run.ctx.tree.factNarrows?.[slot] ?? {}).map((byValue) => byValue[value]).find((x) => x !== undefined) as Intent | undefined;
  if (contradicted.includes(nlu.intent)) return left;
  // The model unsure between the side the fact leaves broken and a side it says works (walks-37: 「iPhoneでExchangeとして
  // 設定しました。メールの取得はできるのに送信ができません」, read error_send with error_cannot_fetch close behind — the
  // company-mail routes part the two walks, so 「「送信できない」ということでしょうか？」 was asked): the fact decides.
  const candidates = nlu.clarify ?? [];
  return left !== undefined && candidates.includes(left) && candidates.some((i) => contradicted.includes(i)) ? left : undefined;
}

/** The symptom still broken when the fact slot = value is one side of the slot's two-sided value gone (main.yaml `fact_narrows`). */
function narrowsTo(run: Run, slot: string, value: string): Intent | undefined {
  const held = run.s.slots[slot];
  return held !== undefined ? (run.ctx.tree.factNarrows?.[slot]?.[held]?.[value] as Intent | undefined) : undefined;
}

/**
 * A stated fact that a step sets (`set:` — 「通知はオンになってる」 is the notification step's `done_notify`): that step
 * is done before it was shown (it skips itself), recorded once as tried, like a step reported done (noteMentionedSteps).
 * The step on screen is left to the answer (answers.ts: its own fact is "already done").
 */
function noteStepDone(run: Run, slot: string, value: string): void {
  const { s, ctx } = run;
  const steps = [...ctx.tree.nodes.values()].filter((n) => n.kind === 'step' && n.set?.[slot] === value);
  if (!steps.length || steps.some((n) => n.id === s.node)) return;
  // Only a step this conversation could meet (its `when` holds but for the fact itself): 「パソコンでは入れます」 on iCloud
  // notes no company-portal check.
  const step = steps.find((n) => !n.when || holds(n.when, { ...s.slots, [slot]: '' }));
  if (step?.kind === 'step' && !s.stepsTried.some((x) => x.node === step.id))
    s.stepsTried.push({ node: step.id, title: step.title, result: 'not_resolved', atMs: run.meta.nowMs });
  if (step?.kind === 'step') tell(run, slot, 'not_resolved');
}
