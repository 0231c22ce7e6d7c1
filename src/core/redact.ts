/**
 * Redaction of secrets in free text: passwords, app-specific passwords, one-time codes and tokens.
 * Pure and dependency-free, so transcripts, logs, tickets and notifications all share it.
 *
 * The hard part is what must survive: the guide's error texts talk about passwords all the time
 * (「IMAPアカウントのパスワードが正しくありません」), and help-desk staff need ports (993/587), OS versions (iOS 18.1),
 * model numbers (SH-51C), dates, hostnames (imap.mail.me.com), e-mail addresses and error codes. So every rule
 * looks for a *value* next to a *label* or a shape no ordinary text has, and URLs and e-mail addresses are set
 * aside before the shape rules run (only secret-named query parameters inside a URL are masked).
 */
import type { Locale } from './types.js';

/**
 * What replaces a secret. These two marks are a data format (they end up in tickets and transcripts and are
 * grepped for), not a sentence, which is why they live here rather than in locales/.
 */
export const REDACTION_MARK: Readonly<Record<Locale, string>> = { ja: '［伏字］', en: '[redacted]' };

export type RedactionKind = 'password' | 'app_password' | 'otp' | 'token' | 'private_key';

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
}

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/;

/** Printable ASCII and full-width ASCII: what a typed password is made of. */
const VALUE = '[!-~\\uFF01-\\uFF5E]';

// Longest alternatives first: 「パスワード」 must not be read as 「パス」 + 「ワード」.
const JA_PASSWORD_LABEL = 'アプリ用パスワード|アプリパスワード|パスワード|ぱすわーど|パスコード|暗証番号|パスワ|パス';
const EN_PASSWORD_LABEL = 'app[- ]?specific[- ]password|app[- ]password|password|passwd|passcode|pass|pwd|pw|pin';
const SECRET_LABEL =
  'api[_-]?key|apikey|client[_-]?secret|secret[_-]?key|secret|access[_-]?token|refresh[_-]?token|auth[_-]?token|token|private[_-]?key|シークレット|トークン|APIキー';

/**
 * Words that follow 「パスワードは」/「password is」 in ordinary sentences. A value equal to one of these is not a
 * secret (「パスワードは iCloud のものです」, "password is incorrect").
 */
const ORDINARY_VALUES = new Set(
  [
    'icloud', 'gmail', 'outlook', 'yahoo', 'docomo', 'au', 'softbank', 'rakuten', 'ymobile', 'uq', 'imap', 'smtp',
    'pop', 'pop3', 'ok', 'ng', 'id', 'apple', 'appleid', 'iphone', 'ipad', 'android', 'mac', 'windows', 'wifi',
    'wi-fi', 'vpn', 'ssl', 'tls', 'sms', '2fa', 'otp', 'mail', 'email', 'e-mail', 'face', 'faceid', 'touchid',
    'incorrect', 'wrong', 'invalid', 'correct', 'required', 'expired', 'rejected', 'failed', 'changed', 'change',
    'reset', 'update', 'updated', 'not', 'the', 'my', 'a', 'an', 'for', 'to', 'in', 'on', 'of', 'and', 'or',
    'again', 'field', 'same', 'manager', 'entered', 'saved', 'set', 'new', 'old', 'both', 'yes', 'no', 'none',
    'unknown', 'forgot', 'forgotten', 'lost', 'ios',
  ].map((w) => w.toLowerCase()),
);

/** Secret-named query parameters inside URLs. */
const SECRET_PARAM = /^(?:.*token|.*secret|.*password|passwd|pwd|pass|.*key|sig|signature|code|auth|otp|session)$/i;

const OTP_CONTEXT =
  /認証コード|確認コード|セキュリティコード|検証コード|ワンタイム|認証番号|確認番号|暗証番号|verification|security code|one[- ]?time|login code|sign[- ]?in code|\botp\b|\b2fa\b|two[- ]factor|\bmfa\b|コード|\bcodes?\b|\bpin\b|passcode/i;
/** Codes that are not secrets and that help-desk staff need (「エラーコード 0x800CCC0E」, status code 535). */
const OTP_EXCLUDED = /エラー\s*コード|エラー番号|ステータス\s*コード|郵便|QR\s*コード|バー\s*コード|error\s*code|status\s*code|zip\s*code|postal\s*code|qr\s*code|bar\s*code/gi;

const APP_PASSWORD_CONTEXT = /アプリ用|アプリパスワード|アプリ固有|app[- ]?(?:specific[- ])?password|16\s*(?:桁|文字|letters|characters)/i;

