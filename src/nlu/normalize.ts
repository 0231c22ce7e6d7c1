/**
 * Text normalisation for features and entity matching. The text people see (transcripts, tickets, the `text`
 * field of `mailmedic classify`) always stays as typed; only the model and the entity patterns see these forms.
 */

/** Longest input (UTF-16 code units) the NLU looks at. Beyond it a message is noise for intent purposes. */
export const MAX_NLU_CHARS = 2000;

const KANA_OR_KANJI = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]/;
const HIRAGANA = /[\u3041-\u309f]/;
// Wave dashes and tildes people use for long vowels (〜 U+301C, ～ U+FF5E, ~, ∼ U+223C, 〰).
const TILDES = /[~\u301c\uff5e\u223c\u3030]/g;
// Dashes typed instead of ー inside katakana words (メ-ル, サ―バ―).
const DASH_IN_KATAKANA = /(?<=[\u30a1-\u30fa\u30fc])[-\u2010-\u2015\u2212\u30fc](?=[\u30a1-\u30fa\u30fc]|$|[^\u30a1-\u30fa])/g;

/**
 * Light normalisation: NFKC (full/half width, ﾄﾞｺﾓ → ドコモ, ＩＰｈｏｎｅ → IPhone), lower case, tilde variants
 * after Japanese → ー, whitespace collapsed and trimmed. Keeps every word recognisable; entity patterns run on it.
 */
export function normalizeLight(text: string): string {
  let s = lowerCase(text.normalize('NFKC'));
  // Each rewrite below runs only when the text has a character it would change (a plain test is cheaper than a replace
  // that rebuilds the string unchanged): the same result.
  // A tilde after kana/kanji is a stretched vowel (できない〜); elsewhere it is decoration or "about".
  if (ANY_TILDE.test(s)) s = s.replace(TILDES, (m, offset: number) => (offset > 0 && KANA_OR_KANJI.test(s[offset - 1] ?? '') ? 'ー' : ' '));
  // Only a dash that is not already ー changes anything.
  if (ANY_DASH.test(s)) s = s.replace(DASH_IN_KATAKANA, 'ー');
  // Invisible characters (zero-width space/joiner, BOM, variation selectors) carry no meaning.
  s = s.replace(/[\u200b-\u200f\u2060\ufeff\ufe00-\ufe0f]/g, '');
  // Whitespace other than single spaces (a tab, a newline, two spaces) is collapsed.
  if (ODD_SPACE.test(s)) s = s.replace(/\s+/g, ' ');
  return s.trim();
}

const ANY_TILDE = new RegExp(TILDES.source);
const ANY_DASH = /[-\u2010-\u2015\u2212]/;
const ODD_SPACE = /[^\S ]| {2}/;

/**
 * `w.toLowerCase()`, skipped for text of kana, kanji and ASCII non-capitals only (most Japanese text): those have no
 * case, and toLowerCase of a two-byte string is a slow call.
 */
export function lowerCase(w: string): string {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c < 0x41 || (c > 0x5a && c < 0x80) || (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff)) continue;
    return w.toLowerCase();
  }
  return w;
}

/** Longest input the intent features read (issue 13's cost cap); entities still read MAX_NLU_CHARS. */
export const MAX_FEATURE_CHARS = 500;

/**
 * Rewrites katakana words typed in hiragana (めーる → メール): given by the caller that has the dictionary
 * (features.ts, from kuromoji's own word list), so no word list lives here.
 */
export type KanaReader = (light: string) => string;

/**
 * Feature normalisation: light normalisation, katakana words typed in hiragana read as katakana (`kana`, see
 * features.ts), then the variation that carries no meaning is folded:
 * runs of ー and punctuation (ーーー, !!!, ？？) become one, kana runs of 3+ become one (ああああ), Latin runs of 3+
 * become two (goood → good), ー stretching hiragana is dropped (しまーす → します), a katakana word's final ー is
 * dropped (サーバー = サーバ, JIS style), a lone hiragana + ー becomes katakana (のー = ノー), spaces between
 * Japanese characters go (メール 取得 → メール取得).
 */
export function normalize(text: string, kana?: KanaReader): string {
  return normalizeFromLight(normalizeLight(text), kana);
}

