/**
 * What the features should NOT read literally: a clause saying one direction of mail WORKS (「送信はできる」,
 * "sending is fine", "I can receive but …") and a password typed into the message.
 *
 * Bag-of-n-gram features cannot tell 「受信はできる」 from 「受信できない」: both vote for the receive intent. So a
 * "works" clause is cut out of the text the n-grams see and replaced by one synthetic feature (WORKS_SEND /
 * WORKS_RECV) that the model learns on its own — with 「送信はできる」 it learns "the trouble is receiving".
 * A "the network works" clause (「Wi-Fiは繋がっているのに」, "wifi is connected but") is cut out the same way (WORKS_NET):
 * it names the connection only to say the connection is not the trouble.
 * A typed password (「パスワードは abc12345 です。」) is cut out the same way: its label pulls towards error_auth
 * while the rest of the message names the real symptom (redaction for storage happens elsewhere; this is for
 * classification only). Recognition patterns, not user-facing strings.
 */
import { redact } from '../core/redact.js';

/** Synthetic feature names (hashed like any other feature). */
export const WORKS_SEND = 'works:send';
export const WORKS_RECV = 'works:recv';
/** "Wi-Fi is connected, but …" (「Wi-Fiは繋がっているのに」): the network works, so the trouble is not the connection. */
export const WORKS_NET = 'works:net';
/** "Did that before you asked" (「それは前にやりました」, "already tried that"): the step did not help. */
export const DONE_BEFORE = 'done:before';
const ALREADY = /(?:もう|既に|すでに|前に|前も|以前|さっき|先ほど|先程|とっくに|最初に|何度も|何回も)[^。！？!?]{0,12}(?:やっ|やり|試し|済|し(?:た|まし|てい|てる|てあ))|試し済|(?<![a-z])already(?![a-z])|(?<![a-z])(?:tried|did|done) (?:that|it|this)(?: before| earlier)/;

// Japanese: direction + particle + "works". The particle is required, so 「受信できるようになった」 (fixed) is not cut.
const JA_SEND = '送信|送るの|送るほう|送る方|メールを送ること|送ること';
const JA_RECV = '受信|受け取り|受け取るの|受け取る方|受け取るほう|メールを受け取ること|受け取ること';
const JA_OK = '(?:普通に|問題なく|ちゃんと|一応)?(?:できる|できます|できてる|できてます|できてい|出来る|出来ます|いける|いけます|いけてる|いけてます|大丈夫|問題な(?:い|し|く)|ok|おk|オッケー|正常|平気|生きて)';
const JA_PARTICLE = '(?:は|も|だけは|だけなら|のほうは|の方は)';
// "can do X, but/though": 「送れるけど」「受信できるのに」「届きはする」.
// The conjunction is required, so 「受信できるようになった」 (fixed) is not cut; 「〜はする」 says it on its own.
const JA_CAN_SEND = '(?:送れる|送信できる|送れます|送信できます)(?:けど|けれど|のに|が|んだけど|んですけど|んですが)|送れはする|送信はする';
const JA_CAN_RECV = '(?:受け取れる|受信できる|受け取れます|受信できます|メールは(?:来る|届く|来ます|届きます))(?:けど|けれど|のに|が|んだけど|んですけど|んですが)|受け取れはする|届きはする|届くには届く|来るには来る';
const JA_BUT = '(?:けど|けれど|のに|が|んですけどね|ですけど|ですが)?';

// English: "sending is fine", "outgoing works", "I can receive (mail)" — not followed by "again"/"now" (fixed).
const EN_SEND = 'sending|outgoing(?: mail| emails?)?|outbound|send(?:ing)? mail';
const EN_RECV = 'receiving|incoming(?: mail| emails?)?|inbound|receiving mail';
const EN_OK = '(?:is |are |seems |seem )?(?:still )?(?:works?|working|fine|ok|okay|good|alright|all right|normal(?:ly)?)(?: fine| ok| okay| normally)?';

// The network works: 「Wi-Fiは繋がってるのに」「ネットには接続できてるけど」, "wifi is connected but", "I'm connected to the internet,".
// A contrast (のに/けど/but/,) is required, so a bare 「Wi-Fi繋がってる」 (an answer, or the fact beside an offline error) stays.
const WIFI = 'wi[-‐‑]?fi'; // normalize() keeps U+2010/U+2011 hyphens
const JA_NET = `(?:${WIFI}|ワイファイ|ネット|インターネット|モバイルデータ|4g|5g|lte|電波)`;
const JA_NET_OK = '(?:は|も|に|には|とは)?(?:ちゃんと|普通に|問題なく)?(?:繋がって|つながって|接続されて|接続して|接続できて|使えて)(?:い|お)?(?:る|ます|て)?';
const EN_NET = `(?:${WIFI}|internet|network|data connection|cellular data|mobile data)`;

