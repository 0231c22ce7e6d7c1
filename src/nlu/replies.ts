/**
 * What a reply typed mid-conversation means, read in the context of the node on screen (issue 12). The act model
 * (src/nlu/acts.ts, phrases in intents/<locale>/acts/*.yaml) ranks every reply act in `NluResult.acts`; here the
 * ranking is read with the node as context: only the acts the node's answer group accepts (dialogs/answers.yaml)
 * and the acts that hold anywhere (domain.yaml `anywhere`) compete, like Rasa's requested_slot or NLP.js's
 * allowList — and weighed by how often each act came at that kind of node in the real replies (NluResult.actPrior,
 * src/nlu/act-prior.ts). No pattern here decides what a reply means: adding a phrase to an act file changes behaviour.
 *
 * Besides the act, a reply may name light steps it says were done (「再起動もしたけどダメ」): those are facts, read
 * with the vocabulary table STEP_MENTIONS (like entities), and counted only when the act says something was done.
 */
import { ACT_DEFS, ACTS, type Act, type NluResult } from '../core/index.js';
import { ACT_PRIOR_POWER, weighActs } from './act-prior.js';
import { SOCIAL } from './acts.js';
import { commonMisspellings } from './normalize.js';

/** NFKC + collapsed whitespace, trimmed: full-width digits and letters become ASCII so one set of patterns reads both. */
export function normalise(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/**
 * Below this share of the accepted acts' probability, no act is read (the reply is no answer to the node). 0.3, chosen
 * on `npm run eval:dev` (cross-validation on the real train split; 0.5 read 48.8 % of 295 dev replies right, 0.3 51.9 %).
 */
export const MIN_ACT_SHARE = 0.3;
/**
 * The weight of `other` (no reply act) among the node's candidates. The act model learns `other` from every symptom
 * phrase and every long reply that carries no act, so a long real reply with unfamiliar words leans to it; at a node
 * that asked something, a reply usually answers. 0.25, chosen on `npm run eval:dev` with MIN_ACT_SHARE 0.3 (295 dev
 * replies: 1 → 55.3 %, 0.5 → 56.3 %, 0.25 → 57.3 %, 0.1 → 57.3 %).
 *
 * Both re-checked on the page folds (2026-12-05, 612 dev replies, `eval:dev -- --only=replies --grid`): the whole
 * MIN_ACT_SHARE 0.2–0.35 × OTHER_WEIGHT 0.1–1 square lies within 60.1–62.3 % (0.3 × 0.25: 61.3 %), inside one std of
 * the pooled figure (≈ 2.5 points), so both stay; 0.4 and 0.5 are worse (57–60 %).
 */
export const OTHER_WEIGHT = 0.25;
/** A clause reading of already_tried / not_applicable counts as a fact of a first message from this probability. */
export const CLAUSE_FACT_CONFIDENCE = 0.5;

/**
 * Light steps people report on their own (「再起動しました、まだです」「VPNも切ったけどダメ」): vocabulary, like an
 * entity table. Each names the tree's `done_*` slot the step sets; the engine uses only slots the tree declares.
 */
const STEP_MENTIONS: ReadonlyArray<{ slot: string; pattern: RegExp }> = [
  // The phone's restart, not the router's (trial-en-31: "i already restarted the router" was noted as "Restart your iPhone").
  { slot: 'done_restart', pattern: /(?<!(?:ルーター|ルータ|モデム|wi-?fi)(?:を|は|も)?(?:もう|すでに|既に)?)(?:再起動|リブート)|電源(?:を)?(?:入れ直|切っ|オフ)|\b(?:restart|reboot)(?:ed)?\b(?! (?:the |my |our )?(?:wi-?fi )?(?:router|modem))|turned (?:it|the phone) off and on/i },
  { slot: 'done_router', pattern: /(?:ルーター|ルータ|モデム)(?:を|は|も)?(?:もう|すでに|既に)?(?:再起動|リブート|電源(?:を)?(?:入れ直|切っ|抜い))|\b(?:restart|reboot|reset|unplugg?)(?:ed)? (?:the |my |our )?(?:wi-?fi )?(?:router|modem)\b|\b(?:router|modem) (?:was |has been )?(?:restarted|rebooted)\b/i },
  { slot: 'done_airplane', pattern: /機内モード|airplane mode/i },
  { slot: 'done_line', pattern: /(?:wi-?fi|モバイル(?:データ)?|4g|5g|回線)[^。、]{0,12}切り?替え|\bswitch(?:ed)? (?:to |between )?(?:wi-?fi|mobile data|cellular)/i },
  { slot: 'done_vpn', pattern: /vpn/i },
  { slot: 'done_force_quit', pattern: /強制終了|force[- ]?quit/i },
  { slot: 'done_junk', pattern: /迷惑メール(?:フォルダ|ボックス)|迷惑フォルダ|\b(?:junk|spam)(?: mail)?(?: folder| box)?\b/i },
  // The account removed and added again is the password typed again (trial-en-33, thunderbird-android#2609: "removed the
  // account, rebooted the phone and re-added the account and received the same error" was noted as the restart only,
  // and the password step asked again).
  { slot: 'done_password', pattern: /パスワード(?:を|は|も)?\s?(?:入れ直|打ち直|再入力|入力し直|手入力)|\bre-?(?:entered|typed|enter) (?:the |my )?password|\bre-?added (?:the |my |it\b)|\badded (?:the |my )?(?:e-?mail |mail )?account (?:back|again)\b|\badded it (?:back|again)\b/i },
];
/**
 * "Did it, but …" in a message no question waits for (a first message): 「再起動したけど送信できない」「パスワードを入れ直しても
 * ダメ」 "I restarted my phone and still can't …". The act model may read such a message as a symptom alone (`other`),
 * but the clause says the step it names was tried without success. Vocabulary, like STEP_MENTIONS; 「…したら直った」 is no match.
 */
const TRIED_BUT =
  /(?:し|やっ|試し|直し|切っ|消し|入れ|変え)(?:た(?:けど|けれど|のに|が|ものの|んだけど|んですけど|んですが)|ても|てみた(?:けど|が|のに)|てみても)|\b(?:restarted|rebooted|re-?entered|re-?typed|turned|switched|tried|did|checked)\b[^.!?]{0,60}\b(?:but|and)?\s?still\b|\beven after\b/i;
/** Acts that say the steps a reply names were done (and did not help, or gave no result). */
const DONE_ACTS: ReadonlySet<Act> = new Set(['still_broken', 'already_tried', 'did_no_result', 'deny']);

/** What one reply means, as the engine's policy reads it. */
export interface ReplyReading {
  /** The act read in the node's context; undefined when none is sure enough or the reply is no reply act (`other`). */
  act?: Act;
  /** Its share of the probability of the acts the node accepts (0–1). */
  confidence: number;
  /**
   * `done_*` slots of light steps the reply says were done (or do not apply, when `mentionsSkipped`), e.g.
   * 「再起動もしたけどダメ」 → ['done_restart'].
   */
  mentions: string[];
  /** The mentioned steps do not apply (「VPNは使っていません」): record them as skipped, not as tried. */
  mentionsSkipped: boolean;
}

/** Where the conversation is when the reply comes. */
export interface ReplyPlace {
  /** Kind of the node waiting for the answer, if any. */
  kind?: string;
  /** The acts the node's answer group accepts (undefined: no node waits — every act competes). */
  accepts?: readonly Act[];
}

/** The recogniser seam: reads one reply in its place. */
export type ReplyReader = (text: string, nlu: NluResult, at?: ReplyPlace) => ReplyReading;

/** The acts that compete at a place: the node's, plus those that hold anywhere. */
export function candidateActs(at?: ReplyPlace): ReadonlySet<Act> {
  if (!at?.accepts) return new Set(ACTS);
  return new Set<Act>([...at.accepts, ...ACTS.filter((a) => ACT_DEFS[a].anywhere)]);
}

/**
 * How the readings of a long reply's segments (NluResult.segmentActs: sentences, and the parts before / after a
 * contrast joint) combine with the whole text's reading, each read in the node's context:
 *  - `whole`: the whole text only (segments ignored) — the build's rule;
 *  - `contrast`: the segment after the last contrast joint when it carries an act, else the whole;
 *  - `content-over-social`: the whole text's act, unless it is none or social (thanks, greeting, goodbye: acts.ts
 *    SOCIAL — they go along with content, not replace it) and a segment carries a content act (the last such segment).
 * Kept for re-measuring after a change to the act model (`eval:dev --clauses` scores them in one run): on round 18's dev
 * folds neither beat `whole` on both seeds. Nine other rules (last, max, last-sure, …) lost or tied and were dropped —
 * intents/real/notes/nlu-18.md has their figures.
 */
export const CLAUSE_RULES = ['whole', 'contrast', 'content-over-social'] as const;
export type ClauseRule = (typeof CLAUSE_RULES)[number];
/** The rule the engine reads replies by (chosen on eval:dev, intents/real/notes/nlu-18.md). */
export const CLAUSE_RULE: ClauseRule = 'whole';

/** The settings of the reading in context (eval:dev's `--grid` and `--prior` score others on the same folds). */
export interface ContextSettings {
  minShare: number;
  otherWeight: number;
  /** Power of the node-kind prior (act-prior.ts ACT_PRIOR_POWER; 0: none). */
  priorPower?: number;
  /** How the segments of a long reply combine (CLAUSE_RULE; eval:dev `--clause=`). */
  clauseRule?: ClauseRule;
}

/** A reading in context; `blocked`: the text surely does something the node does not accept (no fallback to the intent). */
type Reading = { act?: Act; confidence: number; blocked?: boolean };

/** One ranking (the whole text's or a segment's) read in context: the best candidate, if it holds at least minShare. */
function readRanking(acts: ReadonlyArray<{ act: Act; confidence: number }>, nlu: NluResult, at: ReplyPlace | undefined, allowed: ReadonlySet<Act>, minShare: number, otherWeight: number, priorPower: number): Reading {
  // The node's kind as context: the acts weighed by how often each came at that kind of node (act-prior.ts).
  const ranked = weighActs(acts, nlu.actPrior, at?.kind, priorPower);
  // A reply that surely does something this node does not accept (「直りました」 to "which phone?") answers nothing
  // here: the context narrows the choice, it does not turn one act into another.
  const best = ranked[0];
  if (best && !allowed.has(best.act) && best.confidence >= minShare) return { confidence: 0, blocked: true };
  // `other` (no reply act) enters with OTHER_WEIGHT of its probability: a reply to the node's question usually answers it.
  const cands = ranked
    .filter((r) => allowed.has(r.act))
    .map((r) => (r.act === 'other' ? { ...r, confidence: r.confidence * otherWeight } : r))
    .sort((a, b) => b.confidence - a.confidence);
  const mass = cands.reduce((sum, r) => sum + r.confidence, 0);
  const top = cands[0];
  if (!top || mass <= 0) return { confidence: 0, blocked: true };
  const share = top.confidence / mass;
  if (share < minShare || top.act === 'other') return { confidence: share };
  return { act: top.act, confidence: Math.round(share * 1e4) / 1e4 };
}

/** The act of a reply in context: the best candidate, if it holds at least MIN_ACT_SHARE of the candidates' mass. */
export function actInContext(
  nlu: NluResult,
  at?: ReplyPlace,
  { minShare, otherWeight, priorPower = ACT_PRIOR_POWER, clauseRule = CLAUSE_RULE }: ContextSettings = { minShare: MIN_ACT_SHARE, otherWeight: OTHER_WEIGHT },
): Reading {
  const allowed = candidateActs(at);
  const whole = readRanking(nlu.acts ?? [], nlu, at, allowed, minShare, otherWeight, priorPower);
  const chosen = combineSegments(whole, clauseRule, nlu, (acts) => readRanking(acts, nlu, at, allowed, minShare, otherWeight, priorPower));
  if (chosen.act) return { act: chosen.act, confidence: chosen.confidence };
  return (!chosen.blocked && byIntent(nlu, allowed)) || { confidence: chosen.confidence };
}

/** The reading a clause rule gives (see CLAUSE_RULES). */
function combineSegments(whole: Reading, rule: ClauseRule, nlu: NluResult, read: (acts: ReadonlyArray<{ act: Act; confidence: number }>) => Reading): Reading {
  const segments = nlu.segmentActs;
  if (rule === 'whole' || !segments || segments.length < 2) return whole;
  const readings = segments.map((s) => ({ contrast: s.contrast, ...read(s.acts) }));
  const strip = (r: Reading): Reading => (r.act ? { act: r.act, confidence: r.confidence } : { confidence: r.confidence });
  switch (rule) {
    case 'contrast': {
      let after: (typeof readings)[number] | undefined;
      for (const r of readings) if (r.contrast) after = r;
      return after?.act ? strip(after) : whole;
    }
    case 'content-over-social': {
      if (whole.act && !SOCIAL.has(whole.act)) return whole;
      const r = [...readings].reverse().find((x) => x.act && !SOCIAL.has(x.act));
      return r ? strip(r) : whole;
    }
  }
}

/** Acts that stand for an intent (domain.yaml `intent:`) also hold when the intent model is sure of that intent. */
export const INTENT_ACT_CONFIDENCE = 0.6;

function byIntent(nlu: NluResult, allowed: ReadonlySet<Act>): { act: Act; confidence: number } | undefined {
  if (nlu.confidence < INTENT_ACT_CONFIDENCE) return undefined;
  const act = ACTS.find((a) => ACT_DEFS[a].intent === nlu.intent && allowed.has(a));
  return act ? { act, confidence: nlu.confidence } : undefined;
}

/** The light steps a text names (STEP_MENTIONS), whatever its act: their done_* slots. */
export function namedSteps(text: string): string[] {
  const said = normalise(text);
  return STEP_MENTIONS.filter(({ pattern }) => pattern.test(said)).map(({ slot }) => slot);
}

/** Reads one reply: the act in context, and the light steps it names as done. Pure. */
export const readReply: ReplyReader = (text, nlu, at) => {
  const { act, confidence } = actInContext(nlu, at);
  const said = normalise(text);
  // A long first message (「…になります。再起動と機内モードはもうやりました」) says it in one clause: NluResult.acts
  // carries clause readings of already_tried / not_applicable (src/nlu/acts.ts CLAUSE_ACTS).
  const clause = (a: Act) => (nlu.acts ?? []).some((r) => r.act === a && r.confidence >= CLAUSE_FACT_CONFIDENCE);
  const skipped = act === 'not_applicable' || (!act && clause('not_applicable'));
  const done = (act !== undefined && DONE_ACTS.has(act)) || (!act && clause('already_tried')) || (!at && !skipped && TRIED_BUT.test(said));
  const mentions = skipped || done ? STEP_MENTIONS.filter(({ pattern }) => pattern.test(said)).map(({ slot }) => slot) : [];
  return { ...(act ? { act } : {}), confidence, mentions, mentionsSkipped: skipped };
};

// ───────────── answers compared with the words of a button or an option (phrases come from locales/) ─────────────

/**
 * Folds an answer for loose comparison: width, case, common typos (normalize.ts commonMisspellings: "recieving" =
 * receiving, 受診 = 受信 — trial-en-29: "recieving is fine" at "Can you still receive mail?" stated no fact and the
 * question came again), punctuation, and polite endings (控えました ≈ 控えた).
 */
export function foldAnswer(x: string): string {
  return commonMisspellings(normalise(x).toLowerCase())
    // A dash between Latin letters or digits is a hyphen, whatever its code point: 「Wi‑Fiだと…」 (U+2011, as iOS and many
    // Japanese pages write it; NFKC makes it U+2010) meets the words' 「wi-fiだと…」 (trial-ja-31: the fact wifi_only missed it).
    .replace(/(?<=[a-z0-9])[\u2010-\u2015\u2212](?=[a-z0-9])/g, '-')
    // "Wi-Fi" and "WiFi" are one word, as a width or case variant is: a list of words need not name both (trial-en-34:
    // the Wi-Fi / mobile facts' lists ran out of room at 1,500 characters for holding each phrase twice).
    .replace(/wi-fi/g, 'wifi')
    .replace(/[\s、。,.!?！？・「」『』"'()（）]/g, '')
    .replace(/ました$/, 'た')
    .replace(/ません$/, 'ない')
    .replace(/(?:です|ます)$/, '');
}

/** Does a folded phrase say enough to count when found inside a longer answer? Two Japanese characters (「両方」) say as much as `minLatin` Latin letters. */
export function phraseLongEnough(phrase: string, minLatin: number): boolean {
  return phrase.length >= minLatin || (phrase.length >= 2 && /[^\x00-\x7f]/.test(phrase));
}

/**
 * Japanese negation right after a phrase found in an answer: 「オン」にしてない, 「有効」じゃない, 「設定し」ていません, 「迷惑メールと判定」
 * されません (the passive: spam that is NOT marked as spam is no mail landing in the junk folder), and a verb stem's own
 * negative ending: 「モバイルデータだと届」かない (threads-33: the words 「モバイルデータだと届」 of "fails on Wi‑Fi only" were
 * found in 「モバイルデータだと届かない」, which says the opposite), and 来る after a te-form: 「エラーメールが返」ってこない /
 * 「戻ってきてない」 (trial-ja-34, mk1.jp: "no error mail comes back" set the returned-mail fact and the next reply took the
 * returned-mail walk).
 */
const JA_NEGATED_AFTER = /^(?:か(?=な))?(?:に|と|で|じゃ|では|は|が|を)?(?:し|され|なっ|設定し|使っ|入れ)?(?:て|って)?(?:こ|来|きて|来て)?(?:い|お)?(?:ない|なく|ません|なかった|ず)/u;
/**
 * An English negation among the (up to four) words before a phrase: "I don't have 2FA turned on", "not enabled", "I have
 * no 2FA enabled". A "no" that opens the answer is an interjection ("no it's on" corrects the bot), not a negation.
 * The scope ends at punctuation (Das & Chen): "never mind, it's fixed now" negates nothing that follows the comma.
 */
const EN_NEGATED_BEFORE = /(?:\b(?:not|never|don'?t|doesn'?t|isn'?t|aren'?t|wasn'?t|weren'?t|haven'?t|hasn'?t|didn'?t|without)|(?<!^)\bno)\b(?:\s+[^\s,;.!?]+){0,3}\s*$/u;

/**
 * A phrase that is itself a negative statement ("can't send either", "can not send"): a negation before it belongs to a
 * clause of its own, it does not flip this one (trial-30: "no new mail is coming and one can not send mail" — the "no"
 * four words before "coming and one can not send" made the both-fail fact unsaid, and "Can you still send mail?" was asked).
 */
const NEGATIVE_PHRASE = /(?<![a-z])(?:can'?t|cannot|can not|unable|not|nor|neither|never|doesn'?t|don'?t|won'?t|isn'?t)(?![a-z])/u;

/**
 * A phrase that opens a clause of its own ("unless I refresh", "until I open the app"): a negation before it is the main
 * clause's — "it doesn't appear unless I press Refresh" says the mail comes in on a refresh (threads-31,
 * thunderbird-android#870), it does not unsay it.
 */
const CLAUSE_PHRASE = /^(?:unless|until)(?![a-z])/u;

/**
 * Is the folded `phrase` said in the answer, and not negated there? 「オンにしてないと思う」 contains 「オン」 and "I don't
 * have 2FA turned on" contains "turned on", but neither says so. `said` is foldAnswer(text).
 */
export function saysPhrase(text: string, said: string, phrase: string): boolean {
  if (!said.includes(phrase)) return false;
  if (/[^\x00-\x7f]/.test(phrase)) {
    for (let i = said.indexOf(phrase); i >= 0; i = said.indexOf(phrase, i + 1)) if (!JA_NEGATED_AFTER.test(said.slice(i + phrase.length))) return true;
    return false;
  }
  // Latin: find the phrase in the spaced text (its folded letters with spaces or punctuation between them).
  const spaced = normalise(text).toLowerCase();
  // It starts where a word starts: "send" is not in "emails end up", "spam" may be in "spam-folder".
  const spelled = [...phrase].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join("[\\s'’.,!?()-]*");
  const atWordStart = /^[a-z0-9]/.test(phrase);
  const re = new RegExp((atWordStart ? '(?<![a-z0-9])' : '') + spelled, 'gu');
  let found = false;
  for (const m of spaced.matchAll(re)) {
    found = true;
    if (NEGATIVE_PHRASE.test(m[0]) || CLAUSE_PHRASE.test(m[0]) || !EN_NEGATED_BEFORE.test(spaced.slice(0, m.index))) return true;
  }
  // Folded differently (a stripped ending): no negation check possible, the containment counts — unless the phrase was
  // only found inside words ("send" in "emails end up").
  if (!found && atWordStart && new RegExp(spelled, 'u').test(spaced)) return false;
  return !found;
}

/** Two short folded answers that differ only in their last one or two characters (a conjugated ending: 「手動なら届きます」 ≈ 「手動なら届く」). */
export function nearlySame(said: string, label: string): boolean {
  let n = 0;
  while (n < said.length && n < label.length && said[n] === label[n]) n++;
  return n >= 3 && n >= label.length - 1 && n >= said.length - 3;
}
