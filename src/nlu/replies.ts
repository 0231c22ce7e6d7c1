/**
 * What a reply typed mid-conversation means, read before (and beside) the intent classifier: "fixed", "still
 * broken", "does not apply to me", "already did that", "how do I do that?", "never mind", a vague first message,
 * light steps the person reports having done. Classifiers often read 「それはもうやった」「機内モードやりました」 as
 * "fixed"; a person means "done (before / just now)".
 *
 * Every pattern that decides what a reply means lives here, behind one function (`readReply`), so the dialog
 * engine holds none: it asks for a `ReplyReading` and acts on its named acts. Issue 12 replaces these regex banks
 * with act classification trained from phrase files; the `ReplyReader` type is the seam it plugs into.
 * These are recognition patterns, not user-facing strings.
 */
import type { NluResult } from '../core/index.js';

/** NFKC + collapsed whitespace, trimmed: full-width digits and letters become ASCII so one set of patterns reads both. */
export function normalise(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/** Free-text "I don't know how" at a step. */
const HELP_PATTERN = /^(?:how|how\?|どうやって|どうやるの|どうやる|どこ|どこで|どこから)[?？]?$|やり方|わか(?:ら|りま)|分か(?:ら|りま)|どうやって|どこ(?:を|に|で|から)(?:押|タップ|開|設定|変更|確認)|どこにあ|手順を?教えて|how (?:do|to|can)|where (?:is|do|can|exactly|would)|where'?s|\bwhere\b[^.!]{0,20}\?$|どういう(?:意味|こと)|って(?:なに|何|なん)|(?:なに|何)それ|意味(?:が)?(?:わから|分から|不明)|what does (?:that|this|it) mean|what do you mean|meaning\b|which (?:screen|menu|button|setting)|don'?t know how|not sure how|can'?t find (?:it|the|that|where)|help/i;

const STEP_FIXED = /直っ|直り|治っ|治り|解決|使えるように|届くように|できるように(?:なっ|なり)|(?:受信|送信|取得)でき(?:た|ました)|届きました|届いた|fixed|solved|works now|working now|it works|that worked/i;
const STEP_FAILED = /ダメ|だめ|駄目|まだ(?!(?:やって|して|試して|試せて)(?:い)?(?:ない|ません))|変わら|直らな|治らな|直ってな|治ってな|ならない|なりません|なかった|無かった|ありませんでした|見つから(?:ない|なかった)|入って(?:い)?な(?:い|かった)|(?:は|も)(?:大丈夫|問題な)|エラー(?:が|は)?(?:出|でる|でま)|still|didn'?t (?:work|help|fix)|doesn'?t work|not work|no luck|no change|same (?:error|problem)|nothing (?:in|there|new|found|changed)|(?:wasn'?t|isn'?t|not) (?:in )?there|(?:couldn'?t|didn'?t) find|found nothing|not in (?:the |my )?(?:junk|spam)|(?:junk|spam)(?: folder)? (?:is|was) empty/i;
/**
 * "This step doesn't apply to me" (no VPN, not on Wi‑Fi, the old phone is gone): the step is recorded as skipped
 * and the branch goes on. Steps add their own wording in `na:`; these are the general forms.
 */
const STEP_NA = /該当しない|該当しません|当てはまらない|当てはまりません|関係(?:ない|ありません)|(?:使っ|使用し|入れ|設定し|契約し)て(?:い)?(?:ない|ません)|持って(?:い)?(?:ない|ません)|(?:もう|既に|すでに)(?:手元に)?(?:ない|ありません)|手元に(?:ない|ありません)|\bn\/?a\b|not applicable|doesn'?t apply|does not apply|not relevant|(?:don'?t|do not|never) use\b|(?:don'?t|do not) have (?:a |an |any |the |my )?(?:vpn|wi-?fi|router|proxy|old|previous|profile)|(?:not|never) (?:using|on|connected to) (?:a |any |the )?(?:vpn|wi-?fi|proxy|public)|no (?:vpn|proxy|wi-?fi|router)\b|no longer have|(?:i'?m|i am) not on\b/i;
const STEP_NOT_YET = /まだ(?:やって|して|試して|試せて)(?:い)?(?:ない|ません)|これから(?:やり|試し)|not yet|haven'?t (?:tried|done)/i;
/** "Did that before you asked" — recorded as tried without success, and the step is passed. */
const STEP_ALREADY = /(?:もう|既に|すでに|前に|以前|さっき|先ほど|先程|とっくに|最初に)[^。！？!?]{0,10}(?:やっ|やり|試し|済|し(?:た|まし|てい|てる|てあ))|(?:やった|やりました|試した|試しました|済み)(?:よ|って|けど|んだけど|んですが|のですが)?$|already|tried (?:that|it|this)(?! now)|(?:did|done) (?:that|it|this) (?:before|already|earlier)/i;
/** A time word that makes a "did it" an "already did it before you asked". */
const BEFORE_ASKED = /(?:もう|既に|すでに|前に|以前|さっき|先ほど|先程|とっくに|最初に|already|tried)/i;
/** "Done" with no result: ask whether it helped rather than guess. */
const STEP_DID = /やっ(?:た|て(?:み)?(?:た|ました))|やりました|[^な]した[よね]?$|してみた|試し(?:た|ました)|しました|済ませ|完了|終わ(?:った|りました)|\b(?:did (?:it|that|this)|done|finished|tried it)\b/i;
/** A "fixed" word negated or hedged (「直らない」「まだ」"not"): not a fix. */
const FIX_NEGATED = /(?:直|治)ら|まだ|still|not/i;

