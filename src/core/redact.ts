/**
 * Redaction of secrets in free text: passwords, app-specific passwords, card numbers, one-time codes and tokens.
 * Pure and dependency-free, so transcripts, logs, tickets, notifications and the engine all share it.
 *
 * People do not type `password: x`. They type 「Pa55word!x って入れてるのにエラー」, 「パスワード変えた。新しいのは
 * Pa55word!x」 or "I changed my password to Summer2024!". So a secret is decided by **context and shape together**:
 * - a *label* (パスワード, pw, password …) directly followed by a value masks that value on lenient terms;
 * - the rest of a sentence that names a password, and the next sentence, mask only tokens *shaped* like passwords
 *   (letters mixed with digits or symbols, long enough, not a host, version, model, unit or product name);
 * - a phrase that introduces a value (「新しいのは」, 「〜って入れてる」, "changed it to", "typed") does the same;
 * - the *value slot* right after a label's link or an introducing phrase ("my password is hunter", 「新しいのはほしぞら」,
 *   "changed my password to hunter") holds a value without any digit too — unless the word there is grammar, a
 *   description, a time word or a verb form, or the clause goes on after it: the story of a password ("is wrong",
 *   "was changed yesterday", "changed my password to match", 「パスワードはまちがえたかも」) is not a secret (slotValue);
 * - a few shapes need no context at all: app passwords (4×4 letters), Luhn-valid card numbers, known token
 *   formats, private keys, and tokens mixing all four character classes.
 *
 * The hard part is what must survive: the guide's error texts talk about passwords all the time
 * (「IMAPアカウントのパスワードが正しくありません」), and help-desk staff need ports (993/587), OS versions (iOS 17.6.1),
 * model numbers (SH-51C), dates, ticket numbers, host names (imap.mail.me.com), e-mail addresses and error codes.
 * URLs, e-mail addresses, host names and ticket numbers are set aside before any rule runs (only secret-named
 * query parameters and a userinfo password inside a URL are masked).
 *
 * How it works: the text is folded to ASCII width (full-width ａｂｃ１２３ → abc123, one character for one, so
 * offsets stay valid), every rule marks character ranges to mask or keep, and the output replaces each masked run
 * with one mark. Passes repeat until nothing new is masked, so `redact(redact(x)) === redact(x)`.
 *
 * Cost: every regular expression is linear (no nested quantifiers, a greedy run is always the last element),
 * context windows are scanned once (a window already scanned is not scanned again for the next label), and
 * classification only looks at tokens of at most 64 characters.
 */
import { DEVICE_NAMES, KANA_NAMES } from './domain.generated.js';
import type { Locale } from './types.js';

/**
 * What replaces a secret. These two marks are a data format (they end up in tickets and transcripts and are
 * grepped for), not a sentence, which is why they live here rather than in locales/.
 */
export const REDACTION_MARK: Readonly<Record<Locale, string>> = { ja: '［伏字］', en: '[redacted]' };

/** What was masked. `card` is a payment card number (or its security code). */
export type RedactionKind = 'password' | 'app_password' | 'card' | 'otp' | 'token' | 'private_key';

export interface RedactResult {
  text: string;
  /** True when anything was masked: the bot then reminds the person never to send passwords. */
  redacted: boolean;
  /** What was found, each kind once, in the order the rules ran. */
  kinds: RedactionKind[];
}

export interface RedactOptions {
  /** Language of the mark. Default: 'ja' when the text contains Japanese script, else 'en'. */
  locale?: Locale;
  /** Overrides the mark entirely. */
  mark?: string;
  /**
   * The conversation is about a password (its change): an earlier turn said so (the engine's `trigger` slot is
   * `password_change`). A value introduced by 「新しいのは」, "the new one is" then counts as if the message named a
   * password (「ドコモメールの新しいのはホシゾラ」) — redaction reads one message, the conversation knows the topic.
   */
  passwordTopic?: boolean;
}

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/;

// ───────────────────────────── words and shapes ─────────────────────────────

/**
 * Words that follow 「パスワードは」/「password:」 in ordinary sentences: brands, apps, settings, status words.
 * A value equal to one of these is not a secret (「パスワードは iCloud のものです」, "Password: incorrect").
 */
const ORDINARY_VALUES = new Set(
  [
    // brands, carriers, services, apps
    'icloud', 'gmail', 'google', 'apple', 'appleid', 'microsoft', 'outlook', 'hotmail', 'exchange', 'office', 'office365',
    'yahoo', 'line', 'docomo', 'au', 'softbank', 'rakuten', 'ymobile', 'uq', 'povo', 'ahamo', 'linemo', 'spmode', 'ezweb',
    'i.softbank', 'y!mobile', 'icloud+', 'keychain', 'safari', 'chrome', 'edge', 'firefox', 'spark', 'thunderbird',
    'windows', 'mac', 'macos',
    'iphone', 'ipad', 'android', 'ios', 'ipados', 'galaxy', 'pixel', 'xperia', 'aquos', 'arrows', 'huawei', 'xiaomi',
    'sharp', 'sony', 'samsung', 'kyocera', 'fujitsu', 'oppo', '1password', 'lastpass', 'bitwarden', 'dashlane',
    // protocols and settings
    'imap', 'smtp', 'pop', 'pop3', 'ssl', 'tls', 'starttls', 'ssl/tls', 'oauth', 'oauth2', 'plain', 'login', 'md5',
    'sms', 'mms', '2fa', 'mfa', 'otp', 'pin', 'id', 'mail', 'email', 'e-mail', 'wifi', 'wi-fi', 'vpn', 'apn', 'lte',
    '4g', '5g', 'face', 'faceid', 'touchid', 'passkey', 'passkeys', 'qr', 'url', 'app', 'apps', 'store', 'appstore',
    'settings', 'setting', 'account', 'accounts', 'profile', 'server', 'host', 'port', 'user', 'username', 'userid',
    // status and function words
    'ok', 'okay', 'ng', 'yes', 'no', 'none', 'null', 'nil', 'n/a', 'na', 'blank', 'empty', 'unknown', 'same', 'different',
    'incorrect', 'wrong', 'invalid', 'correct', 'right', 'fine', 'required', 'expired', 'rejected', 'failed', 'failure',
    'error', 'errors', 'changed', 'change', 'reset', 'update', 'updated', 'forgot', 'forgotten', 'lost', 'locked',
    'not', 'the', 'my', 'a', 'an', 'for', 'to', 'in', 'on', 'of', 'and', 'or', 'is', 'was', 'it', 'its', "it's", 'this',
    'that', 'again', 'field', 'box', 'screen', 'page', 'prompt', 'popup', 'dialog', 'manager', 'entered', 'saved', 'set',
    'new', 'old', 'both', 'here', 'there', 'now', 'still', 'also', 'too', 'please', 'help', 'hint', 'policy', 'recovery',
    'requirements', 'request', 'reuse', 'short', 'long', 'weak', 'strong', 'dame', 'see', 'check', 'sent', 'below',
    'above', 'attached', 'unchanged', 'hidden', 'masked', 'removed', 'omitted', 'secret', 'private', 'later', 'what',
    'which', 'how', 'why', 'where', 'when', 'who', 'autofill', 'copy', 'paste', 'typed', 'stored', 'default',
  ],
);

/**
 * Four-letter words common in English chat. Four spaced groups of four letters that are all such words are a
 * sentence ("when will this work"), not an app password.
 */
const COMMON4 = new Set(
  (
    'able acid aged also area army away baby back ball band bank base bath bear beat been beer bell belt best bill bird ' +
    'blow blue boat body bond bone book boom born boss both bowl bulk burn busy call calm came camp card care case cash ' +
    'cast cell chat chip city club coat code cold come cook cool copy core cost crew dark data date dawn days dead deal ' +
    'dear debt deep desk dial disc disk does done door dose down draw drew drop dual dust duty each earn ease east easy ' +
    'edge else even ever exit face fact fail fair fall farm fast fate fear feed feel feet fell felt file fill film find ' +
    'fine fire firm fish five flat flow food foot form four free from full fund gain game gate gave gear gift girl give ' +
    'glad goal goes gold golf gone good gray grew grey grow hair half hall hand hang hard harm hate have head hear heat ' +
    'held hell help here high hill hold hole home hope host hour huge hung hurt icon idea inch info into item join jump ' +
    'just keen keep kept kick kind knew know lack lady laid lake land lane last late lead left less life lift like line ' +
    'link list live load loan lock logo long look lose loss lost love luck made mail main make many mark mass meal mean ' +
    'meet menu mere mile mind mine miss mode mood moon more most move much must name near neck need news next nice nine ' +
    'none nope note okay once only onto open over pace pack page paid pain pair park part pass past path peak pick ping ' +
    'plan play plug plus poll pool poor port post pull push race rain rank rare rate read real rely rent rest rich ride ' +
    'ring rise risk road rock role roll room root rule rush safe said sale same save seat seem seen self sell send sent ' +
    'ship shop shot show shut sick side sign site size skip slow snow soft sold some song soon sort spam spot stay step ' +
    'stop such sure sync take talk tall task team tech tell term test text than that them then they thin this thus till ' +
    'time tiny told tone took tool tour town tree trip true turn type unit upon used user very view vote wait wake walk ' +
    'wall want warm wave ways weak wear week well went were what when whom wide wife wild will wind wing wipe wire wise ' +
    'wish with word work yeah year your zero zone imap smtp wifi apps ipad auth junk boot dont cant wont isnt ' +
    // romaji chat: 「kore dame desu yone」
    'desu masu dame mada kore sore nani demo dake node kara made toka yone kana'
  ).split(' '),
);

/** Words that make a run of words after `password:` a sentence rather than a passphrase. */
const PASSPHRASE_STOP = new Set(
  (
    'not no is was are were be been the a an to for of in on at by it its this that my your our and or but so if ' +
    'i you we they he she me still again wrong incorrect invalid rejected failed failing fails working works work ' +
    'doesnt dont didnt wont cant isnt does did do has have had will would should can could please help yesterday today ' +
    'now since after before when reset changed change required expired same ok okay error as with from like ' +
    'just only also too very really mail email account'
  ).split(' '),
);

/**
 * The value slot (rob-25). Right after a password label and its link ("my password is …", 「新しいのは…」) or a change
 * ("changed my password to …") comes either the value — any word, letters only too ("hunter") — or the story of the
 * password: a description ("is wrong", "is too short"), a time ("yesterday"), a verb ("is being rejected", "is
 * expired", "changed my password to match"). Whether a one-word slot is a value is decided by what the word is NOT:
 * grammar (PASSPHRASE_STOP), an ordinary word (ORDINARY_VALUES), a description, a time word or a form of a verb —
 * and by where it stands: the value ends its clause ("… is hunter", "… is hunter and it fails", "… is hunter, …").
 */
const SLOT_DESCRIPTION = new Set(
  (
    'good bad great perfect simple complex easy hard difficult secure insecure safe unsafe temporary temp random weird ' +
    'strange odd valid accurate inaccurate current previous original mine yours ours theirs his hers gone missing ' +
    'visible invisible sensitive normal standard generic personal unique special identical similar familiar obvious ' +
    'sure certain true false ready active inactive available unavailable lowercase uppercase numeric alphanumeric ' +
    'english japanese ascii real fake obsolete outdated stale latest recent fresh complete incomplete partial full ' +
    'alright nice terrible awful horrible useless buggy glitchy impossible possible unclear clear known confusing ' +
    'correctly properly somewhere anywhere everywhere nowhere elsewhere shorter longer stronger weaker simpler better ' +
    'worse back away off up down out over through yet already anymore either neither any all some every each another ' +
    'other one ones whatever something nothing anything everything someone anyone everyone nobody these those such ' +
    'him her them us myself itself right wrong ok fine okay mandatory optional legit legitimate asterisks dots stars ' +
    'inside outside within without under into onto about between behind beside near via per'
  ).split(' '),
);
/** Time words: "I reset my password yesterday", "my password was changed earlier". */
const SLOT_TIME = new Set(
  (
    'yesterday today tonight tomorrow now recently earlier later before after again already lately morning evening ' +
    'night week month year weekend monday tuesday wednesday thursday friday saturday sunday once twice ago since soon ' +
    'then first last'
  ).split(' '),
);
/** Hedges said between "password is" and its value (sec-31): "my password is probably sunflower" (EN_HEDGED). */
const EN_LINK_HEDGES = 'probably maybe perhaps likely definitely surely still actually just also';
/** How sure, said in the value slot (sec-31): "my password is probably …", "is maybe", "is definitely" — no value. */
const SLOT_HEDGE = new Set(`${EN_LINK_HEDGES} certainly possibly apparently`.split(' '));
/**
 * Verbs said of a password or of why it was changed (base forms; -s, -ed, -ing and un- are derived in verbForm):
 * "changed my password to match", "my password is being rejected", "my password was compromised".
 */
const SLOT_VERBS = new Set(
  (
    'be have do get make go see try use work fix match meet change update reset login log sign enter type retype ' +
    'reenter input save store remember forget check confirm verify test send receive fetch sync load fail reject accept ' +
    'expire lock unlock block unblock allow access open close show hide ask prompt keep stop start restart reboot help ' +
    'solve resolve comply satisfy follow avoid prevent protect secure stay look find create generate copy paste ' +
    'autofill fill delete remove add install reinstall download upload connect disconnect compromise hack leak steal ' +
    'share write read say tell call reach contact seem appear happen break crash freeze hang wait need want encrypt ' +
    'require display recognize recognise authenticate cause contain include mean submit guess recover apply mismatch ' +
    'differ vary rotate renew replace switch migrate transfer move restore revert undo clear enable disable activate ' +
    'deactivate refresh retry repeat regenerate reissue issue mail email text note record memorize complicate suspend ' +
    'flag detect block sound matter count fit pass continue finish succeed answer reply register link unlink ' +
    'verify validate invalidate approve deny refuse decline autosave cache print'
  ).split(' '),
);
/** Past participles that are not `verb + ed`. */
const IRREGULAR_PARTICIPLES = new Set(
  (
    'done given taken known shown written stolen chosen broken made kept told said got gotten found left put read seen ' +
    'been forgot forgotten sent set hidden shut run begun caught bought brought thought understood held stuck'
  ).split(' '),
);

/** Is `word` (lower case, letters only) a form of a verb of SLOT_VERBS: base, -s, -ed, -ing, un-…? */
function verbForm(word: string): boolean {
  if (SLOT_VERBS.has(word) || IRREGULAR_PARTICIPLES.has(word)) return true;
  if (word.startsWith('un') && word.length > 4 && verbForm(word.slice(2))) return true;
  if (word.startsWith('re') && word.length > 4 && SLOT_VERBS.has(word.slice(2))) return true;
  const stems: string[] = [];
  if (word.endsWith('s')) stems.push(word.slice(0, -1), word.slice(0, -2));
  if (word.endsWith('ed')) stems.push(word.slice(0, -2), word.slice(0, -1), word.slice(0, -3), `${word.slice(0, -3)}y`);
  if (word.endsWith('ing')) stems.push(word.slice(0, -3), `${word.slice(0, -3)}e`, word.slice(0, -4));
  return stems.some((x) => x.length >= 2 && SLOT_VERBS.has(x));
}

/**
 * A letters-only word in the value slot: a value unless it is grammar, an ordinary word, a description, a time word or a
 * verb form, or the clause goes on after it (`after`: the text right after the word).
 */
function slotValue(core: string, after: string): boolean {
  if (!lettersOnly(core) || core.length < 3 || core.length > 32) return false;
  const lower = core.toLowerCase();
  if (PASSPHRASE_STOP.has(lower) || isOrdinary(core) || SLOT_DESCRIPTION.has(lower) || SLOT_TIME.has(lower) || SLOT_HEDGE.has(lower) || verbForm(lower)) return false;
  return !EN_CLAUSE_GOES_ON.test(after);
}

