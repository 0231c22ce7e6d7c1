/**
 * Entity extraction: carrier, service, device, trigger, error_message, os_version (values: design.md § Entities).
 * Patterns run on the light normalisation (NFKC, lower case), so ﾄﾞｺﾓ, ＤＯＣＯＭＯ and docomo are one thing.
 * Latin-script brand typos (iphnoe, gmial) are caught by Damerau–Levenshtein distance ≤ 1 against the brand list.
 * When one entity is named twice with different values, the earliest mention wins, except where noted.
 */
import type { Carrier, Device, Entities, ErrorMessageKind, Intent, Service, Trigger } from '../core/index.js';
import { clip, normalizeLight } from './normalize.js';
import { createRequire } from 'node:module';

// Only the distance submodule: natural's index loads database drivers and prints a dotenv banner to stdout.
const { DamerauLevenshteinDistance } = createRequire(import.meta.url)('natural/lib/natural/distance/levenshtein_distance.js') as {
  DamerauLevenshteinDistance: (a: string, b: string, opts?: { restricted?: boolean }) => number;
};

/** Latin-word boundaries (JS \b is ASCII-only and treats kana as non-word, which is what we want here too). */
const L = '(?<![a-z0-9])';
const R = '(?![a-z0-9])';

type Table<V extends string> = Array<[V, RegExp]>;

const CARRIERS: Table<Carrier> = [
  // 「どこも」 alone is an everyday word (「どこも繋がらない」): only どこも followed by メール/めーる is the carrier.
  ['docomo', new RegExp(`ドコモ|どこも(?:メール|めーる|の携帯)|${L}docomo${R}|${L}ｄocomo|${L}d(?:アカウント|account|払い|ポイント)|spモード|${L}sp-?mode${R}`)],
  // Hiragana えーゆー only as a word of its own (not inside a longer hiragana run), a particle or です may follow.
  ['au', new RegExp(`${L}au${R}|エーユー|(?<![ぁ-ゖー])えーゆー(?=(?:の|で|は|が|も|です|だ|を|に)(?![ぁ-ゖ])|$|[^ぁ-ゖー])|ezweb|${L}kddi${R}`)],
  ['softbank', new RegExp(`ソフトバンク|ソフバン|そふとばんく|そふばん|${L}soft ?bank|${L}sb${R}|i\\.softbank|ソフトバンクメール`)],
  ['rakuten', new RegExp(`楽天(?:モバイル|メール|回線|link|リンク)|${L}rakuten`)],
  ['ymobile', new RegExp(`ワイモバイル|ワイモバ|${L}y!? ?mobile${R}|${L}ymobile|${L}y-mobile`)],
  ['uq', new RegExp(`${L}uq${R}|${L}uq ?mobile|uqモバイル|ユーキュー`)],
];

const SERVICES: Table<Service> = [
  ['carrier_mail', new RegExp(`キャリアメール|携帯メール|ドコモメール|${L}docomo ?メール|auメール|${L}au ?mail${R}|ソフトバンクメール|${L}softbank ?mail|楽天メール|ワイモバ(?:イル)?メール|uqメール|@docomo\\.ne\\.jp|@ezweb\\.ne\\.jp|@au\\.com|@i\\.softbank\\.jp|@softbank\\.ne\\.jp|${L}mms${R}|${L}carrier (?:e-?)?mail`)],
  ['icloud', new RegExp(`${L}i ?cloud|アイクラウド|あいくらうど|${L}apple ?id${R}|apple id|アップルid|@me\\.com|@mac\\.com`)],
  ['gmail', new RegExp(`${L}g ?mail|ジーメール|gメール|グーグルメール|ぐーぐる(?:めーる|メール|の?あかうんと|の?アカウント)|じーめーる|${L}google ?(?:mail|account|アカウント)|グーグルアカウント|googleのメール`)],
  ['outlook', new RegExp(`${L}outlook|アウトルック|${L}hotmail|ホットメール|${L}office ?365|${L}microsoft ?365|マイクロソフト ?365|${L}ms ?365${R}|${L}m365${R}|${L}exchange${R}|エクスチェンジ|@live\\.jp|@outlook\\.`)],
  ['yahoo', new RegExp(`${L}yahoo|ヤフー|ヤフメ|${L}ymail${R}|@yahoo\\.`)],
];