interface Work {
  text: string;
  kinds: Set<RedactionKind>;
  mark: string;
}

function note(w: Work, kind: RedactionKind): string {
  w.kinds.add(kind);
  return w.mark;
}

function countMatches(s: string, re: RegExp): number {
  return (s.match(re) ?? []).length;
}

/** A value after an English word separator (is / was / whitespace) must look like a secret, not a word. */
function looksSecret(value: string): boolean {
  return value.length >= 4 && /[0-9!-/:-@[-`{-~]/.test(value);
}

function trimValue(value: string): string {
  return value.replace(/[.,;'"」』)\]}]+$/u, '');
}

/** `raw` is the value before trailing punctuation was cut: an earlier mark must not be masked again. */
function isOrdinary(value: string, raw: string): boolean {
  return ORDINARY_VALUES.has(value.toLowerCase()) || raw.startsWith(REDACTION_MARK.en);
}

/** Masks the value after a password label. `lenient` for Japanese labels and explicit separators. */
function labelled(w: Work): void {
  const ja = new RegExp(
    `(${JA_PASSWORD_LABEL})(\\s*(?:[:：=＝]|は|が|を|も|→|->)?\\s*[「『"'“]?)(${VALUE}+)`,
    'giu',
  );
  w.text = w.text.replace(ja, (whole, label: string, sep: string, raw: string) => {
    const value = trimValue(raw);
    // 「パス」 alone is too common a prefix (パスポート, コンパス) to trust without a separator.
    if (label === 'パス' && !/[:：=＝は]/.test(sep)) return whole;
    if (value.length < 3 || isOrdinary(value, raw)) return whole;
    return `${label}${sep}${note(w, 'password')}${raw.slice(value.length)}`;
  });

  const en = new RegExp(
    `(?<![A-Za-z])(${EN_PASSWORD_LABEL})(?![A-Za-z])(\\s*["']?\\s*(?:[:=：＝]|\\bis\\b|\\bwas\\b)?\\s*["'“]?)(${VALUE}+)`,
    'giu',
  );
  w.text = w.text.replace(en, (whole, label: string, sep: string, raw: string) => {
    const value = trimValue(raw);
    const explicit = /[:=：＝]/.test(sep);
    if (value.length < 3 || isOrdinary(value, raw)) return whole;
    if (!explicit && !looksSecret(value)) return whole;
    if (!explicit && sep.trim() === '' && !/\s/.test(sep)) return whole; // "password123" is one word
    return `${label}${sep}${note(w, 'password')}${raw.slice(value.length)}`;
  });

  const secret = new RegExp(
    `(?<![A-Za-z])(${SECRET_LABEL})(?![A-Za-z])(\\s*["']?\\s*[:=：＝]\\s*["']?)(${VALUE}+)`,
    'giu',
  );
  w.text = w.text.replace(secret, (whole, label: string, sep: string, raw: string) => {
    const value = trimValue(raw);
    if (value.length < 3 || isOrdinary(value, raw)) return whole;
    return `${label}${sep}${note(w, 'token')}${raw.slice(value.length)}`;
  });
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
    /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
  ];
  for (const re of rules) w.text = w.text.replace(re, () => note(w, 'token'));
  w.text = w.text.replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, (_m, p: string) => `${p}${note(w, 'token')}`);
  w.text = w.text.replace(/\b(Basic\s+)([A-Za-z0-9+/]{12,}={0,2})/gi, (whole, p: string, v: string) =>
    /[0-9=]/.test(v) ? `${p}${note(w, 'token')}` : whole,
  );
}

function appPasswords(w: Work): void {
  const context = APP_PASSWORD_CONTEXT.test(w.text);
  w.text = w.text.replace(/(?<![A-Za-z0-9])[A-Za-z]{4}-[A-Za-z]{4}-[A-Za-z]{4}-[A-Za-z]{4}(?![A-Za-z0-9])/g, () =>
    note(w, 'app_password'),
  );
  // Four spaced groups (Google shows them so) read like four English words; require the context or a group
  // without a vowel, which random letters have and English words almost never do.
  w.text = w.text.replace(/(?<![A-Za-z0-9])[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4}(?![A-Za-z0-9])/g, (m) =>
    context || m.split(' ').some((g) => !/[aeiouy]/.test(g)) ? note(w, 'app_password') : m,
  );
  // 16 letters in a row: English words that long carry 5+ vowels; random letters seldom more than 3.
  w.text = w.text.replace(/(?<![A-Za-z0-9])[a-z]{16}(?![A-Za-z0-9])/g, (m) =>
    context || countMatches(m, /[aeiouy]/g) <= 3 ? note(w, 'app_password') : m,
  );
}

function oneTimeCodes(w: Work): void {
  const re = /(?<![\d.:/\-\uFF10-\uFF19])(\d{6,8}|\d{3}[ -]\d{3})(?![\d.:/\-\uFF10-\uFF19]|\s?(?:円|件|回|MB|GB|KB|通|個|日|時|分|秒|yen|items?|bytes?))/g;
  w.text = w.text.replace(re, (m: string, _code: string, offset: number, whole: string) => {
    const before = whole.slice(Math.max(0, offset - 24), offset).replace(OTP_EXCLUDED, ' ');
    const after = whole.slice(offset + m.length, offset + m.length + 16).replace(OTP_EXCLUDED, ' ');
    return OTP_CONTEXT.test(before) || OTP_CONTEXT.test(after) ? note(w, 'otp') : m;
  });
}

function genericSecrets(w: Work): void {
  w.text = w.text.replace(/(?<![A-Za-z0-9])[a-fA-F0-9]{32,}(?![A-Za-z0-9])/g, (m) =>
    /[a-fA-F]/.test(m) && /\d/.test(m) ? note(w, 'token') : m,
  );
  w.text = w.text.replace(/(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{24,}={0,2}(?![A-Za-z0-9+/_=-])/g, (m) => {
    const digits = countMatches(m, /\d/g);
    const upper = countMatches(m, /[A-Z]/g);
    const lower = countMatches(m, /[a-z]/g);
    if (digits < 2 || upper < 2 || lower < 2) return m;
    // Random strings switch character class often; paths and CamelCase words ("Library/Mail/V10") seldom.
    let switches = 0;
    const cls = (c: string) => (/\d/.test(c) ? 'd' : /[A-Z]/.test(c) ? 'u' : /[a-z]/.test(c) ? 'l' : 's');
    for (let i = 1; i < m.length; i++) if (cls(m[i] ?? '') !== cls(m[i - 1] ?? '')) switches++;
    return switches / m.length >= 0.45 ? note(w, 'token') : m;
  });
}

/** Sets URLs and e-mail addresses aside (masking secret query parameters and userinfo passwords first). */
function protect(w: Work): string[] {
  const held: string[] = [];
  const hold = (s: string) => {
    held.push(s);
    return `\uE000${held.length - 1}\uE001`;
  };
  w.text = w.text.replace(/\bhttps?:\/\/[^\s<>"'「」『』（）()]+/gi, (url) => {
    let u = url.replace(/^(https?:\/\/[^/\s:@]+:)([^@/\s]+)(@)/i, (_m, a: string, _p: string, b: string) => `${a}${note(w, 'password')}${b}`);
    u = u.replace(/([?&#;])([^=&#\s]+)=([^&#\s]+)/g, (m, sep: string, name: string) =>
      SECRET_PARAM.test(name) ? `${sep}${name}=${note(w, 'token')}` : m,
    );
    return hold(u);
  });
  w.text = w.text.replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g, (m) => hold(m));
  return held;
}

function restore(text: string, held: string[]): string {
  return text.replace(/\uE000(\d+)\uE001/g, (_m, i: string) => held[Number(i)] ?? '');
}

/**
 * Masks anything that looks like a password, an app-specific password, a one-time code or a token.
 * Idempotent: redacting redacted text changes nothing.
 */
export function redact(text: string, options: RedactOptions = {}): RedactResult {
  if (!text) return { text, redacted: false, kinds: [] };
  const locale: Locale = options.locale ?? (JAPANESE.test(text) ? 'ja' : 'en');
  const w: Work = { text, kinds: new Set(), mark: options.mark ?? REDACTION_MARK[locale] };

  w.text = w.text.replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, () =>
    note(w, 'private_key'),
  );
  knownTokens(w); // before protect(): a JWT or token pasted inside a URL is still a token
  const held = protect(w);
  labelled(w);
  appPasswords(w);
  oneTimeCodes(w);
  genericSecrets(w);
  const out = restore(w.text, held);
  return { text: out, redacted: w.kinds.size > 0, kinds: [...w.kinds] };
}

/**
 * Redacts every string inside a JSON-like value (objects, arrays), for log fields and payloads.
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
