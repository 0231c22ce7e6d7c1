/**
 * A lead's tests over HTTP on loopback: the real server with /admin and Redis transcripts (`leadServer`), chatting as the
 * person (`POST /api/chat`), reading an /admin page as HTML and calling /admin/api with the bearer token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import type { ConversationSummary } from '../../src/transcripts/types.js';
import { testEnv } from '../http/helpers.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../redis.js';

/** `base` is read at call time (the app starts in beforeAll). */
export function adminClient(base: () => string, bearer: Record<string, string>) {
  async function say(conversation: string, input: { text: string } | { action: string }, user?: string) {
    const r = await fetch(`${base()}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversation, ...(user ? { user } : {}), ...input }) });
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
  /** `say` as a given person (`user`: the same person back in another conversation), or anonymous when undefined. */
  const sayAs = (conversation: string, user: string | undefined, input: { text: string } | { action: string }) => say(conversation, input, user);
  return { say, sayAs, page, api };
}

/**
 * The server as a lead meets it: ADMIN_TOKEN set, transcripts in real Redis under a key prefix of its own, tickets as
 * files in a temporary directory. `start` in beforeAll, `stop` in afterAll (keys and files removed); `settled` waits
 * until the transcripts written behind the turns say `done`.
 */
export function leadServer(token: string, name: string, env: Record<string, string> = {}) {
  const bearer = { authorization: `Bearer ${token}` };
  let app: App | undefined;
  const server = {
    get app(): App {
      return app!;
    },
    ticketDir: '',
    prefix: uniquePrefix(name),
    bearer,
    ...adminClient(() => app!.url, bearer),
    async start(): Promise<void> {
      server.ticketDir = mkdtempSync(join(tmpdir(), `mm-${name}-`));
      app = await startApp({ env: testEnv({ ADMIN_TOKEN: token, REDIS_URL, REDIS_KEY_PREFIX: server.prefix, TICKET_DIR: server.ticketDir, ...env }), port: 0, host: '127.0.0.1' });
    },
    /** What the web chat page polls for a conversation: the texts of the messages sent to the person outside a turn. */
    async mailbox(conversation: string): Promise<string[]> {
      const r = await fetch(`${app!.url}/api/chat/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversation }) });
      expect(r.status).toBe(200);
      return ((await r.json()) as { messages: Array<{ text?: string }> }).messages.map((m) => m.text ?? '');
    },
    async settled(done: (all: ConversationSummary[]) => boolean): Promise<void> {
      for (let i = 0; i < 200; i++) {
        if (done(await app!.core.transcripts.summaries())) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop(): Promise<void> {
      await app?.close();
      await deleteKeys(`${server.prefix}:*`);
      if (server.ticketDir) rmSync(server.ticketDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** A CSV export body (RFC 4180: quoted fields may hold commas, quotes and line breaks; a leading BOM dropped) → rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && s[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (ch === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += ch;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}
