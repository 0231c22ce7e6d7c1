/**
 * Parsers for the hand-off ticket fields the NLU does not extract: the device model ("iPhone 15"), the OS
 * version as a fallback, when the problem started (「今朝9時から」, "since yesterday evening"), how often it
 * happens (「毎回」, "sometimes"), the error text the user quotes, and mail server settings they type
 * (host, port, SSL, auth method — never a password). Pure functions; the engine calls them on every text turn
 * so a fact given early is not asked for again at hand-off.
 *
 * These regexes are recognition patterns, not user-facing strings: what they capture is kept as the user
 * wrote it (after NFKC, so full-width digits read as digits).
 */
import type { MailServerSettings } from '../core/index.js';
import { normalise } from './replies.js';

/** What one utterance told us about the ticket fields. Absent = not mentioned. */
export interface FieldFacts {
  /** Device model as written, e.g. "iPhone 15 Pro". */
  model?: string;
  /** OS version as written, e.g. "iOS 18.1". */
  os?: string;
  /** When it started, as written, e.g. "今朝9時から". */
  occurredAt?: string;
  /** How often, as written, e.g. "毎回". */
  frequency?: string;
  /** Error text quoted by the user (「…」 or "…"), verbatim. */
  quotedError?: string;
  /** The user says there is no error text on screen (「なし」, "none"). */
  noError?: boolean;
  /**
   * The words that said so when they were one part of a longer answer (「iPhone 15、エラー表示はなし、今朝から」 → 「エラー表示はなし」):
   * what the ticket's エラー表示 holds instead of the whole line.
   */
  noErrorText?: string;
  /** The user says they do not know (「わからない」, "don't know") — the field is filed as unknown. */
  dontKnow?: boolean;
  incoming?: MailServerSettings;
  outgoing?: MailServerSettings;
}

export { normalise };

// Android makers and series people name (「Xperia 10 V」「AQUOS sense8」「Galaxy S24 Ultra」「arrows We」「Redmi Note 13」);
// the brand alone (「Xperiaで…」) is the model as far as the person told it.
const ANDROID_BRANDS = 'Pixel|Galaxy|Xperia|AQUOS|arrows|OPPO|Xiaomi|Redmi|Reno|Zenfone|motorola|moto|HUAWEI|Nokia|Fairphone|OnePlus|realme|BASIO|DIGNO|TORQUE|Libero|らくらくスマートフォン|Rakuten Hand|Rakuten BIG';
const ANDROID_SERIES = 'sense|wish|R|zero|Note|Reno|A|S|Z|Fold|Flip|We|N|Be|F|U|edge|g|Hand|BIG|Ace|Find X|Pro|Ultra|Plus|Lite|mini|Compact|Premium|Neo';
// A brand's series after 「の」 (「AQUOSのsense8」「Galaxyのs23」) only with its number, so 「Pixelのメール」 stays 「Pixel」.
const MODEL_PATTERNS: RegExp[] = [
  /\b(iPhone|iPad)\s?(?:(?:\d{1,2}|X[RS]?|SE(?:\s?[(（]?第\s?\d\s?世代[)）]?|\s?\(?\d(?:st|nd|rd|th)\s?gen(?:eration)?\)?)?)(?:\s?(?:Pro\s?Max|Pro|Plus|Max|mini|Air|e|プロ\s?マックス|プロ|プラス|ミニ))?|(?:Pro|Air|mini)(?:\s?\d{1,2}(?:\.\d)?)?(?:\s?\(?第?\d+世代\)?)?|\(?第\d+世代\)?)/i,
  new RegExp(`(?<![A-Za-z])(?:${ANDROID_BRANDS})(?:\\s?(?:${ANDROID_SERIES})?\\s?\\d{1,3}[A-Za-z]{0,3}(?:\\s?(?:Pro|Ultra|Plus|a|Lite|FE|[IVX]{1,3}|5G)\\b)*|\\s(?:${ANDROID_SERIES})\\b)?`, 'i'),
  new RegExp(`(?<![A-Za-z])(?:${ANDROID_BRANDS})\\s?の\\s?(?:${ANDROID_SERIES})\\s?\\d{1,3}[A-Za-z]{0,3}`, 'i'),
  // Shop words: 「アイフォン15」「あいふぉん14プロ」「アクオスセンス8」「ギャラクシーS23」.
  /(?:アイフォーン|アイフォン|あいふぉーん|あいふぉん|アイパッド|あいぱっど)\s?(?:\d{1,2}|SE)(?:\s?(?:プロ\s?マックス|プロ|プラス|ミニ|Pro\s?Max|Pro|Plus|mini))?/i,
  /(?:エクスペリア|ギャラクシー|アクオス|アローズ|ピクセル)(?:\s?(?:センス|ウィッシュ|ノート|エース|[A-Za-z]{1,2}|sense|wish))?(?:\s?\d{1,3}[A-Za-z]{0,2})?/i,
  // 「アクオスのセンス8」 (round 29: the model was 「アクオス」): a series after 「の」 only with its number, as above.
  /(?:エクスペリア|ギャラクシー|アクオス|アローズ|ピクセル)\s?の\s?(?:センス|ウィッシュ|ノート|エース|[A-Za-z]{1,2}|sense|wish)\s?\d{1,3}[A-Za-z]{0,2}/i,
];