const DEVICES: Table<Device> = [
  ['ipad', new RegExp(`${L}ipad|アイパッド|あいぱっど`)],
  ['iphone', new RegExp(`${L}iphone|アイフォー?ン|アイホン|あいふぉん|あいふぉーん|あいほん`)],
  // Android brands and models: Galaxy, Pixel, Xperia, AQUOS, arrows, OPPO, …. "arrows" is also an English word
  // ("tap the arrows"), so after an article, a number or a direction it is not the phone.
  ['android', new RegExp(`${L}android|アンドロイド|あんどろいど|${L}galaxy|ギャラクシー|${L}xperia|エクスペリア|${L}pixel${R}|ピクセル|${L}aquos|アクオス|(?<!(?:the|two|three|both|these|those|blue|red|up|down|left|right|back|little|small) )${L}arrows${R}(?! (?:at|on|in|next|button|icon|key)s?${R})|アローズ|${L}oppo${R}|${L}xiaomi|${L}redmi${R}|${L}huawei|${L}motorola|${L}moto g|${L}zenfone`)],
  ['mac', new RegExp(`${L}mac${R}|${L}macbook|${L}imac${R}|マック(?!ス)|${L}mac ?os|マックブック`)],
  ['windows', new RegExp(`${L}windows|ウィンドウズ|ウインドウズ|${L}win ?1[01]${R}`)],
];
/** A carrier name directly followed by "mail" (the carrier's own mail service). */
// 「楽天モバイルのメール」「UQ mobile mail」: the brand's "mobile" suffix sits between the carrier and "mail".
const CARRIER_MAIL = new RegExp(`(?:ドコモ|どこも(?=メール|めーる)|docomo|${L}au|ソフトバンク|ソフバン|softbank|楽天|rakuten|ワイモバイル|ワイモバ|y!?mobile|${L}uq)(?:モバイル| ?mobile)?(?:の|'s)? ?(?:メール|めーる|e-?mail|mail)`);

// English triggers name a change that HAPPENED (past tense, "after/since …ing", "new phone"), not a plan or a
// question: "how do I update my password" and "should I update iOS?" are no trigger.
const EN_PHONE = '(?:iphone|ipad|android|galaxy|pixel|xperia|aquos|arrows|oppo|phone|smartphone|device|handset)';
const EN_CHANGE_VERB = '(?:change|changes|changed|changing|switch|switches|switched|switching|upgrade|upgraded|upgrading|replace|replaced|replacing|swap|swapped|swapping)';
const EN_MOVE_VERB = `(?:${EN_CHANGE_VERB.slice(3, -1)}|move|moved|moving|migrate|migrated|migrating|went|go|going)`;
// What an "update" in "after I updated …" is about when it is not the phone's software.
const NOT_OS_OBJECT = `(?! (?:(?:my|the|our|a|an|some|its|their|all) )?(?:[a-z0-9@.'-]+ )?(?:passwords?|settings?|apps?|profiles?|address|account|contacts?|signature|payment|card)${R})`;

