/**
 * Authentication of /admin. Two ways in, both from ADMIN_TOKEN:
 *  - `Authorization: Bearer <ADMIN_TOKEN>` (the JSON API, scripts, and the pages too);
 *  - a session cookie set by the login form: `<expiresAtMs>.<HMAC-SHA256(token, expiresAtMs)>`, HttpOnly,
 *    SameSite=Strict, Path=/admin (Secure when served over https). Signed with the token, so changing the token
 *    logs everybody out, and nothing is stored on the server.
 * Comparisons are constant-time (over SHA-256 digests, so lengths leak nothing either).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

export const SESSION_COOKIE = 'mm_admin';
/** Session lifetime, ms: a working day. */
export const SESSION_TTL_MS = 12 * 3_600_000;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time equality of two strings. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function sign(token: string, expiresAtMs: number): string {
  return createHmac('sha256', token).update(`mailmedic-admin-session:${expiresAtMs}`).digest('base64url');
}

/** A new session value that expires `ttlMs` after `nowMs`. */
export function createSession(token: string, nowMs: number, ttlMs = SESSION_TTL_MS): { value: string; expiresAtMs: number } {
  const expiresAtMs = nowMs + ttlMs;
  return { value: `${expiresAtMs}.${sign(token, expiresAtMs)}`, expiresAtMs };
}

export type SessionCheck = 'ok' | 'missing' | 'invalid' | 'expired';

/** Checks a session cookie value against the token and the clock. */
export function checkSession(value: string | undefined, token: string, nowMs: number): SessionCheck {
  if (!value) return 'missing';
  const m = /^(\d{1,16})\.([A-Za-z0-9_-]{20,100})$/.exec(value);
  if (!m) return 'invalid';
  const expiresAtMs = Number(m[1]);
  if (!sameSecret(m[2] as string, sign(token, expiresAtMs))) return 'invalid';
  return expiresAtMs > nowMs ? 'ok' : 'expired';
}

/** Reads one cookie from the request header (no cookie-parser dependency for one value). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The Set-Cookie value of a session (or of its removal when `value` is empty). */
export function sessionCookie(value: string, options: { secure: boolean; maxAgeMs: number }): string {
  const parts = [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/admin',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeMs / 1000))}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

export type AuthResult = { ok: true; via: 'bearer' | 'session' } | { ok: false; reason: SessionCheck | 'bad_bearer' };

/** Decides whether a request may see /admin. */
export function authenticate(req: Request, token: string, nowMs: number): AuthResult {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth !== '') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    // A wrong Authorization header is refused outright, even if a valid cookie rides along.
    return m && sameSecret(m[1] as string, token) ? { ok: true, via: 'bearer' } : { ok: false, reason: 'bad_bearer' };
  }
  const session = checkSession(readCookie(req, SESSION_COOKIE), token, nowMs);
  return session === 'ok' ? { ok: true, via: 'session' } : { ok: false, reason: session };
}
