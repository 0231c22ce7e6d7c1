/**
 * Entity extraction: carrier, service, device, trigger, error_message, os_version (values: design.md § Entities).
 * Patterns run on the light normalisation (NFKC, lower case), so ﾄﾞｺﾓ, ＤＯＣＯＭＯ and docomo are one thing.
 * Latin-script brand typos (iphnoe, gmial) are caught by Damerau–Levenshtein distance ≤ 1 against the brand list.
 * When one entity is named twice with different values, the earliest mention wins, except where noted.
 */
import type { Carrier, Device, Entities, ErrorMessageKind, Intent, Service, Trigger } from '../core/index.js';
import { readDomain, type DomainSynonym, type DomainValue } from './domain.js';
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

/** A carrier name directly followed by "mail" (the carrier's own mail service). */
// 「楽天モバイルのメール」「UQ mobile mail」: the brand's "mobile" suffix sits between the carrier and "mail".
const CARRIER_MAIL = new RegExp(`(?:ドコモ|どこも(?=メール|めーる)|docomo|${L}au|えーゆー|ソフトバンク|ソフバン|そふとばんく|そふばん|softbank|楽天|らくてん|rakuten|ワイモバイル|ワイモバ|わいもばいる|y!?mobile|${L}uq)(?:モバイル|もばいる| ?mobile)?(?:の|'s)? ?(?:メール|めーる|e-?mail|mail)`);

const escape = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
const LATIN = /[a-z0-9]/;

/**
 * One word-list entry of domain.yaml as a regular expression source. A synonym is matched on the normalised text,
 * with a Latin word boundary on each side where it starts or ends with a Latin letter or digit; `re:` is taken as
 * written, {L} and {R} standing for those boundaries.
 */
export function synonymSource(entry: DomainSynonym): string {
  if (typeof entry !== 'string') return entry.re.replaceAll('{L}', L).replaceAll('{R}', R);
  const word = normalizeLight(entry);
  return (LATIN.test(word[0] ?? '') ? L : '') + escape(word) + (LATIN.test(word.at(-1) ?? '') ? R : '');
}

/** The recognisers of one entity: each value with one regular expression of its words, in domain.yaml order. */
function table<V extends string>(values: Record<string, DomainValue>): Table<V> {
  return Object.entries(values).map(([value, v]) => [value as V, new RegExp(v.synonyms.map(synonymSource).join('|'))]);
}

interface Tables {
  carriers: Table<Carrier>;
  services: Table<Service>;
  devices: Table<Device>;
  triggers: Table<Trigger>;
  /** Error strings of the guide and their everyday variants, most specific first (the first that matches wins). */
  errors: Table<ErrorMessageKind>;
  errorsGlobal: RegExp[];
  /** Intent an error string stands for, when it is (nearly) the whole message (domain.yaml `intent:`). */
  errorIntent: Partial<Record<ErrorMessageKind, Intent>>;
  /** Brand words for typo matching (Latin script only; 5+ letters so short words never collide). */
  fuzzy: Array<{ word: string; apply(e: Entities): void }>;
  factTables: RegExp[];
}

let built: Tables | undefined;

/** The entity tables of domain.yaml, built on first use. */
function tables(): Tables {
  if (built) return built;
  const { entities } = readDomain();
  const errors = table<ErrorMessageKind>(entities.error_message);
  const carriers = table<Carrier>(entities.carrier);
  const services = table<Service>(entities.service);
  const devices = table<Device>(entities.device);
  const fuzzy: Tables['fuzzy'] = [];
  for (const entity of ['device', 'service', 'carrier'] as const) {
    for (const [value, v] of Object.entries(entities[entity])) {
      for (const word of v.typos ?? []) fuzzy.push({ word, apply: (e) => ((e as Record<string, string>)[entity] ??= value) });
    }
  }
  built = {
    carriers,
    services,
    devices,
    triggers: table<Trigger>(entities.trigger),
    errors,
    errorsGlobal: errors.map(([, re]) => new RegExp(re.source, 'g')),
    errorIntent: Object.fromEntries(Object.entries(entities.error_message).flatMap(([k, v]) => (v.intent ? [[k, v.intent]] : []))) as Tables['errorIntent'],
    fuzzy,
    factTables: [...carriers, ...services, ...devices].map(([, re]) => new RegExp(re.source, 'g')),
  };
  return built;
}

