/**
 * What a lead's tests do over HTTP on loopback: chat as the person (`POST /api/chat`), read an /admin page as HTML and
 * call /admin/api with the bearer token. `base` is read at call time (the app starts in beforeAll).
 */
import { expect } from 'vitest';

export function adminClient(base: () => string, bearer: Record<string, string>) {
  async function say(conversation: string, input: { text: string } | { action: string }) {
    const r = await fetch(`${base()}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversation, ...input }) });
    expect(r.status).toBe(200);
    return (await r.json()) as { node: string; status: string; ticket?: { id: string } };
  }
  const page = async (path: string) => {
    const r = await fetch(`${base()}${path}`, { headers: { ...bearer, accept: 'text/html' } });
    expect(r.status).toBe(200);
    return r.text();
  };
  const api = async (path: string, init?: { method: string; body: unknown }) => {
    const r = await fetch(`${base()}${path}`, {
      method: init?.method ?? 'GET',
      headers: { ...bearer, 'content-type': 'application/json' },
      ...(init ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  return { say, page, api };
}
