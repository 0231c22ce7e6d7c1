/**
 * Cues of what a reply DOES that a bag of n-grams reads poorly (issue 12 §4): negation and tense/aspect spread over
 * several words — 「〜し直した」 "again", 「〜てない」 "not (yet)", 「使ってない」 "don't use", 「やったけど」 "tried
 * but", 「変わらない」 "no change", 「〜済み」 "done". Each cue is one synthetic feature (hashed like any other, the
 * way contrast.ts adds WORKS_SEND …): the models learn what it means from the phrases that carry it, so 「効果なし」,
 * "no change", "to no avail" and "didn't help" meet in one feature the act model can weigh for already_tried even when
 * the real reply's words were never trained. Recognition patterns over normalised text (lower case, NFKC), not
 * user-facing strings, and nothing here decides an act.
 *
 * Cost: one gate test, then only the rules whose script the text has; a short reply runs a few small regexes.
 */
import type { FeatureBag } from './features.js';
import { LinearModel } from './model.js';

/** An apostrophe as people type it (or none): "dont", "don't", "don’t". */
const A = "['’]?";
const NT = `n${A}t`;

interface Cue {
  tag: string;
  ja?: RegExp;
  en?: RegExp;
}

const CUES: readonly Cue[] = [
  {
    // Done once more: 「入れ直した」「もう一度やった」 "re-entered", "tried again".
    tag: 'cue:again',
    ja: /し直|やり直|入れ直|打ち直|作り直|設定し直|登録し直|もう一度|もう一回|もう1回|再度|改めて|再設定|再インストール|再ログイン|再登録/,
    en: /(?<![a-z])(?:again|once more|re-?(?:tried|did|install(?:ed)?|entered|typed|added|created|set|logged)|redid|redo)(?![a-z])/,
  },
  {
    // Not done (yet) / not in that state: 「まだやってない」「してません」 "haven't", "not yet".
    tag: 'cue:not_done',
    ja: /[てで](?:い|お)?(?:ない|ません|なかった|なく)|まだ(?:です|やって|して|試して|見て|確認)|これから|未(?:確認|設定|実施)/,
    en: /(?<![a-z])(?:have(?: not|n't|nt)|has(?: not|n't|nt)|not yet|yet to|did(?: not|n't|nt) (?:try|do|get a chance|have time))(?![a-z])/,
  },
  {
    // Does not use / have it: 「VPN使ってない」「持ってません」 "I don't use", "I only use", "never used".
    tag: 'cue:dont_use',
    ja: /(?:使っ|使用し|利用し|入れ|持っ|契約し|設定し|インストールし|繋い|つない)て(?:い|お)?(?:ない|ません|なく|なかった)|使わない|使いません|使ってないです|持ってない|入っていない|入ってない|入ってません/,
    en: new RegExp(`(?<![a-z])(?:do${NT}|does${NT}|do not|does not|never|no longer|not) (?:use|have|own|using|had|used)(?![a-z])|(?<![a-z])i only (?:use|have)(?![a-z])|(?<![a-z])there${A}s no(?![a-z])|there is no(?![a-z])`),
  },
  {
    // Not there / not found: 「そのボタンがない」「見当たらない」 "I don't see that", "can't find".
    tag: 'cue:not_there',
    ja: /見当たら|見つから|表示されない|出てこない|出てきません|項目がない|ボタンがない|メニューがない|ありません|どこにもない/,
    en: new RegExp(`(?<![a-z])(?:(?:do${NT}|do not|ca${NT}|cannot|could${NT}|can not) (?:see|find)|is${NT} there|not there|no such|does${NT} exist|there${A}s nothing|nothing (?:there|in))(?![a-z])`),
  },
  {
    // Tried but: 「やったけど」「試しましたが」「入れ直したのに」 "tried … but", "did that but".
    tag: 'cue:tried_but',
    ja: /(?:っ|し|い|え|け|べ|め|れ|せ)(?:てみ)?た(?:けど|けれど|が|のに|んだけど|んですけど|んですが|ものの|ところ)|(?:し|やり|試し|み)ました(?:が|けど|けれど|のに)/,
    en: /(?<![a-z])(?:tried|did|done|re-?[a-z]+ed|restarted|rebooted|reinstalled|changed|turned|deleted|removed|cleared|reset|updated|checked|disabled|enabled|switched)(?![a-z])[^.!?]{0,60}(?<![a-z])(?:but|still|though|however|no change|nothing)(?![a-z])/,
  },
  {
    // No change / no effect: 「変わらない」「効果なし」「同じでした」 "no change", "didn't help", "to no avail".
    tag: 'cue:no_change',
    ja: /変わら(?:ない|ず|なかった|ん|なく)|変わりません|変化(?:なし|が?ない|は?ありません|しない|しません|なかった)|効果(?:なし|が?ない|は?ありません|なかった)|同じ(?:です|でした|だ|まま|結果|状態|エラー|症状)|相変わらず|改善(?:しない|しません|されない|なし)|意味(?:なかった|がなかった|なし)|ダメでした|だめでした|駄目でした/,
    en: new RegExp(`(?<![a-z])(?:no (?:change|difference|luck|effect|impact|improvement|dice|joy)|nothing (?:changed|happen(?:s|ed)?)|(?:did${NT}|did not|does${NT}|does not|wo${NT}|will not) (?:help|change|make (?:a|any) difference|fix|do anything|work either)|same (?:thing|result|error|issue|problem|behaviou?r)|still the same|same as before|to no avail|without (?:success|luck|any change))(?![a-z])`),
  },
  {
    // Done: 「済み」「完了しました」「やっておきました」 "done", "did that", "I've done it".
    tag: 'cue:done',
    ja: /済み|済んで|済ませ|済です|完了し|やりました|やっておき|しておき|してあります|してあり|やってある|やってます|試してます|やってみました/,
    en: /(?<![a-z])(?:done|did (?:that|it|this|so)|i(?:'ve| have) (?:done|tried|already)|finished|completed)(?![a-z])/,
  },
  {
    // Before, already: 「もう」「既に」「前に」 "already", "before", "previously", "prior to".
    tag: 'cue:before',
    ja: /もう(?!一度|一回|1回|少し|ちょっと)|既に|すでに|とっくに|前に|以前|さっき|先ほど|先程|最初に|何度も|何回も|いろいろ試|色々試/,
    en: /(?<![a-z])(?:already|before|earlier|previously|prior to|multiple times|several times|many times|a few times|everything)(?![a-z])/,
  },
  {
    // A reply that opens with "no": 「いいえ」「いや、」「違います」 "no,", "nope".
    tag: 'cue:no_first',
    ja: /^(?:いいえ|いや|いえ|違い|違う|ちが|ううん|うーん、?違)/,
    en: /^(?:no|nope|nah|not really|negative|never)(?![a-z])/,
  },
  {
    // Ends in a negation: 「…ないです」「…ません」「…なかった」; English: any negation ("not", "none", "don't").
    tag: 'cue:neg_end',
    ja: /(?:ない|ません|なかった|ず|なし)(?:です|でした|よ|ね|な|けど|し|かな|みたい|っぽい|と思います|と思う)*[。.!！…〜~\s]*$/,
    en: new RegExp(`(?<![a-z])(?:not|no|none|never|nothing|(?:do|does|did|is|are|was|were|have|has|had|ca|could|wo|would|should)n${A}t)(?![a-z])`),
  },
  {
    // Waiting / later: 「様子を見ます」「後でやります」 "I'll let you know", "later", "tomorrow".
    tag: 'cue:later',
    ja: /様子(?:を)?見|しばらく|後で|あとで|あとから|明日|今度|時間(?:が)?(?:ある|でき)|これから|今から|待って(?:み|ます)/,
    en: /(?<![a-z])(?:later|tomorrow|tonight|in a bit|i(?:'ll| will) (?:try|do|check|let you know|report)|will (?:try|do|check)|let you know|when i get)(?![a-z])/,
  },
];

const JA_TEXT = /[\u3041-\u30ff\u3400-\u9fff]/;
const LATIN_TEXT = /[a-z]/;

/** The cue tags, bit i of a cue mask standing for CUE_TAGS[i]. */
export const CUE_TAGS: readonly string[] = CUES.map((c) => c.tag);
/** Bit of a cue mask set for text in Japanese script (the cue model's language prior). */
const JA_BIT = 1 << CUES.length;

/** The cues of already-normalised text as a bit mask (bit i: CUES[i]; JA_BIT: Japanese script). */
export function actCueMask(norm: string): number {
  const ja = JA_TEXT.test(norm);
  const en = LATIN_TEXT.test(norm);
  let mask = ja ? JA_BIT : 0;
  for (let i = 0; i < CUES.length; i++) {
    const c = CUES[i]!;
    if ((ja && c.ja?.test(norm)) || (en && c.en?.test(norm))) mask |= 1 << i;
  }
  return mask;
}

/** The cue tags of already-normalised text (act-cues.ts file comment), each once, in a fixed order. */
export function actCues(norm: string): string[] {
  const mask = actCueMask(norm);
  return CUE_TAGS.filter((_, i) => mask & (1 << i));
}

/** The cue-only bag of a mask: one id per set bit (id = bit + 1), unit length, always at least the script's id. */
export function cueBag(mask: number): FeatureBag {
  const ids: number[] = [mask & JA_BIT ? CUES.length + 1 : CUES.length + 2];
  for (let i = 0; i < CUES.length; i++) if (mask & (1 << i)) ids.push(i + 1);
  return { ids: Uint32Array.from(ids), value: 1 / Math.sqrt(ids.length) };
}

/** The cue model as model.json keeps it (a few hundred numbers). */
export interface SerializedCueModel {
  labels: string[];
  ids: number[];
  weights: number[];
  bias: number[];
  temperature: number;
}

export function cueModelToJson(m: LinearModel): SerializedCueModel {
  return { labels: [...m.labels], ids: [...m.ids], weights: [...m.weights], bias: [...m.bias], temperature: m.temperature };
}

export function cueModelFromJson(s: SerializedCueModel): LinearModel {
  const m = new LinearModel(s.labels, Uint32Array.from(s.ids), Float32Array.from(s.weights), Float32Array.from(s.bias));
  m.temperature = s.temperature;
  return m;
}