/**
 * Intent an error string stands for, when it is (nearly) the whole message. The guide's symptom table:
 * credentials → error_auth, network → error_connect, server not answering → error_server_timeout.
 */
export function errorIntent(kind: ErrorMessageKind): Intent | undefined {
  return tables().errorIntent[kind];
}

// 「Android 14」「Android OS 14」「Androidバージョン14」「iOS ver.17.5」「iOSは18.2です」「iOSのバージョンは17.6.1」;
// a phone model (Pixel 7, Galaxy S23) is not an OS version.
const OS_VERSION = /(?<![a-z])(ipados|ios|macos|android|アンドロイド|あんどろいど|アイオーエス)\s?(?:の)?\s?(?:(?:os|バージョン|ver\.?|version)\s?)?(?:(?:は|が|も|:|=|is)\s?)?(?:(?:os|バージョン|ver\.?|version)\s?)?(\d{1,2}(?:\.\d{1,2}){0,2})(?![\d.]*\d)/;
// 「バージョンは17.6.1です」 with no OS named: a dotted version after the word "version" (the OS is the device's, if named).
const BARE_VERSION = /(?:バージョン|ver\.?|version|os)\s?(?:は|が|:|=|is)?\s?(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)(?![\d.]*\d)/;
// Right before a bare version: an app named in the same clause (its version, not the OS's).
const APP_BEFORE_VERSION = /(?:アプリ|(?<![a-z])(?:apps?|application|k-?9|k9mail|thunderbird|outlook|gmail|fairemail|spark|bluemail|aquamail)(?![a-z]))[^。.!?！？\n]{0,10}$/;
// A mail app of its own named anywhere in the message — not the phone's built-in Mail (updated with the OS) and not a bare
// service name (also the account): "K9 No Longer Auto Syncs since Last Update" (thunderbird-android#3167) is the app's update.
const OWN_APP_NAMED = /(?<![a-z0-9])(?:k-?9(?: ?mail)?|k9mail|thunderbird|fairemail|bluemail|aquamail|(?:gmail|outlook)(?: mobile)? app)(?![a-z])|(?:gmail|outlook|k-?9|thunderbird)(?:の)?アプリ/;
// An update whose own words (or the words right after it: "after the update to Android 14") name the OS or the phone.
const OS_IN_UPDATE = /ios|ipados|android|(?<![a-z])os(?![a-z])|software|system|firmware|phone|iphone|ipad|アイオーエス|アンドロイド|本体|端末|スマホ/;
const OS_NAME: Record<string, string> = { ipados: 'iPadOS', ios: 'iOS', macos: 'macOS', android: 'Android', アンドロイド: 'Android', あんどろいど: 'Android', アイオーエス: 'iOS' };
const OS_OF_DEVICE: Partial<Record<Device, string>> = { iphone: 'iOS', ipad: 'iPadOS', android: 'Android', mac: 'macOS' };

function earliest<V extends string>(table: Table<V>, text: string): { value: V; index: number; length: number } | undefined {
  let best: { value: V; index: number; length: number } | undefined;
  for (const [value, re] of table) {
    const m = re.exec(text);
    if (m && (!best || m.index < best.index)) best = { value, index: m.index, length: m[0].length };
  }
  return best;
}

/** Every value of the table named in the text, at its first mention, in the order they come. */
function allOf<V extends string>(table: Table<V>, text: string): Array<{ value: V; index: number; length: number }> {
  const out: Array<{ value: V; index: number; length: number }> = [];
  for (const [value, re] of table) {
    const m = re.exec(text);
    if (m) out.push({ value, index: m.index, length: m[0].length });
  }
  return out.sort((a, b) => a.index - b.index);
}