const clause = (dir: string, ok: string) => new RegExp(`(?:${dir})${ok}`, 'g');
const RULES: Array<{ re: RegExp; tag: string }> = [
  { re: new RegExp(`(?:${JA_SEND})${JA_PARTICLE}${JA_OK}(?:です|ます|みたい|っぽい|けど|けれど|のに|が|んだけど|んですけど|んですが|なんですけど|なんですが|ね|よ)*`, 'g'), tag: WORKS_SEND },
  { re: new RegExp(`(?:${JA_RECV})${JA_PARTICLE}${JA_OK}(?:です|ます|みたい|っぽい|けど|けれど|のに|が|んだけど|んですけど|んですが|なんですけど|なんですが|ね|よ)*`, 'g'), tag: WORKS_RECV },
  { re: new RegExp(`(?:${JA_CAN_SEND})${JA_BUT}`, 'g'), tag: WORKS_SEND },
  { re: new RegExp(`(?:${JA_CAN_RECV})${JA_BUT}`, 'g'), tag: WORKS_RECV },
  { re: clause(`(?<![a-z])(?:${EN_SEND}) `, `${EN_OK}(?![a-z]| again| now)`), tag: WORKS_SEND },
  { re: clause(`(?<![a-z])(?:${EN_RECV}) `, `${EN_OK}(?![a-z]| again| now)`), tag: WORKS_RECV },
  { re: new RegExp(`${JA_NET}${JA_NET_OK}(?:のに|けど|けれど|が|んだけど|んですけど|んですが|のですが)`, 'g'), tag: WORKS_NET },
  { re: new RegExp(`(?<![a-z])(?:the |my )?${EN_NET} (?:is |seems |seems to be )?(?:connected|working|works|fine|ok|okay)(?: fine)?(?= but| yet|,)`, 'g'), tag: WORKS_NET },
  { re: new RegExp(`(?<![a-z])i(?:'m| am) connected to (?:the )?${EN_NET}(?= but| yet|,)`, 'g'), tag: WORKS_NET },
  { re: /(?<![a-z])(?:it |that )?receives? (?:mail |emails? )?(?:fine|ok|okay|normally|just fine)(?![a-z])/g, tag: WORKS_RECV },
  { re: /(?<![a-z])i can (?:still )?send(?: mail| emails?| messages?)?(?= but|,|$| fine| ok| just fine)/g, tag: WORKS_SEND },
  { re: /(?<![a-z])i can (?:still )?receive(?: mail| emails?| messages?)?(?= but|,|$| fine| ok| just fine)/g, tag: WORKS_RECV },
  { re: /(?<![a-z])i (?:get|receive) (?:mail|emails?|messages?)(?= but|,|$| fine| ok)/g, tag: WORKS_RECV },
];
// Every rule needs one of these words: a direction of mail, or a network noun of JA_NET / EN_NET.
const CHEAP_GATE = new RegExp(`送|受|届|来る|send|receiv|incoming|outgoing|inbound|outbound|get mail|get email|${WIFI}|ワイファイ|ネット|モバイルデータ|4g|5g|lte|電波|internet|network|data`);

/** Password labels whose clause is dropped together with the value (keep in step with src/core/redact.ts). */
const SECRET_GATE = /パス|暗証|pass|pwd|pw|pin|コード|code|token|トークン|key|secret|シークレット/;
const MARK = '\u{e000}';
const SECRET_CLAUSE = new RegExp(
  `(?:アプリ用パスワード|パスワード|パスコード|暗証番号|パス|app password|password|passwd|passcode|pass|pwd|pw|pin|code|コード)?\\s*(?:[:：=＝]|は|が|を|も|is|was)?\\s*[「『"']?${MARK}[」』"']?\\s*(?:です|でした|だよ|だ|で|って)?\\s*[。.、,!！]?`,
  'giu',
);

export interface Contrast {
  /** The normalised text without "works" clauses and typed passwords. */
  text: string;
  /** Synthetic features found (WORKS_SEND / WORKS_RECV / WORKS_NET / DONE_BEFORE), each once. */
  tags: string[];
}

/** Cuts "works" clauses and typed passwords out of already-normalised text (see the file comment). */
export function contrast(norm: string): Contrast {
  let text = norm;
  if (SECRET_GATE.test(text)) {
    const r = redact(text, { mark: MARK });
    if (r.redacted) text = r.text.replace(SECRET_CLAUSE, ' ').replace(new RegExp(MARK, 'gu'), ' ').trim();
  }
  const tags: string[] = [];
  if (ALREADY.test(text)) tags.push(DONE_BEFORE);
  if (CHEAP_GATE.test(text)) {
    for (const { re, tag } of RULES) {
      re.lastIndex = 0;
      if (!re.test(text)) continue;
      re.lastIndex = 0;
      text = text.replace(re, ' ');
      if (!tags.includes(tag)) tags.push(tag);
    }
    if (tags.length) text = text.replace(/\s+/g, ' ').trim();
  }
  return { text, tags };
}
