/**
 * The rows of the secrets audit (rob-23, rob-25): the shapes of password people type, and the values that must be found
 * nowhere — shared by the web + Slack audit (secrets-audit.test.ts) and the Teams one (secrets-audit-teams.test.ts).
 * Every line is invented test data in the way people write to the desk, not a corpus line.
 */
import { rawClient } from '../redis.js';

export interface Row {
  /** What the person types (said twice: alone after the symptom, then in the hand-off form's answer). */
  line: string;
  /** The values that must be found nowhere. A value of digits only is searched with digit boundaries. */
  values: string[];
  /**
   * Said to the bot right before `line` (sec-26): the talk of a password change that makes `line`'s value a password
   * although `line` names none (「ドコモメールの新しいのはミナミカゼ」). While staff hold the conversation, the state's topic does.
   */
  before?: string;
  /**
   * `line` is a value only after `before` (sec-27: 「パスワードは」 then 「ヨゾラ」 alone): wherever the line is typed —
   * to the bot, to staff holding the conversation — `before` comes right before it, and the hand-off form's answer
   * types the two together.
   */
  alone?: true;
  /**
   * How Slack delivers `line` when it is typed there (sec-34): Slack wraps an address it sees in its link markup
   * (`<mailto:a@b.jp|a@b.jp>`). The Slack audit sends this instead of `line`; the web and Teams send `line`.
   */
  slack?: string;
}

export const JA: Row[] = [
  { line: 'パスワードは Zx9!secret です', values: ['Zx9!secret'] },
  { line: 'パス：qwerty99', values: ['qwerty99'] },
  { line: 'PW: hunter22', values: ['hunter22'] },
  { line: 'pw:tanaka1980', values: ['tanaka1980'] },
  { line: 'PINは5820です', values: ['5820'] },
  { line: '暗証番号は7391にした', values: ['7391'] },
  { line: 'パスコードは 6604 です', values: ['6604'] },
  { line: 'パスワードはホシゾラにした', values: ['ホシゾラ'] },
  { line: 'パスワードをすもももにしました', values: ['すももも'] },
  { line: 'パスワードは「からたちのはな」です', values: ['からたちのはな'] },
  { line: 'パスワードはねこ123です', values: ['ねこ123'] },
  { line: 'パスワード：ｐａｓｓ４８２７ｘ', values: ['ｐａｓｓ４８２７ｘ', 'pass4827x'] },
  { line: 'パスワードはHunter2abc!に変えました', values: ['Hunter2abc'] },
  { line: 'アプリ用パスワードは qzxw vbnm lkjh gfds です', values: ['qzxw vbnm lkjh gfds', 'qzxw'] },
  { line: 'パスワード変えた。新しいのは Pa55word!x', values: ['Pa55word!x', 'Pa55word'] },
  { line: 'パスワードはヒカリノミチです', values: ['ヒカリノミチ'] },
  { line: '暗証番号を0000から4862に変えた', values: ['4862'] },
  { line: 'pass: ほしぞら', values: ['ほしぞら'] },
  // lose-37: the forms of that round's brief, typed without spaces (team-written test data)
  { line: 'パスワードはabc12345です', values: ['abc12345'] },
  // rob-25: the value slot — no digit, after 「新しいのは」 or 「パスは」 (invented test data)
  { line: 'パスワード変えた。新しいのはさくらもち', values: ['さくらもち'] },
  { line: 'パスは　ねこねこで入れてます', values: ['ねこねこ'] },
  // sec-26: short kana, a count between the label and the number, a four-digit code, digits typed after a spaced value
  // (shapes seen on the pages named in test/core/redact-cases.yaml; the values are invented)
  { line: 'パスワードはたぬき', values: ['たぬき'] },
  { line: '暗証番号4桁は3851です', values: ['3851'] },
  { line: 'PINコード6028', values: ['6028'] },
  { line: '認証コード 7294', values: ['7294'] },
  { line: 'パスワード qzmv 5193', values: ['qzmv', '5193'] },
  { before: 'パスワードを変えました', line: 'ドコモメールの新しいのはミナミカゼ', values: ['ミナミカゼ'] },
  // sec-27: katakana with no copula, kanji, a code named away from its number, katakana alone after its label (invented
  // values; the shapes are in test/core/redact-cases.yaml with their pages)
  { line: 'パスワードはミケネコ', values: ['ミケネコ'] },
  { line: '暗証番号は鈴木です', values: ['鈴木'] },
  { line: '5730って入れたら認証コードが違うって', values: ['5730'] },
  { before: 'パスワードは', line: 'ヨゾラ', values: ['ヨゾラ'], alone: true },
  // sec-31: a settings screen typed line by line, a hedge before the value, a correction after a password change.
  { line: 'ホスト名 imap.gmail.com\nユーザ名 taro@gmail.com\nパスワード\nあさやけ', values: ['あさやけ'] },
  { line: 'パスワードは多分lighthouseです', values: ['lighthouse'] },
  { before: 'パスワードを変えました', line: '間違えた、tulip42じゃなくてtulip43', values: ['tulip42', 'tulip43'] },
  // sec-33: an address and its password with a slash, Slack's bold around the label, an apology before the right value.
  { line: 'taro@docomo.ne.jp／kumo7788です', values: ['kumo7788'] },
  { line: '*パスワード:* yuzuriha', values: ['yuzuriha'] },
  { before: 'パスワードを変えました', line: 'さっきのは間違いでkiwi2024です', values: ['kiwi2024'] },
  // sec-34: kana alone after an address and a slash (Slack's link markup around the address), which one it was (invented values)
  { line: 'hana@docomo.ne.jp／あさつゆ', slack: '<mailto:hana@docomo.ne.jp|hana@docomo.ne.jp>／あさつゆ', values: ['あさつゆ'] },
  { before: 'パスワードを変えました', line: 'さっきのは古いほうでした、nashi5083です', values: ['nashi5083'] },
  // sec-34b: a half-width katakana label and a kana value ending in 「ん」 (invented value)
  { line: 'ﾊﾟｽﾜｰﾄﾞ：すずらん', values: ['すずらん'] },
  // sec-35: half-width katakana alone after its label, a spaced dash after a Japanese label (invented values)
  { before: 'ﾊﾟｽﾜｰﾄﾞは', line: 'ﾎｼｿﾞﾗ', values: ['ﾎｼｿﾞﾗ'], alone: true },
  { line: 'パスワード - あさがお', values: ['あさがお'] },
];