// Right after a mail's name, in the same clause: it works (「Gmailは届く」「iCloudは問題ない」「auメールは普通に見れる」,
// "Gmail works fine", "my Outlook is working", "Yahoo is fine"). A negated verb is no such word (受信でき|ない, 見れ|ない).
const WORKS_AFTER = new RegExp(
  [
    '^(?:の?(?:メール|めーる|アプリ|アカウント))*(?:は|も|なら|だと|では)?(?:ちゃんと|普通に|ふつうに|問題なく|正常に|いつも通り)?',
    '(?:届く|届きます|届いて(?:る|います|いる)|(?:送)?受信(?:は)?でき(?:る|ます|て)|(?:ログイン|サインイン)(?:は)?でき(?:る|ます|て)|送信(?:は)?でき(?:る|ます|て)|送受信でき(?:る|ます|て)|使え(?:る|ます|て)|見れ(?:る|ます|て)|見られ(?:る|ます)|読め(?:る|ます)|同期(?:し|でき)(?:てる|ている|ます|る)|動(?:く|きます|いて(?:る|います))|問題(?:ない|なし|ありません|無い|無し)|大丈夫|正常|平気|無事)',
    '|^(?: (?:mail|e-?mail|app|account|inbox))* (?:(?:still |also )?(?:works?|is working|are working|syncs? fine)|(?:is|are) (?:fine|ok(?:ay)?|working|good|unaffected)|(?:has|have) no (?:problems?|issues?))(?![a-z])',
  ].join(''),
);
const saidToWork = (text: string, m: { index: number; length: number }) => WORKS_AFTER.test(text.slice(m.index + m.length, m.index + m.length + 24));

// Right after a mail's name: its app (「Gmailアプリ」「Outlookのアプリ」, "Outlook app", "GMail client").
const APP_AFTER = /^(?:の)?アプリ|^ (?:mobile )?(?:app|application|client)(?![a-z])/;
// Signing in through an app said before it (trial-en-36 #1, mjl-/mox#328: "They are fine, I can log in with these through
// GMail client on the same device" — the other app that works, while the iPhone's Mail refuses them).
const APP_SIGNIN_BEFORE =
  /(?<![a-z])(?:can|could|able to) (?:log ?in|sign ?in|login|connect|access (?:it|them|my (?:mail|e-?mails?|account)))(?: [a-z]+){0,3} (?:through|via|with|in|using|from|on)(?: (?:an?|my|the))? ?$/;
/** The mail's own app, said to work: after it (「Gmailアプリだと見れる」) or before it ("works in the Outlook app"). */
const appSaidToWork = (text: string, m: { index: number; length: number }) => {
  const after = text.slice(m.index + m.length, m.index + m.length + 24);
  const app = APP_AFTER.exec(after);
  if (!app) return false;
  return (
    WORKS_AFTER.test(after.slice(app[0].length)) ||
    DEVICE_WORKS_BEFORE.test(text.slice(Math.max(0, m.index - 24), m.index)) ||
    APP_SIGNIN_BEFORE.test(text.slice(Math.max(0, m.index - 48), m.index))
  );
};

function first<V extends string>(table: Table<V>, text: string): { value: V; index: number; length: number } | undefined {
  for (const [value, re] of table) {
    const m = re.exec(text);
    if (m) return { value, index: m.index, length: m[0].length };
  }
  return undefined;
}