const TRIGGERS: Table<Trigger> = [
  ['password_change', new RegExp([
    `(?:パスワード|パス|pw|ぱすわーど)(?:を|も)?(?:変え|かえ|変更|変わ|更新し|リセット|再設定し|再発行)|パス変`,
    `${L}(?:changed|updated|renewed) (?:[a-z0-9'.@-]+ ){0,3}passwords?${R}`,
    // "reset" is also the present tense: only after someone who did it ("I reset", "after we reset"), never "how do I reset".
    `(?<!(?:do|can|should|could|would|will|to|must|how|may|i'll) )${L}(?:i|i've|we|we've|just|had|have|after|since|when|recently)(?: just| recently| had)? reset (?:[a-z0-9'.@-]+ ){0,3}passwords?${R}`,
    `${L}(?:after|since|when|following) (?:i |we |they |it )?(?:chang|reset|updat|renew)(?:ing|ed|t)? (?:[a-z0-9'.@-]+ ){0,3}passwords?${R}`,
    `${L}passwords? (?:was |were |got |has been |had been |have been )?(?:changed|reset|updated)${R}`,
    `password (?:change|reset)|new password`,
  ].join('|'))],
  ['device_change', new RegExp([
    `機種変|機種を?変え|新しい(?:iphone|スマホ|携帯|機種|android|アイフォン)|買い?[替換]え|乗り?[換替]え|${L}mnp${R}|端末(?:を)?(?:変え|交換)`,
    // 「iPhoneからGalaxyに変えた」「Pixelに替えた」: a phone as the goal of a change.
    `(?:${EN_PHONE}|アイフォー?ン|アンドロイド|ギャラクシー|エクスペリア|ピクセル|アクオス|スマホ)[a-z0-9 ]{0,12}(?:に|へ)(?:機種)?(?:変え|かえ|変更し|替え|換え|移行し)`,
    // "new phone", "got a new iPhone", "my new Galaxy" (not a new phone number).
    `${L}new ${EN_PHONE}s?${R}(?! ?numbers?${R})`,
    // "changed phones", "switched devices", "upgraded my phone" — not "upgraded my phone to iOS 18" (that is an update).
    `${L}${EN_CHANGE_VERB} (?:my |our |the |to an? new |over )?(?:phones?|iphones?|devices?|handsets?|smartphones?)${R}(?! to (?:ios|ipados|android|the latest|\d))`,
    // "changed from iPhone to a Galaxy", "moving over from Android", "switched to a Pixel".
    `${L}${EN_MOVE_VERB} (?:over )?from (?:(?:an?|my|the|our|old|previous) )*${EN_PHONE}${R}`,
    `${L}(?:switch|switched|switching|changed|changing|moved|moving) (?:over )?to (?:(?:an?|the|new) )*(?:iphone|android|galaxy|pixel|xperia|aquos|arrows|oppo)${R}`,
    `device change|${L}(?:phone|device|handset) (?:change|swap|replacement)${R}`,
  ].join('|'))],
  ['os_update', new RegExp([
    `アップデート|アプデ|${L}ios ?(?:を)?(?:更新|あげ|上げ)|os(?:を)?(?:更新|アップ)|(?:ios|os)\\s?\\d+(?:\\.\\d+)*\\s?(?:に|へ)(?:し|あげ|上げ|更新)|バージョンアップ`,
    // "after the iOS 18 update", "since the latest update", "with the new software update".
    `${L}(?:after|since|following|with|from) (?:(?:the|an|a|my|this|that|last|latest|recent|new|newest|big|yesterday's|last night's|today's) )*(?:(?:ios|ipados|android|os|software|system|phone|iphone|ipad|firmware) ?)?(?:\\d+(?:\\.\\d+)* )?(?:update|upgrade)s?${R}`,
    `${L}(?:ios|ipados|android|software|system|firmware) ?(?:\\d+(?:\\.\\d+)* )?(?:update|upgrade)${R}`,
    // "upgraded to iOS 18", "after updating iOS", "I updated my phone", "installed the latest iOS".
    `${L}(?:updated|upgraded|updating|upgrading|installed|installing) (?:(?:to|my|the|our|its|a|an|new|latest|newest) )*(?:ios|ipados|android|iphone|ipad|phone|os|software|system|firmware|version)${R}`,
    // "since I updated", "after updating" with no object, or with the phone as the object.
    `${L}(?:since|after|when|once) (?:i |we |it |my phone |the phone |my iphone |the iphone )?(?:updated|upgraded|updating|upgrading)${R}${NOT_OS_OBJECT}`,
    // "my phone updated itself overnight" — a subject that did it, not "should I keep iOS updated?".
    `${L}(?:my|the|our|since|after|when|once) (?:phone|iphone|ipad|ios|android|software) (?:was |got |has been |had |has |just )?(?:auto-?)?(?:updated|upgraded)${R}`,
  ].join('|'))],
  ['settings_change', new RegExp([
    `設定(?:を)?(?:変え|かえ|変更|いじ|弄)|設定変更`,
    `${L}(?:changed|changing|tweaked|tweaking|edited|modified|messed with|played with|touched) (?:(?:the|some|my|a|few|couple|of|mail|email|account|network|phone|wi-?fi|server) )*settings?${R}`,
    `${L}settings? (?:was |were |got |have been |has been )?(?:changed|modified)${R}|settings? change`,
  ].join('|'))],
];