export const EN: Row[] = [
  { line: 'my password is Working2024', values: ['Working2024'] },
  { line: 'pass=Tr0ub4dor&3', values: ['Tr0ub4dor'] },
  { line: 'I changed my password to hunter', values: ['hunter'] },
  { line: 'password: P@ss w0rd', values: ['P@ss', 'w0rd'] },
  { line: 'my PIN is 9137', values: ['9137'] },
  { line: 'pw: letmein77', values: ['letmein77'] },
  { line: 'app password: wxyz qrst uvkm pjhg', values: ['wxyz qrst uvkm pjhg', 'wxyz'] },
  // lose-37: the forms of that round's brief (team-written test data)
  { line: 'pw: Xy9!kk22', values: ['Xy9!kk22', 'kk22'] },
  { line: "my app password is 'abcd efgh ijkl mnop'", values: ['abcd efgh ijkl mnop', 'abcd efgh', 'ijkl mnop'] },
  { line: 'I typed Summer2024! as my password', values: ['Summer2024'] },
  // rob-25: letters only in the slot after "my password is" (invented test data)
  { line: 'my password is sunflower', values: ['sunflower'] },
  // sec-26 (invented test data)
  { line: 'the code they sent is 4417', values: ['4417'] },
  { line: "I'm using Kestrel88 as my password", values: ['Kestrel88'] },
  { line: 'my password is falcon 51', values: ['falcon'] },
  { before: 'I changed my password yesterday', line: 'the new one is marigold', values: ['marigold'] },
  // sec-27 (invented test data)
  { line: 'I entered 731904 but it says invalid code', values: ['731904'] },
  { before: 'the new password is:', line: 'bluejay', values: ['bluejay'], alone: true },
  // sec-31: a settings screen typed line by line, a hedge before the value, a correction after a password change.
  { line: 'My settings are\nHost Name imap.gmail.com\nUser Name taro@gmail.com\nPassword snowdrop', values: ['snowdrop'] },
  { line: 'my password is probably juniper', values: ['juniper'] },
  { before: 'I changed my password yesterday', line: 'sorry I meant maple77 not maple76', values: ['maple77', 'maple76'] },
  // sec-33: an address and its password with a slash, Slack's bold and a code span, "my pass is", an apology before the value.
  { line: 'my login is pat@example.com / tamarind77', values: ['tamarind77'] },
  { line: '*Password:* `gooseberry`', values: ['gooseberry'] },
  { line: 'my pass is bluebell', values: ['bluebell'] },
  { before: 'I changed my password yesterday', line: "sorry that was a typo, it's quokka41", values: ['quokka41'] },
  // sec-34: letters only after an address and a slash (as Slack delivers it: the address in its link markup), a label and
  // its value inside a sentence, which one it was (invented values)
  { line: 'pat@example.com / marigold', slack: '<mailto:pat@example.com|pat@example.com> / marigold', values: ['marigold'] },
  { line: 'i typed password lavender and it still fails', values: ['lavender'] },
  { before: 'I changed my password yesterday', line: "that was the old one, it's quince", values: ['quince'] },
  // sec-34b: a pair with one-letter labels (invented value)
  { line: 'u: pat p: juniper', values: ['juniper'] },
  // sec-35: an address and a word glued by a colon (a combo-list line; Slack wraps the address), a name in -ly after
  // "typed password" (invented values)
  { line: 'pat@example.com:Wisteria', slack: '<mailto:pat@example.com|pat@example.com>:Wisteria', values: ['Wisteria'] },
  { line: 'i typed password holly and it still fails', values: ['holly'] },
];