/** Symbols that make a token look typed-as-a-password rather than an identifier (`.`, `-`, `_`, `/`, `:` do not). */
const REAL_SYMBOL = /[!"#$%&'()*+,;<=>?@[\\\]^`{|}~]/;
const HOST =
  /^(?:[a-z0-9][a-z0-9-]{0,62}\.)+(?:com|net|org|jp|io|me|info|biz|edu|gov|co|uk|us|de|fr|cn|kr|tw|app|dev|cloud|ai|ly|tv|xyz|local|lan|arpa|mail)\.?(?::\d{1,5})?$/i;
const VERSION = /^v?\d+(?:[._]\d+)+[a-z]{0,3}$/i;
const PRODUCT_NUMBER =
  /^(?:ios|ipados|macos|osx|watchos|android|iphone|ipad|ipod|galaxy|pixel|xperia|aquos|sense|arrows|zenfone|redmi|reno|moto|nova|note|ultra|pro|max|mini|plus|se|xr|xs|win|windows|office|microsoft|m|outlook|exchange|oneui|miui|emui|wi-?fi|lte|usb|sim|esim|imap|smtp|pop|ssl|tls|http|https|port|ch|gen|ver|rev|build|step|error|err|code|no|id|base|sha|md|utf|ipv|x|arm|aes|rsa|h|mp|des|ticket|case|mm|povo|rakuten|un-limit)[-_.]?(?:se|xr|xs|s|c|a|z|pro|max|plus|mini|note|ultra)?[-_.]?\d+(?:[._-]\d+)*[a-z]{0,2}(?:[-_]?(?:pro|max|plus|mini|ultra|lite|fe|neo))*$/i;
/** A model letter and number with its edition: "S24Ultra", "A55Pro". */
const MODEL_EDITION = /^[a-z]{1,2}\d{1,4}(?:ultra|pro|plus|max|mini|lite|fe|neo|edge|note)+$/i;
/** A hyphenated model number in any case (SH-51C, sm-s911c, XQ-DC44): normalised text is lower-cased. */
const MODEL_HYPHEN = /^[a-z]{1,4}-[a-z]{0,2}\d{2,4}[a-z]{0,2}$/i;
/** A handle or a domain fragment (@docomo, @softbank.ne.jp), a hashtag. */
const HANDLE = /^[@#][A-Za-z][A-Za-z0-9._-]*$/;
const HEX_CODE = /^(?:0x|#)[0-9a-f]+$/i;
const NUMBER_UNIT =
  /^\d+(?:[.,]\d+)?(?:gb|mb|kb|tb|ghz|mhz|hz|g|k|st|nd|rd|th|h|hr|hrs|min|mins|sec|secs|s|ms|am|pm|mm|cm|km|px|fps|x|yen|day|days|time|times|mah|w|v|%)$/i;
const TIME = /^\d{1,2}:\d{2}(?::\d{2})?(?:am|pm)?$/i;
const FILE_NAME = /\.(?:jpe?g|png|heic|gif|pdf|txt|log|csv|mobileconfig|zip|mov|mp4|html?|eml|pem|crt|cer|p12)$/i;
const TICKET = /^[A-Z]{2,5}-\d{6,8}-\d{3,6}$/;
/** "provider's", "don't": an apostrophe inside a word is grammar. "2-Step", "6-digit": a count and a noun. */
const CONTRACTION = /^[A-Za-z]+'[A-Za-z]{1,2}$|^\d{1,2}-[A-Za-z]+$/;
/** Upper case, digits and hyphens only: model numbers (SH-51C, SM-S911C), error names, constants. */
const IDENTIFIER = /^[A-Z0-9_-]+$/;
/** What people type to show a password without showing it. */
const MASKED_ALREADY = /^[*•●・_.-]+$/;

/** "Error:0x800CCC0E", "TEL:0120-123-456", "ID:taro1234": a field name glued to what staff need. */
const FIELD_PREFIX = /^(?:id|user|userid|username|login|account|mail|email|host|server|port|tel|phone|code|error|err|no|ticket|model|os|ver|version):(.+)$/i;

/** Shapes staff need, kept whatever the context (hosts, versions, product+number, codes, units, times, files). */
function isKeepShape(core: string): boolean {
  if (FIELD_PREFIX.test(core)) return true;
  const glued = /^[A-Za-z]+:(.+)$/.exec(core);
  if (glued?.[1] && isKeepShape(glued[1])) return true;
  return (
    core.includes('/') ||
    core.includes('://') ||
    HOST.test(core.startsWith('@') ? core.slice(1) : core) ||
    VERSION.test(core) ||
    PRODUCT_NUMBER.test(core) ||
    MODEL_EDITION.test(core) ||
    MODEL_HYPHEN.test(core) ||
    HANDLE.test(core) ||
    HEX_CODE.test(core) ||
    NUMBER_UNIT.test(core) ||
    TIME.test(core) ||
    FILE_NAME.test(core) ||
    TICKET.test(core) ||
    CONTRACTION.test(core) ||
    MASKED_ALREADY.test(core)
  );
}

function isOrdinary(core: string): boolean {
  return ORDINARY_VALUES.has(core.toLowerCase());
}

const hasDigit = (s: string) => /\d/.test(s);
const hasLetter = (s: string) => /[A-Za-z]/.test(s);
const lettersOnly = (s: string) => /^[A-Za-z]+$/.test(s);

/** Right after a label with an explicit separator (「パスワードは」, `pw:`): anything but ordinary words and kept shapes. */
function lenientSecret(core: string): boolean {
  return core.length >= 3 && core.length <= 64 && !isOrdinary(core) && !isKeepShape(core);
}

/** Right after a label with a weaker link ("password is", 「パスワードを」): must carry a digit or a symbol. */
function looksSecret(core: string): boolean {
  return lenientSecret(core) && core.length >= 4 && (hasDigit(core) || REAL_SYMBOL.test(core));
}

/**
 * Further away from a label, or after an introducing phrase: shaped like a password. Letters mixed with digits or
 * symbols, at least 6 long, not an identifier in capitals (model numbers, error names) nor a kept shape.
 */
function strongSecret(core: string): boolean {
  return (
    core.length >= 6 &&
    core.length <= 64 &&
    hasLetter(core) &&
    (hasDigit(core) || REAL_SYMBOL.test(core)) &&
    !IDENTIFIER.test(core) &&
    !isOrdinary(core) &&
    !isKeepShape(core)
  );
}

/** Needs no context: lower, upper, digit and symbol together, 8+ long — nothing else people type looks like that. */
function unmistakableSecret(core: string): boolean {
  return (
    core.length >= 8 &&
    core.length <= 64 &&
    /[a-z]/.test(core) &&
    /[A-Z]/.test(core) &&
    hasDigit(core) &&
    REAL_SYMBOL.test(core) &&
    !isKeepShape(core)
  );
}

// ───────────────────────────── the working text ─────────────────────────────

const FREE = 0;
const KEPT = 1; // URL, e-mail, host, ticket number: never masked
const MARK = 2; // a mark from an earlier pass (or a caller's mark): never masked again, never read as a value
const MASKED = 3;

interface Work {
  /** The text as given. */
  src: string;
  /** The same text folded to ASCII width, one character for one: rules read this. */
  f: string;
  cell: Uint8Array;
  kinds: Set<RedactionKind>;
  /** RedactOptions.passwordTopic: the conversation is about a password, whether this message names one or not. */
  topic: boolean;
}

/** Full-width ASCII → ASCII, ideographic space → space, dash variants → '-'. Keeps the length. */
function fold(s: string): string {
  return s.replace(/[\uFF01-\uFF5E\u3000\u2010-\u2015\u2212]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x3000) return ' ';
    if (code >= 0xff01) return String.fromCharCode(code - 0xfee0);
    return '-';
  });
}

/** Masks [start, end) unless any of it is kept or already a mark. True when masked. */
function mask(w: Work, start: number, end: number, kind: RedactionKind): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) if (w.cell[i] === KEPT || w.cell[i] === MARK) return false;
  w.cell.fill(MASKED, start, end);
  w.kinds.add(kind);
  return true;
}

function keep(w: Work, start: number, end: number): void {
  for (let i = start; i < end; i++) if (w.cell[i] === FREE) w.cell[i] = KEPT;
}

function isFree(w: Work, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (w.cell[i] !== FREE) return false;
  return true;
}

// ───────────────────────────── tokens ─────────────────────────────

interface Token {
  /** What is classified: the token without surrounding brackets, quotes and sentence punctuation. */
  core: string;
  /** What is masked: the core, plus sentence-final !?. when the core is not a plain word. */
  start: number;
  end: number;
}

const LEADERS = '([{<"\'`?!.,;:';
const TRAILERS = ',;:)]}>"\'`.!?';

/** Cuts brackets, quotes and punctuation around an ASCII run [start, end). Null when nothing is left. */
function trimToken(f: string, start: number, end: number): Token | null {
  let s = start;
  // Brackets, and punctuation glued on by folding (「作るの？iCloud」 reads "?iCloud").
  while (s < end && LEADERS.includes(f[s] ?? '')) s++;
  let e = end;
  while (e > s && TRAILERS.includes(f[e - 1] ?? '')) e--;
  if (e <= s) return null;
  const core = f.slice(s, e);
  // A password may end in "!" or "?"; leaving it visible would leak a character. A plain word's "." is grammar.
  let maskEnd = e;
  if (!lettersOnly(core)) while (maskEnd < end && '.!?'.includes(f[maskEnd] ?? '')) maskEnd++;
  return { core, start: s, end: maskEnd };
}

/** At most one character more than a value may have, so that reading a value never walks a whole long run. */
const ASCII_RUN = /[!-~]{1,81}/y;
const ASCII_RUNS = /[!-~]+/g;

/** The ASCII token starting exactly at `pos` (after trimming), if any. */
function tokenAt(f: string, pos: number): Token | null {
  ASCII_RUN.lastIndex = pos;
  const m = ASCII_RUN.exec(f);
  if (!m) return null;
  if (m[0].length > 80) return null; // far longer than any password: a paste, not a value
  return trimToken(f, pos, pos + m[0].length);
}

/** The ASCII token ending exactly at `pos` (spaces and tabs before `pos` skipped), if any. */
function tokenBefore(f: string, pos: number): Token | null {
  let e = pos;
  while (e > 0 && (f[e - 1] === ' ' || f[e - 1] === '\t')) e--;
  let s = e;
  while (s > 0 && e - s <= 80) {
    const c = f.charCodeAt(s - 1);
    if (c < 0x21 || c > 0x7e) break;
    s--;
  }
  if (s === e || e - s > 80) return null;
  return trimToken(f, s, e);
}

// ───────────────────────────── sentences ─────────────────────────────

const isAsciiSpace = (c: string) => c === ' ' || c === '\t' || c === '\r';

/**
 * Is f[i] the end of a sentence? 。 and line breaks always; . ! ? only when followed by space (or Japanese, or
 * the end) and when they close a plain word or a bracket — "Summer2024!" is a value, not a sentence end.
 */
function isBoundary(f: string, i: number): boolean {
  const c = f[i] ?? '';
  if (c === '。' || c === '\n' || c === '｡') return true;
  if (c !== '.' && c !== '!' && c !== '?') return false;
  const next = f[i + 1];
  if (next !== undefined) {
    if (next === '.' || next === '!' || next === '?') return false;
    if (!isAsciiSpace(next) && next.charCodeAt(0) < 0x80) return false;
  }
  let j = i - 1;
  while (j >= 0 && '.!?'.includes(f[j] ?? '')) j--;
  const p = f[j];
  if (p === undefined || p.charCodeAt(0) >= 0x80 || isAsciiSpace(p) || ')]"\''.includes(p)) return true;
  if (!/[A-Za-z]/.test(p)) return false;
  let k = j;
  while (k >= 0 && /[A-Za-z]/.test(f[k] ?? '')) k--;
  const before = f[k];
  return before === undefined || before.charCodeAt(0) >= 0x80 || isAsciiSpace(before) || '("\''.includes(before);
}

/**
 * Where sentences end, in order (a run of boundaries such as 「。\n」 counts once, at its last character).
 * Computed once per pass so that any number of labels costs one scan.
 */
function sentenceEnds(f: string): number[] {
  const ends: number[] = [];
  for (let i = 0; i < f.length; i++) {
    if (!isBoundary(f, i)) continue;
    while (i + 1 < f.length && isBoundary(f, i + 1)) i++;
    ends.push(i);
  }
  return ends;
}

// ───────────────────────────── rules ─────────────────────────────

function existingMarks(w: Work, marks: string[]): void {
  for (const m of marks) {
    if (!m) continue;
    for (let i = w.src.indexOf(m); i !== -1; i = w.src.indexOf(m, i + m.length)) w.cell.fill(MARK, i, i + m.length);
  }
}

function privateKeys(w: Work): void {
  const re = /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/g;
  for (const m of w.f.matchAll(re)) mask(w, m.index, m.index + m[0].length, 'private_key');
}

function knownTokens(w: Work): void {
  const rules: RegExp[] = [
    /\bxox[abposre]-[A-Za-z0-9-]{8,}/g, // Slack bot/user/app tokens
    /\bxapp-[A-Za-z0-9-]{8,}/g,
    /\bgh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub
    /\bgithub_pat_[A-Za-z0-9_]{30,}/g,
    /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/g, // AWS access key ids
    /\bAIza[0-9A-Za-z_-]{35}/g, // Google API keys
    /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe-like
    // JWT. Starts only where a run starts: from inside "eyJ-eyJ-…" the first part would rescan the run each time.
    /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  ];
  for (const re of rules) for (const m of w.f.matchAll(re)) mask(w, m.index, m.index + m[0].length, 'token');
  for (const m of w.f.matchAll(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi)) {
    mask(w, m.index + (m[1] ?? '').length, m.index + m[0].length, 'token');
  }
  for (const m of w.f.matchAll(/\b(Basic\s+)([A-Za-z0-9+/]{12,}={0,2})/gi)) {
    if (/[0-9=]/.test(m[2] ?? '')) mask(w, m.index + (m[1] ?? '').length, m.index + m[0].length, 'token');
  }
}

/** Secret-named query parameters inside URLs. */
const SECRET_PARAM = /^(?:.*token|.*secret|.*password|passwd|pwd|pass|.*key|sig|signature|code|auth|otp|session)$/i;
const HOST_ANYWHERE =
  /(?<![A-Za-z0-9.-])(?:[A-Za-z0-9][A-Za-z0-9-]{0,62}\.)+(?:com|net|org|jp|io|me|info|biz|edu|gov|co|uk|us|de|fr|cn|kr|tw|app|dev|cloud|ai|ly|tv|xyz|local|arpa)(?::\d{1,5})?(?![A-Za-z0-9-])/gi;

