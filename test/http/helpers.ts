/** Helpers for tests that talk to the real server over loopback HTTP. */
import { expect } from 'vitest';
export { deleteKeys, REDIS_URL } from '../redis.js';

/**
 * Environment for a test app: quiet logs, memory state unless a test adds REDIS_URL, /api/chat rate limits off
 * (many turns from one loopback client; test/http/chat-failures.test.ts turns them on).
 */
// Rate limits and incident detection off unless a test is about them: a test file that opens many conversations with the
// same symptom would otherwise open an incident part-way and change the first answers of the tests after it, depending
// on timing (test/incidents/burst.test.ts sets INCIDENT_THRESHOLD itself).
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { LOG_LEVEL: 'silent', DEFAULT_LOCALE: 'ja', RATE_LIMIT_CONVERSATION_PER_MINUTE: '0', RATE_LIMIT_CLIENT_PER_MINUTE: '0', INCIDENT_THRESHOLD: '0', ...extra };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** POSTs a raw body (string) or a JSON value to `url`. */
export async function post(url: string, body: unknown, contentType = 'application/json'): Promise<JsonResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Unique per test run, so parallel runs and other people's data never collide. */
export const runId = () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** The exact shape of a turn response (design.md): no other fields, replies with text and choices only. */
export function expectTurnShape(body: any): void {
  // error: a failed turn's machine-readable reason; echo: the redacted copy of the text typed (issue 13).
  const allowed = ['conversation', 'intent', 'node', 'status', 'replies', 'ticket', 'error', 'echo'];
  if (body.error !== undefined && typeof body.error !== 'string') throw new Error('error must be a string');
  if (body.echo !== undefined && typeof body.echo !== 'string') throw new Error('echo must be a string');
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw new Error(`unexpected field ${k}`);
  if (typeof body.conversation !== 'string') throw new Error('conversation must be a string');
  if (body.intent !== null && typeof body.intent !== 'string') throw new Error('intent must be a string or null');
  if (typeof body.node !== 'string') throw new Error('node must be a string');
  if (!['active', 'resolved', 'escalated', 'ended'].includes(body.status)) throw new Error(`bad status ${body.status}`);
  if (!Array.isArray(body.replies) || body.replies.length === 0) throw new Error('replies must be a non-empty array');
  for (const r of body.replies) {
    if (Object.keys(r).sort().join(',') !== 'choices,text') throw new Error(`reply fields: ${Object.keys(r)}`);
    if (typeof r.text !== 'string' || r.text.trim() === '') throw new Error('reply text must be non-empty');
    for (const c of r.choices) {
      if (Object.keys(c).sort().join(',') !== 'label,value') throw new Error(`choice fields: ${Object.keys(c)}`);
      if (typeof c.label !== 'string' || typeof c.value !== 'string') throw new Error('choice label/value must be strings');
    }
  }
}

export const allChoices = (body: any): Array<{ label: string; value: string }> =>
  body.replies.flatMap((r: any) => r.choices as Array<{ label: string; value: string }>);

/** The texts of a turn response's replies. */
export const replyTexts = (body: any): string[] => body.replies.map((r: { text: string }) => r.text);

/**
 * A hand-off turn that filed a ticket: escalated, our ticket number (MM-YYYYMMDD-n) in the response and said to the person
 * in the same answer — whatever the ticket system does behind it. Returns the number.
 */
export function expectTicketSaid(body: any): string {
  expect(body.status).toBe('escalated');
  const ticket = (typeof body.ticket === 'string' ? body.ticket : body.ticket?.id) as string;
  expect(ticket).toMatch(/^MM-\d{8}-\d+$/);
  expect(replyTexts(body).join('\n')).toContain(ticket);
  return ticket;
}