/** What the hand-off form's answer types of a row: the line, or the label and the value together (Row.alone). */
export const formLine = (row: Row) => (row.alone ? `${row.before ?? ''} ${row.line}` : row.line);

export const SCRIPTS = {
  ja: { symptom: 'iPhoneでメールが受信できない', person: '担当者と話したい', form: 'iPhone 15、iOS 18.1、ドコモメール、今朝から毎回です。', dontKnow: 'わからない' },
  en: { symptom: "I can't receive mail on my iPhone", person: 'I want to talk to a person', form: 'iPhone 15, iOS 18.1, docomo mail, every time since this morning. ', dontKnow: "I don't know" },
} as const;

/** The value as a pattern: digits alone with digit boundaries (a PIN must not match inside a timestamp). */
export const patternOf = (value: string) =>
  /^\d+$/.test(value) ? new RegExp(`(?<!\\d)${value}(?!\\d)`) : new RegExp(value.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&'), 'i');

/**
 * Our own random ids, which no typed value can hide in: UUIDs (a transcript summary's revision) and long hex runs. Taken
 * out before searching, so a PIN such as 4862 is not "found" in the third group of a revision `…-4862-…` (it was, once).
 */
const OUR_IDS = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{16,}\b/gi;

/** The values of every row found in `text`, with the place they were found and the text around them (to see why). */
export function leaks(where: string, raw: string): string[] {
  const text = raw.replace(OUR_IDS, '<id>');
  return [...JA, ...EN].flatMap((row) =>
    row.values.flatMap((v) => {
      const m = patternOf(v).exec(text);
      return m ? [`${where}: ${v} in …${text.slice(Math.max(0, m.index - 60), m.index + m[0].length + 20)}…`] : [];
    }),
  );
}

/** Every Redis key under `prefix`, whatever its type, read whole and searched: how many keys, and the values found. */
export async function redisLeaks(prefix: string): Promise<{ keys: number; found: string[] }> {
  const c = await rawClient();
  const found: string[] = [];
  let keys = 0;
  try {
    for await (const batch of c.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      for (const key of batch) {
        keys++;
        const type = await c.type(key);
        let dump: unknown;
        if (type === 'string') dump = await c.get(key);
        else if (type === 'hash') dump = await c.hGetAll(key);
        else if (type === 'list') dump = await c.lRange(key, 0, -1);
        else if (type === 'set') dump = await c.sMembers(key);
        else if (type === 'zset') dump = await c.zRange(key, 0, -1);
        else if (type === 'stream') dump = await c.xRange(key, '-', '+');
        else dump = `unread type ${type}`;
        found.push(...leaks(`redis ${key}`, JSON.stringify(dump)));
      }
    }
  } finally {
    await c.close();
  }
  return { keys, found };
}