/** Brands in their own spelling, longest first: "pixel 8" typed in lower case is shown back as 「Pixel 8」. */
const BRAND_SPELLINGS = ['iPhone', 'iPad', ...ANDROID_BRANDS.split('|')].sort((x, y) => y.length - x.length);

const SERIES_SPELLINGS = ANDROID_SERIES.split('|').sort((x, y) => y.length - x.length);

/** Apple's names in shop words and katakana suffixes: 「アイフォン15プロ」 → 「iPhone 15 Pro」 (what the desk looks up). */
const KANA_SPELLINGS: Array<[RegExp, string]> = [
  [/^(?:アイフォーン|アイフォン|あいふぉーん|あいふぉん)\s?/, 'iPhone '],
  [/^(?:アイパッド|あいぱっど)\s?/, 'iPad '],
  [/\s?プロ\s?マックス$/, ' Pro Max'],
  [/\s?プロ$/, ' Pro'],
  [/\s?プラス$/, ' Plus'],
  [/\s?ミニ$/, ' mini'],
];

/** The model with its brand and series spelled as the maker does ("iphone 13" → "iPhone 13", "galaxy s23" → "Galaxy S23"). */
function spellBrand(written: string): string {
  let model = written.replace(/(?<=[A-Za-z])\s?の\s?/, ' ');
  if (/^i(?:Phone|Pad)|^(?:アイ|あい)/i.test(model)) for (const [from, to] of KANA_SPELLINGS) model = model.replace(from, to).trim();
  model = model.replace(/^(iPhone|iPad)(?=\d)/i, '$1 ');
  const lower = model.toLowerCase();
  const brand = BRAND_SPELLINGS.find((b) => lower.startsWith(b.toLowerCase()));
  if (!brand) return model;
  const rest = model.slice(brand.length);
  const gap = /^\s?/.exec(rest)![0];
  const after = rest.slice(gap.length);
  const series = SERIES_SPELLINGS.find((x) => after.toLowerCase().startsWith(x.toLowerCase()) && !/^[a-z]/i.test(after.slice(x.length)));
  return brand + gap + (series ? series + after.slice(series.length) : after);
}

const OS_PATTERN = /\b(iOS|iPadOS|Android|macOS|Windows)\s?(\d{1,2}(?:\.\d{1,2}){0,2})\b/i;

