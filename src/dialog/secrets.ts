/**
 * The engine's last line of defence against storing a secret: the pipeline and transcripts redact with
 * src/core/redact.ts, but state.errorText, collected fields and the ticket are built here, so anything that
 * looks like a password is masked before it is kept. Pure.
 */

const MASK = '[***]';

const PATTERNS: RegExp[] = [
  // 「パスワードは abc123」 — the secret must be ASCII so 「パスワードが正しくありません」 (the error text) survives.
  // 「pw: xxx」「password=…」「パス：…」「暗証番号 1234」
  /((?:パスワード|ぱすわーど|パスワ|パス|暗証番号|password|passwd|pass|pwd|pw)\s*(?:は|が|を|:|：|=|is)\s*)(?!(?:incorrect|wrong|invalid|not|correct|required|expired|rejected|failed|changed|reset|the|my|a|an|for|to|in|on|of|being)\b)([!-~]{3,})/gi,
  // App-specific password: xxxx-xxxx-xxxx-xxxx (Apple) or 16 letters in a row; spaced groups only after
  // アプリ(用)パスワード / app password, since four 4-letter English words would otherwise match.
  /\b[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}\b/gi,
  /\b[a-z]{16}\b/g,
  /((?:アプリ用?パスワード|app(?:-specific)? password)\s*(?:は|:|：|=|is)?\s*)([a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4})\b/gi,
  // One-time codes near コード/code/OTP.
  /((?:認証コード|確認コード|ワンタイム(?:パスワード)?|コード|code|otp)\s*(?:は|:|：|=|is)?\s*)(\d{4,8})\b/gi,
  // Tokens: Slack, bearer, long hex/base64.
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/g,
  /\b(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{32,}={0,2}/g,
];

/** Masks secrets; `redacted` is true when something was masked (the bot then reminds the user). */
export function maskSecrets(text: string): { text: string; redacted: boolean } {
  let out = text;
  let redacted = false;
  for (const p of PATTERNS) {
    out = out.replace(p, (...m: unknown[]) => {
      redacted = true;
      const prefix = typeof m[1] === 'string' && typeof m[2] === 'string' ? m[1] : '';
      return `${prefix}${MASK}`;
    });
  }
  return { text: out, redacted };
}