/** "How long do I wait?" at a step: say how long a step takes to show its effect, and ask again. */
const STEP_WAIT = /(?:どの|どれ)(?:くらい|ぐらい)(?:待|まつ|かか)|何分|なんぷん|いつまで(?:待|まつ)|待て?ば(?:いい|良い)|待った(?:ほう|方)が|how long|should i wait|wait (?:for|how)/i;
/**
 * Giving up midway (「もういいです」「諦めます」"never mind"): not "still broken" and not a miss. Classifiers read
 * these as out_of_scope or, worse, as an answer.
 */
const GIVE_UP = /もう(?:いい|良い)(?:です|や|よ|わ|かな)?[。!！…w]*$|諦め|あきらめ|(?:今日|きょう)は(?:もう)?(?:いい|やめ)|また(?:今度|こんど|後で|あとで)(?:にします|やります|にする|で)?[。!！]*$|^(?:やめ(?:ます|る|とく|ておきます|ときます)|中止|終わりにします)[。!！]*$|\bnever ?mind\b|\bforget (?:it|about it)\b|\bgive up\b|\bnvm\b|\bi'?ll (?:stop|leave it|try (?:again )?later)\b/i;
/** A message that says something is wrong but not what (「メールがおかしい」「調子悪い」). */
const VAGUE = /おかし|変(?:だ|です|な(?:ん|の)|に)?$|へん(?:だ|です|なの)?$|調子(?:が)?(?:悪|わる)|具合(?:が)?(?:悪|わる)|不具合|\b(?:weird|strange|acting up|not right|something(?:'s| is) wrong|messed up|(?:not|isn'?t|stopped) working|doesn'?t work|broken|(?:a )?problem with)\b/i;
/** Words that do name a symptom: with one of these the message is not vague. */
const CONCRETE = /受信|送信|届|来な|こな|こない|取得|とれ|取れ|見れ|みれ|見られ|送れ|おくれ|エラー|えらー|ｴﾗｰ|パスワード|ぱすわーど|通知|つうち|接続|つなが|繋が|応答|機種変|アップデート|更新|同期|error|receiv|send|sent|password|notif|connect|sync|arriv|fetch|download/i;

/**
 * Light steps people report on their own (「再起動しました、まだです」「VPNも切ったけどダメ」). Each names the tree's
 * `done_*` slot the step sets; the engine uses only slots the tree declares, so the tree stays in charge of which
 * steps exist.
 */
const STEP_MENTIONS: ReadonlyArray<{ slot: string; pattern: RegExp }> = [
  { slot: 'done_restart', pattern: /再起動|電源(?:を)?(?:入れ直|切っ|オフ)|リブート|\b(?:restart|reboot)(?:ed)?\b|turned (?:it|the phone) off and on/i },
  { slot: 'done_airplane', pattern: /機内モード|airplane mode/i },
  { slot: 'done_line', pattern: /(?:wi-?fi|モバイル(?:データ)?|4g|5g|回線)[^。、]{0,12}切り?替え|\bswitch(?:ed)? (?:to |between )?(?:wi-?fi|mobile data|cellular)/i },
  { slot: 'done_vpn', pattern: /vpn/i },
  { slot: 'done_force_quit', pattern: /強制終了|force[- ]?quit/i },
  { slot: 'done_password', pattern: /パスワード(?:を|は|も)?\s?(?:入れ直|打ち直|再入力|入力し直|手入力)|\bre-?(?:entered|typed|enter) (?:the |my )?password/i },
];
/** A mention counts as "done" only with a cue that something was done or still fails (「〜しても」「〜したけど」「もうやった」). */
const DONE_CUE = /ても|たけど|たが|ましたが|ましたけど|(?:し|やっ|試し|切っ|オフにし|入れ直し)(?:た|ました|てみた|てる|ています)|済み|already|tried|\bdid\b|still|didn'?t (?:help|work)|(?:restarted|rebooted|switched|turned off|toggled|disabled|force[- ]?quit)\b/i;

/**
 * What free text says about the step on screen: fixed, still failing, not tried yet, tried before being asked
 * ("already"), done with no result given, or does not apply to this person ("na").
 */
export type StepReport = 'fixed' | 'failed' | 'not_yet' | 'already' | 'did' | 'na';

/** Named acts a reply can carry. Several may hold at once (「もういいです、まだダメ」 gives up and reports a failure). */
export type ReplyAct =
  /** The person stops here (「もういいです」「諦めます」 "never mind"), unless the same words say it is fixed. */
  | 'gives_up'
  /** Something is wrong, but not what: no symptom word, no error text, no request for a person. */
  | 'vague'
  /** "How do I do that?" / "what does that mean?" */
  | 'asks_how'
  /** "How long should I wait?" */
  | 'asks_wait';

/** What one reply means, as the engine's policy reads it. */
export interface ReplyReading {
  acts: ReadonlySet<ReplyAct>;
  /** What the reply says about the step on screen (undefined = nothing). */
  report?: StepReport;
  /**
   * `done_*` slots of light steps the reply says were done (or do not apply, when `mentionsSkipped`), e.g.
   * 「再起動もしたけどダメ」 → ['done_restart']. Empty unless the reply carries a done cue or says "does not apply".
   */
  mentions: string[];
  /** The mentioned steps do not apply (「VPNは使っていません」): record them as skipped, not as tried. */
  mentionsSkipped: boolean;
}

/** Where the conversation is when the reply comes (recognisers may read a reply differently per node). */
export interface ReplyPlace {
  /** Kind of the node waiting for the answer, if any. */
  kind?: string;
}

/** The recogniser seam: today `readReply` (regex banks), later a classifier trained from phrase files (issue 12). */
export type ReplyReader = (text: string, nlu: NluResult, at?: ReplyPlace) => ReplyReading;

/** The step report of a reply (see StepReport). */
export function stepReport(text: string): StepReport | undefined {
  const t = normalise(text);
  if (STEP_NOT_YET.test(t)) return 'not_yet';
  if (STEP_FIXED.test(t) && !FIX_NEGATED.test(t)) return 'fixed';
  // Before "failed": 「VPNは使っていない」 is not "still broken", and "I'm not on Wi‑Fi" carries a "not".
  if (STEP_NA.test(t)) return 'na';
  if (STEP_FAILED.test(t)) return 'failed';
  if (STEP_ALREADY.test(t) && BEFORE_ASKED.test(t)) return 'already';
  if (STEP_DID.test(t) || STEP_ALREADY.test(t)) return 'did';
  return undefined;
}

/** Light steps the text reports done (or not applying); see ReplyReading.mentions. */
function mentionedSteps(said: string, report: StepReport | undefined): { mentions: string[]; skipped: boolean } {
  const skipped = report === 'na';
  if (report === 'fixed' || STEP_NOT_YET.test(said) || (!skipped && !DONE_CUE.test(said))) return { mentions: [], skipped };
  return { mentions: STEP_MENTIONS.filter(({ pattern }) => pattern.test(said)).map(({ slot }) => slot), skipped };
}

/** The regex recogniser: reads one reply. Pure. */
export const readReply: ReplyReader = (text, nlu) => {
  const said = normalise(text);
  const report = stepReport(text);
  const acts = new Set<ReplyAct>();
  if (GIVE_UP.test(said) && report !== 'fixed') acts.add('gives_up');
  if (VAGUE.test(said) && !CONCRETE.test(said) && !nlu.entities.error_message && nlu.intent !== 'request_human') acts.add('vague');
  if (HELP_PATTERN.test(text)) acts.add('asks_how');
  if (STEP_WAIT.test(said)) acts.add('asks_wait');
  const { mentions, skipped } = mentionedSteps(said, report);
  return { acts, ...(report ? { report } : {}), mentions, mentionsSkipped: skipped };
};

// ───────────── answers compared with the words of a button or an option (phrases come from locales/) ─────────────

/** Folds an answer for loose comparison: width, case, punctuation, and polite endings (控えました ≈ 控えた). */
export function foldAnswer(x: string): string {
  return normalise(x)
    .toLowerCase()
    .replace(/[\s、。,.!?！？・「」『』"'()（）]/g, '')
    .replace(/ました$/, 'た')
    .replace(/ません$/, 'ない')
    .replace(/(?:です|ます)$/, '');
}

/** Does a folded phrase say enough to count when found inside a longer answer? Two Japanese characters (「両方」) say as much as `minLatin` Latin letters. */
export function phraseLongEnough(phrase: string, minLatin: number): boolean {
  return phrase.length >= minLatin || (phrase.length >= 2 && /[^\x00-\x7f]/.test(phrase));
}

/** Two short folded answers that differ only in their last one or two characters (a conjugated ending: 「手動なら届きます」 ≈ 「手動なら届く」). */
export function nearlySame(said: string, label: string): boolean {
  let n = 0;
  while (n < said.length && n < label.length && said[n] === label[n]) n++;
  return n >= 3 && n >= label.length - 1 && n >= said.length - 3;
}
