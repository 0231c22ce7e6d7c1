/**
 * Answers that belong to the node the user is at: an option named by intent, entity or its very words (labels
 * and `says` phrases of locales/, in either language), and what the node does with a reply act — its answer group
 * (dialogs/answers.yaml: fixed → resolved, still_broken → not_resolved, not_yet → again …). What a reply means comes
 * from the act model read in the node's context (src/nlu/replies.ts) as `run.reading`; this module only chooses.
 */
import { ACT_DEFS, INTENT_ROLE, type Act, type Intent, type MessageChoice, type NluResult } from '../core/index.js';
import { DEFAULT_ANSWERS, kindsOf, type AnswerMove, type DialogNode, type DialogOption, type DialogTree } from '../data/schemas.js';
import { besideSecrets } from '../core/redact.js';
import { foldAnswer, namedSteps, nearlySame, normalise, phraseLongEnough, saysPhrase } from '../nlu/replies.js';
import { ACTIONS, ENTITY_SLOTS, choicesOf, message, msg, say, type Run } from './run.js';
import { againAfterFact, applyOption, changesRoute, enter, holds, isEntry, isOwnTopic, prompt, recordStep, stepFits } from './tree.js';

/** Folded phrases per locale key, per I18n (its messages never change once built): folded once, not every turn. */
const folded = new WeakMap<object, Map<string, readonly string[]>>();

/** The '|'-separated words of a locale key in both languages, as written. */
export const localeWords = (i18n: Run['ctx']['i18n'], key: string): string[] => (['ja', 'en'] as const).flatMap((l) => i18n.t(key, undefined, l).split('|'));

/** The folded phrases of a locale key in both languages ('|'-separated alternatives). Shared: do not mutate. */
function phrases(run: Run, key: string | undefined): readonly string[] {
  if (!key) return [];
  const i18n = run.ctx.i18n;
  let cache = folded.get(i18n);
  if (!cache) folded.set(i18n, (cache = new Map()));
  let hit = cache.get(key);
  if (!hit) {
    hit = localeWords(i18n, key).map(foldAnswer).filter(Boolean);
    cache.set(key, hit);
  }
  return hit;
}

/**
 * The option the text chooses: by its very words, then intent, then entities, then the label (either locale) contained or
 * nearly said, then the act. `byMeaning: false` leaves out the intent and the act: a reply that only states a fact
 * (「はい、送信はできます」 to 「障害の案内は出ていましたか？」, read affirm) answers with its words or not at all.
 */
export function matchOption(run: Run, options: DialogOption[], text: string, nlu: NluResult, byMeaning = true): DialogOption | undefined {
  const said = foldAnswer(text);
  const labels = (o: DialogOption) => phrases(run, o.label).concat(foldAnswer(o.value), phrases(run, o.says));
  // The very words of a button beat the classifier: 「わからない」 is the [わからない] button, not "yes".
  const exact = said ? (options.find((o) => labels(o).includes(said)) ?? wholeReplyOption(run, options, said)) : undefined;
  if (exact) return exact;
  // At the explicit confirmation before a deletion (a choice with `confirm:`) a hedged reply picks nothing, not even by
  // the words of an option: 「多分控えたと思う」, 「そうかも」, "probably", "I think so?" are half a yes (issue 12 §5).
  const node = run.s.node ? run.ctx.tree.nodes.get(run.s.node) : undefined;
  const confirming = node !== undefined && 'confirm' in node && node.confirm !== undefined;
  if (confirming && hedges(run, text)) return undefined;
  // A fact stated this turn that an option sets (「前のスマホはもう初期化した」 → old_phone: gone) is that option, before
  // any of the words it shares with another (「前のスマホ」 is also 「古い端末にまだメールが設定されている」's).
  const byFact = options.find((o) => o.set && Object.entries(o.set).every(([k, v]) => run.stated.includes(k) && run.s.slots[k] === v));
  if (byFact) return byFact;
  // An option that lists the act read (`acts:`): "where do I check if 2FA is on?" (how_to) is [I don't know], which shows
  // where to check — before the words it shares with another option ("is on" is [It's on]'s).
  const byAct = byMeaning && !confirming && run.reading?.act ? options.find((o) => o.acts?.includes(run.reading!.act!)) : undefined;
  if (byAct) return byAct;
  // There the intent alone does not confirm either: the act reading in the node's context must say the same, surely
  // ("ok?" read affirm 0.97 by the intent model, 0.51 by the act model).
  const agrees = !confirming || (run.reading?.act !== undefined && ACT_DEFS[run.reading.act].intent === nlu.intent && run.reading.confidence >= SURE_ACT_SHARE);
  const byIntent = byMeaning && agrees ? options.find((o) => o.intents?.includes(nlu.intent)) : undefined;
  if (byIntent) return byIntent;
  const byEntity = options.find(
    (o) =>
      o.entities &&
      Object.entries(o.entities).every(([slot, want]) => {
        const have = (nlu.entities as Record<string, string | undefined>)[slot];
        return have !== undefined && (Array.isArray(want) ? want.includes(have) : want === have);
      }),
  );
  if (byEntity) return byEntity;
  if (!said) return undefined;
  const contained = containedOption(options, (o) => labels(o).filter((w) => !w.startsWith('=')), text, said, 3);
  if (contained) return contained;
  const close = options.filter((o) => labels(o).some((l) => !l.startsWith('=') && nearlySame(said, l)));
  if (close.length === 1) return close[0];
  // Last, the act read in this node's context where its group says it names an option (「はい、そうなっています」).
  // At the explicit confirmation before a deletion (a choice with `confirm:`) only a sure reading counts: a yes read
  // at a third of the share is no confirmation to delete a profile or an account.
  const sure = !confirming || (run.reading?.confidence ?? 0) >= SURE_ACT_SHARE;
  const act = byMeaning && sure ? run.reading?.act : undefined;
  const actIntent = act && node && moveOf(run, node) === 'option' ? ACT_DEFS[act].intent : undefined;
  return actIntent ? options.find((o) => o.intents?.includes(actIntent)) : undefined;
}

/**
 * The option one of whose `=word`s (in `says`) is the whole reply, filler aside: 「はい、できます」 "yes it can" to
 * 「送信はできますか？」 is [はい、送信はできる]. Such a word never counts inside a longer reply (「受信できない」 holds
 * 「でき」), as for facts (statesPhrase).
 */
function wholeReplyOption(run: Run, options: DialogOption[], said: string): DialogOption | undefined {
  const filler = [...phrases(run, 'engine.says.filler')].sort((a, b) => b.length - a.length);
  const whole = trimFiller(said, filler);
  // The word loses the same filler as the reply: 「=なってる」 is 「なってる」, whose 「てる」 is filler (「なっ」 both).
  return whole ? options.find((o) => phrases(run, o.says).some((w) => w.startsWith('=') && (w.slice(1) === whole || trimFiller(w.slice(1), filler) === whole))) : undefined;
}

/**
 * The reply only says again what the question is about (the node's `restated:` words, the whole reply but for filler and
 * `engine.says.restate_filler`): 「うけとれないです」, "I can't receive them" to 「送信はできますか？」 — no answer.
 */
export function restates(run: Run, node: DialogNode, text: string): boolean {
  const key = 'restated' in node ? node.restated : undefined;
  return key !== undefined && statesPhrase(run, key, text, 'engine.says.restate_filler') === 0;
}

/** The option of a question that lists the act read in its context (`acts:`), if any. */
export function optionOfAct(run: Run, node: DialogNode): DialogOption | undefined {
  const act = run.reading?.act;
  return act && 'options' in node && node.options ? node.options.find((o) => o.acts?.includes(act)) : undefined;
}

/** The mark of a fact's words that unsay it (`not:…`, folded as written): see statesPhrase. */
const NOT_MARK = 'not:';

/** The text contains one of the `|`-separated words of a locale key, in either language (folded like answers). */
export function textMentions(run: Run, key: string, text: string): boolean {
  const said = foldAnswer(text);
  return said !== '' && phrases(run, key).some((p) => said.includes(p));
}

/**
 * The text states the words of a locale key (either language, folded, contained and not negated): a stated fact. Returns
 * how many folded characters of the text are NOT such a phrase nor filler around it (-1: not stated), so a caller can
 * tell a fact said on its own (「送信はできます」, 「送信は普通にできてるんですけどね」, "yeah sending works totally fine")
 * from one said beside something else (「受信はできるけど送信ができない」). Filler (`engine.says.filler`, either
 * language: 「はい」「けど」「ね」, "yeah", "fine", "though") counts only at the ends of what is left before and after the
 * phrase, so a word inside a clause of its own is never dropped. `alsoFiller`: locale keys of more words to count so.
 */
