/**
 * The one language detector. Real text decides by its script and words; short or ambiguous input ("ok", emoji,
 * "iPhone 15", digits) says nothing, and the language in use (or the caller's fallback) stays. The NLU reports
 * its answer as `NluResult.locale`; the engine asks the same function with the conversation's current language.
 */
import { createHash } from 'node:crypto';
import { toHiragana } from 'wanakana';
import type { Locale } from '../core/index.js';
import { redact } from '../core/redact.js';
import { readDomain } from './domain.js';

/** Kana, kanji or half-width katakana. */
const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/;

/** Words that say nothing about the language (brands, tech terms, "ok"); domain.yaml's Latin synonyms are added. */
const NEUTRAL_WORDS = new Set([
  'ok', 'okay', 'k', 'ng', 'iphone', 'ipad', 'ios', 'ipados', 'android', 'mac', 'windows', 'imap', 'smtp', 'pop',
  'pop3', 'vpn', 'wifi', 'wi', 'fi', 'gmail', 'icloud', 'outlook', 'yahoo', 'docomo', 'au', 'softbank', 'rakuten',
  'ymobile', 'uq', 'ssl', 'tls', 'pro', 'max', 'plus', 'mini', 'se', 'lol', 'w', 'www', 'apple', 'id', 'mail',
  // Japanese internet providers, named alone in a Japanese conversation (「jcom」 as the answer to "which mail?" switched
  // it to English, trial-ja-29): brands, not English words.
  'jcom', 'zaq', 'ocn', 'nifty', 'biglobe', 'plala', 'sonet', 'nuro', 'eonet', 'commufa', 'asahinet', 'dion',
]);

let brands: ReadonlySet<string> | undefined;

/** Latin words that name an entity value in domain.yaml (povo, linemo, exchange …): they say nothing about the language either. */
function brandWords(): ReadonlySet<string> {
  if (!brands) {
    const words = new Set<string>();
    for (const values of Object.values(readDomain().entities))
      for (const v of Object.values(values))
        for (const syn of [...v.synonyms, ...(v.typos ?? [])]) if (typeof syn === 'string' && /^[a-z]+$/i.test(syn)) words.add(syn.toLowerCase());
    brands = words;
  }
  return brands;
}

/** Short greetings that decide the language on their own (two or three letters are otherwise too little). */
const GREETING_WORDS = new Set(['hi', 'hey', 'yo', 'thx', 'ty']);

/** Longest prefix looked at, characters. */
const WINDOW = 4000;

/**
 * Romaji Japanese (「meeru ga todokanai」, typed without an IME): words that are not neutral (brands, tech terms)
 * must all spell kana (wanakana), and one must be a particle or a verb ending no English sentence has, so "no one
 * here" or "go to" stay English.
 */
const ROMAJI_PARTICLES = new Set(['ga', 'wo', 'wa', 'ni', 'de', 'mo', 'kara', 'desu', 'masu', 'kedo', 'node', 'desuka']);
const ROMAJI_ENDING = /(?:nai|masen|masu|mashita|masita|desu|deshita|nakatta|nakute|naku|teru|teiru|tenai|temasu|mashou)$/;
const MACRON: Record<string, string> = { ā: 'aa', ī: 'ii', ū: 'uu', ē: 'ee', ō: 'ou', â: 'aa', î: 'ii', û: 'uu', ê: 'ee', ô: 'ou' };

/**
 * The text with its romaji Japanese words in hiragana (brands and tech terms kept as typed), or undefined when the
 * text does not read as romaji Japanese. A doubled a or e is a long vowel (meeru → めーる, pasuwaado → ぱすわーど):
 * the NLU's kana reader then finds the katakana word (メール, パスワード) as for typed めーる.
 */