/**
 * Error strings of the guide and their everyday variants, most specific first. iOS titles its alerts
 * 「アカウントエラー」 and puts the specific message in the body, so the body (password / server / connection)
 * wins over the title; the title still wins over the generic 「メールを取得できません」 (the guide: that pair means
 * mismatched credentials).
 */
const ERRORS: Table<ErrorMessageKind> = [
  ['password_incorrect', /(?:パスワード|ぱすわーど)が(?:正しくありません|正しくない|違います|間違って)|password (?:is |was )?(?:incorrect|wrong)|incorrect password|wrong password/],
  ['auth_failed', /認証に失敗|認証エラー|認証失敗|authentication (?:failed|error)|auth(?:entication)? failure|login failed/],
  ['smtp_no_response', /(?:smtp|送信) ?(?:サーバー?|server)(?:が| is | )?(?:応答しません|応答しない|応答なし|not responding)|(?:smtp|送信) ?サーバー?(?:から|からの)?応答が(?:ありません|ない)/],
  ['imap_no_response', /(?:imap)? ?(?:サーバー?|server)(?:が| is | )?(?:応答しません|応答しない|応答なし|not responding)|server (?:isn't|is not|doesn't|does not) respond|サーバー?(?:から|からの)?応答が(?:ありません|ない)/],
  ['cannot_connect', /サーバー?(?:に|へ|と)(?:接続|せつぞく)(?:できません|できない|出来ません|出来ない)|サーバー?への接続に失敗|(?:cannot|can't|can not|unable to|could not|couldn't) connect to (?:the )?(?:mail )?server/],
  ['account_error', /アカウントエラー|account error/],
  ['cannot_get_mail', /メール(?:を|が)?(?:取得|しゅとく)(?:できません|できない|出来ません|出来ない)|(?:cannot|can't|unable to) (?:get|fetch|retrieve) mail/],
];

/**
 * Intent an error string stands for, when it is (nearly) the whole message. The guide's symptom table:
 * credentials → error_auth, network → error_connect, server not answering → error_server_timeout.
 */
export const ERROR_INTENT: Record<ErrorMessageKind, Intent> = {
  password_incorrect: 'error_auth',
  auth_failed: 'error_auth',
  account_error: 'error_auth',
  smtp_no_response: 'error_send',
  imap_no_response: 'error_server_timeout',
  cannot_connect: 'error_connect',
  cannot_get_mail: 'error_cannot_fetch',
};

// 「Android 14」「Android OS 14」「Androidバージョン14」「iOS ver.17.5」; a phone model (Pixel 7, Galaxy S23) is not an OS version.
const OS_VERSION = /(?<![a-z])(ipados|ios|macos|android|アンドロイド|アイオーエス)\s?(?:(?:os|バージョン|ver\.?|version)\s?)?(\d{1,2}(?:\.\d{1,2}){0,2})(?![\d.]*\d)/;
const OS_NAME: Record<string, string> = { ipados: 'iPadOS', ios: 'iOS', macos: 'macOS', android: 'Android', アンドロイド: 'Android', アイオーエス: 'iOS' };

/** Brand words for typo matching (Latin script only; 5+ letters so short words never collide). */
const FUZZY: Array<{ word: string; apply(e: Entities): void }> = [
  { word: 'iphone', apply: (e) => (e.device ??= 'iphone') },
  { word: 'android', apply: (e) => (e.device ??= 'android') },
  { word: 'icloud', apply: (e) => (e.service ??= 'icloud') },
  { word: 'gmail', apply: (e) => (e.service ??= 'gmail') },
  { word: 'outlook', apply: (e) => (e.service ??= 'outlook') },
  { word: 'hotmail', apply: (e) => (e.service ??= 'outlook') },
  { word: 'docomo', apply: (e) => (e.carrier ??= 'docomo') },
  { word: 'softbank', apply: (e) => (e.carrier ??= 'softbank') },
  { word: 'windows', apply: (e) => (e.device ??= 'windows') },
];

function earliest<V extends string>(table: Table<V>, text: string): { value: V; index: number; length: number } | undefined {
  let best: { value: V; index: number; length: number } | undefined;
  for (const [value, re] of table) {
    const m = re.exec(text);
    if (m && (!best || m.index < best.index)) best = { value, index: m.index, length: m[0].length };
  }
  return best;
}

function first<V extends string>(table: Table<V>, text: string): { value: V; index: number; length: number } | undefined {
  for (const [value, re] of table) {
    const m = re.exec(text);
    if (m) return { value, index: m.index, length: m[0].length };
  }
  return undefined;
}

/** The text with every error string removed, letters and digits only: how much else the message says. */
const ERRORS_GLOBAL = ERRORS.map(([, re]) => new RegExp(re.source, 'g'));
export function errorResidue(light: string): string {
  let rest = light;
  for (const re of ERRORS_GLOBAL) rest = rest.replace(re, ' ');
  return rest.replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * Words that come with a bare fact but say nothing more (copulas, particles, model suffixes, "I'm on", …):
 * 「ドコモです」「iPhone 14 Pro Maxです」「キャリアはau」「I'm on SoftBank」.
 */
const FACT_FILLER = new RegExp(
  [
    'です|でした|だよ|だね|だ|っす|ですね|ですが|ですけど|使ってます|使ってる|使用してます|を使用|になります',
    'キャリア|回線|機種|端末|スマホ|携帯|バージョン|アドレス|アカウント|メール|会社支給|会社の|私物|個人の|最新',
    'pro|max|mini|plus|ultra|air|se|lite|fold|flip|ver|version|latest',
    "i'?m on|i'?m using|i use|using|it'?s|it is|an?|my|the|on|with|phone|carrier|account|address|mail|model",
    '[のはでがもとをに、。,.!?！？()（）「」\\s]',
  ].join('|'),
  'g',
);
const FACT_TABLES: RegExp[] = [...CARRIERS, ...SERVICES, ...DEVICES].map(([, re]) => new RegExp(re.source, 'g'));
const OS_GLOBAL = new RegExp(OS_VERSION.source, 'g');
const MODEL_CODE = /(?<![a-z])(?:[a-z]{1,3}-?\d{1,3}[a-z]{0,2}|ii|iii|iv|vi|vii)(?![a-z])/g;

/**
 * True when a message is nothing but carrier / service / device / OS facts (an answer to the bot's question,
 * 「ドコモです」「iPhone 13」「iOS 17.4」): after removing those mentions, digits and FACT_FILLER, nothing is left.
 * Such a message carries no intent of its own; the engine reads its entities.
 */
export function isFactOnly(m: EntityMatch): boolean {
  const e = m.entities;
  if (!(e.carrier || e.service || e.device || e.os_version) || e.trigger || e.error_message) return false;
  let rest = m.text.replace(OS_GLOBAL, ' ');
  for (const re of FACT_TABLES) rest = rest.replace(re, ' ');
  // Model codes and generations after a brand (Galaxy S23, SH-51C, Xperia 10 IV) are part of the fact.
  rest = rest.replace(MODEL_CODE, ' ');
  rest = rest.replace(FACT_FILLER, ' ').replace(/[0-9]/g, '');
  return rest.replace(/[^\p{L}\p{N}]/gu, '').length === 0;
}

/** Where the error string was found in the light-normalised text (for the "whole message" rule). */
export interface ErrorSpan {
  kind: ErrorMessageKind;
  index: number;
  length: number;
}

export interface EntityMatch {
  entities: Entities;
  error?: ErrorSpan;
  /** The light-normalised text the patterns ran on. */
  text: string;
}

// A device named as the origin of a change: "from (my old) iPhone (to …)", "my old Android", 「Androidから」「iPhone→」.
// A bare "from" is only an origin with a change in the message: "can't send from my iPad, my iPhone works" is not one.
const OLD_BEFORE = /(?:(?<![a-z])(?:old|previous|former)|以前の|前の|古い)(?: ?(?:an?|my|the|our))* ?$/;
const FROM_BEFORE = /(?<![a-z])from(?: (?:an?|my|the|our|old|previous))* $/;
const TO_AFTER = /^[a-z0-9 .+-]{0,12} (?:to|for) /;
const ORIGIN_AFTER = /^[a-z0-9 .+-]{0,12}(?:から|→|->)/;
// A device named as the target: "new Galaxy", 「新しいiPhone」.
const TARGET_BEFORE = /(?:(?<![a-z])new|新しい)(?: ?(?:an?|my|the))* ?$/;

/**
 * The device in hand when several are named: the target of a change, never its origin
 * ("I changed from iPhone to a Galaxy" → android, 「AndroidからiPhoneに機種変」 → iphone); otherwise the first named.
 */
function deviceInHand(text: string, devices: Array<{ value: Device; index: number; end: number }>, changing: boolean): Device {
  const before = (d: { index: number }) => text.slice(Math.max(0, d.index - 24), d.index);
  const after = (d: { end: number }) => text.slice(d.end, d.end + 24);
  const target = devices.find((d) => TARGET_BEFORE.test(before(d)));
  if (target) return target.value;
  const origin = (d: { index: number; end: number }) =>
    OLD_BEFORE.test(before(d)) ||
    ORIGIN_AFTER.test(after(d)) ||
    (FROM_BEFORE.test(before(d)) && (changing || TO_AFTER.test(after(d))));
  return (devices.find((d) => !origin(d)) ?? devices[0]!).value;
}

/** Entities of one message. Absent entities are omitted. Looks at the first MAX_NLU_CHARS characters. */
export function extractEntities(raw: string): EntityMatch {
  const text = normalizeLight(clip(raw));
  const e: Entities = {};
  const carrier = earliest(CARRIERS, text);
  if (carrier) e.carrier = carrier.value;

  const service = earliest(SERVICES, text);
  if (service) e.service = service.value;
  // A carrier named right before "mail" is the carrier's own mail (ドコモのメール, au mail), unless a service was
  // named; 「ソフトバンクのiPhoneで会社のメール」 is not.
  if (!e.service && e.carrier && CARRIER_MAIL.test(text)) e.service = 'carrier_mail';

  const devices = DEVICES.flatMap(([value, re]) => {
    const m = re.exec(text);
    return m ? [{ value, index: m.index, end: m.index + m[0].length }] : [];
  }).sort((a, b) => a.index - b.index);
  const trigger = earliest(TRIGGERS, text);
  if (trigger) e.trigger = trigger.value;
  if (devices.length > 1) e.device = deviceInHand(text, devices, e.trigger === 'device_change');
  else if (devices.length === 1) e.device = devices[0]!.value;

  const error = first(ERRORS, text);
  if (error) e.error_message = error.value;

  const os = OS_VERSION.exec(text);
  if (os) e.os_version = `${OS_NAME[os[1]!] ?? os[1]} ${os[2]}`;

  for (const word of text.match(/[a-z]{5,}/g) ?? []) {
    for (const f of FUZZY) {
      if (word === f.word || word[0] !== f.word[0] || Math.abs(word.length - f.word.length) > 1) continue;
      if (DamerauLevenshteinDistance(word, f.word, { restricted: true }) <= 1) f.apply(e);
    }
  }
  return { entities: e, error: error && { kind: error.value, index: error.index, length: error.length }, text };
}