/** Sets URLs, e-mail addresses, host names and ticket numbers aside — after masking secrets inside URLs. */
function protect(w: Work): void {
  for (const m of w.f.matchAll(/\bhttps?:\/\/[^\s<>"'「」『』（）()]+/gi)) {
    const url = m[0];
    const at = m.index;
    const user = /^(https?:\/\/[^/\s:@]+:)([^@/\s]+)@/i.exec(url);
    if (user) mask(w, at + (user[1] ?? '').length, at + (user[1] ?? '').length + (user[2] ?? '').length, 'password');
    // The name stops at the next separator, so "?????…" costs one step per character, not a rescan.
    for (const p of url.matchAll(/([?&#;])([^=&#;?\s]+)=([^&#;\s]+)/g)) {
      if (!SECRET_PARAM.test(p[2] ?? '')) continue;
      const valueStart = at + p.index + (p[1] ?? '').length + (p[2] ?? '').length + 1;
      mask(w, valueStart, valueStart + (p[3] ?? '').length, 'token');
    }
    keep(w, at, at + url.length);
  }
  for (const m of w.f.matchAll(/(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g)) keep(w, m.index, m.index + m[0].length);
  for (const m of w.f.matchAll(HOST_ANYWHERE)) keep(w, m.index, m.index + m[0].length);
  for (const m of w.f.matchAll(/\b[A-Z]{2,5}-\d{6,8}-\d{3,6}\b/g)) keep(w, m.index, m.index + m[0].length);
  // The account an error names, as iOS quotes it: The user name or password for "SMTP:taro@smtp.zoho.com" is
  // incorrect. A protocol prefix, then (placeholders and all) a host, inside quotes: the server, never the secret.
  for (const m of w.f.matchAll(/(["“「『'])((?:SMTP|IMAP|POP3?|EWS|Exchange):[^"”」』'\n]{1,160})(["”」』'])/gi)) {
    const inner = m[2] ?? '';
    if (!inner.match(HOST_ANYWHERE)) continue;
    const at = m.index + (m[1] ?? '').length;
    keep(w, at, at + inner.length);
  }
}

/** Words that say a long number is a device or order number, not a card (IMEI is Luhn-valid too). */
const NOT_A_CARD = /imei|meid|iccid|eid|serial|シリアル|製造番号|端末番号|注文番号|order|伝票|追跡|tracking|問い合わせ番号|お客様番号|会員番号|電話/i;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Card numbers: 13–19 digits, plain or grouped by one kind of separator, Luhn-valid, issuer digit 2–6. And CVV. */
function cards(w: Work): void {
  const re = /(?<![0-9A-Za-z.,-])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z]|[ -]\d)/g;
  for (const m of w.f.matchAll(re)) {
    const raw = m[0];
    const digits = raw.replace(/[ -]/g, '');
    const seps = new Set(raw.replace(/\d/g, ''));
    if (seps.size > 1 || !/^[2-6]/.test(digits) || !luhn(digits)) continue;
    if (seps.size === 1 && raw.split(/[ -]/).some((g) => g.length < 3 || g.length > 6)) continue;
    if (NOT_A_CARD.test(w.f.slice(Math.max(0, m.index - 20), m.index))) continue;
    mask(w, m.index, m.index + raw.length, 'card');
  }
  // One optional part at a time (never two adjacent runs of spaces), so a long run of spaces is read once.
  const cvv = /(?:cvv2?|cvc2?|セキュリティ\s?コード|security code)(?:[ \t]*[:=])?(?:[ \t]*(?:は|is))?[ \t]*(\d{3,4})(?!\d)/gi;
  for (const m of w.f.matchAll(cvv)) {
    const code = m[1] ?? '';
    mask(w, m.index + m[0].length - code.length, m.index + m[0].length, 'card');
  }
}

const APP_PASSWORD_CONTEXT = /アプリ用|アプリパスワード|アプリ固有|app[- ]?(?:specific[- ])?password|16\s*(?:桁|文字|letters|characters)/i;

/**
 * App-specific passwords, whole, anywhere: four groups of four letters, spaced (Google), hyphenated (Apple) or run
 * together. Groups that are all common words are a sentence; 16 letters that read like an English word are one.
 */
function appPasswords(w: Work): void {
  const context = APP_PASSWORD_CONTEXT.test(w.f);
  const re = /(?<![A-Za-z0-9])([A-Za-z]{4})([ -]?)([A-Za-z]{4})\2([A-Za-z]{4})\2([A-Za-z]{4})(?![A-Za-z0-9])/g;
  for (const m of w.f.matchAll(re)) {
    const groups = [m[1], m[3], m[4], m[5]].map((g) => (g ?? '').toLowerCase());
    const sep = m[2] ?? '';
    // The format written out, not a password (sec-33): "xxxx-xxxx-xxxx-xxxx" (Apple's help shows it so), "aaaa bbbb cccc dddd".
    if (groups.every((g) => /^(.)\1{3}$/.test(g))) continue;
    let secret: boolean;
    if (sep === '') {
      // 16 letters in a row: English words that long carry 5+ vowels and no run of 4 consonants.
      const word = groups.join('');
      secret = context || (word.match(/[aeiouy]/g) ?? []).length <= 4 || /[^aeiouy]{4}/.test(word);
    } else {
      // A random group is a common word about once in a thousand; a sentence ("Pick what fits best") has some.
      const unknown = groups.filter((g) => !COMMON4.has(g)).length;
      const end = m.index + m[0].length;
      const isolated = !/[A-Za-z] $/.test(w.f.slice(Math.max(0, m.index - 2), m.index)) && !/^ [A-Za-z]/.test(w.f.slice(end, end + 2));
      if (context) secret = unknown >= 2 || (isolated && unknown >= 1);
      else secret = sep === '-' ? unknown >= 3 : unknown === 4;
    }
    if (secret) mask(w, m.index, m.index + m[0].length, 'app_password');
  }
}

// Longest alternatives first: 「パスワード」 must not be read as 「パス」 + 「ワード」.
// A Latin label counts here only before a Japanese particle (「PINは1234」, 「pwはhoge」, 「PINコードは 0000」): the
// English pattern below needs `:`, "is" or a space after it.
// Half-width katakana (sec-34b: 「ﾊﾟｽﾜｰﾄﾞ：sunflower」 from old phones and IMEs): fold() keeps the length, so the label is
// matched as typed, its sound marks (ﾟ ﾞ) as separate characters.
const JA_LABEL =
  'アプリ用パスワード|アプリパスワード|パスワード|ぱすわーど|ﾊﾟｽﾜｰﾄﾞ|ﾊﾟｽﾜ|パスコード|暗証番号|パスワ|(?<![ァ-ヺ])パス(?!ポ|タ|モ|ケ|ト)|' +
  '(?<![A-Za-z0-9_])(?:password|passwd|passcode|pass|pwd|pw|pin)(?:コード|番号)?(?=[ \\t]*(?:は|が|を|も|に|→|って))';
const EN_LABEL = 'app[- ]?specific[- ]password|app[- ]password|password|passwd|passcode|pass|pwd|pw|pin';
const SECRET_LABEL =
  'api[_-]?key|apikey|client[_-]?secret|secret[_-]?key|secret|access[_-]?token|refresh[_-]?token|auth[_-]?token|token|private[_-]?key|シークレット|トークン|APIキー';

/** A Japanese value in quotes is a password only when the sentence goes on like one (「…」です / にした / で合ってる). */
const JA_QUOTED_FOLLOW = /^(?:です|でした|だ|だよ|だった|だけど|で(?:合|あ|入|登録|設定し|ログイン|サインイン)|って|にし|に変|に設定|と入|と打|を入|を打|を使|、|。|!|\?|\s|$)/;
/** Screen and menu names people quote after 「パスワードは」 (「設定」→「パスワード」). */
const UI_WORDS = /設定|一般|アカウント|メール|パスワード|セキュリティ|サインイン|ログイン|画面|ボタン|メニュー|アプリ|プロフィール|ID/;

const QUOTES: Record<string, string> = { '「': '」', '『': '』', '"': '"', '“': '”', "'": "'", '(': ')', '（': '）' };

/**
 * A quoted value at `pos`: 「すもももももも」, "Tr0ub4dor&3", (Abc123). Masks and returns true when it is a secret.
 * `lenient`: any ASCII value that is not an ordinary word; otherwise the password shape is required.
 */
function quotedValue(w: Work, pos: number, lenient: boolean): boolean | null {
  const open = w.f[pos] ?? '';
  const close = QUOTES[open];
  if (!close) return null;
  const near = w.f.slice(pos + 1, pos + 66).indexOf(close);
  if (near <= 0) return null;
  const end = pos + 1 + near;
  const content = w.f.slice(pos + 1, end);
  if (/[\n]/.test(content) || !isFree(w, pos + 1, end)) return false;
  if (/^[!-~]+$/.test(content)) {
    const ok = lenient ? lenientSecret(content) : looksSecret(content);
    return ok && mask(w, pos + 1, end, 'password');
  }
  if (open === '(' || open === '"' || open === "'" || /\s/.test(content) || content.length > 32) return false;
  if (UI_WORDS.test(content) || !JA_QUOTED_FOLLOW.test(w.f.slice(end + 1, end + 8))) return false;
  return mask(w, pos + 1, end, 'password');
}

/** Kana or kanji then digits (ねこ123, サクラ2024, 猫123 — sec-27), not a count (「ちょうど10文字」, 「英数字12桁」). */
const KANA_DIGITS = /(?:[ぁ-ゖァ-ヺー]{2,16}|[\u4e00-\u9fff々]{1,8})\d{2,16}(?!\d|文字|桁|回|個|つ|日|時|分|秒|年|月|件|円|%|人|番|号|歳|才|週|枚|本|台|度|代|以上|以下|未満|か月|ヶ月|カ月)/y;

/**
 * A kana value: 「すもももももも」, 「あいうえお」 — one script, 4 to 32 long, what follows it ends the clause (「です」,
 * 「。」, 「、」, the end). Content words come in kanji, so kana alone after a label is mostly grammar, and grammar
 * ends like grammar: 「ちがうみたい」, 「わすれました」, 「あってます」, 「そのまま」, 「だいじょうぶ」 are kept. Katakana
 * counts only after an explicit `:` / `=` (「パスワードはメモに」 names a place; 「パスワード：ホシゾラ」 gives the value).
 */
// Half-width katakana too (sec-34b: 「ﾊﾟｽﾜｰﾄﾞ：ﾎｼｿﾞﾗ」): judged as its full-width form (NFKC), masked as typed.
const KANA_RUN = /[ぁ-ゖー]{2,40}|[ァ-ヺー]{2,40}|[ｦ-ﾟ]{2,40}/y;
/**
 * A kana value of two or three characters (「パスワードはねこ」, 「パスはいぬです」, sec-26): only where the clause ends right
 * after it (「。」, 「、」, a copula, the end — not a question), and never a word a short answer is made of.
 */
const SHORT_KANA_END = /^[ \t]*(?:(?:です|でした|だよ|だった|だ)[ \t]*)?(?:[。．.！!、,)）」\n]|$)/;
const SHORT_KANA_NOT_VALUE =
  /^(?:いえ|えっと|えーと|あー|えー|うー|さあ|ほら|ほんと|たしか|まだ|これ|それ|あれ|どれ|なに|なん|どこ|ここ|そこ|あそこ|だれ|いま|もう|また|いつも|こちら|そちら|あちら|どちら|いいえ|ええ|いや|むり|やはり|やっぱ|ちょっと|あの|その|この|どの|ほぼ|みな|みんな|じぶん|もじ|えいご|にほん|なし|ナシ|メモ|ミス|メール|スマホ|ケータイ|カード|ノート|ヘン|オフ|オン|コピペ|ペア|セット|テスト|ゲスト|ログ|ヒント)$/;
/** What may follow a kana value: the end of the clause, a copula first or not (「ほしぞら です」, 「ホシゾラです。」). */
const KANA_CLAUSE_END =
  /^[ \t]*(?:(?:です|でした|だよ|だった|だ)[ \t]*)?(?:[。．.！!？?、,()）（」\n]|$)|^[ \t]+(?:で|って|と|を)[ \t]*(?:合|あって|入|いれ|打|うっ|試|ため|使|ログイン|サインイン)|^[ \t]+(?:なんですけど|なんだけど|なんですが|なのに|だけど|ですけど|ですが|でしたが|だったけど|でしたけど|(?:だった|の)?はず|(?:だった)?かも|かな|(?:だ|って)?と[ \t]*(?:思|おも))/;
/**
 * The rest of a sentence glued to a hiragana value, taken off before the value is judged (rob-25): a conjunction after
 * the copula (「ほしぞらなんですけど」, 「ほしぞらだけど入れない」), or the particle before a verb of typing (「ねこねこで入れて
 * ます」, 「ほしぞらって打った」: the verb is `after`). What is left must still be a value: 「おなじなのに」 → おなじ, grammar.
 */
const KANA_CONJUNCTION_TAIL =
  /(?:なんですけど|なんだけど|なんですが|なのに|だけど|ですけど|ですが|でしたが|だったけど|でしたけど|(?:だった|の)?はず(?:です|だけど|なんだけど|なんですけど)?|(?:だった)?かも(?:です|しれない|しれません)?|かな)$/;
const KANA_PARTICLE_TAIL = /(?:で|って|と|を)$/;
/** 「ねこねこだと思う」: the value, then what the person thinks of it. */
const THINK_AFTER = /^[ \t]*(?:思|おも)/;
const TYPED_VERB_AFTER = /^[ \t]*(?:合|入|打|試|使|ログイン|サインイン)/;
/** Hiragana nouns said of a password that are not one: how it is written (「おおもじで入れた」, 「えいすうじで」). */
const HIRAGANA_NOT_VALUE = /^(?:おおもじ|こもじ|ひらがな|かたかな|えいすう|えいすうじ|すうじ|きごう|ろーまじ|ぜんかく|はんかく|いつもの|ぜんぶ|ふつう)$/;
/** A copula right after a value: 「パスワードはホシゾラです」 gives it (「パスワードはメモに」 names a place). */
const KANA_COPULA_AFTER = /^[ \t]*(?:です|でした|だよ|だった|だ)/;
/**
 * Katakana words said of a password that are not one (「パスワードはシンプルです」, 「パスワードはランダムです」): a
 * description, kept. Kana grammar and screen names are kept by KANA_GRAMMAR and UI_WORDS.
 */
const KATAKANA_NOT_VALUE =
  /^(?:シンプル|デフォルト|ランダム|バラバラ|ヒミツ|ナイショ|オッケー|オーケー|セキュア|リセット|ロック|クリア|ブランク|カンタン|フツウ|ダミー|テキトー|テキトウ|キーチェーン|キーチェン|マネージャー|マネジャー|アップル|グーグル|マイクロソフト|アイフォン|アイフォーン|パソコン|タブレット|ブラウザ|サファリ|クローム|テキスト|ファイル|バックアップ|プロファイル|サーバー?|ユーザー?|アドレス|ハイフン|スペース|アルファベット|ローマジ|カタカナ|ヒラガナ|ハンカク|ゼンカク|ナンバー|マスク|ドット|アスタリスク|ワンタイム|ショートメール|メッセージ|バッチリ|カンペキ|マチガイ|アウト|セーフ|ムリ|フメイ|オナジ|イッショ|ベツ|コピー|ペースト|オートフィル|ジドウ|ニンショウ|エスエムエス|キャリア|ケータイ|スマートフォン|アイディー|パス|ワード|ログ|サイト|ページ|ホームページ|ウェブ|ウエブ|ネット|リンク|ガイド|マニュアル|シール|ラベル|カード|レシート|フォーム|アンケート|コード|ピン|ナンバー|ペット|ニックネーム|フルネーム|イニシャル)$/;
/**
 * Katakana after 「は」 with no copula counts where the clause ends right after it (「パスワードはネコ」, 「パスワードは
 * ホシゾラ。」, sec-27) — not a question (「パスワードはネコ？」), and not more words (「パスワードはメモ帳に」 names a place).
 */
const KATAKANA_CLAUSE_END = /^[ \t]*(?:[。．.！!、,\n]|$)/;
const KANA_COPULA = /(?:です|でした|だよ|だった|だ)$/;
/**
 * A final 「ん」 is grammar only in these words (sec-34b): a colloquial negative (「わからん」, 「しらん」, 「あかん」,
 * 「できん」, 「わからへん」), a sentence ending (「なん」, 「もん」, 「やん」, 「ねん」), an interjection (「うーん」), an adverb
 * (「たぶん」, 「ぜんぜん」, 「もちろん」), a word said of it (「かんたん」, 「たんじゅん」, 「きほん」) or an honorific (「さん」, 「くん」, 「ちゃん」). Other words ending in 「ん」 are
 * nouns and can be the value: 「すずらん」, 「みかん」, 「ぺんぎん」.
 */
const KANA_N_GRAMMAR =
  '(?:わから|しら|いら|なら|はいら|つながら|とおら|かわら|たら|おら|あか|いか|いけ|でき|しれ|たり|すま|みえ|せ|へ|ね|も|や|な|う|ー|たぶ|ずいぶ|じぶ|ぜんぜ|もちろ|さ|く|ちゃ|ごめ|かんた|たんじゅ|あんし|ふあ|じゅうぶ|きほ|いっぱ)ん$';
const KANA_GRAMMAR = new RegExp(
  '(?:[いうるたてでかねよなのわさぞ]|ます|ません|まま|おなじ|いっしょ|じょうぶ|ずみ|はず|だめ|ダメ|なし|ナシ|ばっちり|かんぺき|ふめい|ひみつ|とおり|どおり|など|とか|だけ|しか|まで|こと|もの|エラー|[くぐすつぶむ]|っけ|じゃん|さっき|まえ|あとで|こんど|きょう|あした)$|ない|ませ|まし|から|けど|ので|のに|ても|でも|って|' +
    KANA_N_GRAMMAR,
);

/**
 * The kana value at `pos` (see KANA_RUN): its end, or -1. `katakana`: true after `:` / `=`; 'copula' after 「は」, where
 * katakana counts only when a copula follows it (「パスワードはホシゾラです」).
 */
function kanaValueEnd(f: string, pos: number, katakana: boolean | 'copula'): number {
  KANA_RUN.lastIndex = pos;
  const m = KANA_RUN.exec(f);
  if (!m) return -1;
  let value = m[0];
  const after = f.slice(pos + m[0].length, pos + m[0].length + 8);
  let ended = false; // the rest of the sentence was glued to the value and has been taken off
  if (/^[ぁ-ゖー]+$/.test(value)) {
    const tail =
      KANA_CONJUNCTION_TAIL.exec(value) ??
      (TYPED_VERB_AFTER.test(after) ? KANA_PARTICLE_TAIL.exec(value) : THINK_AFTER.test(after) ? /(?:だ|って)?と$|って$/.exec(value) : /^[、,]/.test(after) ? /で$/.exec(value) : null);
    if (tail) {
      value = value.slice(0, value.length - tail[0].length);
      ended = true;
    }
  }
  const copula = !ended && /^[ぁ-ゖー]+$/.test(value) ? KANA_COPULA.exec(value) : null;
  if (copula) value = value.slice(0, value.length - copula[0].length);
  const raw = value.length;
  value = value.normalize('NFKC');
  if (value.length < 2 || value.length > 32) return -1;
  if (/[ァ-ヺ]/.test(value) && !(katakana === true || (katakana === 'copula' && (KANA_COPULA_AFTER.test(after) || KATAKANA_CLAUSE_END.test(after))))) return -1;
  if (!ended && !KANA_CLAUSE_END.test(after)) return -1;
  if (value.length < 4 && (SHORT_KANA_NOT_VALUE.test(value) || !(ended || SHORT_KANA_END.test(f.slice(pos + raw, pos + raw + 8))))) return -1;
  if (KANA_NAMES.some((n) => value.startsWith(n))) return -1;
  if (KANA_GRAMMAR.test(value) || UI_WORDS.test(value) || KATAKANA_NOT_VALUE.test(value) || HIRAGANA_NOT_VALUE.test(value)) return -1;
  return pos + raw;
}

/**
 * A kanji value right after 「パスワードは」, 「暗証番号は」, 「パスワード：」 (sec-27): a name (「太郎」, 「山田」), a word
 * (「富士山」), one kanji (「猫」, 「桜」) or five and more (「東京特許許可局」, sec-28) — where the clause ends right after
 * them, a copula first or not, and not a question.
 * Kanji after a label are mostly the story of the password, so a value is what is NOT a description: KANJI_NOT_VALUE
 * (whole words: 「不明」, 「一緒」, 「誕生日」, 「半角英数」 …) and KANJI_NOT_IN_VALUE (a character no name or plain
 * word of a value carries but descriptions do: 済 in 「変更済」, 未 in 「未設定」, 違 in 「間違」 …) are kept.
 */
const KANJI_VALUE = /[\u4e00-\u9fff々]{1,16}(?![\u4e00-\u9fff々])/y;
/**
 * One kanji after the label is a value only when it is no word said of a password (sec-28): 「別」, 「無」, 「仮」, 「前」,
 * 「何」 (「パスワードは何」), a family member who keeps it (「暗証番号は妻」), a pronoun. 「同じ」, 「不明」 are longer runs.
 * 「空」: 「パスワードは空です」 says the field is empty (round 29; masking it hid that from the desk and warned about a
 * password nobody typed) — like 「空欄」 and 「無し」.
 */
const KANJI1_NOT_VALUE = /^[空別無有仮前今元旧新次同他何謎秘逆例各全半単短長弱強英数和字上下左右中外内先後私僕俺自妻夫母父姉兄妹弟娘孫嫁婿皆誰某済未不非可否要]$/;
/**
 * Five kanji and more are a value only when no word of a description is inside (sec-28): 「半角英数字」, 「英数字混在」,
 * 「初期設定値」, 「生年月日八桁」 are kept by these words or by KANJI_NOT_IN_VALUE.
 */
const KANJI_LONG_NOT_IN_VALUE =
  /英数|数字|英字|半角|全角|大文字|小文字|記号|混在|組合|組み|誕生|生年|月日|電話|携帯|名前|氏名|住所|初期|設定|変更|登録|入力|確認|管理|会社|自分|家族|本人|暗証|認証|番号|端末|本体|機種|共通|同一|一緒|不明|以上|以下|文字|生成|情報|保護|規定|規則|部署|権限/;
const KANJI_VALUE_END = /^[ \t]*(?:(?:です|でした|だよ|だった|だ)[ \t]*)?(?:[。．.！!、,\n]|$)/;
const KANJI_NOT_VALUE = new RegExp(
  '^(?:' +
    [
      // what it is like, whether it works
      '不明 一緒 共通 同一 同様 別々 別物 正解 正確 正常 異常 大丈夫 問題 問題無 一致 単純 簡単 複雑 安全 危険 有効 無効 可能 不可 不要 必要 必須 任意',
      '秘密 内緒 非公開 公開 空白 空欄 無し 無 仮 最新 最初 最後 以前 前回 今回 初回 毎回 同上 上記 下記 以下 以上 省略 伏字 非表示 表示',
      // what it is made of
      '誕生日 生年月日 電話番号 携帯番号 名前 氏名 住所 英数 英数字 英字 数字 半角 全角 半角英数 全角英数 大文字 小文字 記号 文字 桁数 長文',
      // when, who, where
      '昨日 今日 今朝 先日 先週 先月 去年 今年 昨年 来週 明日 最近 本人 自分 家族 会社 仕事 個人 自宅 学校 手帳 付箋 携帯 本体 端末 手入力 自動 自動入力',
      // how sure, how often, how much: adverbs said of it
      '全部 全て 全然 多分 一応 結局 勿論 本当 当然 普通 絶対 一度 特別 基本 通常 標準 普段 毎日 常時 一時 完全 完璧 大体 確実 多少 少し 以外 他人 一部 全員 両方 片方 各自 本来 実際 現在 現状 従来 元々 元 今 前 後',
      // whose name or day it is made of (a hint, not the value)
      '苗字 名字 旧姓 子供 主人 旦那 家内 息子 長男 次男 長女 次女 両親 母親 父親 祖母 祖父 夫婦 本名 愛称 地元 実家 出身',
      // answers that are no value
      '解決 完了 了解 承知 終了 結構 無理 駄目 不安 心配 相談 担当 質問 失礼 御免 自動生成',
      '暗記 記憶 失念 紛失 保存 記入 記載 管理 管理者 担当者 設定 変更 登録 入力 確認 同期 共有 初期 初期値 初期設定 再発行 発行 使用 利用 別途 何 何文字 何桁',
    ]
      .join(' ')
      .split(' ')
      .join('|') +
    ')$',
);
const KANJI_NOT_IN_VALUE = /[済未不非要必違誤確認更設録忘覚値欄旧毎号桁符削除効状態述略載刻期限切失敗合致式型版化性的用中後語書紙契約時頃際回度]/;

/** The kanji value at `pos` (see KANJI_VALUE): its end, or -1. */
function kanjiValueEnd(f: string, pos: number): number {
  KANJI_VALUE.lastIndex = pos;
  const m = KANJI_VALUE.exec(f);
  if (!m) return -1;
  const end = pos + m[0].length;
  const run = m[0];
  if (!KANJI_VALUE_END.test(f.slice(end, end + 8)) || KANJI_NOT_VALUE.test(run) || KANJI_NOT_IN_VALUE.test(run)) return -1;
  if (run.length === 1 && KANJI1_NOT_VALUE.test(run)) return -1;
  if (run.length >= 5 && KANJI_LONG_NOT_IN_VALUE.test(run)) return -1;
  return end;
}

/**
 * What was done with a value, right after it: it was made the password (「…にした」, 「…に変えました」, 「…へ変更」,
 * 「…に設定」). A value glued to these is a value whatever its script — 「パスワードはホシゾラにした」,
 * 「パスワードをすもももにしました」, 「パスワードをhunterに変えた」 — where the clause-end rules (KANA_CLAUSE_END, the
 * digit `looksSecret` wants after 「を」) see only more words. Not 「で」: 「パスワードはパソコンで変更した」 names a place.
 */
const JA_SET_TO_SOURCE = '[ \\t]*[にへ][ \\t]*(?:し(?:た|て|ま|ちゃ|とい|とき)|変え|かえ|変更|へんこう|設定|せってい|更新|登録|決め|きめ)';
const JA_SET_TO = new RegExp(`^${JA_SET_TO_SOURCE}`);
/**
 * A kana value followed by JA_SET_TO: hiragana as short as it can be (「すももも」 in 「すもももにしました」), katakana whole
 * (「ホシゾラ」). Three characters at least: the phrase after it is the context, the length is not.
 */
const KANA_SET_VALUE = new RegExp(
  // Or the old value: 「すもももからホシゾラに変えた」 (the new one is masked by fromToValues in the next pass).
  `(?:[ぁ-ゖー]{3,32}?|[ァ-ヺー]{3,32})(?=${JA_SET_TO_SOURCE}|[ \\t]*から[ \\t]*(?:[ぁ-ゖー]{2,32}?|[ァ-ヺー]{2,32}|[!-~]{1,40})${JA_SET_TO_SOURCE})`,
  'y',
);

/** The kana value at `pos` that JA_SET_TO follows (see KANA_SET_VALUE): its end, or -1. Grammar and screen names are kept. */
function kanaSetValueEnd(f: string, pos: number): number {
  KANA_SET_VALUE.lastIndex = pos;
  const m = KANA_SET_VALUE.exec(f);
  if (!m || KANA_GRAMMAR.test(m[0]) || UI_WORDS.test(m[0])) return -1;
  return pos + m[0].length;
}

/** Units that make a number a year, a time, an amount or a count (COUNTED and NUMBER_AFTER_LABEL both read them). */
const COUNT_UNITS = '年|月|日|時|分|秒|円|件|回|個|桁|文字|人|歳|才|%';
/** A unit after a number: a year, a count, an amount (「2024年」, 「4桁」, 「3回」), not a PIN. */
const COUNTED = new RegExp(`^[ \\t]?(?:${COUNT_UNITS}|ケタ)`);

/**
 * Whose "pass" it is, right before the word (sec-33): "my pass", "my new pass", "my email pass", "the mail pass" — the
 * password. A bus pass or a boarding pass has another word right before "pass" ("my bus pass is …" is not matched).
 */
const PASS_OWNER = /(?<![A-Za-z])(?:(?:my|your|our)(?:[ \t]+(?:new|old|current|email|e-mail|mail|login|account|icloud|gmail|outlook|yahoo|docomo))?|(?:the|my)?[ \t]*(?:email|e-mail|mail|login|account))[ \t]+$/i;

/** A value that ends its line: nothing after it but a full stop (「です」 first for a Japanese one). */
const LINE_END_AFTER = /^[ \t]*(?:(?:です|でした|だよ|だった|だ)[ \t]*)?[.!。！]?[ \t]*(?:\n|$)/;
/** Page and menu words after 「パスワード - 」 (a page title: 「パスワード - ヘルプ」) that KATAKANA_NOT_VALUE does not hold. */
const DASH_NOT_VALUE = /^(?:ヘルプ|サポート|ガイド|よくある質問|お問い合わせ|変更|再設定|設定|忘れた|お忘れ|確認|登録)/;

/**
 * The value after an arrow or a spaced dash (sec-34b for "password -> sunflower", "Pass - sunflower"; sec-35 for
 * 「パスワード - ほしぞら」): password-shaped anywhere (looksSecret), or a plain word (plainValue, no heading's noun:
 * "Password - Reset") that ends its line — a menu path goes on ("Settings -> Password -> Change"). After a Japanese
 * label, kana or kanji ending its line too, on the terms of the value after 「パスワード：」.
 */
function dashValue(w: Work, pos: number, japanese: boolean): void {
  if (japanese) {
    for (const end of [kanaValueEnd(w.f, pos, true), kanjiValueEnd(w.f, pos)]) {
      if (end <= pos) continue;
      if (LINE_END_AFTER.test(w.f.slice(end, end + 12)) && !DASH_NOT_VALUE.test(w.f.slice(pos, end).normalize('NFKC')) && isFree(w, pos, end)) mask(w, pos, end, 'password');
      return;
    }
  }
  const t = tokenAt(w.f, pos);
  if (!t || t.start !== pos || !isFree(w, t.start, t.end)) return;
  if (looksSecret(t.core)) {
    if (mask(w, t.start, t.end, 'password')) spacedRest(w, t.end);
  } else if (plainValue(t.core) && !labelNoun(t.core) && /^[ \t]*[.!。]?[ \t]*(?:\n|$)/.test(w.f.slice(t.end, t.end + 8))) mask(w, t.start, t.end, 'password');
}

/** The value right after a password label: 「パスワードは abc123 です」, `pw: hunter22`, "password is Summer2024!". */
function labelledValues(w: Work): void {
  // Slack's bold around the label or its colon is nothing (sec-33): 「*パスワード:* ほしぞら」, 「*パスワード*：ほしぞら」.
  // sec-35: a spaced dash or `=>` too (「パスワード - ほしぞら」), read as after the English label (see dashValue).
  const ja = new RegExp(`(${JA_LABEL})(\\*{0,2}[ \\t]*(?:[:=]\\*{0,2}|は|が|を|も|に|→|->|=>|(?<=[ \\t])-{1,2}(?=[ \\t])|って)?[ \\t]*、?\\s*)`, 'gi');
  for (const m of w.f.matchAll(ja)) {
    const label = m[1] ?? '';
    const sep = m[2] ?? '';
    const pos = m.index + m[0].length;
    if (/=>|(?:^|[ \t])-/.test(sep)) {
      dashValue(w, pos, true);
      continue;
    }
    // 「パス」 alone is too common a prefix (パスタ, コンパス) to trust without a separator.
    if (label === 'パス' && !/[:=は]/.test(sep)) continue;
    // 「パスワードは」「パスワード：」 and a bare space or line break introduce the value itself; after 「を」「が」
    // the next word is as often a name (「パスワードを Safari に保存」), so it must carry a digit or a symbol.
    const lenient = /[:=は→>]/.test(sep) || /^\s*$/.test(sep);
    const quoted = quotedValue(w, pos, true);
    if (quoted !== null) continue;
    KANA_DIGITS.lastIndex = pos;
    const kd = KANA_DIGITS.exec(w.f);
    if (kd && /[:=はを]/.test(sep)) {
      mask(w, pos, pos + kd[0].length, 'password');
      continue;
    }
    // 「パスワードはすもももももも」, 「パスワード：あいうえお」, 「パスワード ほしぞら です」: kana typed as the value.
    if (/[:=は→>]|って/.test(sep) || /^[ \t]*、?[ \t]*$/.test(sep) && sep !== '') {
      const end = kanaValueEnd(w.f, pos, /[:=→>]/.test(sep) || 'copula');
      if (end > pos && isFree(w, pos, end)) {
        mask(w, pos, end, 'password');
        continue;
      }
    }
    // 「パスワードは太郎」, 「暗証番号は山田です」: kanji typed as the value (sec-27), after 「は」, `:`, `=` only.
    if (/[:=は→>]|って/.test(sep)) {
      const end = kanjiValueEnd(w.f, pos);
      if (end > pos && isFree(w, pos, end)) {
        mask(w, pos, end, 'password');
        continue;
      }
    }
    // 「パスワードはホシゾラにした」, 「パスワードをすもももにしました」: kana glued to what was done with it (JA_SET_TO).
    if (/[:=は→>を]/.test(sep)) {
      const end = kanaSetValueEnd(w.f, pos);
      if (end > pos && isFree(w, pos, end)) {
        mask(w, pos, end, 'password');
        continue;
      }
    }
    const t = tokenAt(w.f, pos);
    if (!t || !isFree(w, t.start, t.end)) continue;
    // 「暗証番号は2024年から同じ」, 「暗証番号を2024年に変えた」: a number with its unit is a year or a count, not the value.
    if (/^\d+$/.test(t.core) && COUNTED.test(w.f.slice(t.end, t.end + 4))) continue;
    // 「パスワードをhunterに変えた」: made the password — as lenient as after 「は」.
    const setTo = JA_SET_TO.test(w.f.slice(t.end, t.end + 12));
    if ((lenient || setTo ? lenientSecret(t.core) : looksSecret(t.core)) && mask(w, t.start, t.end, 'password')) spacedRest(w, t.end);
  }

  const en = new RegExp(
    // Slack and Markdown mark-up around the label and its colon count as nothing (sec-33): "*password:* sunflower",
    // "*password*: sunflower", "password `sunflower`" (a code span is a quote).
    `(?<![A-Za-z0-9_])(${EN_LABEL})(?![A-Za-z_])(\\s*(?:'s\\b\\s*|(?:(?:["'\`]|\\*{1,2})\\s*)?(?:(?:=>|[:=]\\*{0,2}|\\b(?:is|was)\\b(?:[ \\t]*:)?|\\bto\\b|->|→|(?<=[ \\t])-{1,2}(?=[ \\t]))\\s*)?["'“\`]?))`,
    'gi',
  );
  for (const m of w.f.matchAll(en)) {
    const sep = m[2] ?? '';
    const pos = m.index + m[0].length;
    if (sep === '') continue; // "password123" is one word
    // "an 'invalid username or password' alert": the quote right after the label closes an error text quoted before it;
    // the word after it is no value (nothing links it).
    if (/^["'”`]\s*$/.test(sep) && closesQuote(w.f, m.index, sep[0]!)) continue;
    const explicit = /[:=]/.test(sep);
    const quoted = /["'“`]\s*$/.test(sep);
    // sec-34b: an arrow or a spaced dash between the label and one word ("password -> sunflower", "Pass - sunflower",
    // "pw => sunflower"): the value when the word ends its line and is no plain English of a heading or a menu path
    // ("Password - Reset", "Settings -> Password -> Change", "password -> change password" are kept).
    if (/->|→|=>|(?:^|[ \t])-/.test(sep)) {
      dashValue(w, pos, false);
      continue;
    }
    if (explicit && passphrase(w, pos)) continue;
    // `pass: ほしぞら`: kana typed as the value after a Latin label, as after 「パスワード：」.
    if (explicit) {
      const end = kanaValueEnd(w.f, pos, true);
      if (end > pos && isFree(w, pos, end)) {
        mask(w, pos, end, 'password');
        continue;
      }
    }
    if (quoted && quotedPhrase(w, pos, sep.trimEnd().slice(-1))) continue;
    const t = tokenAt(w.f, pos);
    if (!t || !isFree(w, t.start, t.end)) continue;
    if ((explicit || quoted ? lenientSecret(t.core) : looksSecret(t.core)) && mask(w, t.start, t.end, 'password')) {
      spacedRest(w, t.end);
      continue;
    }
    // "my password is hunter": the word in the slot after "is"/"was", letters only too — not "is wrong", "is expired",
    // "was changed yesterday" (slotValue). Not after "pin" (a PIN is digits) nor a bare "pass" (a bus pass, a boarding
    // pass) — but "pass" is the password when it is the person's own or the mail's (sec-33: "my pass is sunflower",
    // "my email pass is …"; PASS_OWNER).
    const label = (m[1] ?? '').toLowerCase();
    const slotLabel = label !== 'pin' && (label !== 'pass' || PASS_OWNER.test(w.f.slice(Math.max(0, m.index - 24), m.index)));
    if (/\b(?:is|was)\b|^'s\b/i.test(sep) && slotLabel && slotValue(t.core, w.f.slice(t.end, t.end + 24)) && mask(w, t.start, t.end, 'password')) spacedRest(w, t.end);
  }

  const secret = new RegExp(`(?<![A-Za-z])(${SECRET_LABEL})(?![A-Za-z])([ \\t]*(?:["'][ \\t]*)?[:=][ \\t]*["']?)`, 'giu');
  for (const m of w.f.matchAll(secret)) {
    const t = tokenAt(w.f, m.index + m[0].length);
    if (t && isFree(w, t.start, t.end) && lenientSecret(t.core)) mask(w, t.start, t.end, 'token');
  }
}

/**
 * A settings screen pasted or copied line by line (sec-31): the label alone on its line and the value alone on the next
 * one ("Password\nsunflower", 「パスワード\nほしぞら」), or in a pasted form of several lines, a line that is the label and
 * one word ("Host Name imap.gmail.com\nUser Name taro\nPassword sunflower"). The line's shape is the link a colon would be:
 * a value unless it is grammar, an ordinary word, a description or a verb (plainValue), a kept shape, or already masked.
 * A message of one line is such a line too (sec-33: "password sunflower", 「パス hoshizora」), so a heading's noun
 * ("password suggestion", labelNoun) is kept.
 */
const FORM_LABEL = '(?:app[- ]?(?:specific[- ])?password|password|passwd|passcode|pwd|pw|パスワード|ぱすわーど|ﾊﾟｽﾜｰﾄﾞ|パスコード|暗証番号)';
const FORM_LABEL_LINE = new RegExp(`^[ \\t]*(?:new[ \\t]+|old[ \\t]+|current[ \\t]+|新しい|新|旧|現在の)?${FORM_LABEL}[ \\t]*[:=：]?[ \\t]*$`, 'i');
// 「パス」 too (sec-33: 「パス hoshizora」 as a whole message): at the start of a line and before a space and a Latin word,
// it is no prefix of パスタ or コンパス.
const FORM_LABEL_WORD = new RegExp(`^[ \\t]*(?:new[ \\t]+|old[ \\t]+|current[ \\t]+)?(?:${FORM_LABEL}|パス)[ \\t]+(?=[!-~])`, 'i');
/**
 * Nouns that make "password X" a heading rather than a label and its value (sec-33): "password suggestion", "Password
 * issues", "password protection", "password manager" — a message or a line that is only a label and one word is
 * judged by this too. Words with a noun's ending (-tion, -ment, -ness, -ity …) and the heads of the compounds seen
 * after "password" in issue titles and help pages.
 */
const LABEL_NOUN_END = /(?:tion|tions|sion|sions|ment|ments|ness|ity|ities|ance|ances|ence|ences|ship|ings)$/;
const LABEL_NOUNS = new Set(
  (
    'problem problems issue issues question questions trouble troubles bug bugs loop loops rule rules length strength ' +
    'complexity expiry generator generators keeper keepers vault vaults storage hash hashes hashing mismatch entry entries ' +
    'form forms label labels text toggle icon icons button buttons link links hints prompts fields boxes popups dialogs ' +
    'managers policies stuff thing things info details detail support issue screenshot screenshots history age ' +
    'strategy strategies tips tip advice guide tutorial steps step requests format protected ' +
    // sec-34: read inside a sentence too ("tried password auth", "the password window doesn't work")
    'auth window windows menu menus tab tabs bar key keys feature features option list lists sheet note notes file files ' +
    'book memo cache cookie cookies token tokens character characters letter letters digit digits word words pattern ' +
    'patterns mode type types kind version versions part idea ideas combo combos guess guesses attempt attempts ' +
    'variant variants instead thrice etc field fields space spaces symbol symbols number numbers capital capitals emoji'
  ).split(' '),
);
/** Courtesy said after an address or a label on its own ("taro@example.com thanks"): no value. */
const COURTESY = new Set('thanks thank thx ty tia sorry hi hello hey regards cheers bye asap urgent'.split(' '));
const labelNoun = (core: string) => {
  const lower = core.toLowerCase();
  return lettersOnly(core) && (LABEL_NOUNS.has(lower) || COURTESY.has(lower) || LABEL_NOUN_END.test(lower));
};

function formValue(w: Work, start: number, end: number): void {
  // Only the whole line: one token, or a run of kana.
  const line = w.f.slice(start, end);
  const lead = line.length - line.trimStart().length;
  const core = line.trim();
  if (!core) return;
  const from = start + lead;
  if (/^[!-~]+$/.test(core)) {
    const t = tokenAt(w.f, from);
    if (!t || t.end !== from + core.length && w.f.slice(t.end, from + core.length).trim() !== '') return;
    if (isFree(w, t.start, t.end) && plainValue(t.core) && !labelNoun(t.core)) mask(w, t.start, t.end, 'password');
    return;
  }
  const kana = kanaValueEnd(w.f, from, true);
  if (kana === from + core.length && isFree(w, from, kana)) mask(w, from, kana, 'password');
}

/**
 * A hedge between the label and the value (sec-31): 「パスワードは多分sunflower」, 「パスワードは、たしか、ほしぞらです」,
 * "the password is probably sunflower", "my password should be sunflower". The hedge is read as the link's part; the
 * value is then judged as right after the label (grammar, descriptions and verbs kept: "is still wrong", "should be fine").
 */
const JA_HEDGED = new RegExp(
  `(?:${JA_LABEL})[ \\t]*(?:は|:|=|って)[ \\t]*、?[ \\t]*(?:多分|たぶん|確か|たしか|おそらく|恐らく|きっと|一応|いちおう)(?!に)[ \\t]*、?[ \\t]*`,
  'gi',
);
const EN_HEDGED =
  new RegExp(`(?<![A-Za-z])(?:password|passcode|passwd|pw)\\s+(?:(?:is|was|'s)\\s+(?:${EN_LINK_HEDGES.replaceAll(' ', '|')})|(?:might|should|could|must|would|will)\\s+(?:still\\s+|probably\\s+)?be)\\s*:?\\s*["'“]?`, 'gi');

function hedgedValues(w: Work): void {
  for (const m of w.f.matchAll(JA_HEDGED)) {
    const pos = m.index + m[0].length;
    const kana = kanaValueEnd(w.f, pos, 'copula');
    if (kana > pos && isFree(w, pos, kana)) {
      mask(w, pos, kana, 'password');
      continue;
    }
    const t = tokenAt(w.f, pos);
    if (t && t.start === pos && isFree(w, t.start, t.end) && plainValue(t.core)) mask(w, t.start, t.end, 'password');
  }
  for (const m of w.f.matchAll(EN_HEDGED)) {
    const t = tokenAt(w.f, m.index + m[0].length);
    if (!t || !isFree(w, t.start, t.end)) continue;
    const ok = lettersOnly(t.core) ? slotValue(t.core, w.f.slice(t.end, t.end + 24)) : plainValue(t.core) && (hasDigit(t.core) || REAL_SYMBOL.test(t.core));
    if (ok) mask(w, t.start, t.end, 'password');
  }
}

/**
 * An ID and its password on one line, no colon (sec-31): "ID taro@example.com PW sunflower", 「ID taro PW hoshizora」,
 * "login taro2024 password sunflower". A label after a named account value is the pair's second field: its word is a
 * value on the terms of a form line (plainValue: "… password reset", "… pw wrong" kept).
 */
const ID_THEN_LABEL =
  /(?<![A-Za-z])(?:ID|user(?:name)?|user[ \t]id|login|account|e-?mail|mail|ユーザー?名|ユーザーID|アカウント|メールアドレス|アドレス)[ \t]*[:=]?[ \t]*[!-~]{2,64}[ \t]+(?:PW|pw|pwd|pass|password|passwd|パスワード|パス)[ \t]+(?=[!-~])/gi;

/**
 * A pair with one-letter labels (sec-34b): "u: taro p: sunflower", "user: taro / p: sunflower", "id=taro, p=sunflower". A
 * bare "p:" is a label only right after the account's own field on the same line; its word is a value on the terms of a
 * form line (plainValue).
 */
const USER_THEN_P =
  /(?<![A-Za-z])(?:u|user(?:name)?|id|login|acct|account|e-?mail)[ \t]*[:=][ \t]*[!-~]{1,64}?[ \t]*[,;/|]?[ \t]+p[ \t]*[:=][ \t]*/gi;

function pairValues(w: Work): void {
  for (const m of w.f.matchAll(USER_THEN_P)) {
    const t = tokenAt(w.f, m.index + m[0].length);
    if (t && isFree(w, t.start, t.end) && plainValue(t.core) && !labelNoun(t.core)) {
      if (mask(w, t.start, t.end, 'password')) spacedRest(w, t.end);
    }
  }
  for (const m of w.f.matchAll(ID_THEN_LABEL)) {
    // The account value must look like one (an address, a digit), or the label be the pair's own "PW": "Apple ID
    // app-specific password steps" names a topic, not a pair.
    const id = /[:=]?[ \t]*([!-~]{2,64})[ \t]+\S+[ \t]+$/.exec(m[0])?.[1] ?? '';
    if (!/[@\d]/.test(id) && !/(?:PW|pw|pwd|パスワード)[ \t]+$/.test(m[0])) continue;
    const t = tokenAt(w.f, m.index + m[0].length);
    if (t && isFree(w, t.start, t.end) && plainValue(t.core) && !EN_CLAUSE_GOES_ON.test(w.f.slice(t.end, t.end + 24))) mask(w, t.start, t.end, 'password');
  }
}

/**
 * An account and its password with a slash between them and no label (sec-33): "taro@example.com / sunflower77", "You can
 * connect with: dev / 123456" (a pair as posted in CaliOpen issue 159), "login with `taro` / `hunter2`", and a line that is
 * only an address and one word ("taro@example.com sunflower77"). The account is an e-mail address, or any word after a
 * phrase of signing in ("log in with", "connect with", "credentials:", "user/pass:"). The value must end its clause and
 * not be followed by another slash (a list: "Gmail / Outlook / iCloud"); it must be password-shaped (letters with digits
 * or symbols: strongSecret), or — after a phrase of signing in, or in a message or conversation about a password — a
 * plain word or four to twelve digits. Label words ("email / pass"), ordinary words and kept shapes ("/ iPhone15",
 * "/ SH-51C", "/ imap.gmail.com") stay.
 */
const ADDRESS = '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+';
const ADDRESS_WHOLE = new RegExp(`^${ADDRESS}$`);
/** Right before the account of a pair (the account itself is the token before the slash). */
const SIGN_IN_BEFORE =
  /(?<![A-Za-z])(?:(?:log(?:ged|ging)?|sign(?:ed|ing)?)[ \t]*in|login|connect(?:ed)?|credentials?(?:[ \t]+(?:are|is|were))?|(?:user(?:name)?|ID)[ \t]*\/[ \t]*(?:pass(?:word)?|pw|パス(?:ワード)?))(?:[ \t]+with)?[ \t]*[:=]?[ \t]*[`'"“]?$/i;
const ADDRESS_LINE = new RegExp(`^[ \\t]*[\`'"“]?${ADDRESS}[\`'"”]?(?:[ \\t]*[,:|][ \\t]*|[ \\t]+)(?=[!-~]+[ \\t]*$)`);
const LABEL_WORD = /^(?:pass(?:word)?s?|pw|pwd|passwd|passcode|pin|code|id|user(?:name)?)$/i;

/**
 * What follows an address and a slash when it is no password (sec-34): the kind of account ("taro@example.com / work",
 * "/ personal", "/ main"), a mail app or provider ("/ Mailspring", "/ gmail" — ORDINARY_VALUES and DEVICE_NAMES too).
 * Without these a letters-only word after an address and a slash, ending its line, is the password ("… / sunflower").
 */
const ACCOUNT_WORDS = new Set(
  (
    'work home personal business school private main sub backup primary secondary spare family company office job ' +
    'university college uni shared test admin info support contact sales team alias aliases forward forwarding ' +
    'mailspring airmail spark thunderbird postbox canary newton bluemail edison aquamail fairemail proton protonmail ' +
    'tutanota zoho fastmail aol gmx yandex naver biglobe nifty ocn plala sonet webmail mobile phone tablet laptop pc ' +
    'both either other another others etc taro hanako ' +
    'プライベート メイン サブ ビジネス しごと しごとよう ぷらいべーと めいん さぶ'
  ).split(' '),
);

/** What a bounce or a log line says after an address and a colon (sec-35: "taro@example.com:undeliverable"): no value. */
const DELIVERY_WORDS = new Set(
  (
    'undeliverable unknown failed failure rejected bounced bounce error invalid unavailable blocked refused denied deferred ' +
    'delayed ok okay sent delivered queued timeout spam junk full disabled inactive suspended closed expired hacked inbox ' +
    'nonexistent unreachable unroutable quota over'
  ).split(' '),
);

function pairValue(w: Work, pos: number, context: boolean, address = false): void {
  // Kana or kanji with digits (「ほしぞら22」) are shaped like a password in any script.
  KANA_DIGITS.lastIndex = pos;
  const kd = KANA_DIGITS.exec(w.f);
  if (kd && isFree(w, pos, pos + kd[0].length)) {
    mask(w, pos, pos + kd[0].length, 'password');
    return;
  }
  // sec-34: kana alone after an address and a slash, ending its line (「taro@docomo.ne.jp／ほしぞら」, 「…／ほしぞらです」).
  if (address) {
    const kana = kanaValueEnd(w.f, pos, true);
    const rest = kana > pos ? w.f.slice(kana, kana + 12).replace(/^(?:です|でした|だよ|だった|だ)/, '') : '';
    if (kana > pos && /^[ \t]*[。.!！]?[ \t]*(?:\n|$)/.test(rest) && !ACCOUNT_WORDS.has(w.f.slice(pos, kana)) && isFree(w, pos, kana)) {
      mask(w, pos, kana, 'password');
      return;
    }
  }
  const t = tokenAt(w.f, pos);
  if (!t || !isFree(w, t.start, t.end) || LABEL_WORD.test(t.core)) return;
  const after = w.f.slice(t.end, t.end + 24);
  if (/^[ \t]*\//.test(after) || EN_CLAUSE_GOES_ON.test(after)) return;
  const plain = lettersOnly(t.core) ? plainValue(t.core) && !labelNoun(t.core) : /^\d{4,12}$/.test(t.core) && !COUNTED.test(after);
  // sec-34: after an address, a letters-only word that ends its line is the password without a topic ("taro@example.com /
  // sunflower"), unless it names an account's kind, an app or a provider (ACCOUNT_WORDS, DEVICE_NAMES, ORDINARY_VALUES).
  const lower = t.core.toLowerCase();
  const addressWord =
    address &&
    lettersOnly(t.core) &&
    plain &&
    !ACCOUNT_WORDS.has(lower) &&
    !DELIVERY_WORDS.has(lower) &&
    !DEVICE_NAMES.some((n) => n === lower) &&
    /^[ \t]*[.!。]?[ \t]*(?:\n|$)/.test(after);
  if (strongSecret(t.core) || (context && plain) || addressWord) mask(w, t.start, t.end, 'password');
}

function slashPairs(w: Work): void {
  const slash = w.f.includes('/');
  const at = w.f.includes('@');
  if (!slash && !at) return;
  SCOPE_LABEL.lastIndex = 0;
  const named = w.topic || SCOPE_LABEL.test(w.f);
  SCOPE_LABEL.lastIndex = 0;
  // From each slash (rare in chat) back to its account: one token and a short window, so the cost is per slash, not per
  // character (a pattern run over the whole text tried an address at every letter).
  for (let i = slash ? w.f.indexOf('/') : -1; i !== -1; i = w.f.indexOf('/', i + 1)) {
    const account = tokenBefore(w.f, i);
    if (!account || account.end > i) continue;
    let pos = i + 1;
    while (w.f[pos] === ' ' || w.f[pos] === '\t') pos++;
    if (at && ADDRESS_WHOLE.test(account.core)) pairValue(w, pos, named, true);
    else if (/^[A-Za-z0-9._%+@-]{2,64}$/.test(account.core) && SIGN_IN_BEFORE.test(w.f.slice(Math.max(0, account.start - 40), account.start))) pairValue(w, pos, true);
  }
  if (!at) return;
  // sec-35: a colon glued to an address and its word ("a.cefai123@outlook.com:Thomas", a line of a pasted combo list,
  // csirtgadgets/csirtg-smrt-v1#17; "… since this morning. pat@example.com:Wisteria") is the pair's own shape, read as
  // after a slash; a bounce line puts a space after its colon ("taro@example.com: undeliverable") and stays. From each
  // '@' (rare in chat) to the end of its domain: the cost is per address.
  for (let i = w.f.indexOf('@'); i !== -1; i = w.f.indexOf('@', i + 1)) {
    let j = i + 1;
    while (j < w.f.length && /[A-Za-z0-9.-]/.test(w.f[j]!)) j++;
    if (w.f[j] !== ':' || !/[A-Za-z]/.test(w.f[j + 1] ?? '') || !/[A-Za-z0-9._%+-]/.test(w.f[i - 1] ?? '')) continue;
    if (!/^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(w.f.slice(i + 1, j))) continue;
    pairValue(w, j + 1, named, true);
  }
  for (let s = 0; s < w.f.length; ) {
    let e = w.f.indexOf('\n', s);
    if (e === -1) e = w.f.length;
    if (e - s <= 160) {
      const m = ADDRESS_LINE.exec(w.f.slice(s, e));
      if (m && !/[A-Za-z0-9]:$/.test(m[0])) pairValue(w, s + m[0].length, named);
    }
    s = e + 1;
  }
}

function formLines(w: Work): void {
  // A message of one line is read as a line of a form too (sec-33): "password sunflower" sent on its own.
  const lines: [number, number][] = [];
  for (let i = 0, s = 0; i <= w.f.length; i++) {
    if (i === w.f.length || w.f[i] === '\n') {
      lines.push([s, i]);
      s = i + 1;
    }
  }
  for (let k = 0; k < lines.length; k++) {
    const [s, e] = lines[k]!;
    if (e - s > 80) continue;
    const line = w.f.slice(s, e);
    if (FORM_LABEL_LINE.test(line)) {
      const next = lines[k + 1];
      if (next && next[1] - next[0] <= 80) formValue(w, next[0], next[1]);
      continue;
    }
    const m = FORM_LABEL_WORD.exec(line);
    if (m) formValue(w, s + m[0].length, e);
  }
}

/**
 * A label and one word inside a sentence (sec-34): "i typed password sunflower and it still fails", "tried my password
 * sunflower again", "logged in with password sunflower", "password sunflower doesn't work". The label stands in the slot
 * of what was typed (after a verb of typing) or before a failure said of it; the word is a value on the terms of a form
 * line (plainValue, not a heading's noun: "typed password reset", "tried password recovery", "the password window doesn't
 * work" kept), not an adverb ("typed password carefully"), and it ends its clause or is followed by how often or that it
 * failed ("… again", "… and it fails", "… twice").
 */
// "Doesnt accept password hunter2" (kelseyhightower/nocode#3931): what the app would not take is the typed value too.
const EN_TYPED_LABEL =
  /(?<![A-Za-z])(?:typed|typing|type|retyped|entered|entering|enter|re-?entered|tried|trying|try|used|using|use|input|put[ \t]+in|accepts?|accepted|accepting|rejects?|rejected|rejecting|(?:log(?:ged|ging)?|sign(?:ed|ing)?)[ \t]+in[ \t]+with|with)[ \t]+(?:(?:the|my|a|our)[ \t]+)?(?:(?:same|old|new|correct|right|email|e-mail|mail|account|gmail|icloud|outlook|yahoo)[ \t]+)?(?:password|passwd|passcode|pwd|pw)[ \t]*[:=]?[ \t]*["'“`]?/gi;
const EN_LABEL_FAILS =
  /^["'”`]?[ \t]+(?:(?:does|did|is|was|will|would)[ \t]*(?:n'?t|[ \t]not)|won'?t|not|still|never|keeps?|kept|gets?|got|fails?|failed|failing|is[ \t]+(?:wrong|rejected|incorrect|invalid|refused)|was[ \t]+(?:wrong|rejected|incorrect|invalid|refused))(?![A-Za-z])/i;
/** What may follow the value: the clause's end, a conjunction, how often ("again", "twice", "3 times"), or its failure. */
const EN_VALUE_THEN =
  /^["'”`]?[ \t]*(?:[.,;:!?)\n]|$|\d|(?:and|but|so|or|again|still|twice|thrice|too|also|it|which|though|because|yesterday|today|now|then|on|in|at|for|from|every|each|when|whenever|after|since|before)(?![A-Za-z]))/i;
const EN_LABEL_BEFORE_FAIL = /(?<![A-Za-z])(?:password|passwd|passcode|pwd|pw)[ \t]+["'“`]?(?=[A-Za-z])/gi;

/**
 * Words in -ly that are no adverb of how it was typed (sec-35): names and nouns, the kind of word a password is made of
 * ("typed password holly"). An adverb is made from an adjective (careful-ly, correct-ly, exact-ly); these are not.
 */
const LY_NOT_ADVERB = new Set(
  (
    'holly lily lilly molly polly sally kelly shelly nelly billy dolly emily ally carly marly charly wally beverly ' +
    'kimberly shirley hayley bailey riley kiley jelly belly bully jolly folly rally tally gully dally doily italy july ' +
    'anomaly monopoly assembly firefly dragonfly mayfly'
  ).split(' '),
);

/** Grammar said after "password" in a sentence ("rejects my password even though it's right"): no value. */
const SENTENCE_GRAMMAR = new Set('even ever always never anyway anyhow somehow though although unless until while whether'.split(' '));

function sentenceValue(w: Work, pos: number, failed: boolean): void {
  const t = tokenAt(w.f, pos);
  if (!t || t.start !== pos || !isFree(w, t.start, t.end) || !lettersOnly(t.core)) return;
  const lower = t.core.toLowerCase();
  if (!plainValue(t.core) || labelNoun(t.core) || LABEL_WORD.test(t.core) || isOrdinary(t.core) || SENTENCE_GRAMMAR.has(lower)) return;
  // An adverb says how it was typed ("carefully", "manually"); "butterfly" ends in -fly and is a word people use, and so
  // are the names and nouns of LY_NOT_ADVERB (sec-35: "typed password holly").
  if (lower.endsWith('ly') && !lower.endsWith('fly') && !LY_NOT_ADVERB.has(lower)) return;
  const after = w.f.slice(t.end, t.end + 32);
  if (failed ? !EN_LABEL_FAILS.test(after) : !(EN_VALUE_THEN.test(after) || EN_LABEL_FAILS.test(after))) return;
  mask(w, t.start, t.end, 'password');
}

/**
 * 「パスワードにsunflowerと入れた」, 「パスワード欄にほしぞらって打った」 (sec-34): the label's slot, then what was typed into it.
 * The value is a letters-only word (plainValue, not a noun of how it is written: "space", "symbols") or kana (kanaValueEnd:
 * 「ひらがな」, 「きごう」 kept); strongSecret values were masked before (JA_TYPED_AFTER).
 */
const JA_LABEL_SLOT = /(?:パスワード|ﾊﾟｽﾜｰﾄﾞ|パス|PW|pw)(?:欄|の欄|のところ|の所)?[ \t]*に[ \t]*["'「『]?/g;
const JA_TYPED_INTO = /^["'」』]?[ \t]*(?:と|って|を)[ \t]*(?:入れ|いれ|入力|打|うっ|試)/;

function sentenceLabelValues(w: Work): void {
  if (w.f.includes('に')) {
    for (const m of w.f.matchAll(JA_LABEL_SLOT)) {
      const pos = m.index + m[0].length;
      const t = tokenAt(w.f, pos);
      if (t && t.start === pos && lettersOnly(t.core)) {
        if (isFree(w, t.start, t.end) && plainValue(t.core) && !labelNoun(t.core) && !isOrdinary(t.core) && JA_TYPED_INTO.test(w.f.slice(t.end, t.end + 12))) mask(w, t.start, t.end, 'password');
        continue;
      }
      KANA_RUN.lastIndex = pos;
      const run = KANA_RUN.exec(w.f);
      if (!run) continue;
      // sec-34b: katakana takes no particle tail, so it is read here: 「パスワードにホシゾラと入れた」, 「…ホシゾラって打った」.
      // Only before 「と」 / 「って」 (what was typed, quoted): 「パスワードにスペースを入れた」 says what it contains.
      const kEnd = pos + run[0].length;
      if (/^[ァ-ヺｦ-ﾝ]/.test(run[0]) && /^(?:と|って)[ \t]*(?:入れ|いれ|入力|打|うっ|試)/.test(w.f.slice(kEnd, kEnd + 8))) {
        const v = run[0].normalize('NFKC');
        if (!KANA_NAMES.some((n) => v.startsWith(n)) && !KANA_GRAMMAR.test(v) && !UI_WORDS.test(v) && !KATAKANA_NOT_VALUE.test(v) && isFree(w, pos, kEnd)) mask(w, pos, kEnd, 'password');
        continue;
      }
      // The particle glued to the kana (「ほしぞらと入れた」) is taken off by kanaValueEnd.
      const end = kanaValueEnd(w.f, pos, true);
      if (end > pos && JA_TYPED_INTO.test(w.f.slice(end, end + 12)) && isFree(w, pos, end)) mask(w, pos, end, 'password');
    }
  }
  if (!/password|passwd|passcode|pwd|pw/i.test(w.f)) return;
  for (const m of w.f.matchAll(EN_TYPED_LABEL)) sentenceValue(w, m.index + m[0].length, false);
  // The failure said of it: "password sunflower doesn't work", "my password sunflower keeps failing".
  for (const m of w.f.matchAll(EN_LABEL_BEFORE_FAIL)) sentenceValue(w, m.index + m[0].length, true);
}

/**
 * A labelled value typed with a space in it ("pass: P@ss w0rd", 「パスワード: Pa55 w0rd! です」): the words right after
 * it, one space apart, that carry a letter and a digit or symbol are the rest of it. Up to three; the first word
 * without that shape (「です」, "and", "on") or any kept shape (SH-51C, iOS 17.6.1) ends it.
 */
function spacedRest(w: Work, end: number): void {
  for (let n = 0; n < 3; n++) {
    if (w.f[end] !== ' ' || w.f[end + 1] === ' ') return;
    const t = tokenAt(w.f, end + 1);
    if (!t || t.start !== end + 1 || !isFree(w, t.start, t.end)) return;
    const c = t.core;
    // Digits alone are the rest too ("hunter 22", 「abcd 1234」) unless a count word follows ("… 10 times", 「3 回」).
    const digits = /^\d{2,8}$/.test(c) && !/^[ \t]*(?:times?|tries|attempts?|回|度|時|分|日|件)/.test(w.f.slice(t.end, t.end + 10));
    const piece =
      digits ||
      (c.length >= 3 && c.length <= 32 && hasLetter(c) && (hasDigit(c) || REAL_SYMBOL.test(c)) &&
        !IDENTIFIER.test(c) && !isOrdinary(c) && !isKeepShape(c));
    if (!piece || !mask(w, t.start, t.end, 'password')) return;
    end = t.end;
  }
}

/** `password = correct horse battery staple`: three to eight words up to the end of the clause, none of them grammar. */
function passphrase(w: Work, pos: number): boolean {
  const re = /[A-Za-z]+(?:[ \t][A-Za-z]+){2,7}(?=[ \t]*(?:[.,;!?。、\n]|$))/y;
  re.lastIndex = pos;
  const m = re.exec(w.f);
  if (!m) return false;
  const words = m[0].toLowerCase().split(/[ \t]/);
  if (words.some((x) => PASSPHRASE_STOP.has(x))) return false;
  // "Password: iCloud mail account" names things; a passphrase is mostly words no label would be followed by.
  if (words.filter((x) => ORDINARY_VALUES.has(x)).length * 2 >= words.length) return false;
  return mask(w, pos, pos + m[0].length, 'password');
}

/** True when the quote `q` at `at` closes one opened within the 160 characters before it (an apostrophe inside a word is neither). */
function closesQuote(f: string, at: number, q: string): boolean {
  const head = f.slice(Math.max(0, at - 160), at);
  if (q === '"') return (head.match(/"/g) ?? []).length % 2 === 1;
  if (q === '”') return (head.match(/“/g) ?? []).length > (head.match(/”/g) ?? []).length;
  if (q === '`') return (head.match(/`/g) ?? []).length % 2 === 1;
  return (head.match(/(?<![A-Za-z0-9])'/g) ?? []).length > (head.match(/(?<=[A-Za-z0-9.!?])'(?![A-Za-z0-9])/g) ?? []).length;
}

/** `password is "apple pie"`: a quoted phrase after a label is the value, unless it is only ordinary words. */
function quotedPhrase(w: Work, pos: number, open: string): boolean {
  const close = open === '“' ? '”' : open;
  const near = w.f.slice(pos, pos + 65).indexOf(close);
  if (near <= 0) return false;
  const content = w.f.slice(pos, pos + near);
  if (!/^[ -~]+$/.test(content) || !content.includes(' ') || content.trim() !== content) return false;
  const words = content.toLowerCase().split(/\s+/);
  if (words.every((x) => PASSPHRASE_STOP.has(x) || ORDINARY_VALUES.has(x))) return false;
  return mask(w, pos, pos + near, 'password');
}

/** Labels that open a context window (the rest of the sentence and the next one). */
const SCOPE_LABEL =
  /パスワード|ぱすわーど|パスワ|ﾊﾟｽﾜｰﾄﾞ|ﾊﾟｽﾜ|パスコード|暗証番号|(?<![ァ-ヺ])パス(?=[はがをもにで:=、]|変|違|合|入|間|忘)|(?<![A-Za-z0-9_])(?:password|passwd|passcode|pwd|pw)(?![A-Za-z_])/gi;

/**
 * Labels of what is not a secret (ID, user name, address, model, server): a value right after one is kept even in a
 * password's sentence (「パスワード変えた。ID は taro1234」).
 */
const NOT_SECRET_LABEL =
  /(?:(?<![A-Za-z])(?:ID|user(?:name)?|login|account|address|model|OS|port|host|server|SSID)|アカウント名?|アドレス|機種|端末|ポート|ホスト|サーバー?)[ \t]*(?:[:=]|は|が)?[ \t]*["'「『(]?$/i;

function afterNotSecretLabel(f: string, start: number): boolean {
  return NOT_SECRET_LABEL.test(f.slice(Math.max(0, start - 16), start));
}

/**
 * In the sentence that names a password and the next one, tokens shaped like a password are masked:
 * 「Gmailでパスワードが違いますって何回も出る。Pa55word!x で合ってるはずなんだけど」, 「パスワード合ってる(Pa55word!x)」.
 */
function passwordContext(w: Work): void {
  const ends = sentenceEnds(w.f);
  let e = 0; // index of the first sentence end at or after the current label
  let scanned = 0;
  for (const m of w.f.matchAll(SCOPE_LABEL)) {
    const labelEnd = m.index + m[0].length;
    while (e < ends.length && (ends[e] ?? 0) < labelEnd) e++;
    // "The same sentence or the next one": up to the second sentence end after the label.
    const end = ends[e + 1] ?? w.f.length;
    const from = Math.max(labelEnd, scanned);
    if (from >= end) continue;
    scanned = end;
    // Only this window is searched: a search from `from` over the whole text would cost the rest of the text per label.
    for (const r of w.f.slice(from, end).matchAll(ASCII_RUNS)) {
      if (r[0].length > 80) continue;
      const t = trimToken(w.f, from + r.index, from + r.index + r[0].length);
      if (t && isFree(w, t.start, t.end) && strongSecret(t.core) && !afterNotSecretLabel(w.f, t.start)) {
        mask(w, t.start, t.end, 'password');
      }
    }
  }
}

/** Phrases after a value that say it was typed as a password: 「Pa55word!x って入れてるのに」, 「Abc123 に変えた」. */
const JA_TYPED_AFTER =
  /(?:って|と|を)[ \t]*(?:入れ|いれ|入力|打|うっ|試|使)|で[ \t]*(?:合って|あって|ログイン|サインイン|入れ|入力|試)|に[ \t]*(?:し|変え|変更|設定|更新)|(?:が|は|という|っていう|って)[ \t]*(?:パス(?:ワード)?|PW|pw)/g;
/** Phrases before a value that introduce it: 「新しいのは」, "changed it to", "typed". */
const INTRO_BEFORE =
  /(?:新しい(?:の|方|ほう|パス(?:ワード)?)(?:は|が|を)|新パス(?:ワード)?(?:は|が)|(?:今|前|古い|元|以前|最初)の(?:は|が)|変更(?:後|前)(?:は|の)|変えたの(?:は|が))[ \t]*(?:[:=][ \t]*)?[「『"“(]?|(?<![A-Za-z])(?:(?:changed|change|set|reset|updated|update)\s+(?:it|mine|my\s+(?:password|pw|pass)|the\s+password)\s+to|(?:new|old)\s+(?:one|password|pw)\s+(?:is|was)|it'?s\s+now|now\s+it'?s|(?:typed|typing|entered|entering|input|put\s+in|tried|trying|(?:log(?:ged|ging)?|sign(?:ed|ing)?)\s+in\s+with))\s+["'“(]?/gi;
const EN_TYPED_AFTER = /(?<![ \t])[ \t]+(?:(?:is|was)\s+(?:my|the)|as\s+(?:my|the|a))\s+(?:new\s+|old\s+|current\s+)?(?:password|pw|pass)(?![A-Za-z])/gi;

/**
 * What was changed, named before the new value in the same clause: 「IDを」, 「ユーザー名を」, 「表示名を」, 「機種を」,
 * 「音声をmeiから」 — not a password (staff need an ID; a voice or a model is no secret). Null when a password label is
 * nearer.
 */
const CHANGED_NOT_SECRET =
  /(?:(?<![A-Za-z])(?:ID|user(?:name)?|account)|ユーザー?名|ユーザーID|アカウント名?|アドレス|表示名|名前|ニックネーム|機種|端末|ポート|ホスト|サーバー?|話者|音声|モード|バージョン|ブラウザ)[ \t]*(?:を|は|が|も|に|で)[^。．.!！?？、,\n]*$/i;

/** After a typed value: "as the username", "as my user ID", "as the server" — what it was typed as, no password. */
const EN_AS_NOT_SECRET = /^[ \t]+(?:as|for|in)[ \t]+(?:the[ \t]+|my[ \t]+|a[ \t]+)?(?:user[ \t]*name|user[ \t]*id|login[ \t]*(?:id|name)|id|account[ \t]*name|e-?mail|address|server|host|display[ \t]*name)(?![A-Za-z])/i;

function changedNotSecret(f: string, start: number): boolean {
  const before = f.slice(Math.max(0, start - 32), start);
  const m = CHANGED_NOT_SECRET.exec(before);
  if (!m) return false;
  SCOPE_LABEL.lastIndex = 0;
  const labelled = SCOPE_LABEL.test(before.slice(m.index));
  SCOPE_LABEL.lastIndex = 0;
  return !labelled;
}

function introducedValues(w: Work): void {
  for (const m of w.f.matchAll(JA_TYPED_AFTER)) {
    const t = tokenBefore(w.f, m.index);
    if (!t || !isFree(w, t.start, t.end) || !strongSecret(t.core)) continue;
    // 「IDをtaro2024に変えた」, 「IDにtaro2024って入れた」: the slot names what it is — an ID, a name, a model — no secret.
    if (changedNotSecret(w.f, t.start)) continue;
    mask(w, t.start, t.end, 'password');
  }
  for (const m of w.f.matchAll(EN_TYPED_AFTER)) {
    const t = tokenBefore(w.f, m.index);
    if (t && isFree(w, t.start, t.end) && strongSecret(t.core)) mask(w, t.start, t.end, 'password');
  }
  for (const m of w.f.matchAll(INTRO_BEFORE)) {
    const t = tokenAt(w.f, m.index + m[0].length);
    // "I typed taro2024 as the username": the words after the value name what it was typed as.
    if (t && isFree(w, t.start, t.end) && strongSecret(t.core) && !EN_AS_NOT_SECRET.test(w.f.slice(t.end, t.end + 32))) mask(w, t.start, t.end, 'password');
  }
  // "I changed my password to hunter": one word that ends the clause after "changed my password to" is the new
  // value, letters only too ("… to fix it", "… to the new one", "… to something else" go on or are grammar).
  for (const m of w.f.matchAll(EN_CHANGED_TO)) {
    const t = tokenAt(w.f, m.index + m[0].length);
    if (!t || !isFree(w, t.start, t.end) || PASSPHRASE_STOP.has(t.core.toLowerCase()) || !lenientSecret(t.core)) continue;
    const after = w.f.slice(t.end, t.end + 24);
    // "… to match", "… to fix this": a verb after "to" says why it was changed (slotValue), not what to.
    if (lettersOnly(t.core) ? !slotValue(t.core, after) : EN_CLAUSE_GOES_ON.test(after)) continue;
    mask(w, t.start, t.end, 'password');
  }
  introducedSlots(w);
  describedValues(w);
}

/**
 * The value after what it is made of (sec-28 audit): 「パスワードは犬の名前のポチ」, 「パスワードは犬の名前（ポチ）です」,
 * 「パスワードは8文字でsunflower」, "my password is my dog's name (rex)", "my password is the same as before: sunflower";
 * and a label with who gave or uses it before "is": "the new password they gave me is Xy7pq", "the password I use is
 * sunflower"; "I use sunflower as my password". The description must say what the value is made of (a name, a birthday,
 * a count of characters, "the same as"), so 「パスワードは正しい、Gmailは…」 and "my password is correct, Outlook …" stay.
 */
const JA_DESCRIBED = new RegExp(
  `(?:${JA_LABEL})[ \\t]*(?:は|:|=|って)[ \\t]*[^\\n。.!?]{0,16}?(?:名前|なまえ|誕生日|ペット|好きな[^\\n。、,]{1,6}|と同じ|文字|から始まる)(?:の|で|\\(|、|,|:|は)?[ \\t]*`,
  'gi',
);
const EN_DESCRIBED =
  /(?<![A-Za-z])(?:password|passcode|pw)\s+(?:is|was)\s+(?:(?:my|the|our|his|her)\s+[A-Za-z' ]{0,24}?(?:name|birthday|nickname|surname)|the\s+same\s+as\s+(?:before|always|the\s+old\s+one)|all\s+(?:lowercase|uppercase|caps))\s*(?:[,:(]|-)\s*["'“(]?/gi;
const EN_LABEL_WHO =
  /(?<![A-Za-z])(?:password|passcode|pw)\s+(?:they|you|he|she|i|we|it|support)\s+(?:gave|sent|set|use|used|chose|picked|typed|entered|made|created|emailed|texted)(?:\s+(?:me|us|him|her))?\s+(?:is|was)\s+["'“]?/gi;
const EN_USE_AS = /(?<![A-Za-z])(?:use|used|using|chose|picked|set|have|had|typed|typing|entered|entering|tried|trying|put)\s+["'“]?([A-Za-z0-9!-~]{3,32}?)["'”]?\s+as\s+(?:my|the|our)\s+(?:new\s+|old\s+)?(?:password|passcode|pw)(?![A-Za-z]|\s*(?:manager|app|vault|keeper|generator|hint|field|box|reset))/gi;

/** A word that may be a value: not grammar, an ordinary word, a description, a time word or a verb (see slotValue). */
function plainValue(core: string): boolean {
  if (!lenientSecret(core)) return false;
  if (!lettersOnly(core)) return true;
  const lower = core.toLowerCase();
  return !(PASSPHRASE_STOP.has(lower) || SLOT_DESCRIPTION.has(lower) || SLOT_TIME.has(lower) || SLOT_HEDGE.has(lower) || verbForm(lower));
}

function describedValues(w: Work): void {
  for (const m of w.f.matchAll(JA_DESCRIBED)) {
    const pos = m.index + m[0].length;
    const bracket = w.f[pos - 1] === '(' || /\([ \t]*$/.test(m[0]);
    if (bracket) {
      const close = w.f.slice(pos, pos + 34).indexOf(')');
      const content = close > 0 ? w.f.slice(pos, pos + close) : '';
      if (content && !/\n/.test(content) && isFree(w, pos, pos + close) && !UI_WORDS.test(content) && !KANA_GRAMMAR.test(content) && !KATAKANA_NOT_VALUE.test(content) && !/^\d+(?:文字|桁)?$/.test(content)) {
        mask(w, pos, pos + close, 'password');
      }
      continue;
    }
    const kana = kanaValueEnd(w.f, pos, 'copula');
    if (kana > pos && isFree(w, pos, kana)) {
      mask(w, pos, kana, 'password');
      continue;
    }
    const t = tokenAt(w.f, pos);
    if (t && t.start === pos && isFree(w, t.start, t.end) && plainValue(t.core) && !/^\d+$/.test(t.core) && !EN_CLAUSE_GOES_ON.test(w.f.slice(t.end, t.end + 24))) mask(w, t.start, t.end, 'password');
  }
  for (const re of [EN_DESCRIBED, EN_LABEL_WHO]) {
    for (const m of w.f.matchAll(re)) {
      const t = tokenAt(w.f, m.index + m[0].length);
      if (!t || !isFree(w, t.start, t.end) || !plainValue(t.core)) continue;
      if (lettersOnly(t.core) && EN_CLAUSE_GOES_ON.test(w.f.slice(t.end, t.end + 24))) continue;
      mask(w, t.start, t.end, 'password');
    }
  }
  for (const m of w.f.matchAll(EN_USE_AS)) {
    const v = m[1] ?? '';
    const start = m.index + m[0].indexOf(v, m[0].search(/\s/));
    if (plainValue(v) && isFree(w, start, start + v.length)) mask(w, start, start + v.length, 'password');
  }
}

/**
 * 「新しいのは」, 「前のは」, 「変更後は」, "the new one is" and "changed it to": a value introduced without a digit (rob-25). Hiragana after
 * 「新しいのは」 on the terms of 「パスワードは」 (KANA_RUN: at the clause end, not grammar); katakana and a letters-only word
 * only when the message names a password (「新しいのはアンドロイドです」, "the new one is Gmail" name a phone and a service).
 */
/** sec-31: a correction (「正しくは」, 「本当は」, "I meant", "the right one is") introduces the value it corrects. */
const JA_INTRO = /(?:新しい(?:の|方|ほう)|新パス(?:ワード)?|(?:今|前|古い|元|以前|最初)の|変更(?:後|前)の?|変えたの|正しく|正しいの|本当|ほんと|ほんとう|正解|実際)(?:は|が)[ \t]*(?:[:=][ \t]*)?/g;
const EN_INTRO = /(?<![A-Za-z])(?:(?:new|old|current|previous|correct|right|real)\s+one\s+(?:is|was)|(?:changed|set|reset|updated|switched)\s+it\s+to|i\s+mean(?:t)?(?:\s+to\s+(?:say|type|write))?|it\s+is\s+actually|it'?s\s+actually|actually\s+it'?s)\s+["'“]?/gi;
/**
 * sec-33: an apology for the value said before, then the right one, with no 「正しくは」: 「さっきのは間違いでhunter22です」,
 * 「さっきのは打ち間違いです。hunter22です」, 「間違えました、hunter22です」, 「訂正です、ほしぞらです」; "sorry, typo: hunter23",
 * "that was a typo, it's hunter23", "wrong one, it's hunter23". Read only once the conversation is about a password (or the
 * message names one), like JA_INTRO. Up to the sentence's end and one more: 「間違いです。hunter22です」.
 */
const JA_APOLOGY =
  /(?:(?:さっき|先ほど|さきほど|前|上|最初)の(?:は|が|も)?[ \t]*(?:打ち)?(?:間違い|まちがい|誤り|あやまり|ミス|違い|ちがい)(?:で(?:した|す)?|だった)?|(?:さっき|先ほど|さきほど|上|最初)の(?:は|が)[ \t]*(?:(?:古い|ふるい|前の|昔の|以前の|別の|違う|ちがう)(?:ほう|方|やつ|の|パスワード|パス)|前の|昔の|以前の|別の|違うの)(?:で(?:した|す)?|だった|です)|(?:打ち)?(?:間違え|まちがえ)(?:ました|た|てました|ていました|てた)|(?:打ち|入力)(?:間違い|まちがい|ミス)(?:で(?:した|す)?|だった)?|訂正(?:です|します)?)[ \t]*[、。,.!！:：]?[ \t]*(?:すみません|すいません|ごめんなさい|失礼しました)?[ \t]*[、。,.!！]?[ \t]*/g;
const EN_APOLOGY =
  /(?<![A-Za-z])(?:typo|wrong\s+one|my\s+mistake|mistyped(?:\s+it)?|misspelled(?:\s+it)?|(?:that|this|it)(?:\s+was|\s+is|'s)\s+(?:the|my|an)\s+(?:old|older|previous|former|other)\s+(?:one|password|pw|pass))\s*[,.;:!-]*\s*(?:(?:it'?s|it\s+is|the\s+(?:right|correct)\s+one\s+is|should\s+be|it\s+should\s+be)\s+)?["'“]?/gi;

/** sec-31: after a correction's value, the one it replaces — 「hunter22じゃなくてhunter23」, "I meant hunter22 not hunter21". */
const CORRECTED_PAIR = /(?:じゃなくて|ではなくて|じゃなく|ではなく|(?<![A-Za-z])not|(?<![A-Za-z])instead\s+of)[ \t]*["'“「]?/gi;

function introducedSlots(w: Work): void {
  SCOPE_LABEL.lastIndex = 0;
  const named = w.topic || SCOPE_LABEL.test(w.f);
  SCOPE_LABEL.lastIndex = 0;
  for (const m of w.f.matchAll(JA_INTRO)) {
    const pos = m.index + m[0].length;
    const own = /^(?:新しい|新パス)/.test(m[0]);
    if (!named && !own) continue;
    if (quotedValue(w, pos, named) !== null) continue;
    // Katakana only after `:` (「新しいのは：ホシゾラ」) or when the conversation is about a password (passwordTopic:
    // 「ドコモメールの新しいのはホシゾラ」): 「新しいのはアンドロイドです」 names the new phone (a name of KANA_NAMES is kept anyway).
    const end = kanaValueEnd(w.f, pos, (/[:=]/.test(m[0]) && named) || w.topic);
    if (end > pos && isFree(w, pos, end)) {
      mask(w, pos, end, 'password');
      continue;
    }
    if (!named) continue;
    const t = tokenAt(w.f, pos);
    if (t && t.start === pos && isFree(w, t.start, t.end) && !PASSPHRASE_STOP.has(t.core.toLowerCase()) && lenientSecret(t.core)) {
      mask(w, t.start, t.end, 'password');
    }
  }
  if (!named) return;
  for (const m of w.f.matchAll(EN_INTRO)) {
    const t = tokenAt(w.f, m.index + m[0].length);
    if (t && isFree(w, t.start, t.end) && (slotValue(t.core, w.f.slice(t.end, t.end + 24)) || strongSecret(t.core))) mask(w, t.start, t.end, 'password');
  }
  // Most texts hold no apology: a scan for its words first (the full pattern tries its alternatives at every character).
  const jaApology = ['間違', 'まちが', 'ミス', '誤り', 'あやまり', '違い', 'ちがい', '訂正', '古い', 'ふるい', '前の', '昔の', '以前の', '別の', '違う', 'ちがう'].some((x) => w.f.includes(x));
  for (const m of jaApology ? w.f.matchAll(JA_APOLOGY) : []) {
    const pos = m.index + m[0].length;
    if (pos >= w.f.length || quotedValue(w, pos, true) !== null) continue;
    const end = kanaValueEnd(w.f, pos, w.topic || 'copula');
    if (end > pos && isFree(w, pos, end)) {
      mask(w, pos, end, 'password');
      continue;
    }
    const t = tokenAt(w.f, pos);
    if (!t || t.start !== pos || !isFree(w, t.start, t.end)) continue;
    const after = w.f.slice(t.end, t.end + 8);
    const value = /^\d+$/.test(t.core) ? t.core.length >= 4 && !COUNTED.test(after) : !PASSPHRASE_STOP.has(t.core.toLowerCase()) && lenientSecret(t.core);
    // The value ends its clause: 「hunter22です」, 「hunter22。」, not 「Gmailで試したら」 (an ordinary word is kept anyway).
    if (value && KANJI_VALUE_END.test(after.replace(/^(?:でした|です|だよ|だった|だ)/, '')) ) mask(w, t.start, t.end, 'password');
  }
  for (const m of /typo|wrong|mistake|mistyped|misspelled|old|previous|former|other/i.test(w.f) ? w.f.matchAll(EN_APOLOGY) : []) {
    const t = tokenAt(w.f, m.index + m[0].length);
    if (t && isFree(w, t.start, t.end) && (strongSecret(t.core) || (/(?:it'?s|is|be)\s+["'“]?$/i.test(m[0]) && slotValue(t.core, w.f.slice(t.end, t.end + 24))))) mask(w, t.start, t.end, 'password');
  }
  // A password-shaped value on either side of 「じゃなくて」 / "not": the right one and the wrong one are both guesses.
  for (const m of w.f.matchAll(CORRECTED_PAIR)) {
    const before = tokenBefore(w.f, m.index);
    if (before && isFree(w, before.start, before.end) && strongSecret(before.core)) mask(w, before.start, before.end, 'password');
    const after = tokenAt(w.f, m.index + m[0].length);
    if (after && isFree(w, after.start, after.end) && strongSecret(after.core)) mask(w, after.start, after.end, 'password');
  }
}

/** "changed my password to", "set the password to": the change, then its new value ("changed it to 587" is a port). */
const EN_CHANGED_TO =
  /(?<![A-Za-z])(?:(?:changed|set|reset|updated|switched)\s+(?:my|the|our)\s+(?:(?:mail|email|e-mail|icloud|gmail|account)\s+)?(?:password|pw|pass|passcode)|(?:password|passcode|pw)\s+(?:was|is|has\s+been|got)\s+(?:changed|set|reset|updated|switched))\s+to\s+["'“]?/gi;
/** After the value: more words of the same clause ("to fix it", "to something else"), not a clause end or "and …". */
const EN_CLAUSE_GOES_ON = /^[ \t]+(?!(?:and|but|so|yesterday|today|now|last|this|earlier|recently|then|because|on|at|since|after|before|which|though)(?![A-Za-z]))[A-Za-z]/i;

/**
 * A message that is nothing but one token shaped like a password: 「Qz81hh2Lw」 sent on its own right after
 * 「パスワードを変えました」 or "which password?". Redaction reads one message at a time and the bot never asks for a
 * bare value of that shape, so the message being that value alone is the context (kept shapes still survive:
 * models, versions, hosts, error codes, ticket numbers).
 */
function loneValue(w: Work): void {
  if (w.f.length > 96) return;
  const m = /^(\s*[「『“]?)([!-~]{6,80})[」』”]?\s*$/.exec(w.f);
  if (!m?.[2]) return;
  const start = m[1]!.length;
  const t = trimToken(w.f, start, start + m[2].length);
  // A digit too: words glued by punctuation ("Ok,thanks.", "yes/no") are a sentence, not a value.
  if (!t || !isFree(w, t.start, t.end) || !hasDigit(t.core) || !strongSecret(t.core)) return;
  // A device and its model alone ("MacBook2020") answers "which device?"; with a symbol typed on ("MacBook2020!") or
  // right after a password label ("パスワードは MacBook2020") it is still masked — only this rule, without context, lets it be.
  if (isDeviceModel(t.core) && !REAL_SYMBOL.test(m[2])) return;
  mask(w, t.start, t.end, 'password');
}

/** What may follow a device name in a model: an edition and a number or year ("Air2020", "12C", "15ProMax"). */
const MODEL_AFTER_NAME =
  /^(?:[-_]?(?:air|pro|max|mini|plus|ultra|lite|se|fe|neo|note|sense))*[-_]?[a-z]?\d{1,4}[a-z]?(?:[-_]?(?:air|pro|max|mini|plus|ultra|lite|fe|neo))*$/i;

/**
 * A device of domain.yaml's `device` entity followed by a model number or year: "MacBook2020", "iMac2019",
 * "Redmi12C". The names are data (DEVICE_NAMES, generated from domain.yaml), so a device added there is kept here too.
 */
function isDeviceModel(core: string): boolean {
  const lower = core.toLowerCase();
  const name = DEVICE_NAMES.find((n) => lower.startsWith(n));
  return name !== undefined && MODEL_AFTER_NAME.test(lower.slice(name.length));
}

/** Tokens no ordinary text has: `Pa55word!x`, `Tr0ub4dor&3` — anywhere. */
function unmistakable(w: Work): void {
  ASCII_RUNS.lastIndex = 0;
  for (let r = ASCII_RUNS.exec(w.f); r; r = ASCII_RUNS.exec(w.f)) {
    if (r[0].length < 8 || r[0].length > 80) continue;
    const t = trimToken(w.f, r.index, r.index + r[0].length);
    if (t && isFree(w, t.start, t.end) && unmistakableSecret(t.core)) mask(w, t.start, t.end, 'password');
  }
}

const OTP_CONTEXT =
  /認証コード|確認コード|セキュリティコード|検証コード|ワンタイム|認証番号|確認番号|暗証番号|[2二]段階認証|[2二]ステップ|[2二]要素|\bSMS\b|ショートメ|verification|security code|one[- ]?time|login code|sign[- ]?in code|\botp\b|\b2fa\b|two[- ](?:factor|step)|\bmfa\b|コード|\bcodes?\b|\bpin\b|passcode/i;
/** Codes that are not secrets and that help-desk staff need (「エラーコード 0x800CCC0E」, status code 535). */
const OTP_EXCLUDED = /エラー\s*コード|エラー番号|ステータス\s*コード|郵便|QR\s*コード|バー\s*コード|error\s*code|status\s*code|zip\s*code|postal\s*code|qr\s*code|bar\s*code/gi;

/**
 * Labels of a short number that is a secret: a PIN (暗証番号, パスコード, PINコード) or a one-time code (認証コード,
 * "the code they sent"). Error, status, QR and postal codes are not among them (OTP_EXCLUDED is checked too).
 */
const NUMBER_LABEL =
  'パスワード|暗証番号|パスコード|PIN(?:コード|番号)|認証コード|確認コード|認証番号|確認番号|検証コード|ログインコード|ワンタイム(?:パスワード|コード)?|' +
  '(?<![A-Za-z])(?:(?:verification|security|login|sign[- ]?in|one[- ]?time|2fa|otp|confirmation|access)[ \\t]+code|passcode|pin|' +
  '(?:the|a|my|that)[ \\t]+(?:\\d{1,2}[ -]?digit[ \\t]+|(?:new|last|latest|first|sms|text|email|e-mail)[ \\t]+)?code(?:[ \\t]+(?:they|it|you|google|apple|microsoft)[ \\t]+(?:sent|texted|gave)(?:[ \\t]+(?:me|us))?)?)(?![A-Za-z])';
/** A count said between the label and the number: 「暗証番号4桁は」, 「暗証番号（4桁）は」, 「4桁で」, "(6 digits)". */
const DIGIT_COUNT = '[(（]?\\d{1,2}[ \\t]*(?:桁|ケタ|けた|digits?)[)）]?';
const NUMBER_AFTER_LABEL = new RegExp(
  // Every optional part starts with a character that is not a space, so no two runs of spaces meet (linear, see the header).
  `(${NUMBER_LABEL})[ \\t]*(?:${DIGIT_COUNT}[ \\t]*)?(?:(?:[:=]|は|が|も|→|->|\\bis\\b|\\bwas\\b|\\b(?:should|must|might|would|could)[ \\t]+be\\b)[ \\t]*)?(?:、[ \\t]*)?(?:${DIGIT_COUNT}[ \\t]*(?:(?:で|の|,)[ \\t]*)?)?[「『"“']?(\\d{4,8})(?![\\d:/-]|[.,]\\d|[ \\t]?(?:${COUNT_UNITS}|yen|times?|years?|digits?))`,
  'gi',
);

/** The label at `index` is part of an error, status, QR or postal code's name (「エラーコード」, "zip code"): no secret's. */
function namesOtherCode(w: Work, index: number, label: string): boolean {
  const named = OTP_EXCLUDED.test(w.f.slice(Math.max(0, index - 8), index + label.length));
  OTP_EXCLUDED.lastIndex = 0;
  return named;
}

/** 「ワンタイムパスワード」, 「認証コード」, "the code": a one-time code; 「PINコード」, 「暗証番号」, "passcode": a PIN. */
const isOtpLabel = (label: string) => !/^pin/i.test(label) && /認証|確認|検証|ワンタイム|ログインコード|(?<![a-z])code/i.test(label);

/**
 * A PIN or a code right after its label, four digits too, with a count said in between (sec-26): 「暗証番号4桁は1234です」,
 * 「暗証番号は４桁で１２３４」, 「PINコード1234」, 「認証コード 4829」, "the code they sent is 4829". A one-time code is `otp`,
 * a PIN `password`.
 */
function numbersAfterLabel(w: Work): void {
  for (const m of w.f.matchAll(NUMBER_AFTER_LABEL)) {
    const label = m[1] ?? '';
    if (namesOtherCode(w, m.index, label)) continue;
    const digits = m[2] ?? '';
    const end = m.index + m[0].length;
    const otp = isOtpLabel(label);
    if (isFree(w, end - digits.length, end)) mask(w, end - digits.length, end, otp ? 'otp' : 'password');
    otherGuesses(w, end, otp ? 'otp' : 'password');
  }
}

/**
 * Another number in the clause after a PIN or code, not joined to it (sec-28): 「暗証番号は1234、そのあと5531も試した」,
 * 「PINは1234、ダメなら5531」, "PIN 1234 didn't work and 5531 didn't either" — a second guess, as secret as the first.
 * Up to the end of the sentence, 48 characters at most. Not a count or a year with its unit (「2回」, 「2024年」), a
 * number named as something else (「ポート1143」, "error 5531"), a version or a phone number; a year-like number
 * (1900–2099) only when said to be another try (「…も」, "too", "either", "tried").
 */
const OTHER_GUESS = new RegExp(`(?<![\\dA-Za-z./:_-])(\\d{4,8})(?![\\dA-Za-z:/_-]|[.,]\\d|[ \\t]?(?:${COUNT_UNITS}|yen|times?|years?|digits?|から|以来|頃|ごろ|以降|以前))`, 'gi');
const YEAR_LIKE = /^(?:19|20)\d\d$/;
const ANOTHER_TRY_AFTER = /^[ \t]*も|^[ \t]+(?:too|also|as[ \t]+well)(?![A-Za-z])|^[^.!?。\n]{0,24}(?<![A-Za-z])either(?![A-Za-z])/i;
const ANOTHER_TRY_BEFORE = /(?:tried|entered|typed|also|and|or|then)[ \t]+$/i;
const NOT_A_GUESS_BEFORE = /(?:since|from|until|till|in|year|ago)[ \t]+$|(?:ios|android|version|ver)[ \t]*$/i;
function otherGuesses(w: Work, from: number, kind: RedactionKind): void {
  const rest = w.f.slice(from, from + 48);
  const stop = rest.search(/[。\n!?]|\.(?:[ \t]|$)/);
  const clause = stop === -1 ? rest : rest.slice(0, stop);
  for (const g of clause.matchAll(OTHER_GUESS)) {
    const digits = g[1] ?? '';
    const before = clause.slice(Math.max(0, g.index - 12), g.index);
    const after = clause.slice(g.index + digits.length);
    if (NUMBER_NAMED_OTHER.test(before) || NOT_A_GUESS_BEFORE.test(before)) continue;
    if (YEAR_LIKE.test(digits) && !ANOTHER_TRY_AFTER.test(after) && !ANOTHER_TRY_BEFORE.test(before)) continue;
    const start = from + g.index;
    if (isFree(w, start, start + digits.length)) mask(w, start, start + digits.length, kind);
  }
}

/**
 * A PIN or code described, then given (sec-28 audit): 「暗証番号は誕生日（0723）です」, 「暗証番号は生まれ年の1960」,
 * "The PIN is my birthday, 0723" — what it is made of, then the number itself after の, a bracket or a comma. Seen on
 * pages that list PINs people choose (誕生日, 生まれ年, 語呂合わせ). A year-like number counts only after の or a bracket
 * (「…は前と同じ、2024年から」 has its unit; "the code is fine, 2024 was …" is a year).
 */
const DESCRIBED_NUMBER = new RegExp(
  `(${NUMBER_LABEL})[ \\t]*(?:は|が|:|=|って|\\bis\\b|\\bwas\\b)[ \\t]*([^\\d\\n。.!?]{1,16}?)(の|\\(|、|,|:)[ \\t]*[「『"“']?(\\d{4,8})(?![\\d:/-]|[.,]\\d|[ \\t]?(?:${COUNT_UNITS}|yen|times?|years?|digits?))`,
  'gi',
);
function describedNumbers(w: Work): void {
  for (const m of w.f.matchAll(DESCRIBED_NUMBER)) {
    const label = m[1] ?? '';
    if (namesOtherCode(w, m.index, label)) continue;
    const digits = m[4] ?? '';
    if (YEAR_LIKE.test(digits) && !/^(?:の|\()$/.test(m[3] ?? '')) continue;
    if (NUMBER_NAMED_OTHER.test(m[2] ?? '')) continue;
    const end = m.index + m[0].length;
    const otp = isOtpLabel(label);
    if (isFree(w, end - digits.length, end)) mask(w, end - digits.length, end, otp ? 'otp' : 'password');
  }
}

function oneTimeCodes(w: Work): void {
  // Google's SMS verification codes carry their own context: "G-482913".
  for (const m of w.f.matchAll(/(?<![A-Za-z0-9-])G-(\d{6})(?![\d-])/g)) mask(w, m.index + 2, m.index + m[0].length, 'otp');
  const re = /(?<![\d./-]|\d:)(\d{4,8}|\d{3}[ -]\d{3})(?![\d:/-]|[.,]\d|\s?(?:円|件|回|MB|GB|KB|通|個|日|時|分|秒|年|月|桁|文字|yen|items?|bytes?|times?|years?|digits?))/g;
  let ends: number[] | undefined;
  let i = 0;
  for (const m of w.f.matchAll(re)) {
    const end = m.index + m[0].length;
    const short = /^\d{4,5}$/.test(m[0]);
    // Four or five digits are a year, a port, a count as often: only a number said to be typed counts (below).
    if (!short) {
      const before = w.f.slice(Math.max(0, m.index - 24), m.index).replace(OTP_EXCLUDED, ' ');
      const after = w.f.slice(end, end + 16).replace(OTP_EXCLUDED, ' ');
      if (OTP_CONTEXT.test(before) || OTP_CONTEXT.test(after)) {
        mask(w, m.index, end, 'otp');
        continue;
      }
    }
    // "I entered 482913 but it says invalid code", 「4829って入れたら認証コードが違うって」 (sec-27): the code is named
    // further away — in the number's sentence, the one before or the one after — and the number was typed (a typing
    // verb right before or after it), or it has six to eight digits.
    // Or it was said to be the code (sec-28): "the code failed, it was 4829", 「コードが通らない、4829でした」, 「届いたコードは4829」.
    const before16 = w.f.slice(Math.max(0, m.index - 16), m.index);
    const after12 = w.f.slice(end, end + 12);
    if (short && !TYPED_NUMBER_BEFORE.test(before16) && !TYPED_NUMBER_AFTER.test(after12) && !(STATED_NUMBER_BEFORE.test(before16) && !STATED_GOES_ON.test(after12)) && !STATED_NUMBER_AFTER.test(after12)) continue;
    if (short && (TYPED_AS_NOT_CODE.test(w.f.slice(end, end + 32)) || NUMBER_NAMED_OTHER.test(w.f.slice(Math.max(0, m.index - 12), m.index)))) continue;
    ends ??= sentenceEnds(w.f);
    while (i < ends.length && (ends[i] ?? 0) < m.index) i++; // numbers come in order: the index only moves on
    // At most FAR characters each side, so a long text of numbers costs each of them a bounded window (linear).
    const from = Math.max(i >= 2 ? (ends[i - 2] ?? -1) + 1 : 0, m.index - FAR);
    const to = Math.min(i + 1 < ends.length ? (ends[i + 1] ?? w.f.length) + 1 : w.f.length, end + FAR);
    const window = `${w.f.slice(from, m.index)} ${w.f.slice(end, to)}`.replace(OTP_EXCLUDED, ' ');
    OTP_EXCLUDED.lastIndex = 0;
    if (OTP_CONTEXT_FAR.test(window)) mask(w, m.index, end, 'otp');
  }
}

/** How far from its number a code may be named (within its sentence, the one before and the one after), characters. */
const FAR = 160;
/** "I typed 2024 into the year field", "entered 1234 as the zip": what the number was typed as, not a code. */
const TYPED_AS_NOT_CODE = /^[ \t]+(?:as|into|in|for|on)[ \t]+(?:the[ \t]+|my[ \t]+|a[ \t]+)?(?:year|port|zip|postal|date|birth|phone|month|day|amount|price|quantity)/i;
/** A number said to be typed: "I entered 4829", "typed in 4829", 「4829って入れた」, 「4829を入力」. */
const TYPED_NUMBER_BEFORE = /(?:entered|entering|typed|typing|input|put[ \t]+in|tried|trying|punched[ \t]+in|keyed[ \t]+in)[ \t]+(?:in[ \t]+)?["'“「]?$/i;
const TYPED_NUMBER_AFTER = /^["'”」]?[ \t]*(?:って|と|を|で|も)[ \t]*(?:入れ|いれ|入力|打|うっ|試|送)/;
/**
 * A number said to be the code, not typed (sec-28): "it was 4829", "the code is 4829", 「コードは4829」, 「4829でした」 —
 * a copula before it that ends the clause after it, or a copula after it that ends the clause. The code must still be
 * named in the window (OTP_CONTEXT_FAR), and a number named as something else (NUMBER_NAMED_OTHER) is not one.
 */
const STATED_NUMBER_BEFORE = /(?:(?<![A-Za-z])(?:it|that|this|mine|which|one|code|codes)[ \t]*(?:'s|[ \t]is|[ \t]was|[ \t]were)|コード[ \t]*(?:は|が)|[:=])[ \t]*["'“「]?$/i;
const STATED_NUMBER_AFTER = /^["'”」]?[ \t]*(?:でした|です|だった|だよ|だ|って(?:出|来|き|書)|と(?:出|書))(?:[ \t]*(?:[。．.！!、,)）\n]|けど|が|のに|ね|よ|$)|(?<=[出来き書]))/;
/** "It was 2024 when the code stopped": a time said after the number, not the end of its clause. */
const STATED_GOES_ON = /^[ \t]+(?:when|since|until|till|before|after|in|on|at|ago|or[ \t]+so|years?|times?)(?![A-Za-z])/i;
/** What a number is named as, right before it, when it is no code: a port, a year, an error, a phone number, a version. */
const NUMBER_NAMED_OTHER = /(?:port|ポート|電話|tel|phone|error|エラー|ios|android|version|バージョン|西暦|year|model|型番|zip|postal|郵便|area|country|国番号|promo|coupon|クーポン|status|ステータス|qr|bar|room|部屋|ticket|order|注文)[^。!?\n]{0,6}$/i;
/**
 * A code named away from its number: a one-time code, a PIN, 2段階認証, SMS — but not "code" alone next to words that
 * make it another code (OTP_EXCLUDED is taken out first) nor a bare 「コード」 in 「コードレス」.
 */
const OTP_CONTEXT_FAR =
  /(?:届いた|届く|送られてきた|送られた|来た|きた)番号|認証コード|確認コード|セキュリティコード|検証コード|ワンタイム|認証番号|確認番号|暗証番号|パスコード|[2二]段階認証|[2二]ステップ|[2二]要素|\bSMS\b|ショートメ|verification|security code|one[- ]?time|login code|sign[- ]?in code|\botp\b|\b2fa\b|two[- ](?:factor|step)|\bmfa\b|(?<![A-Za-z])codes?(?![A-Za-z])|コード(?!レス)|\bpin\b|passcode/i;

function genericSecrets(w: Work): void {
  for (const m of w.f.matchAll(/(?<![A-Za-z0-9])[a-fA-F0-9]{32,}(?![A-Za-z0-9])/g)) {
    if (/[a-fA-F]/.test(m[0]) && /\d/.test(m[0])) mask(w, m.index, m.index + m[0].length, 'token');
  }
  for (const m of w.f.matchAll(/(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{24,}={0,2}(?![A-Za-z0-9+/_=-])/g)) {
    const s = m[0];
    const digits = (s.match(/\d/g) ?? []).length;
    const upper = (s.match(/[A-Z]/g) ?? []).length;
    const lower = (s.match(/[a-z]/g) ?? []).length;
    if (digits < 2 || upper < 2 || lower < 2) continue;
    // Random strings switch character class often; paths and CamelCase words ("Library/Mail/V10") seldom.
    let switches = 0;
    const cls = (c: string) => (/\d/.test(c) ? 'd' : /[A-Z]/.test(c) ? 'u' : /[a-z]/.test(c) ? 'l' : 's');
    for (let i = 1; i < s.length; i++) if (cls(s[i] ?? '') !== cls(s[i - 1] ?? '')) switches++;
    if (switches / s.length >= 0.45) mask(w, m.index, m.index + s.length, 'token');
  }
}

// ───────────────────────────── across two messages ─────────────────────────────

/** A message that ends on a label waiting for its value: 「パスワードは」, 「新しいのは」, "my password is", `pw:`. */
const OPEN_LABEL = new RegExp(
  `(?:${JA_LABEL}|新しい(?:の|方|ほう)|${EN_LABEL})[ \\t]*(?:[:=]|は|→|->|って|\\bis\\b|\\bwas\\b)[ \\t]*[:、,]?[ \\t]*[「『"“']?$`,
  'i',
);

/**
 * True when `text` ends on a password label with nothing after it: the person sent 「パスワードは」 and will type
 * the value in the next message, which redaction alone (one message at a time) cannot see as a password.
 */
export function opensValue(text: string): boolean {
  return OPEN_LABEL.test(fold(text.slice(-80)).trimEnd());
}

/** True when `text` names a password (a label: 「パスワード」, 「暗証番号」, "password", `pw`), whatever it says of it. */
export function namesPassword(text: string): boolean {
  SCOPE_LABEL.lastIndex = 0;
  const named = SCOPE_LABEL.test(fold(text.slice(0, 2000)));
  SCOPE_LABEL.lastIndex = 0;
  return named;
}

/**
 * A message that asks for a password (help-desk staff typing to the person, sec-27): 「新しいパスワードは？」,
 * 「パスワードを教えてください」, "What is your new password?", "send me the code". The person's next message, if a
 * value alone (valueAlone), is that password.
 */
const ASKS_VALUE = new RegExp(
  `(?:${JA_LABEL}|新しい(?:の|方|ほう)|(?:認証|確認|セキュリティ|検証|ワンタイム|ログイン|PIN)(?:コード|番号))[ \\t]*` +
    `(?:(?:は|って)[ \\t]*(?:何|なん|なに)?[ \\t]*(?:ですか|でしょうか|ですかね|か)?[ \\t]*[?？]|(?:を|も)?[ \\t]*(?:教えて|おしえて|送って|入力して|書いて|言って))` +
    // Not "don't send your password", "never tell anyone the code": the bot's own warning, and staff's.
    `|(?<![A-Za-z])(?<!(?:n't|not|never|no)[ \\t]+)(?:what(?:'s|[ \\t]+is|[ \\t]+was)|(?:send|tell|give|type)(?:[ \\t]+(?:me|us))?)[ \\t]+(?:your|the)[ \\t]+` +
    `(?:new[ \\t]+|old[ \\t]+|current[ \\t]+)?(?:${EN_LABEL}|(?:verification|security|login|sign[- ]?in|one[- ]?time|2fa)[ \\t]+code|code[ \\t]+(?:they|we|it)[ \\t]+sent)(?![A-Za-z])`,
  'i',
);

export function asksValue(text: string): boolean {
  const f = fold(text.slice(-300));
  return ASKS_VALUE.test(f) || OPEN_LABEL.test(f.trimEnd());
}

/**
 * True when `text`, sent right after a message that `opensValue`, is that value: one to four ASCII words (「hunter」,
 * 「ＡＢＣ１２３４５」, "P@ss w0rd"), optionally quoted and followed by 「です」, none of them grammar, an ordinary word
 * ("iCloud", "same", "what") or a kept shape (iOS 17.6.1, SH-51C, a host) or an e-mail address; or kana alone that is not
 * grammar (「すもももももも」, see KANA_RUN). 「わからない」, 「そのまま」, "I don't know" are not.
 */
export function valueAlone(text: string): boolean {
  const m = /^[「『"“']?([!-~]{1,64}(?: [!-~]{1,64}){0,3})[」』"”']?[ \t]*(?:です|だよ|だ|でした)?[。.!]?$/.exec(fold(text).trim());
  // Kana typed as the value (「すもももももも」), by the rule of the same value after the label in one message.
  const kana = /^[「『]?([ぁ-ゖー]{2,40})[」』]?[。.!]?$/.exec(fold(text).trim())?.[1];
  if (kana !== undefined) return kanaValueEnd(kana, 0, false) > 0;
  // Katakana or kanji alone (「ホシゾラ」, 「太郎です」, sec-27; one kanji or five and more too, sec-28), on the terms of the same value after 「パスワード：」 / 「は」.
  // Half-width too (sec-35: 「ﾎｼｿﾞﾗ」 after 「ﾊﾟｽﾜｰﾄﾞは」), judged by kanaValueEnd as its full-width form.
  const katakana = /^[「『]?([ァ-ヺー]{2,40}|[ｦ-ﾟ]{2,40})[」』]?[。.!]?$/.exec(fold(text).trim())?.[1];
  if (katakana !== undefined) return kanaValueEnd(katakana, 0, true) > 0;
  const kanji = /^[「『]?([\u4e00-\u9fff々]{1,16})[」』]?[ \t]*(?:です|だよ|だ|でした)?[。.!]?$/.exec(fold(text).trim())?.[1];
  if (kanji !== undefined) return kanjiValueEnd(kanji, 0) > 0;
  const value = m?.[1];
  if (!value || value.length < 3 || value.length > 64) return false;
  return value.split(' ').every((word) => {
    const t = trimToken(word, 0, word.length);
    if (t === null || /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/.test(t.core)) return false;
    return !PASSPHRASE_STOP.has(t.core.toLowerCase()) && !isOrdinary(t.core) && !isKeepShape(t.core);
  });
}

/** Every password label, anywhere in a text (「暗証番号」, 「パスワード」, 「PINコード」, "password", `pw`, "api key"). */
const ANY_LABEL = new RegExp(`${JA_LABEL}|(?<![A-Za-z0-9_])(?:${EN_LABEL}|${SECRET_LABEL})(?![A-Za-z0-9_])`, 'gi');

/**
 * What a redacted text says beside its secrets: the text with every mark (［伏字］, [redacted]) and every password
 * label taken out — 「ネットワーク暗証番号は［伏字］」 → 「ネットワーク は 」, "my password is [redacted]" → "my   is ".
 * Whether what is left carries anything (a symptom, an answer) is the caller's to decide; the words that do not are data.
 */
export function besideSecrets(redacted: string): string {
  let rest = redacted;
  for (const mark of Object.values(REDACTION_MARK)) rest = rest.split(mark).join(' ');
  return fold(rest).replace(ANY_LABEL, ' ');
}

/**
 * 「暗証番号を0000から1234に変えた」: the old value masked (a mark from the pass before), 「から」, then the new one made the
 * password (JA_SET_TO) — masked on the same terms as right after the label.
 */
function fromToValues(w: Work, marks: string[]): void {
  for (const m of marks) {
    if (!m) continue;
    for (let i = w.src.indexOf(m); i !== -1; i = w.src.indexOf(m, i + m.length)) {
      const from = /^[ \t]*から[ \t]*/.exec(w.f.slice(i + m.length, i + m.length + 8));
      if (!from) continue;
      const pos = i + m.length + from[0].length;
      const kana = kanaSetValueEnd(w.f, pos);
      if (kana > pos && isFree(w, pos, kana)) {
        mask(w, pos, kana, 'password');
        continue;
      }
      const t = tokenAt(w.f, pos);
      if (t && t.start === pos && isFree(w, t.start, t.end) && JA_SET_TO.test(w.f.slice(t.end, t.end + 12)) && lenientSecret(t.core)) mask(w, t.start, t.end, 'password');
    }
  }
}

/**
 * 「暗証番号は1234と4321です」, "my PIN is 1234 or 4321": the first value masked (a mark from the pass before), a joining word
 * right after it, then another number of a PIN's or code's length — the second guess is as secret as the first. Not a
 * count (「…と2024年」, COUNT_UNITS) and not a number the mark is not directly joined to (「…、そのあと5531も来た」).
 */
const ALTERNATIVE_NUMBER = new RegExp(`^[ \\t]*(?:と|か|や|または|もしくは|or|and|/|／)[ \\t]*(\\d{4,8})(?!\\d|[.:,]\\d|[ \\t]*(?:${COUNT_UNITS}))`, 'i');
function alternativeValues(w: Work, marks: string[]): void {
  for (const m of marks) {
    if (!m) continue;
    for (let i = w.src.indexOf(m); i !== -1; i = w.src.indexOf(m, i + m.length)) {
      const alt = ALTERNATIVE_NUMBER.exec(w.f.slice(i + m.length, i + m.length + 24));
      if (!alt) continue;
      const end = i + m.length + alt[0].length;
      const start = end - alt[1]!.length;
      if (isFree(w, start, end)) mask(w, start, end, 'password');
    }
  }
}

/** One pass of every rule over `text`. */
function pass(text: string, mark: string, topic: boolean): { text: string; kinds: Set<RedactionKind> } {
  const w: Work = { src: text, f: fold(text), cell: new Uint8Array(text.length), kinds: new Set(), topic };
  existingMarks(w, [REDACTION_MARK.ja, REDACTION_MARK.en, mark]);
  privateKeys(w);
  knownTokens(w); // before protect(): a JWT or token pasted inside a URL is still a token
  protect(w);
  cards(w);
  appPasswords(w); // before labels: 「アプリ用パスワード: vbnm qwer tyui zxcv」 is masked whole, not its first group
  labelledValues(w);
  formLines(w);
  sentenceLabelValues(w);
  pairValues(w);
  slashPairs(w);
  hedgedValues(w);
  passwordContext(w);
  introducedValues(w);
  fromToValues(w, [REDACTION_MARK.ja, REDACTION_MARK.en, mark]);
  alternativeValues(w, [REDACTION_MARK.ja, REDACTION_MARK.en, mark]);
  loneValue(w);
  unmistakable(w);
  numbersAfterLabel(w);
  describedNumbers(w);
  oneTimeCodes(w);
  genericSecrets(w);
  if (w.kinds.size === 0) return { text, kinds: w.kinds };
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (w.cell[i] === MASKED) {
      out += mark;
      while (i < text.length && w.cell[i] === MASKED) i++;
    } else {
      let j = i;
      while (j < text.length && w.cell[j] !== MASKED) j++;
      out += text.slice(i, j);
      i = j;
    }
  }
  return { text: out, kinds: w.kinds };
}

/**
 * Masks anything that looks like a password, an app-specific password, a card number, a one-time code or a token.
 * Idempotent: redacting redacted text changes nothing (passes repeat until one masks nothing new).
 */
export function redact(text: string, options: RedactOptions = {}): RedactResult {
  if (!text) return { text, redacted: false, kinds: [] };
  const locale: Locale = options.locale ?? (JAPANESE.test(text) ? 'ja' : 'en');
  const mark = options.mark ?? REDACTION_MARK[locale];
  const kinds = new Set<RedactionKind>();
  let current = text;
  // Masking can move a value into reach of a rule (a window, a clause end); a pass that finds nothing ends it.
  for (let round = 0; round < 4; round++) {
    const r = pass(current, mark, options.passwordTopic === true);
    if (r.kinds.size === 0) break;
    for (const k of r.kinds) kinds.add(k);
    current = r.text;
  }
  return { text: current, redacted: kinds.size > 0, kinds: [...kinds] };
}

/**
 * Redacts every string inside a JSON-like value (objects, arrays), for log fields, payloads and tickets.
 * Keys are kept; non-string leaves are returned as they are. Returns a new value.
 */
export function redactDeep<T>(value: T, options: RedactOptions = {}): { value: T; redacted: boolean } {
  let redacted = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const r = redact(v, options);
      if (r.redacted) redacted = true;
      return r.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return { value: walk(value) as T, redacted };
}