/** The text with every error string removed, letters and digits only: how much else the message says. */
export function errorResidue(light: string): string {
  let rest = light;
  for (const re of tables().errorsGlobal) rest = rest.replace(re, ' ');
  return rest.replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * Words that come with a bare fact but say nothing more (copulas, particles, model suffixes, "I'm on", …):
 * 「ドコモです」「iPhone 14 Pro Maxです」「キャリアはau」「I'm on SoftBank」.
 */
const FACT_FILLER = new RegExp(
  [
    'です|でした|だよ|だね|だ|っす|ですね|ですが|ですけど|使ってます|使ってる|使用してます|を使用|になります',
    'キャリア|回線|機種|端末|スマホ|携帯|バージョン|アドレス|アカウント|メール|会社支給|会社の|私物|個人の|最新|アプリ|標準|純正',
    // iPhone X / XR / XS (trial-en-33: "iphone xr, ios 13.3.1" at the push question was read error_cannot_fetch and took
    // [Not even when I refresh]; "iphone se, ios 16" was a fact already).
    'version|latest|pro|max|mini|plus|ultra|air|lite|fold|flip|ver|se|xr|xs|x',
    // Longer words first: an alternative that matched a word's first letter ("a" of "address") would leave the rest.
    // The app named beside the phone ("iphone 4, the mail app", 「標準のメールアプリ」, trial-en-35 #2): which app, no symptom
    // ("iphone 14, the gmail app" read error_cannot_fetch 0.84 and moved a sign-in walk to the receiving question).
    'application|apps|app|default|built-in|builtin|stock|native',
    "i'?m on|i'?m using|i use|using|it'?s|it is|address|account|carrier|phone|model|mail|with|the|my|on|an?",
    '[のはでがもとをに、。,.!?！？()（）「」\\s]',
  ].join('|'),
  'g',
);
const OS_GLOBAL = new RegExp(OS_VERSION.source, 'g');
const MAIL_ADDRESS = /[\w.+-]*@[\w-]+(?:\.[\w-]+)+/g;
// A mail domain said without the address (「i.softbank.jpです」, "it's a docomo.ne.jp address"; trial-ja-33): the same fact.
const MAIL_DOMAIN = /(?<![\w.@-])(?:[a-z0-9-]+\.)+(?:jp|com|net)(?![\w.-])/gi;
const MODEL_CODE = /(?<![a-z])(?:[a-z]{1,3}-?\d{1,3}[a-z]{0,2}|ii|iii|iv|vi|vii)(?![a-z])/g;

/**
 * True when a message is nothing but carrier / service / device / OS facts (an answer to the bot's question,
 * 「ドコモです」「iPhone 13」「iOS 17.4」): after removing those mentions, digits and FACT_FILLER, nothing is left.
 * Such a message carries no intent of its own; the engine reads its entities.
 */
export function isFactOnly(m: EntityMatch): boolean {
  const e = m.entities;
  if (!(e.carrier || e.service || e.device || e.os_version) || e.trigger || e.error_message) return false;
  // A mail address (「xxx@i.softbank.jp」, "@gmail.com") or its domain alone names the account, no more: its carrier or
  // service is the fact.
  let rest = m.text.replace(MAIL_ADDRESS, ' ').replace(MAIL_DOMAIN, ' ').replace(OS_GLOBAL, ' ').replace(BARE_VERSION, ' ');
  for (const re of tables().factTables) rest = rest.replace(re, ' ');
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
// A device said to work (trial-en-29: "it works on my ipad and macbook, just not the iphone" turned the iPhone walk into the
// iPad's; 「iPadでは届くのにiPhoneでは届かない」): the one that works is not the one in hand.
const DEVICE_WORKS_BEFORE = /(?<![a-z])(?:works?|working|worked|fine|ok|okay|arrives?|comes? through|shows? up)(?: (?:fine|ok|okay|normally|perfectly))? (?:on|in|with|from|using)(?: (?:an?|my|the|our))* ?(?:[a-z0-9]+ (?:and|&|or) (?:(?:my|the) )?)?$/;
const DEVICE_WORKS_AFTER = /^(?: (?:still|too|also))? (?:works|is working|is fine|is ok|is okay|gets (?:it|them|mail|emails?)|receives)(?![a-z])|^(?:では|でも|だと|なら|の方は|は)(?:普通に|ちゃんと|問題なく)?(?:届く|届きます|届いて|届いた|見れる|見れます|見られる|見られます|受信できる|受信できます|受信できて|受信できた|使える|使えます|使えて|送れる|送れます|大丈夫|問題な)/;

/**
 * The device in hand when several are named: the target of a change, never its origin
 * ("I changed from iPhone to a Galaxy" → android, 「AndroidからiPhoneに機種変」 → iphone), never one said to work ("works on
 * my iPad, not the iPhone" → iphone); otherwise the first named.
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
  const works = (d: { index: number; end: number }) => DEVICE_WORKS_BEFORE.test(before(d)) || DEVICE_WORKS_AFTER.test(after(d));
  return (devices.find((d) => !origin(d) && !works(d)) ?? devices.find((d) => !origin(d)) ?? devices[0]!).value;
}

/**
 * Every device the message names is named as the old one (「古いiPadにまだメールが設定されています」, "the old ipad still
 * has the mail set up"): in a phone change that is the origin, not the device in hand (device-37). Outside a change an
 * "old iPhone" may well be the one in hand, so the caller decides (engine.ts, trigger device_change).
 */
export function namesOnlyOldDevice(raw: string): boolean {
  const text = normalizeLight(clip(raw));
  const named = tables().devices.flatMap(([, re]) => {
    const m = re.exec(text);
    return m ? [m.index] : [];
  });
  return named.length > 0 && named.every((i) => OLD_BEFORE.test(text.slice(Math.max(0, i - 24), i)));
}

/** Entities of one message. Absent entities are omitted. Looks at the first MAX_NLU_CHARS characters. */
export function extractEntities(raw: string): EntityMatch {
  const text = normalizeLight(clip(raw));
  const { carriers, services, devices: deviceTable, triggers, errors, fuzzy } = tables();
  const e: Entities = {};
  const carrier = earliest(carriers, text);
  if (carrier) e.carrier = carrier.value;

  // The mail that is broken, when several are named: not the one said to work (「Gmailは届くけどauメールが届かない」,
  // "Gmail works fine but my iCloud mail won't load"); otherwise the first named.
  // A mail's own app said to work ("works in the Outlook app but not in Mail", 「Gmailアプリだと見れる」) is the other app
  // that works, not the mail that is broken: no service from it (like a device said to work, deviceInHand).
  const named = allOf(services, text).filter((m) => !appSaidToWork(text, m));
  const broken = named.find((m) => !saidToWork(text, m));
  if (broken || named[0]) e.service = (broken ?? named[0]!).value;
  // A carrier named right before "mail" is the carrier's own mail (ドコモのメール, au mail), unless a service was
  // named that is not said to work; 「ソフトバンクのiPhoneで会社のメール」 is not.
  if (!broken && e.carrier) {
    const m = CARRIER_MAIL.exec(text);
    if (m && !saidToWork(text, { index: m.index, length: m[0].length })) e.service = 'carrier_mail';
  }

  const devices = deviceTable.flatMap(([value, re]) => {
    const m = re.exec(text);
    return m ? [{ value, index: m.index, end: m.index + m[0].length }] : [];
  }).sort((a, b) => a.index - b.index);
  const trigger = earliest(triggers, text);
  // A bare "update" ("since Last Update", 「アップデートしてから」) in a message that names a mail app of its own is that
  // app's update, not the OS's (facts-32 left it: the app is the subject). An update naming the OS or the phone stays.
  const appsUpdate = (t: { index: number; length: number }) => OWN_APP_NAMED.test(text) && !OS_IN_UPDATE.test(text.slice(t.index, t.index + t.length + 24));
  if (trigger && !(trigger.value === 'os_update' && appsUpdate(trigger))) e.trigger = trigger.value;
  if (devices.length > 1) e.device = deviceInHand(text, devices, e.trigger === 'device_change');
  else if (devices.length === 1) e.device = devices[0]!.value;

  const error = first(errors, text);
  if (error) e.error_message = error.value;

  const os = OS_VERSION.exec(text);
  if (os) e.os_version = `${OS_NAME[os[1]!] ?? os[1]} ${os[2]}`;
  else {
    const bare = BARE_VERSION.exec(text);
    // An app's version (「Outlookアプリをバージョン4.2に更新」, "updating K9 to version 6.4") is no OS version (facts-32).
    if (bare && !APP_BEFORE_VERSION.test(text.slice(Math.max(0, bare.index - 16), bare.index))) e.os_version = e.device && OS_OF_DEVICE[e.device] ? `${OS_OF_DEVICE[e.device]} ${bare[1]}` : bare[1]!;
  }

  for (const word of text.match(/[a-z]{5,}/g) ?? []) {
    for (const f of fuzzy) {
      if (word === f.word || word[0] !== f.word[0] || Math.abs(word.length - f.word.length) > 1) continue;
      if (DamerauLevenshteinDistance(word, f.word, { restricted: true }) <= 1) f.apply(e);
    }
  }
  return { entities: e, error: error && { kind: error.value, index: error.index, length: error.length }, text };
}