/** normalize() of text whose light normalisation (normalizeLight) the caller already has. */
export function normalizeFromLight(light: string, kana?: KanaReader): string {
  let s = light;
  if (kana) s = kana(s);
  // The rules below that need a ー or a space are skipped when the text has none (most messages): same result, fewer scans.
  const bar = s.includes('ー');
  if (bar) s = s.replace(/ー{2,}/g, 'ー');
  s = s.replace(/([!?！？。、.,…・*＊♪☆★])\1+/g, '$1');
  s = s.replace(/([\u3041-\u30fa])\1{2,}/g, '$1');
  s = s.replace(/([a-z])\1{2,}/g, '$1$1');
  // One hiragana stretched by ー standing alone (のー, へー) is a katakana word typed before conversion (ノー, "no"):
  // in katakana it meets that spelling, where dropping the ー below would leave a bare particle (の).
  if (bar)
    s = s.replace(/(?<![\u3040-\u30ff\u3400-\u9fff])([\u3041-\u3096])ー(?![\u3040-\u30ff\u3400-\u9fff])/g, (m, k: string) =>
      String.fromCharCode(k.charCodeAt(0) + 0x60) + 'ー',
    );
  // ー after hiragana stretches a vowel: お願いしまーす, すごーい. Except う(ー)ん: うーん is hesitation, うん is "yes".
  if (bar) {
    s = s.replace(/ー/g, (m, offset: number) =>
      offset > 0 && HIRAGANA.test(s[offset - 1] ?? '') && !(s[offset - 1] === 'う' && s[offset + 1] === 'ん') ? '' : m,
    );
    s = s.replace(/[\u30a1-\u30fa\u30fc]{3,}/g, (w) => (w.endsWith('ー') ? w.slice(0, -1) : w));
  }
  if (s.includes(' ')) s = s.replace(/(?<=[\u3040-\u30ff\u3400-\u9fff]) (?=[\u3040-\u30ff\u3400-\u9fff])/g, '');
  return s;
}

/** True when the text contains kana or kanji (the locale guess uses it). */
export function hasJapanese(text: string): boolean {
  return KANA_OR_KANJI.test(text);
}

/** Cuts a message to the NLU's window without splitting a surrogate pair. */
export function clip(text: string, max = MAX_NLU_CHARS): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * Forms people type for a word the desk's phrases spell one way (issue 12 § 2, vocabulary gaps): typos, short forms and
 * spellings of the same word, rewritten to the phrases' spelling. Applied to the normalised text the features read (on
 * both sides: training phrases and input), never to what people see, the entity patterns or the corpus phrase keys.
 * Each entry: a pattern of normalised text (lower case, NFKC, see normalize) and its replacement.
 */
const SPELLINGS: ReadonlyArray<readonly [RegExp, string, 'typo'?]> = [
  // Japanese: 受診 (a medical check-up) typed for 受信 (receiving); short forms of メールアドレス; Eメール = メール;
  // the iPhone in kana; ドコモ typed in hiragana before メール; ソフバン = ソフトバンク.
  [/受診/g, '受信', 'typo'],
  [/メルアド|メアド/g, 'メールアドレス'],
  [/(?<![a-z])e-?メール/g, 'メール'],
  [/アイフォーン|アイフォン|アイホン|あいふぉん|あいほん/g, 'iphone'],
  [/どこも(?=メール|めーる|メル)/g, 'ドコモ'],
  [/ソフバン(?!ク)/g, 'ソフトバンク'],
  // English: stmp = smtp; e-mail = email; recieve/recive = receive; "can't sent" = can't send; TFA, two factor = 2FA.
  [/\bstmp\b/g, 'smtp', 'typo'],
  [/\be-mail/g, 'email'],
  [/\brec(?:ie|i)v(e|es|ed|ing)\b/g, 'receiv$1', 'typo'],
  [/\b(can['’]?t|cannot|can not|couldn['’]?t|unable to|won['’]?t|not able to) sent\b/g, '$1 send', 'typo'],
  [/\btfa\b|\b(?:two|2)[- ]?factor(?: auth(?:entication)?)?\b/g, '2fa'],
];

/** Any form of SPELLINGS (the patterns joined, without the global flag). */
const ANY_SPELLING = new RegExp(SPELLINGS.map(([re]) => `(?:${re.source})`).join('|'));

/**
 * Misspellings only (受診 → 受信, recieve → receive, stmp → smtp, "can't sent" → can't send): the entries of SPELLINGS marked
 * 'typo', which mend a typo rather than spell a synonym. Answers compared with the words of a fact or a button are folded with these
 * (replies.ts foldAnswer; trial-en-29: "recieving is fine" at "Can you still receive mail?" stated no fact) — never the
 * synonyms (two factor → 2fa would make "how do I see if two factor is turned on" say the button [It's on]).
 */
const MISSPELLINGS = SPELLINGS.filter(([, , kind]) => kind === 'typo');
const ANY_MISSPELLING = new RegExp(MISSPELLINGS.map(([re]) => `(?:${re.source})`).join('|'));

/** The typos of SPELLINGS mended in lower-case text (see MISSPELLINGS). */
export function commonMisspellings(lowered: string): string {
  if (!ANY_MISSPELLING.test(lowered)) return lowered;
  let s = lowered;
  for (const [re, to] of MISSPELLINGS) s = s.replace(re, to);
  return s;
}

/** The desk's spelling of the forms of SPELLINGS in normalised text (features only; see SPELLINGS). */
export function commonSpellings(normalised: string): string {
  // One scan says whether any form is there (most messages hold none) before the replaces, each a scan of its own.
  if (!ANY_SPELLING.test(normalised)) return normalised;
  let s = normalised;
  for (const [re, to] of SPELLINGS) s = s.replace(re, to);
  return s;
}