const JA_DAY = '(?:今朝|けさ|今日|きょう|本日|昨日|きのう|昨晩|昨夜|一昨日|おととい|先週|せんしゅう|先月|せんげつ|今週|今月|週末|さっき|先ほど|先程|今さっき|数日前|朝|夕方|夜|月曜|火曜|水曜|木曜|金曜|土曜|日曜)';
const JA_CLOCK = '(?:(?:午前|午後)?\\s?\\d{1,2}\\s?(?:時|:\\d{2})(?:\\s?\\d{1,2}\\s?分|半)?)';
const OCCURRED_PATTERNS: RegExp[] = [
  // 「2025/11/11 10:12」「11月11日の朝から」「11/11から」
  new RegExp(`(?:\\d{4}[/年-])?\\d{1,2}[/月-]\\d{1,2}日?(?:\\s?\\(?[月火水木金土日]\\)?)?(?:の)?\\s?(?:朝|昼|夕方|夜)?\\s?${JA_CLOCK}?\\s?(?:頃|ごろ|くらい)?(?:から|以降|に|より)?`),
  // 「今朝9時から」「昨日の夜から」「先週から」「先週あたりから」「きのうから」「月曜日から」
  new RegExp(`${JA_DAY}日?(?:の)?(?:[月火水木金土日]曜日?(?:の)?)?\\s?(?:朝|昼|夕方|夜|午前|午後)?\\s?${JA_CLOCK}?\\s?(?:頃|ごろ|くらい|ぐらい|あたり|辺り|位)?(?:から|以降|より)`),
  // 「3日前から」「2時間くらい前から」
  /(?:\d+|数|[一二三四五六七八九十]+)\s?(?:分|時間|日|週間|週|か月|ヶ月|カ月|ケ月|年)\s?(?:くらい|ぐらい|ほど|以上)?前(?:くらい|ぐらい|ほど)?(?:から|より)?/,
  // 「3日以上届かない」「1週間くらい受信できない」「2日間メールが来ない」: how long it has been failing, said with the failure.
  /(?:\d+|数|[一二三四五六七八九十]+)\s?(?:時間|日|週間|か月|ヶ月|カ月|ケ月)(?:以上|間|も|くらい|ぐらい|ほど|近く|ずっと)*(?=\s?(?:メールが|メール|めーるが)?\s?(?:届か|届いてい|届いてな|来な|来てな|こない|きてな|受信でき|送信でき|送れ|使え|見れ|見られ|同期し|つながら|繋がら))/,
  // 「9時ごろから」「午後3時から」
  new RegExp(`${JA_CLOCK}\\s?(?:頃|ごろ|くらい)?(?:から|以降)`),
  // 「機種変更してから」「アップデート後から」「パスワードを変えてから」
  /(?:機種変(?:更)?|アップデート|iOS\s?(?:の)?(?:更新|アップデート)|OS\s?更新|パスワード(?:を)?変更|パスワード(?:を)?変え|設定(?:を)?変更)(?:して|した|の)?\s?(?:後|あと)?(?:から|以降)/,
  // English: "since this morning", "since 9am", "since the update", "started yesterday"
  /\b(?:since|from|starting|started|began)\s+(?:on\s+)?(?:(?:this|yesterday|last)\s+(?:morning|afternoon|evening|night|weekend|week|month)|yesterday(?:\s+(?:morning|afternoon|evening|night))?|today|the\s+weekend|the\s+(?:\w+\s+)?(?:update|upgrade|change)|(?:last\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:\s+(?:morning|afternoon|evening|night))?|last\s+\w+|\d{1,2}(?::\d{2})?\s?(?:am|pm|o'?clock)?|\d+\s+(?:minutes?|hours?|days?|weeks?|months?)\s+ago|(?:a|an|one|two|three|a few|few)\s+(?:hours?|days?|weeks?)\s+ago|(?:this|that)\s+(?:morning|evening))(?:\s+at\s+\d{1,2}(?::\d{2})?\s?(?:am|pm)?)?/i,
  /\b(?:\d+|a|an|one|two|three|a few|few)\s+(?:minutes?|hours?|days?|weeks?|months?)\s+ago\b/i,
  // "for over a week", "more than 3 days now" (how long, said as such)
  /\b(?:for\s+)?(?:over|more than|almost|nearly)\s+(?:a|an|one|two|three|four|five|\d+|a couple of|a few)\s+(?:days?|weeks?|months?)(?:\s+now)?\b/i,
  // "for several days now", "for the past two days", "over the last week" (a number of them: "I waited for hours" is not when)
  /\b(?:for|over)\s+(?:the\s+)?(?:(?:past|last)\s+)?(?:\d+|two|three|four|five|a few|few|several|a couple of)\s+(?:minutes|hours|days|weeks|months)(?:\s+now)?\b|\b(?:for|over)\s+the\s+(?:past|last)\s+(?:hour|day|week|month)\b/i,
  // 「ここ数日」「この2、3日」
  /(?:ここ|この)\s?(?:数|\d+|[一二三四五六七八九十]+|\d、\d)\s?(?:日|週間|時間)(?:くらい|ほど)?/,
  /\b(?:this morning|this afternoon|this evening|last night|yesterday(?:\s+(?:morning|afternoon|evening|night))?)(?:\s+(?:at|around)\s+\d{1,2}(?::\d{2})?\s?(?:am|pm)?)?/i,
];

// 「いつも届いていたのに」 "it always worked" tell how it was before, not how often it fails now: no frequency.
const FREQUENCY_PATTERNS: RegExp[] = [
  /(?:1|一)\s?日に?\s?(?:\d+|数|何|[一二三四五六七八九十]+)\s?回(?:くらい|ほど|程度)?/,
  /(?:\d+|数|[一二三四五六七八九十]+)\s?回に\s?(?:1|一)\s?回(?:くらい|ほど|程度)?/,
  /(?:毎回|まいかい|毎度|毎日|まいにち|いつも(?!は|通り|どおり|なら|の|届いて|来て|きて|使って|見て|見られて|受信できて|送信できて|送れて|できて)|常に|ずっと|必ず|100\s?%|絶え間なく|頻繁に|しょっちゅう|時々|ときどき|時おり|時折|たまに|まれに|稀に|たびたび|断続的に?|不定期に?|(?:朝|夜|夕方|昼)(?:だけ|のみ)|特定の時間(?:だけ)?|混雑(?:する)?時間(?:帯)?(?:だけ)?)/,
  /\b(?:every\s?(?:single\s)?time|each (?:and every )?time|always(?! (?:worked|used to|been|had|got|received|came|did)\b)|all the time|constantly|every day|daily|sometimes|occasionally|intermittently|now and then|from time to time|rarely|often|frequently|(?:once|twice|\d+\s+times|several times|a few times)\s+(?:a|an|per)\s+(?:day|hour|week))\b/i,
];

const QUOTE_PATTERN = /[「『"“]([^」』"”]{2,300})[」』"”]/;
/**
 * The screen's words without quotes, right before 「と表示される」「って出る」「とエラーが出る」 (round 29: 「iPhoneのメールで
 * パスワードが正しくありませんと表示される」; 「…、メール取得できませんって出る、おとといから」 in the hand-off form filed the whole
 * line as the ticket's エラー表示). From the clause's start; only words an error says (ません, できない, エラー, 失敗 …), so
 * 「送れないよって言われた」 (someone else's words) and 「赤いマークが出る」 stay out.
 */
const UNQUOTED_ERROR_PATTERN = /(?:^|[、。,，!！?？\n]\s*)([^、。,，!！?？\n「」『』"“”]{1,80}?(?:ません|ない|ないです|エラー|失敗(?:しました)?|無効です|拒否されました|違います))\s?(?:って|と(?![きかもはこ]))(?:いう)?\s?(?:(?:何回も|何度も|毎回|いつも|必ず|よく|また|すぐ|ずっと|たまに|ときどき|時々)\s?)?(?:表示|出[るてまたし]|エラー(?:が|に)?(?:出|表示|な)|メッセージ(?:が)?(?:出|表示))/;
/** The same in English: what follows "it says" / "shows" / "error:" to the clause's end, when an error says it ("Cannot Get Mail"). */
const UNQUOTED_ERROR_PATTERN_EN = /\b(?:it|phone|iphone|ipad|app|mail|outlook|gmail|screen|error|message|popup|pop-up) (?:says|said|shows|showed|keeps saying|displays|displayed|pops up with)\s?:?\s+(?!no\b|nothing\b|none\b)((?=[^.!?\n;,]*\b(?:cannot|can't|cant|unable|failed|fails|incorrect|invalid|not responding|denied|rejected|error)\b)[A-Za-z][^.!?\n;,]{3,80}?)\s*(?:[.!?\n;,]| (?:and|but|when|whenever|every|since|after)\b|$)/i;
const NO_ERROR_PATTERN = /^(?:なし|ない|無し|ありません|特になし|とくになし|エラー(?:表示)?(?:は)?(?:なし|無し|出ない|出ていない|出てない|ありません)|表示(?:は)?(?:なし|されない|ない)|none|no|nothing|no error(?: message)?|n\/a)[。.!！]?$/i;
/** Inside a longer answer only an explicit "no error" clause counts (a bare 「なし」 / "no" there may answer anything). */
const NO_ERROR_CLAUSE = /^(?:エラー(?:表示|メッセージ)?(?:は|も)?(?:特に|とくに)?(?:なし|無し|出ない|出ていない|出てない|ありません|出ません|ない)|(?:画面の)?表示(?:は)?(?:なし|されない|ない)|no error(?: message)?s?(?: (?:shown|on (?:the )?screen))?|no error message|there(?:'s| is) no error(?: message)?)(?:です)?[。.!！]?$/i;
const DONT_KNOW_PATTERN = /^(?:わからない|分からない|わかりません|分かりません|不明|覚えていない|覚えてない|忘れた|i don'?t know|don'?t know|not sure|unknown|no idea|dunno)[。.!！]?$/i;

const HOST_PATTERN = /\b((?:imap|pop3?|smtp|mail|mx)[a-z0-9-]*(?:\.[a-z0-9-]+)+\.[a-z]{2,})\b/gi;
const PORT_PATTERN = /(?:ポート|port)?\s?(?:番号)?\s?[:：は]?\s?\b(993|995|143|110|465|587|25|2525)\b/gi;

/** Incoming (IMAP/POP) vs outgoing (SMTP) from a host name or a port. */
function sideOfHost(host: string): 'incoming' | 'outgoing' {
  return /^smtp/i.test(host) ? 'outgoing' : 'incoming';
}
function sideOfPort(port: number): 'incoming' | 'outgoing' {
  return [993, 995, 143, 110].includes(port) ? 'incoming' : 'outgoing';
}

function firstMatch(patterns: RegExp[], text: string): string | undefined {
  let best: { at: number; text: string } | undefined;
  for (const p of patterns) {
    const m = p.exec(text);
    if (m && m[0].trim().length > 0) {
      // Prefer the earliest, then the longest match: 「昨日の夜9時から」 over 「9時から」.
      const cand = { at: m.index, text: m[0].trim() };
      if (!best || cand.at < best.at || (cand.at === best.at && cand.text.length > best.text.length)) best = cand;
    }
  }
  return best?.text;
}

/** Extracts what `text` says about the ticket fields. Never throws. */
export function parseFieldFacts(text: string): FieldFacts {
  const t = normalise(text);
  const out: FieldFacts = {};
  if (!t) return out;
  const model = firstMatch(MODEL_PATTERNS, t);
  if (model) out.model = spellBrand(model.replace(/\s+/g, ' '));
  const os = OS_PATTERN.exec(t);
  if (os) out.os = `${os[1]} ${os[2]}`;
  else if (out.model && /^i(?:Phone|Pad)/i.test(out.model)) {
    // 「iPhone 15、18.1です」: a bare dotted version next to an Apple model is the iOS version.
    const bare = /(?:^|[\s、,，(（])(1\d\.\d{1,2}(?:\.\d{1,2})?)(?![\d.])/.exec(t.replace(out.model, ''));
    if (bare) out.os = `${/^iPad/i.test(out.model) ? 'iPadOS' : 'iOS'} ${bare[1]}`;
  }
  const occurred = firstMatch(OCCURRED_PATTERNS, t);
  if (occurred) out.occurredAt = occurred;
  const freq = firstMatch(FREQUENCY_PATTERNS, t);
  if (freq) out.frequency = freq;
  const quoted = QUOTE_PATTERN.exec(text);
  if (quoted?.[1]) out.quotedError = quoted[1].trim();
  else {
    const unquoted = UNQUOTED_ERROR_PATTERN.exec(t) ?? UNQUOTED_ERROR_PATTERN_EN.exec(t);
    if (unquoted?.[1]) out.quotedError = unquoted[1].trim();
  }
  if (NO_ERROR_PATTERN.test(t)) out.noError = true;
  else {
    const clause = t.split(/[、,，;；\n]|(?<=[。.])\s*/).map((x) => x.trim()).find((x) => NO_ERROR_CLAUSE.test(x));
    if (clause) {
      out.noError = true;
      out.noErrorText = clause;
    }
  }
  if (DONT_KNOW_PATTERN.test(t)) out.dontKnow = true;

  const settings = parseSettings(t);
  if (settings.incoming) out.incoming = settings.incoming;
  if (settings.outgoing) out.outgoing = settings.outgoing;
  return out;
}

/** Host, port, SSL and auth method as the user typed them. Passwords are never read here. */
export function parseSettings(t: string): { incoming?: MailServerSettings; outgoing?: MailServerSettings } {
  const res: { incoming?: MailServerSettings; outgoing?: MailServerSettings } = {};
  const side = (s: 'incoming' | 'outgoing') => (res[s] ??= {});
  for (const m of t.matchAll(HOST_PATTERN)) {
    const host = m[1]!.toLowerCase();
    side(sideOfHost(host)).host ??= host;
  }
  for (const m of t.matchAll(PORT_PATTERN)) {
    const port = Number(m[1]);
    side(sideOfPort(port)).port ??= port;
  }
  const ssl = /(?:SSL|TLS|STARTTLS)\s?(?:[:：はを]\s?)?(オン|on|有効|使用|あり|使う|オフ|off|無効|なし|使わない)/i.exec(t);
  if (ssl && (res.incoming || res.outgoing || /受信|送信|incoming|outgoing|imap|smtp/i.test(t))) {
    const on = /オン|on|有効|使用|あり|使う/i.test(ssl[1]!);
    for (const s of ['incoming', 'outgoing'] as const) if (res[s]) res[s]!.ssl ??= on;
    if (!res.incoming && !res.outgoing) side('incoming').ssl = on;
  }
  const auth = /(?:認証(?:方式)?\s?[:：は]?\s?)(パスワード|MD5(?:チャレンジレスポンス)?|NTLM|OAuth2?|なし)|\bauth(?:entication)?(?: method)?\s?[:=]?\s?(password|md5|ntlm|oauth2?|none)\b/i.exec(t);
  if (auth) {
    const value = (auth[1] ?? auth[2])!;
    const target = /送信|smtp|outgoing/i.test(t) && !/受信|imap|incoming/i.test(t) ? 'outgoing' : 'incoming';
    side(target).auth ??= value;
  }
  return res;
}

/** The device a model name belongs to: 「iPhone 15」 → iphone, 「iPad Air」 → ipad, anything else (Pixel, Galaxy …) → android. */
export function deviceOfModel(model: string): 'iphone' | 'ipad' | 'android' {
  return /^iphone/i.test(model) ? 'iphone' : /^ipad/i.test(model) ? 'ipad' : 'android';
}