export function romajiAsKana(text: string): string | undefined {
  // Japanese script as typed says "not romaji" before any normalising (the common case, on every message).
  if (JAPANESE.test(text.slice(0, WINDOW))) return undefined;
  const head = text.slice(0, WINDOW).normalize('NFKC').toLowerCase().replace(/[āīūēōâîûêô]/g, (c) => MACRON[c]!);
  if (JAPANESE.test(head) || !/[a-z]/.test(head)) return undefined;
  const words = head.match(/[a-z'-]+/g) ?? [];
  const own = words.filter((w) => !NEUTRAL_WORDS.has(w) && !brandWords().has(w));
  if (own.length < 2) return undefined;
  const kana = (w: string) => toHiragana(w).replace(/(?<=[あかさたなはまやらわがざだばぱゃ])あ|(?<=[えけせてねへめれげぜでべぺ])え/g, 'ー');
  // The cheap test first (a particle or verb ending): most English text stops here, before wanakana reads every word.
  if (!own.some((w) => ROMAJI_PARTICLES.has(w) || ROMAJI_ENDING.test(w))) return undefined;
  if (!own.every((w) => /^[\u3041-\u3096ー]+$/.test(toHiragana(w)))) return undefined;
  return head.replace(/[a-z'-]+/g, (w) => (NEUTRAL_WORDS.has(w) || brandWords().has(w) ? w : kana(w)));
}

/** The language the text itself is written in, or undefined when it does not tell. */
export function textLocale(text: string): Locale | undefined {
  const head = text.slice(0, WINDOW).normalize('NFKC');
  if (JAPANESE.test(head)) return 'ja';
  if (romajiAsKana(head) !== undefined) return 'ja';
  if (!saysEnglish(head)) return undefined;
  // A secret is no word of a language: an app password typed alone ("abcd efgh ijkl mnop") is four Latin words to the
  // count above, and answering it switched a Japanese conversation to English. Only text that reads English pays this.
  return englishBesideSecrets(head);
}

/**
 * The last texts read English beside their secrets, and the answer (sec-27). One turn asks about the same text two or
 * three times — the NLU on the text as the transcript keeps it (the typed text when it holds no secret, as most do),
 * the engine on the typed text, twice on a first message — and redact() is most of the cost of an English message
 * here (≈ 75 µs against ≈ 10 µs for the rest). redact() is pure, so the answer for a text is the same every time.
 * The texts are kept by a digest, not as typed: this module map must not hold the password a message may carry.
 */
const englishSeen = new Map<string, Locale | undefined>();
const ENGLISH_SEEN_MAX = 8;

function englishBesideSecrets(head: string): Locale | undefined {
  const key = createHash('sha256').update(head).digest('base64');
  if (englishSeen.has(key)) return englishSeen.get(key);
  const r = redact(head, { mark: '*' });
  const locale: Locale | undefined = !r.redacted || saysEnglish(r.text) ? 'en' : undefined;
  if (englishSeen.size >= ENGLISH_SEEN_MAX) englishSeen.delete(englishSeen.keys().next().value as string);
  englishSeen.set(key, locale);
  return locale;
}

/** Two Latin words, or one of four letters or a greeting, that are not brands or tech terms. */
function saysEnglish(head: string): boolean {
  // Letters glued to digits ("Qz81hh2Lw", "abc123", "SH51C") are codes, passwords and models, not words of a language.
  const words = (head.toLowerCase().match(/(?<![a-z0-9])[a-z]+(?![a-z0-9])/g) ?? []).filter((w) => !NEUTRAL_WORDS.has(w) && !brandWords().has(w) && w.length > 1);
  // 「Hi」 alone as a first message is English too: a greeting is the most common opener.
  return words.length >= 2 || words.some((w) => w.length >= 4 || GREETING_WORDS.has(w));
}

/**
 * Words only a sentence of English has (pronouns, articles, auxiliaries, negations, prepositions, the verbs of a
 * reply). A conversation in Japanese turns English only on a sentence that holds one of them: a reply of model and
 * app names (「Android 13、Thunderbird」, "Galaxy S23, K-9", apps-34) is no English, however many Latin words it has.
 * Contractions are split at the apostrophe by the word reader ("doesn't" → "doesn"), so their heads are listed.
 */
const SENTENCE_WORDS = new Set([
  'i', 'im', 'ive', 'me', 'my', 'mine', 'you', 'your', 'we', 'our', 'us', 'they', 'their', 'them', 'he', 'she', 'his',
  'her', 'it', 'its', 'this', 'that', 'these', 'those', 'there', 'here', 'a', 'an', 'the', 'is', 'are', 'was', 'were',
  'be', 'been', 'am', 'do', 'does', 'did', 'done', 'have', 'has', 'had', 'can', 'could', 'will', 'would', 'should',
  'shall', 'may', 'might', 'must', 'not', 'no', 'yes', 'never', 'nothing', 'none', 'doesn', 'don', 'didn', 'isn',
  'aren', 'wasn', 'weren', 'won', 'cannot', 'cant', 'dont', 'doesnt', 'didnt', 'isnt', 'wont', 'haven', 'hasn',
  'couldn', 'wouldn', 'shouldn', 'to', 'of', 'in', 'on', 'at', 'for', 'with', 'from', 'by', 'about', 'into', 'and',
  'but', 'or', 'so', 'if', 'because', 'what', 'why', 'how', 'when', 'where', 'which', 'who', 'still', 'again', 'yet',
  'already', 'now', 'just', 'only', 'too', 'also', 'please', 'thank', 'thanks', 'sorry', 'work', 'works', 'working',
  'worked', 'get', 'got', 'use', 'using', 'used', 'try', 'tried', 'same', 'talk', 'want', 'need', 'help', 'fixed',
  'broken', 'receive', 'send', 'sent',
]);

/** The Latin words of the text that are not brands or tech terms, one letter kept only for "I" and "a". */
function ownLatinWords(head: string): string[] {
  return (head.toLowerCase().match(/(?<![a-z0-9])[a-z]+(?![a-z0-9])/g) ?? []).filter((w) => !NEUTRAL_WORDS.has(w) && !brandWords().has(w) && (w.length > 1 || w === 'i' || w === 'a'));
}

/** Two or more Latin words, one of them a word only a sentence has ("still the same", "I use K-9"). */
function readsEnglishSentence(head: string): boolean {
  const words = ownLatinWords(head);
  return words.length >= 2 && words.some((w) => SENTENCE_WORDS.has(w));
}

/**
 * Whether a text in `to` changes a conversation held in the other language. To English: only an English sentence
 * (a reply of model and app names in a Japanese conversation stays Japanese). To Japanese: Japanese script or romaji,
 * unless it stands inside an English sentence (an English reply quoting the phone's Japanese error text stays English).
 */
function switches(text: string, to: Locale): boolean {
  const head = text.slice(0, WINDOW).normalize('NFKC');
  return to === 'en' ? readsEnglishSentence(head) : !readsEnglishSentence(head);
}

/**
 * The conversation's language after `text`: the text's own when it tells (and, in a conversation already held in
 * the other language, when it is a sentence of it — see `switches`), else `current` (the language in use), else
 * `fallback` (the channel's user locale or DEFAULT_LOCALE).
 */
export function detectLocale(text: string, current: Locale | undefined, fallback: Locale): Locale {
  const said = textLocale(text);
  if (said === undefined) return current ?? fallback;
  if (current === undefined || said === current) return said;
  return switches(text, said) ? said : current;
}