export function statesPhrase(run: Run, key: string, text: string, ...alsoFiller: string[]): number {
  const said = foldAnswer(text);
  if (said === '') return -1;
  const filler = [...phrases(run, 'engine.says.filler'), ...alsoFiller.flatMap((k) => phrases(run, k))].sort((a, b) => b.length - a.length);
  // `=word`: the word states the fact only as the whole reply, filler aside (「Wi-Fiです」, "wifi"); inside a longer
  // reply (「Wi-Fiを切ったら送れた」) it is a step or a symptom, not the line the phone is on.
  const all = phrases(run, key);
  // `not:words`: a text holding them states no such fact, whatever else it holds — K-9's notification "Failed to send some
  // messages" says "some messages" of a sending failure, not "some mail never arrives" (trial-en-31, thunderbird-android#8110).
  if (all.some((p) => p.startsWith(NOT_MARK) && said.includes(p.slice(NOT_MARK.length)))) return -1;
  if (all.some((p) => p.startsWith('=') && trimFiller(said, filler) === p.slice(1))) return 0;
  const hits = all.filter((p) => !p.startsWith('=') && !p.startsWith(NOT_MARK) && phraseLongEnough(p, 4) && saysPhrase(text, said, p));
  if (!hits.length) return -1;
  return Math.min(
    ...hits.map((p) => {
      const at = said.indexOf(p);
      return trimFiller(said.slice(0, at), filler).length + trimFiller(said.slice(at + p.length), filler).length;
    }),
  );
}

/** `part` without filler words at either end (longest first, repeatedly). */
function trimFiller(part: string, filler: readonly string[]): string {
  let rest = part;
  for (let cut = true; cut && rest; ) {
    cut = false;
    for (const f of filler) {
      if (rest.startsWith(f)) rest = rest.slice(f.length);
      else if (rest.endsWith(f)) rest = rest.slice(0, -f.length);
      else continue;
      cut = true;
      break;
    }
  }
  return rest;
}

/**
 * A text whose secrets were masked says nothing beside them: with the marks and the password labels taken out
 * (core/redact.ts besideSecrets), every word left is one of the words people put around a password they type
 * (`fillerKey`, dialogs/patterns.yaml: `engine.says.secret_filler`: 「を入れた」, 「ネットワーク」, "my", "is", "typed"),
 * either language — not `engine.says.filler`, whose 「はい」 "yes" "fine" answer a question. 「暗証番号 ［伏字］ を入れた」
 * and "my password is [redacted]" carry no symptom and no answer; 「パスワードは［伏字］で、受信できない」 and "my password
 * is [redacted] and mail won't come" do. A Latin word counts only whole ("it" never eats the start of "itunes"); a
 * Japanese run loses such words at its ends, as statesPhrase trims filler.
 */
export function saysOnlySecret(run: Run, masked: string, fillerKey: string): boolean {
  const filler = [...phrases(run, fillerKey)].sort((a, b) => b.length - a.length);
  return besideSecrets(masked)
    .split(/[\s、。,.!?！？・「」『』"()（）:=<>\[\]［］-]+/)
    .map(foldAnswer)
    .every((w) => w === '' || (/^[\x00-\x7f]+$/.test(w) ? filler.includes(w) : trimFiller(w, filler) === ''));
}

/** An option the text names in so many words (label or `says`, whole or contained) — no intent or entity. */
export function matchWords(run: Run, options: DialogOption[], text: string): DialogOption | undefined {
  const said = foldAnswer(text);
  if (!said) return undefined;
  const words = (o: DialogOption) => phrases(run, o.label).concat(phrases(run, o.says));
  const contained = (o: DialogOption) => words(o).filter((w) => !w.startsWith('='));
  return options.find((o) => words(o).includes(said)) ?? wholeReplyOption(run, options, said) ?? containedOption(options, contained, text, said, 4);
}

/**
 * The option whose words the answer contains (not negated): the only one, or the one with the longest such phrase when
 * it is strictly the longest — 「送信できないし受信もできない」 holds 「送信できない」 (send only) and the longer 「受信もできない」
 * (both): both.
 */
function containedOption(options: DialogOption[], words: (o: DialogOption) => string[], text: string, said: string, minLatin: number): DialogOption | undefined {
  const longest = (o: DialogOption) => Math.max(0, ...words(o).filter((l) => phraseLongEnough(l, minLatin) && saysPhrase(text, said, l)).map((l) => l.length));
  const hits = options.map((o) => ({ o, n: longest(o) })).filter((x) => x.n > 0).sort((a, b) => b.n - a.n);
  return hits.length === 1 || (hits.length > 1 && hits[0]!.n > hits[1]!.n) ? hits[0]!.o : undefined;
}

/** The answer group of a node (its own `answers:` or its kind's default), as act → move. */
export function groupOf(tree: DialogTree, node: DialogNode): Partial<Record<Act, AnswerMove>> {
  const answers = tree.answers ?? DEFAULT_ANSWERS;
  const name = node.answers ?? answers.defaults[node.kind];
  return (name && answers.groups[name]) || {};
}

/** The acts a node accepts: those its answer group lists (the act model's context, src/nlu/replies.ts). */
export function acceptedActs(tree: DialogTree, node: DialogNode): Act[] {
  return Object.keys(groupOf(tree, node)) as Act[];
}

/** What the node on screen does with this turn's act (undefined: the act is none of its group's). */
export function moveOf(run: Run, node: DialogNode | undefined): AnswerMove | undefined {
  const act = run.reading?.act;
  return node && act ? groupOf(run.ctx.tree, node)[act] : undefined;
}

/** What answering at a node will do, decided before anything is done (so a policy rule can test it first). */
export type AnswerPlan = () => void;

type Glossary = NonNullable<NonNullable<DialogTree['answers']>['glossary']>;
/** Each glossary's terms as matchers, built once per loaded glossary (not per message). */
const glossaryMatchers = new WeakMap<Glossary, Array<{ id: string; names: (folded: string) => boolean }>>();

/** The glossary terms (dialogs/answers.yaml `glossary`) a text names, in the glossary's order. */
export function glossaryTerms(tree: DialogTree, text: string): string[] {
  const glossary = tree.answers?.glossary;
  if (!glossary) return [];
  let matchers = glossaryMatchers.get(glossary);
  if (!matchers) {
    matchers = Object.entries(glossary).map(([id, term]) => ({ id, names: wordsMatcher(term.words) }));
    glossaryMatchers.set(glossary, matchers);
  }
  const plain = plainText(text);
  return matchers.filter((m) => m.names(plain)).map((m) => m.id);
}

/**
 * The node that answers what a glossary term is (glossary `node:`), when the text asks what it is: read what_is by the
 * act model, or saying the words of a what-is question (`engine.says.what_is_words`, `engine.says.meaning_words`).
 * 「メールアカウントエラーって何ですか」 "what is a mail account error?" → faq_what; 「メールアカウントエラーが出ます」
 * "I get a mail account error" asks nothing (faq-36).
 */
export function meaningNode(run: Run, text: string): string | undefined {
  const glossary = run.ctx.tree.answers?.glossary ?? {};
  const nodes = glossaryTerms(run.ctx.tree, text).flatMap((id) => glossary[id]?.node ?? []);
  if (nodes.length === 0) return undefined;
  const asks = run.reading?.act === 'what_is' || textMentions(run, 'engine.says.what_is_words', text) || textMentions(run, 'engine.says.meaning_words', text);
  return asks ? nodes[0] : undefined;
}

/** A text as word matchers read it: NFKC, whitespace collapsed, lower case (punctuation kept: "?" can be a word). */
const plainText = (text: string): string => normalise(text).toLowerCase();

/**
 * One matcher for a list of words, read on `plainText`: a word that begins or ends with a Latin letter or digit matches
 * only at that word boundary ("port" is not in "support", "might" not in "mighty"); other text is contained (Japanese
 * words, "?"). Built once per word list, one regular expression.
 */
function wordsMatcher(words: readonly string[]): (plain: string) => boolean {
  const plain = words.map(plainText).filter(Boolean);
  if (!plain.length) return () => false;
  const re = new RegExp(alternation(plain, 'a-z0-9'));
  return (text) => re.test(text);
}

/** Words as one alternation; a word that begins or ends with a character of the class `edge` matches only at that edge. */
export function alternation(words: readonly string[], edge: string): string {
  const at = new RegExp(`[${edge}]`);
  return words.map((w) => `${at.test(w[0]!) ? `(?<![${edge}])` : ''}${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${at.test(w.at(-1)!) ? `(?![${edge}])` : ''}`).join('|');
}

/** The mark of a word that counts only at an edge of the reply (`word…`: its opening, `…word`: its ending), as plainText reads it. */
const EDGE_MARK = '...';

/** Each I18n's edge matchers (saysAtEdge), per locale key, built once. */
const edgeMatchers = new WeakMap<object, Map<string, RegExp | null>>();

/**
 * The text says one of the words of a locale key (either language, read as word matchers read it: a Latin word only
 * whole) where the word must stand: `word…` only as the reply's opening (`engine.says.opens_no`: 「いいえ…」「まだ…」,
 * "no…", "still…"), `…word` only as its ending (`engine.says.question_form`: 「…かな」), an unmarked word anywhere.
 */
export function saysAtEdge(run: Run, key: string, text: string): boolean {
  const i18n = run.ctx.i18n;
  let byKey = edgeMatchers.get(i18n);
  if (!byKey) edgeMatchers.set(i18n, (byKey = new Map()));
  let re = byKey.get(key);
  if (re === undefined) {
    const words = localeWords(i18n, key).map(plainText);
    const marked = (w: string) => w.length > EDGE_MARK.length && (w.startsWith(EDGE_MARK) || w.endsWith(EDGE_MARK));
    const opening = words.filter((w) => marked(w) && w.endsWith(EDGE_MARK)).map((w) => w.slice(0, -EDGE_MARK.length));
    const ending = words.filter((w) => marked(w) && w.startsWith(EDGE_MARK)).map((w) => w.slice(EDGE_MARK.length));
    const anywhere = words.filter((w) => w !== '' && !marked(w));
    const parts = [
      ...(opening.length ? [`^(?:${alternation(opening, 'a-z0-9')})`] : []),
      ...(ending.length ? [`(?:${alternation(ending, 'a-z0-9')})$`] : []),
      ...(anywhere.length ? [alternation(anywhere, 'a-z0-9')] : []),
    ];
    re = parts.length ? new RegExp(parts.join('|')) : null;
    byKey.set(key, re);
  }
  return re !== null && re.test(plainText(text));
}

/**
 * The glossary terms that are settings with a place on the device (`where: true`) which the text asks where to find:
 * 「送信サーバーってどこ？」 "where do I find the outgoing server setting?": a where-word (locales `engine.says.where`) with
 * the act read how_to (however unsure: the intent model reads the term as the sending symptom), dont_know or none.
 * 「送信サーバーってなに？」 (what_is) is the term's explanation instead; "how do I reinstall the profile?" (no where) the
 * carrier-setup topic; 「送信サーバーの設定を直したら送れた」 is fixed.
 */
export function whereTerms(run: Run, text: string): string[] {
  const glossary = run.ctx.tree.answers?.glossary ?? {};
  const terms = glossaryTerms(run.ctx.tree, text).filter((id) => glossary[id]?.where);
  if (!terms.length) return [];
  const act = run.reading?.act;
  const asks = (act === undefined || act === 'how_to' || act === 'dont_know') && textMentions(run, 'engine.says.where', text);
  return asks ? terms : [];
}

/** The messaging-app matcher per I18n (locales `engine.says.other_messaging` and `engine.says.mail_named`), built once. */
const messagingMatchers = new WeakMap<object, { apps: RegExp[]; mail: (plain: string) => boolean }>();

/**
 * The text is about a messaging service that is not mail — LINE, SMS / ショートメール, +メッセージ, iMessage, WhatsApp
 * (locales `engine.says.other_messaging`, either language) — and names no mail once those words are taken out
 * (`engine.says.mail_named`: 「ショートメール」 is no メール, 「メールもLINEも」 is). An all-capitals word (LINE, SMS) matches
 * only in capitals: "line" is also the connection ("mobile line"), 「LINE」 the app.
 */
export function aboutOtherMessaging(run: Run, text: string): boolean {
  const i18n = run.ctx.i18n;
  let m = messagingMatchers.get(i18n);
  if (!m) {
    const words = (key: string) => localeWords(i18n, key).map((w) => w.trim()).filter(Boolean);
    const apps = words('engine.says.other_messaging');
    const pattern = (ws: string[]) => alternation(ws.sort((a, b) => b.length - a.length), 'A-Za-z0-9');
    const caps = apps.filter((w) => /^[A-Z0-9+]+$/.test(w));
    const rest = apps.filter((w) => !caps.includes(w));
    m = {
      apps: [...(caps.length ? [new RegExp(pattern(caps), 'g')] : []), ...(rest.length ? [new RegExp(pattern(rest), 'gi')] : [])],
      mail: wordsMatcher(words('engine.says.mail_named')),
    };
    messagingMatchers.set(i18n, m);
  }
  let said = normalise(text);
  let named = false;
  for (const re of m.apps) {
    said = said.replace(re, () => {
      named = true;
      return ' ';
    });
  }
  return named && !m.mail(plainText(said));
}

/** Leaving the current branch (a new symptom, goodbye) needs more certainty than answering the question at hand. */
export const SWITCH_CONFIDENCE = 0.6;

/** A sure branch entry other than the branch's own: news (a new symptom or topic), not an answer to the node. */
function isNews(run: Run, nlu: NluResult): boolean {
  return isEntry(run, nlu.intent) && nlu.intent !== run.s.intent && nlu.confidence >= SWITCH_CONFIDENCE;
}

/** The text is surely about another topic (howto_*: app password, backup, network reset …) than the branch's. */
function asksForTopic(run: Run, nlu: NluResult): boolean {
  return INTENT_ROLE[nlu.intent] === 'topic' && isNews(run, nlu);
}

/**
 * Is the topic the intent model reads the very term asked about (dialogs/answers.yaml glossary `topic`)? "what's an app
 * password?" is (howto_app_password); "what's a profile?", read howto_carrier_setup, is a question about a word, not
 * the carrier-setup walk. A what-is naming no glossary term leaves it to the intent model.
 */
function termIsTopic(run: Run, text: string, nlu: NluResult): boolean {
  const glossary = run.ctx.tree.answers?.glossary ?? {};
  const terms = glossaryTerms(run.ctx.tree, text);
  return terms.length === 0 || terms.some((id) => glossary[id]?.topic === nlu.intent);
}

/**
 * The move `explain`: what each term named means, then the node again. A what_is reading that names no glossary term
 * was read as how_to already (dialog/engine.ts: 「それってどういう意味？」 asks about the step itself).
 */
function explain(run: Run, node: DialogNode, text: string): void {
  const terms = glossaryTerms(run.ctx.tree, text).slice(0, 3);
  for (const id of terms) say(run, `tree.glossary.${id}`);
  run.s.explained = { terms, turn: run.s.turn };
  prompt(run, node);
}

/**
 * The move `reassure`: what the node on screen deletes or resets (its `destructive:` kinds, the `backup:` kinds a
 * checklist node prepares for, or the `confirm:` kinds a confirmation right before the deletion confirms) and what stays — the guide's §6 and §19 (IMAP mail stays on the server; device
 * settings, saved Wi‑Fi passwords and VPN settings go) — or, at a light step, that nothing is deleted. Then the
 * node again, so the person decides with the buttons (the person is among them).
 */
function reassure(run: Run, node: DialogNode): void {
  // A profile holds the mail account: one answer for either (the checklist nodes prepare for both). The explicit
  // confirmation after a checklist ([控えた・アカウントを削除して追加し直す], `confirm:`) is about that deletion too:
  // 「じゃあ消えないってこと？」 there is answered with what goes and what stays, never 「データが消えることはありません」.
  const kinds = new Set(kindsOf(node.destructive ?? node.backup ?? node.confirm).map((k) => (k === 'network' ? 'network' : 'account')));
  // A light step that deletes something itself (the outbox's mail, photos for space: `removes:`) says what, never
  // 「データが消えることはありません」 (round 29: 「写真消すの？」 at the storage step was told nothing is deleted).
  if (kinds.size === 0) say(run, node.kind === 'step' && node.removes ? node.removes : 'engine.reassure.light');
  for (const kind of kinds) say(run, `engine.reassure.${kind}`);
  prompt(run, node);
}

/** How the text answers the node the user is at, or undefined when it is no answer to that node. Pure. */
export function planAnswer(run: Run, node: DialogNode, text: string, nlu: NluResult): AnswerPlan | undefined {
  const { s, ctx } = run;
  // The walk's own symptom gone, said as a fact (「受信は大丈夫になりました」 to 「送信はできますか？」 in the receiving walk,
  // main.yaml `fact_fixes`): no option of the question — the rule `resolved` takes it to the resolve node.
  if (run.fixed && (node.kind === 'ask' || node.kind === 'choice')) return undefined;
  // A report of steps done where a question waits (「再起動してみたけど、やっぱり受信できない」 to 「送信はできますか？」):
  // the steps it names are already marked done (facts.ts); say so and ask the question again, instead of "not understood".
  // A report that names no step (「ダメでした」 to 「お使いの端末は？」) has nothing to note: it is no answer (a miss,
  // whose ladder offers a person), never 「試したことは記録しました」 three times over.
  if ((node.kind === 'ask' || node.kind === 'choice') && moveOf(run, node) === 'noted' && run.reading!.mentions.length > 0 && !matchOption(run, node.options, text, nlu) && !factNamesSymptom(run, nlu.intent)) {
    // A fact said in the same reply (「送信はできます！… 再起動はもうやったんですけど…」 to 「送信はできますか？」) is
    // noted with the steps, and the node goes on as after any fact: never the question the person has just answered.
    if (run.learned.some((slot) => !run.reading!.mentions.includes(slot)))
      return () => {
        say(run, 'engine.steps_fact_noted');
        againAfterFact(run, node);
      };
    return () => {
      say(run, 'engine.steps_noted');
      say(run, node.say, undefined, choicesOf(run, node));
    };
  }
  // 「VPNってなに？」 "what is IMAP?": the glossary's explanation of the terms named, then the node again. A question
  // about a term that is a topic of its own ("what's an app password?", read surely as that topic) opens the topic,
  // which explains it and walks through it.
  // Asked about a term that is its topic, it is no answer to this node either (not an option by its words: "what's an
  // app password?" is no [Sign-in error on the new phone]): the rule new_symptom opens the topic.
  // At a step of that topic's own walk (「アプリ用パスワードってなに？」 at the app-password step) the term is explained here.
  if (moveOf(run, node) === 'explain')
    return asksForTopic(run, nlu) && termIsTopic(run, text, nlu) && !isOwnTopic(run, nlu.intent, node) ? undefined : () => explain(run, node, text);
  // 「消して大丈夫ですか？」 "will I lose my emails?": what this node deletes and keeps, then the node again — unless the
  // reply names one of the node's buttons in so many words (「控えたので削除します」 answers the question).
  // A sure new symptom is news, not a question about this node: 「メールが消えた」 (mail vanished) is no 「消えませんか？」.
  // A how-to topic is no news at a node that itself deletes or shows the checklist before deleting: "will I lose my
  // emails if I delete it?" (read howto_backup) at the checklist is about this deletion, not the backup how-to again.
  // A step that removes something itself (`removes:` — the outbox's stuck mail) is that node too, and so is any step asked
  // whether mail or data is lost (read howto_backup, the topic of keeping it): 「メール消えちゃうの？」 at the outbox step
  // (trial: read howto_backup surely, the walk switched to the backup how-to) is about the step on screen.
  // 「これってウイルス?」「信頼していいの？」 "can I trust it?" at a step with its own answer to that (`trust:` — the
  // certificate step): when to trust and when not, then the step again (it was 「うまく読み取れませんでした」).
  if (node.kind === 'step' && node.trust !== undefined && asksTrustAtStep(run, node, text)) {
    const trust = node.trust;
    return () => {
      say(run, trust);
      prompt(run, node);
    };
  }
  const stepLoses = node.kind === 'step' && (node.removes !== undefined || nlu.intent === 'howto_backup');
  const news = isNews(run, nlu) && !(INTENT_ROLE[nlu.intent] === 'topic' && (node.destructive !== undefined || node.backup !== undefined || stepLoses));
  if (moveOf(run, node) === 'reassure' && !news && !('options' in node && node.options && matchWords(run, node.options, text))) return () => reassure(run, node);
  // "wait, will that delete my mail?" at the outbox step: read howto_backup (the topic of keeping mail), no act of the
  // step's group read — a question whether the step on screen, which removes something itself (`removes:`), loses mail:
  // the same answer as 「消えませんか？」 (what it removes), then the step again (it got "didn't quite get that").
  // 「え、それってメール消えますか？」 there (read out_of_scope, is_it_safe surely but how_to in the step's context) is the
  // same question (asksLossAtStep).
  if (node.kind === 'step' && node.removes !== undefined && !news && ((nlu.intent === 'howto_backup' && moveOf(run, node) === undefined && asksQuestion(text)) || asksLossAtStep(run, nlu)))
    return () => reassure(run, node);
  // 「わかりました」「了解です」 "ok, got it" to 「送信はできますか？」 acknowledge what was said; they are no "yes" (the
  // intent model reads them affirm): the question again, briefly, with its buttons.
  // A bare "ok" to the checklist before a deletion (a choice with `confirm:`) is the same: it does not say the backup is done.
  const confirming = 'confirm' in node && node.confirm !== undefined;
  if ((node.kind === 'ask' || node.kind === 'choice') && (saysOnly(run, 'engine.says.acknowledge', text) || (confirming && saysOnly(run, 'engine.says.okay', text))) && !matchWords(run, node.options, text)) {
    return () => say(run, 'engine.ack_question', undefined, choicesOf(run, node));
  }
  switch (node.kind) {
    case 'ask': {
      let opt = matchOption(run, node.options, text, nlu, byMeaning(run, nlu));
      const entityValue = (nlu.entities as Record<string, string | undefined>)[node.slot];
      // "iOS Mail app" to "Which device is it?": the entity words read the family's usual member (device: iphone, so a first
      // message "iOS Mail …" is not asked the device; content-36), but to the question itself it is an answer in part —
      // which of the two (below), unless an option's own words were said ("iOS mail on the iPad").
      const said = foldAnswer(text);
      const part = said ? node.narrows?.find((n) => phrases(run, n.says).some((w) => phraseLongEnough(w, 3) && saysPhrase(text, said, w))) : undefined;
      if (!opt && part && entityValue !== undefined && part.values.includes(entityValue)) return () => say(run, 'engine.which_one', undefined, choicesOf(run, node).filter((c) => part.values.includes(c.value)));
      if (!opt && entityValue) opt = node.options.find((o) => o.value === entityValue);
      if (opt) {
        const chosen = opt;
        return () => {
          s.slots[node.slot] = chosen.value;
          enter(run, applyOption(run, chosen, chosen.next ?? node.next));
        };
      }
      // An entity value the options do not list (e.g. carrier "rakuten"): the slot is filled; go on.
      if (entityValue) return () => enter(run, node.next);
      if (yesToWhichOne(run, node, nlu)) return () => say(run, 'engine.which_one', undefined, choicesOf(run, node));
      // "iOS Mail app" to "Which device is it?": an answer in part (the node's `narrows:` words) — which of the options it
      // leaves, with those buttons only (iPhone or iPad).
      if (part) return () => say(run, 'engine.which_one', undefined, choicesOf(run, node).filter((c) => part.values.includes(c.value)));
      return undefined;
    }
    case 'choice':
    case 'resolve': {
      const opt = node.options ? matchOption(run, node.options, text, nlu, byMeaning(run, nlu)) : undefined;
      if (opt?.next) {
        const next = opt.next;
        return () => enter(run, applyOption(run, opt, next));
      }
      // 「はい」 at a question whose buttons are results (answer group `result`: 「削除した」「見当たらない」): no result
      // said — which one, with the buttons (also right after the bot explained what the deletion keeps).
      if (node.kind === 'choice' && !opt && moveOf(run, node) === 'ask_result') return () => say(run, 'engine.result_which', undefined, choicesOf(run, node));
      if (node.kind === 'choice' && !opt && yesToWhichOne(run, node, nlu)) return () => say(run, 'engine.which_one', undefined, choicesOf(run, node));
      if (node.kind === 'resolve') {
        const move = moveOf(run, node);
        const first = node.options?.[0];
        if (move === 'first_option' && first?.next) {
          const next = first.next;
          return () => enter(run, applyOption(run, first, next));
        }
        if (move === 'end') return () => enter(run, ctx.tree.globals.end);
      }
      return undefined;
    }
    case 'step':
      return planStepAnswer(run, node, text, nlu);
    default:
      return undefined;
  }
}

/**
 * The buttons of a question as it is asked: all its options, or only those a fact said earlier leaves (a `narrows:` entry
 * with `slot:` whose words are in that slot's value — 「iOS 18です」 before 「お使いの端末は？」 is an iPhone or an iPad,
 * so Android is not offered; device-37). A reply may still name any option (a correction).
 */
export function askChoices(run: Run, node: Extract<DialogNode, { kind: 'ask' }>): MessageChoice[] {
  const all = choicesOf(run, node);
  const part = knownNarrow(run, node);
  return part ? all.filter((c) => part.values.includes(c.value)) : all;
}

/** The node's `narrows:` entry whose words a slot already holds (its `slot:`), if any. */
function knownNarrow(run: Run, node: Extract<DialogNode, { kind: 'ask' }>): { values: string[] } | undefined {
  return node.narrows?.find((n) => {
    const have = n.slot ? run.s.slots[n.slot] : undefined;
    const said = have ? foldAnswer(have) : '';
    return !!said && phrases(run, n.says).some((w) => phraseLongEnough(w, 3) && saysPhrase(have!, said, w));
  });
}

/**
 * The reply only names an entity (「iPhoneです」, "it's an iPhone": no symptom, a device, carrier, service …): a fact said
 * on its own, noted by the rule fact_given.
 */
export function namesEntityOnly(nlu: NluResult): boolean {
  return nlu.intent === 'out_of_scope' && ENTITY_SLOTS.some((k) => nlu.entities[k] !== undefined);
}

/**
 * May the reply's intent or act pick an option (「はい」 → the option listing affirm)? Not when it states a fact on its own
 * or names a step (facts.ts notes both): 「はい、送信はできます」 to 「障害の案内は出ていましたか？」 and 「VPNは使ってないです」
 * to 「送信はできますか？」 (read deny) are no yes or no to the question; they answer with an option's words or not at all.
 * Nor when it only names an entity: "it's an iPhone" at the backup checklist (read affirm at a choice, share 0.37) is no
 * 「控えた・削除する」 — it would have opened the profile deletion.
 */
function byMeaning(run: Run, nlu: NluResult): boolean {
  return run.stated.length === 0 && !run.reading?.mentions.length && !namesEntityOnly(nlu);
}

/**
 * 「はい」「うん」 "yes" to a which-one question (「いちばん近いものを選んでください」, 「お使いの端末は？」): no option
 * takes a yes (none lists affirm), so it says none of them — which one, with the buttons again, not 「うまく読み取れません
 * でした」. Only a bare yes (the act affirm, read where the group's move is `option`, nothing else stated).
 */
function yesToWhichOne(run: Run, node: Extract<DialogNode, { kind: 'ask' | 'choice' }>, nlu: NluResult): boolean {
  return (
    run.reading?.act === 'affirm' &&
    moveOf(run, node) === 'option' &&
    byMeaning(run, nlu) &&
    !(node.options ?? []).some((o) => o.intents?.includes('affirm'))
  );
}

/** The hedge matcher per I18n (locales `engine.says.hedge`, both languages), built once; and the look-alikes' pattern. */
const hedgeMatchers = new WeakMap<object, { hedge: (plain: string) => boolean; lookalike?: RegExp }>();

/**
 * The reply hedges (locales `engine.says.hedge`, either language): 「たぶん」「かも」「だと思う」「一応」「まあ」, "maybe",
 * "probably", "I suppose", "kind of", "not sure", a question mark ("ok?", 「はい？」). Half a yes is no confirmation to
 * delete, and half a goodbye or a give-up is no end. Words that only hold a hedge's letters (`engine.says.hedge_lookalike`:
 * the かも of 「なんかもう面倒なのでいいです」, "might as well") are taken out first: they hedge nothing.
 */
export function hedges(run: Run, text: string): boolean {
  const i18n = run.ctx.i18n;
  let m = hedgeMatchers.get(i18n);
  if (!m) {
    const alike = localeWords(i18n, 'engine.says.hedge_lookalike').map(plainText).filter(Boolean);
    m = { hedge: wordsMatcher(localeWords(i18n, 'engine.says.hedge')), ...(alike.length ? { lookalike: new RegExp(alternation(alike, 'a-z0-9'), 'g') } : {}) };
    hedgeMatchers.set(i18n, m);
  }
  const plain = plainText(text);
  return m.hedge(m.lookalike ? plain.replace(m.lookalike, ' ') : plain);
}

/**
 * The whole reply is a hedge or a hesitation, filler aside (「たぶんね」, 「うーん」, "I suppose", "maybe?", "hmm"): no
 * request for a person, no goodbye; at a step, unsure whether it works. A hesitation counts only said on its own (with
 * hedges and filler): 「うーん、もういいです」 is still a give-up.
 */
export function onlyHedges(run: Run, text: string): boolean {
  const said = foldAnswer(text);
  const hesitations = phrases(run, 'engine.says.hesitate');
  if (said === '' || !(hedges(run, text) || hesitations.some((w) => said.includes(w)))) return false;
  const words = [...phrases(run, 'engine.says.hedge'), ...phrases(run, 'engine.says.filler'), ...hesitations].sort((a, b) => b.length - a.length);
  return trimFiller(said, words) === '';
}

/**
 * The whole reply is one of the words of a locale key (either language, folded): an acknowledgement
 * (`engine.says.acknowledge`: 「わかりました」, "ok, got it") or a bare "ok" (`engine.says.okay`: 「OK」, 「オッケーです」, "okay").
 */
function saysOnly(run: Run, key: 'engine.says.acknowledge' | 'engine.says.okay', text: string): boolean {
  const said = foldAnswer(text);
  return said !== '' && phrases(run, key).includes(said);
}

/**
 * "How do I do that?" at a step (the group's `help` move), unless the reply names a symptom (the repair `help_at_step`
 * acts on it) or asks whether the step loses mail (asksLossAtStep: answered by `reassure` in planAnswer).
 */
export function asksHowAtStep(run: Run, nlu: NluResult): boolean {
  const node = run.s.node ? run.ctx.tree.nodes.get(run.s.node) : undefined;
  return node?.kind === 'step' && moveOf(run, node) === 'help' && !namesEntry(run, nlu) && !asksLossAtStep(run, nlu);
}

/**
 * At a step that removes something itself (`removes:` — the outbox's stuck mail), the act model reads the reply surely as
 * is_it_safe over every act (readsSurely). The reading in context would not: the node kind's prior (act-prior.ts) has no
 * real reply at a step that asked it, so 「え、それってメール消えますか？」 (is_it_safe 0.86, read out_of_scope) became how_to
 * and got the step's help. At such a step the question is expected, so the act model's own sure reading counts.
 */
export function asksLossAtStep(run: Run, nlu: NluResult): boolean {
  const node = run.s.node ? run.ctx.tree.nodes.get(run.s.node) : undefined;
  return node?.kind === 'step' && node.removes !== undefined && readsSurely(nlu, 'is_it_safe') && !namesEntry(run, nlu);
}

/**
 * A share of the act reading from which the reply is the act even when the intent model leans to a branch entry.
 * The act model learns every symptom and topic phrase as its background act `other`, so a reply it reads as how_to
 * this surely asks about the step or question on screen (「設定ってどこにあるの？」, "where do I find that setting?",
 * which the intent model reads as howto_carrier_setup / howto_backup), while a topic asked for by name
 * ("how do I create an app password?") keeps most of its mass on `other` and stays a new topic.
 */
export const SURE_ACT_SHARE = 0.8;

/** The act model's first reading of the text, over every act (before the node's context), is `act` with at least SURE_ACT_SHARE. */
export const readsSurely = (nlu: NluResult, act: string): boolean => nlu.acts?.[0]?.act === act && nlu.acts[0].confidence >= SURE_ACT_SHARE;

/** The text names a branch entry (a new symptom or topic) rather than answering the node with a sure act. */
export function namesEntry(run: Run, nlu: NluResult): boolean {
  return isEntry(run, nlu.intent) && !(run.reading?.act !== undefined && run.reading.confidence >= SURE_ACT_SHARE);
}

/** Slots a reply may correct (a value known before this turn, another one now). */
const CORRECTABLE = ['device', 'carrier', 'service'] as const;

/**
 * This turn's text changed a device, carrier or mail service the conversation already knew (a correction of a fact),
 * or named one first that the step on screen does not fit: "huawei p30" at the notification walk's fetch step, shown
 * in its iPhone wording while the device was not known (its `when` takes "-" with the iPhone), is no result of it.
 */
function correctsKnownFact(run: Run, node: Extract<DialogNode, { kind: 'step' }>): boolean {
  const before = run.slotsBefore;
  const unfit = (k: string) => node.when?.[k] !== undefined && !holds({ [k]: node.when[k] }, run.s.slots);
  return before !== undefined && CORRECTABLE.some((k) => run.learned.includes(k) && before[k] !== run.s.slots[k] && (before[k] !== undefined || unfit(k)));
}

function planStepAnswer(run: Run, node: Extract<DialogNode, { kind: 'step' }>, text: string, nlu: NluResult): AnswerPlan | undefined {
  const said = foldAnswer(text);
  const is = (key: string) => (['ja', 'en'] as const).some((l) => foldAnswer(run.ctx.i18n.t(key, undefined, l)) === said);
  const again = (key: string) => () => say(run, key, undefined, choicesOf(run, node));
  const answer = (value: string) => () => answerStep(run, node, value);
  // The very words of a button, and the step's own "does not apply" wording (locales, `na:`).
  if (is('engine.button.resolved')) return answer(ACTIONS.resolved);
  if (is('engine.button.not_resolved')) return answer(ACTIONS.notResolved);
  // The walk's own symptom gone, said as a fact (「受信は大丈夫になりました」 "receiving works now" in the receiving walk,
  // main.yaml `fact_fixes`, facts.ts): the step's fixed result.
  if (run.fixed) return answer(ACTIONS.resolved);
  if (node.help && is('engine.button.help')) return undefined;
  if (phrases(run, node.na).some((p) => said === p || (p.length >= 3 && said.includes(p)))) return answer(ACTIONS.na);
  // The step's own "I did it" wording (`done:`, 「アプリ用パスワード作りました」 "I created the app password"): done — did it
  // help? Only where the act model reads nothing else (「作ったら直った」 is fixed, 「作ったけどダメ」 still broken) — or
  // reads "fixed" with no word that says so (「作った」 read fixed closed the walk, trial-ja-29 T15).
  const act = run.reading?.act;
  const doneOnly = act === undefined || act === 'did_no_result' || act === 'affirm' || (act === 'fixed' && !saysPlainly(run, 'fixed', text));
  if (doneOnly && phrases(run, node.done).some((p) => phraseLongEnough(p, 4) && saysPhrase(text, said, p)))
    return again('engine.step_did');
  // 「わかりました」 "ok, got it", a bare "ok" after a step: "I'll try it" — never "fixed" (a not_yet).
  if (saysOnly(run, 'engine.says.acknowledge', text) || saysOnly(run, 'engine.says.okay', text)) return again('engine.step_again');
  // The fact this step sets, stated (「通知はオンになってる」 at the notification step, main.yaml `facts`): already done.
  if (Object.keys(node.set ?? {}).some((k) => run.stated.includes(k)))
    return () => {
      say(run, 'engine.step_already');
      answerStep(run, node, ACTIONS.notResolved);
    };
  // 「やっぱりiPhoneでした」 "oh wait, it's an iPhone" at the Android restart step (read still_broken 0.86 for its
  // 「やっぱり」): the reply corrects a fact the walk already had (the device, carrier or mail service), so it reports no
  // result of a step shown for the wrong one — fact_given takes it (the step again in the corrected wording). A "fixed"
  // said with it stays the step's result.
  if (act !== 'fixed' && correctsKnownFact(run, node)) return undefined;
  // "the old ipad still has the mail set up" at the new phone's password step (read still_broken for its "still"): a fact
  // learned this turn that changes the walk's route (old_phone: kept → the old device's removal first, device_change.yaml
  // devchg_said) reports no result of this step — fact_given takes the walk's new route (device-37).
  const walk = run.s.intent;
  if (act !== 'fixed' && run.learned.length && walk && isEntry(run, walk) && changesRoute(run, walk, true)) return undefined;
  const move = moveOf(run, node);
  // A sure new symptom is not an answer to this step (new_symptom switches branch): 「送信もできない」 is news.
  const news = isNews(run, nlu);
  // "The problem then returns after a short period of time." (trial-en-34 #5, read error_intermittent, no act): it
  // comes back — no fix, whatever the reading (was "Did that fix it?"); a "fixed" reading says so below as well.
  if (move !== 'help' && move !== 'resolved' && move !== 'not_resolved' && !news && saysTemporarily(run, 'fixed', text)) return () => notFixedForGood(run, node);
  // A problem stated (a fact that names a symptom, main.yaml `fact_symptoms`) with no word that says it works, known
  // already (a new fact is noted by the rule fact_given): 「問い合わせ後に届いた企業からの返信が消えてしまいました」 at
  // vanished_search (trial-ja-36 #5) read fixed (0.45) for its 〜消えてしまいました (the act data's 「エラーが消えました」)
  // and was asked 「それで直りましたか？」; 「返信が消えてしまいました」 (read not_yet) heard 「わかりました。試してみて…」.
  // The mail vanished, nothing got fixed or agreed to (gmail-37): noted as no fix, the step again. A reply that says only
  // part works, or works for a while (「何通かは来ました」, "some emails come through now": amount: some), keeps its own answer.
  if ((move === 'resolved' || move === 'ask_result' || move === 'ack' || move === 'wait') && !news && !tellsFact(run) && saysNewProblem(run, text) && !saysPartly(run, 'fixed', text) && !notFixedSaid(run, node, text))
    return () => problemSaid(run, node);
  switch (move) {
    case 'help':
      return undefined; // the repair help_at_step (dialogs/patterns.yaml)
    case 'wait':
      return again('engine.step_wait');
    case 'n_a':
      // 「VPNは使ってないです」 at the airplane-mode step names another step that does not apply (facts.ts recorded it
      // as skipped): this step still stands — said so, and shown again.
      if (namesOtherStep(run, node))
        return () => otherStepNoted(run, node, 'engine.other_step_skipped');
      // A step that offers no [当てはまらない] (no `na:` wording: airplane mode, a restart — every phone can do it) is
      // not skipped on a reading: "I'm on wi-fi" is a fact about the network. The step again, with the way on.
      // A stated fact the step no longer fits ("I use the gmail app" at iOS Mail's Fetch New Data, read not_applicable): it
      // does not apply indeed — fact_given shows the step's twin for the fact (tree.ts againAfterFact).
      if (run.learned.length && !stepFits(run, node)) return undefined;
      if (!node.na) return again('engine.step_applies');
      // A stated fact (「今Wi-Fiです」 "I'm on wi-fi" at the Wi-Fi ⇄ mobile step, read not_applicable) is not the step's
      // own "does not apply" wording (matched above): noted by the rule fact_given, and the step stands.
      if (run.stated.length) return undefined;
      return answer(ACTIONS.na);
    case 'again':
      return again('engine.step_again');
    case 'already':
      // 「機内モードはもう試した」 at the restart step: the step it names was tried (facts.ts recorded it), not this one —
      // said so, and this step again.
      if (namesOtherStep(run, node))
        return () => otherStepNoted(run, node, 'engine.other_step_noted');
      // Tried before we asked and the problem is still there: record it and go on without repeating it.
      return () => {
        say(run, 'engine.step_already');
        answerStep(run, node, ACTIONS.notResolved);
      };
    case 'ask_result':
      // 「再起動もしました」 at the airplane-mode step: the step it names was done (facts.ts recorded it), not this one —
      // said so, and this step again (never 「それで直りましたか？」 about a step that was not on screen).
      // A step tried before (answered at its turn) is no news: "did that fix it?" then asks about what was just done.
      if (namesOtherStep(run, node) && run.s.stepsTried.some((x) => x.atMs === run.meta.nowMs && x.node !== node.id))
        return () => otherStepNoted(run, node, 'engine.other_step_noted');
      // "i restarted it, nothing" (did_no_result 0.76, the intent model's not_resolved 0.88): done, and the result said in
      // a word the act model does not weigh — still broken, the next step; "did that fix it?" asked what was just said.
      if (nlu.intent === 'not_resolved' && nlu.confidence >= SWITCH_CONFIDENCE) return answer(ACTIONS.notResolved);
      // "since i updated the app" (read did_no_result for its "i updated"): a fact stated (main.yaml `facts`) that names
      // no step is when it started, nothing done now — fact_given notes it (never "did that fix it?").
      if (run.stated.length > 0 && !namesOtherStep(run, node) && !namesThisStep(node, text)) return undefined;
      return again('engine.step_did');
    case 'resolved':
      // A fact said on its own ("I can log in with the new password on my computer", read fixed) is noted by the rule
      // fact_given: signing in elsewhere is no mail working here.
      if (tellsFact(run)) return undefined;
      // 「直っていません」 "it is not resolved" read fixed (its word, not its negation): which one, with the buttons.
      if (saysOnlyNegated(run, 'fixed', text)) return again('engine.confirm_fixed');
      // 「迷惑メールフォルダは見ました」 at the junk-folder step names this very step done (STEP_MENTIONS), read fixed only
      // unsurely: done, no result said — did it help? (never 「直ってよかったです！」 for having looked).
      if (namesThisStep(node, text) && (run.reading?.confidence ?? 0) < SURE_ACT_SHARE) return again('engine.step_did');
      // 「何通かは来ました」「一部は届くようになった」 "some emails come through now" (read fixed, surely): part of it works —
      // do all of them? (answers.yaml `confirm: fixed: partial:`), with the step's buttons; never closed as fixed.
      if (saysPartly(run, 'fixed', text)) return again('engine.partial_fixed');
      // "I have to accept the certificate again then it works", 「今度は別のエラーが出るようになりました」, "was working
      // flawlessly": no fix — said so (notFixedSaid), never 「直ってよかったです！」.
      {
        const notFixed = notFixedSaid(run, node, text);
        if (notFixed) return notFixed;
      }
      // A bare "fine" (fixed at a share of 0.39, the intent model out of scope) may be "fine, I'll do that": a fixed read
      // this weakly, with nothing else saying so, is asked about — never 「直ってよかったです！」 on a guess. The intent
      // model's `resolved` supports it only as surely ("Thnx got it": fixed 0.41 in context, resolved 0.49, closed).
      if (node.kind === 'step' && !fixedSurely(run, nlu, text)) return again('engine.step_did');
      return answer(ACTIONS.resolved);
    case 'not_resolved':
      if (news) return undefined;
      // 「アプリをアップデートしてからです」 "since the app update" at a step (read deny for its 「…てから」): a fact said on its
      // own (main.yaml `facts`) with no "no" in it is when or where it happens, no result of the step — the rule fact_given
      // notes it and shows the step again (it was recorded 「まだダメ」 and the next step shown, with no note; leftovers-33).
      if (run.reading?.act === 'deny' && tellsFact(run) && !saysAtEdge(run, 'engine.says.opens_no', text)) return undefined;
      // "Is that the same as spam?" at the junk-folder step (read deny at 0.40): a question about the step, read as a "no"
      // only weakly, is no report that the step was done and failed — the step's help and the step again, never the
      // step recorded as tried and the next one shown.
      if (asksQuestion(text) && (run.reading?.confidence ?? 1) < WEAK_NO_SHARE) return node.help ? answer(ACTIONS.help) : again('engine.step_again');
      // 「電源を入れ直したらうまくいきました」 (still_broken 0.57: the act data knows 「うまくいきませんでした」 and no positive
      // twin) says in so many words that it works (`confirm: fixed: works_again`, not negated): a "still broken" read
      // unsurely is no report that the step failed — did that fix it? (never the step recorded 「まだダメ」 and the next one).
      if ((run.reading?.confidence ?? 1) < SURE_ACT_SHARE && saysWorksAgain(run, text)) return again('engine.step_did');
      return answer(ACTIONS.notResolved);
    case 'ack':
      // 「通知はオンになってる」 read affirm: a fact said on its own is noted by the rule fact_given, by name; so is an
      // entity fact (「会社のOutlookです」 "it's my work Outlook", read affirm) — never a bare "thank you"; nor one the bot
      // already had (「Outlookです」 again): fact_given says so and shows what is asked now.
      if (run.stated.length || run.learned.length || namesEntityOnly(nlu)) return undefined;
      // "you were right, it worked fine after that" (affirm 0.87) says it works in so many words: no "okay, trying" —
      // did that fix it? (a yes is no "fixed" on its own; the words are asked about, as a weak fixed is).
      if (saysWorksAgain(run, text)) return again('engine.step_did');
      return again('engine.ack');
    default:
      return undefined;
  }
}

/** Below this share of the node's candidates a "no" / "still broken" said as a question is not the step's result. */
const WEAK_NO_SHARE = 0.5;

/** The reply ends with a question mark (「…ですか？」, "Is that the same as spam?"). */
export const asksQuestion = (text: string): boolean => /[?？]\s*$/.test(text.trim());

/**
 * A question whether what the step shows can be trusted (`engine.says.trust_words`: ウイルス, 信頼していい, "is it safe",
 * "virus"), asked as a question: a trailing question mark, or the shape of a question (`engine.says.question_form`: a
 * Japanese question ending 「…の」「…か」「…かな」, an English question's first word "is…", "can…"). 「ウイルスではなかった」
 * said as a result is no question.
 */
export function asksTrustAtStep(run: Run, node: DialogNode, text: string): boolean {
  return (
    node.kind === 'step' &&
    node.trust !== undefined &&
    textMentions(run, 'engine.says.trust_words', text) &&
    (asksQuestion(text) || saysAtEdge(run, 'engine.says.question_form', text))
  );
}

/**
 * The reply tells a fact the tree declares (dialogs/main.yaml `facts`: 「送信はできます」, "I can log in on my computer", "it
 * works on mobile data"), on its own or not: mail working somewhere else or in one direction is no "fixed" here.
 */
export function tellsFact(run: Run): boolean {
  const facts = run.ctx.tree.facts ?? {};
  return run.stated.length > 0 || run.learned.some((slot) => slot in facts);
}

/**
 * The reply states a problem — a fact whose value names a symptom (main.yaml `fact_symptoms`: 「返信が消えてしまいました」
 * deleted: vanished, "my emails end up in junk") — and says in no word that the mail works (answers.yaml `confirm: fixed:
 * words`, not negated): no "fixed", however the act model reads its verb.
 */
export function saysNewProblem(run: Run, text: string): boolean {
  return run.factSymptom !== undefined && !saysPlainly(run, 'fixed', text) && !saysWorksAgain(run, text);
}

/**
 * The reply states a fact that names `intent` as the symptom (main.yaml `fact_symptoms`) before any walk is chosen:
 * 「迷惑メールフォルダに入ってしまう」 at the menu is the not-arriving walk — neither a fact to note (「わかりました」 and
 * the menu again) nor a report of the junk-folder step done.
 */
export function factNamesSymptom(run: Run, intent: Intent): boolean {
  return run.factSymptom === intent && (run.s.intent === null || run.s.status !== 'active');
}

/** The reply names light steps (src/nlu/replies.ts STEP_MENTIONS), and none of them is the step on screen (its `set:` slots). */
function namesOtherStep(run: Run, node: Extract<DialogNode, { kind: 'step' }>): boolean {
  const mentions = run.reading?.mentions ?? [];
  return mentions.length > 0 && !mentions.some((slot) => node.set?.[slot] !== undefined);
}

/** The reply names the step on screen itself (one of its `set:` slots among the light steps it names). */
function namesThisStep(node: Extract<DialogNode, { kind: 'step' }>, text: string): boolean {
  return namedSteps(text).some((slot) => node.set?.[slot] !== undefined);
}

/**
 * Says that the other step a reply named was noted (facts.ts recorded it, by its title: 「VPN・プロキシをオフ」), then shows
 * the step on screen again.
 */
function otherStepNoted(run: Run, node: Extract<DialogNode, { kind: 'step' }>, key: 'engine.other_step_skipped' | 'engine.other_step_noted'): void {
  const mentions = run.reading?.mentions ?? [];
  const named = [...run.s.stepsTried].reverse().find((x) => {
    const n = run.ctx.tree.nodes.get(x.node);
    return x.node !== node.id && n?.kind === 'step' && mentions.some((slot) => n.set?.[slot] !== undefined);
  });
  say(run, key, { step: named?.title ? message(run, named.title) : msg('engine.that_step') });
  prompt(run, node);
}

/**
 * Below this share of the node's candidates, a `fixed` reading at a step that nothing else supports is asked about,
 * when dialogs/answers.yaml sets no `confirm:` share for the act (test trees).
 */
const CONFIRM_SHARE = 0.5;

/** The share below which a reading of `act` at a step is asked about before its move (answers.yaml `confirm:`). */
export function confirmShare(tree: DialogTree, act: Act): number {
  return tree.answers?.confirm?.[act]?.share ?? CONFIRM_SHARE;
}

/**
 * A "fixed" read by either model is sure enough to close at a step: the act reading in the node's context or the intent
 * model's `resolved` (its own confidence) at answers.yaml `confirm: fixed: share`, or a weaker `resolved` with the words
 * that say fixed said plainly (`confirm: fixed: words`, not negated: 「もういいです、直りました」 reads give_up 0.59 in
 * context, resolved 0.65). A weaker `resolved` alone no longer lets a weak act reading close the episode ("Thnx got it":
 * fixed 0.41, resolved 0.49; "makes sense now": 0.58, 0.62). The words alone support nothing: "works" and "fix" stand in
 * many replies that say no such thing (measured: 19 harmful turns against 13 on the train folds, seed 7).
 */
export function fixedSurely(run: Run, nlu: NluResult, text: string): boolean {
  const share = confirmShare(run.ctx.tree, 'fixed');
  return (run.reading?.act === 'fixed' && run.reading.confidence >= share) || (nlu.intent === 'resolved' && (nlu.confidence >= share || saysPlainly(run, 'fixed', text)));
}

/**
 * The reply says the mail works again in so many words (answers.yaml `confirm: fixed: works_again`), not negated, not
 * hedged, not partial, not temporary.
 */
export function saysWorksAgain(run: Run, text: string): boolean {
  return saysConfirmWords(run, 'fixed', 'works_again', text) && !hedges(run, text) && !saysPartly(run, 'fixed', text) && !saysTemporarily(run, 'fixed', text) && !saysChanged(run, 'fixed', text) && !saysWorkedBefore(run, 'fixed', text) && !saysProblem(run, 'fixed', text);
}

/** The reply says a word of answers.yaml `confirm: <act>: words` and not negated (「直りました」, "it's solved"). */
export const saysPlainly = (run: Run, act: Act, text: string): boolean => saysConfirmWords(run, act, 'words', text);

/** The reply says, not negated, a phrase of the locale key at answers.yaml `confirm: <act>: <field>` (either language, folded). */
function saysConfirmWords(run: Run, act: Act, field: 'words' | 'partial' | 'temporary' | 'works_again' | 'changed' | 'before' | 'problem', text: string): boolean {
  const key = run.ctx.tree.answers?.confirm?.[act]?.[field];
  const said = foldAnswer(text);
  if (!key || said === '') return false;
  return phrases(run, key).some((p) => saysPhrase(text, said, p));
}

/**
 * The reply says that only part of it works (answers.yaml `confirm: <act>: partial:`, a locale key of `|`-separated
 * words, either language, folded, not negated): 「何通かは来ました」「一部は届くようになった」「1通だけ届いた」, "some
 * emails come through now", "only a few arrive". Both models read such a reply `fixed`, surely; the problem is not gone.
 */
export function saysPartly(run: Run, act: Act, text: string): boolean {
  return saysConfirmWords(run, act, 'partial', text);
}

/**
 * The reply says it works only for a while, or only after a workaround done again each time (answers.yaml `confirm:
 * <act>: temporary:`): "I have to accept the certificate again then it works" (read fixed 0.89 at a step and closed),
 * 「しばらくするとまたダメになる」. The problem keeps coming back: no fix.
 */
export function saysTemporarily(run: Run, act: Act, text: string): boolean {
  return saysConfirmWords(run, act, 'temporary', text);
}

/**
 * The reply says a different error shows now (answers.yaml `confirm: <act>: changed:`): 「再起動したら、今度は別のエラーが
 * 出るようになりました」, "After the restart I get a different error now" (both read fixed, surely, and closed). The
 * problem has changed, not gone: no fix.
 */
export function saysChanged(run: Run, act: Act, text: string): boolean {
  return saysConfirmWords(run, act, 'changed', text);
}

/**
 * The reply says the mail worked until some time and stopped (answers.yaml `confirm: <act>: before:`): "This started
 * after the latest update, was working flawlessly" (thunderbird-android#9898, read fixed surely and closed with 「直って
 * よかったです！」), 「それまでは問題なく動いていました」. When it started, not how the step went: no fix.
 */
function saysWorkedBefore(run: Run, act: Act, text: string): boolean {
  return saysConfirmWords(run, act, 'before', text);
}

/**
 * The reply names the problem in so many words (answers.yaml `confirm: <act>: problem:`): "The problem is now that no
 * mail was bounced, and there was never a warning" (read fixed surely at the quota step and closed; trial-en-35 #6).
 */
function saysProblem(run: Run, act: Act, text: string): boolean {
  return saysConfirmWords(run, act, 'problem', text);
}

/**
 * A "fixed" reply that says it is no fix, and what the bot does then: it works only for a while ("I have to accept the
 * certificate again then it works") or the error changed (「今度は別のエラーが出るようになりました」) — said so, a step
 * recorded as still broken (the walk goes on), a question asked again; it worked until it stopped ("was working
 * flawlessly" 「それまでは問題なく動いていました」) — when it started, noted, the node again. Undefined: none of these.
 */
export function notFixedSaid(run: Run, node: DialogNode, text: string): (() => void) | undefined {
  if (saysTemporarily(run, 'fixed', text)) return () => notFixedForGood(run, node);
  if (saysChanged(run, 'fixed', text)) return () => notFixedForGood(run, node, 'engine.changed_error');
  if (saysWorkedBefore(run, 'fixed', text)) return () => workedBefore(run, node);
  if (saysProblem(run, 'fixed', text)) return () => problemSaid(run, node);
  return undefined;
}

/** Said what the problem is now ("the problem is now that …"): noted, no fix, the node on screen again as after a fact. */
function problemSaid(run: Run, node: DialogNode): void {
  say(run, 'engine.problem_said');
  againAfterFact(run, node);
}

/** Said to have worked before and stopped: noted as such (no fix), the node on screen again as after a fact. */
function workedBefore(run: Run, node: DialogNode): void {
  say(run, 'engine.worked_before');
  againAfterFact(run, node);
}

/**
 * Said to work only for a while, or a different error now: no fix — said so (`key`); a step recorded as still broken
 * (the walk goes on), a question asked again.
 */
export function notFixedForGood(run: Run, node: DialogNode, key: 'engine.temporary_fixed' | 'engine.changed_error' = 'engine.temporary_fixed'): void {
  say(run, key);
  if (node.kind === 'step') return answerStep(run, node, ACTIONS.notResolved);
  prompt(run, node);
}

/**
 * The reply holds the words that say `act` (answers.yaml `confirm: <act>: words:`, either language, folded) and every
 * one of them negated: 「直っていません」「解決しませんでした」「まだ復旧していません」, "it is not resolved", "this has not
 * been fixed", "still doesn't work" — the act model and the intent model read `fixed` in them (the word weighs more
 * than its negation), so the move that closes is asked about first. A reply that says the word once plainly
 * (「昨日は直らなかったけど今日は直りました」) is not this.
 */
export function saysOnlyNegated(run: Run, act: Act, text: string): boolean {
  const key = run.ctx.tree.answers?.confirm?.[act]?.words;
  const said = foldAnswer(text);
  if (!key || said === '') return false;
  const words = phrases(run, key).filter((p) => said.includes(p));
  return words.length > 0 && !words.some((p) => saysPhrase(text, said, p));
}

/** The step's answer by button value (a click, or text read as one): help, fixed, does not apply, or still broken. */
export function answerStep(run: Run, node: Extract<DialogNode, { kind: 'step' }>, value: string): void {
  if (value === ACTIONS.help && node.help) {
    say(run, node.help);
    say(run, 'engine.step_again', undefined, choicesOf(run, node));
    return;
  }
  if (value === ACTIONS.resolved) {
    recordStep(run, 'resolved');
    enter(run, node.resolved ?? run.ctx.tree.globals.resolved);
    return;
  }
  if (value === ACTIONS.na) {
    // Not "still broken": the ticket says the step did not apply, and the next step follows.
    say(run, 'engine.step_skipped');
    recordStep(run, 'skipped');
    enter(run, node.next);
    return;
  }
  recordStep(run, 'not_resolved');
  enter(run, node.next);
}
