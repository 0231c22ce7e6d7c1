/**
 * A local fake Bot Connector (the service behind an activity's serviceUrl): it records
 * POST /v3/conversations/{conversationId}/activities[/{replyToId}] and answers {id} like the real one.
 * The conversation id arrives URL-encoded; any activity id is accepted. For the help desk it also records
 * POST /v3/conversations (a new thread in a channel: answered like Teams, `{id: '<channel>;messageid=<n>', activityId}`)
 * and PUT /v3/conversations/{conversationId}/activities/{activityId} (a card updated).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Posted {
  /** send: POST …/activities; create: POST /v3/conversations (conversationId = channelData.channel.id); update: PUT. */
  kind: 'send' | 'create' | 'update';
  /** create only: the ConversationParameters as posted. */
  params?: any;
  /** create only: what the fake answered (the new thread's conversation id and its root activity id). */
  created?: { id: string; activityId: string };
  /** Decoded conversation id from the path. */
  conversationId: string;
  /** Decoded reply-to activity id from the path, when the bot replied to an activity. */
  replyToId?: string;
  activity: any;
  authorization?: string;
}

export interface FakeConnector {
  url: string;
  posted: Posted[];
  /** Message activities only (no typing indicators). */
  messages(): Posted[];
  /** Resolves once `predicate` holds for the recorded posts; rejects after `ms` (a test that never sees its post fails). */
  waitFor(predicate: (posted: Posted[]) => boolean, ms?: number): Promise<void>;
  /** The next `n` message sends into a conversation answer `status` (an outage of the Bot Connector); not recorded. */
  failNext(n: number, status?: number): void;
  /** Message sends refused by failNext so far. */
  refused(): number;
  close(): Promise<void>;
}

const PATH = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;
const CREATE = /^\/v3\/conversations\/?$/;

export async function startFakeConnector(): Promise<FakeConnector> {
  const posted: Posted[] = [];
  let seq = 0;
  let failing = 0;
  let failStatus = 502;
  let refused = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const m = PATH.exec(path);
      const create = req.method === 'POST' && CREATE.test(path);
      const update = req.method === 'PUT' && m?.[2] !== undefined;
      if (!create && !update && (req.method !== 'POST' || !m)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NotFound"}}');
        return;
      }
      let json: any;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      const reply = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (create) {
        const channel = String(json?.channelData?.channel?.id ?? '');
        const activityId = `${Date.now()}${++seq}`;
        const created = { id: `${channel};messageid=${activityId}`, activityId };
        posted.push({ kind: 'create', conversationId: channel, activity: json?.activity, params: json, created, authorization: req.headers.authorization });
        reply(created);
        return;
      }
      if (!update && failing > 0 && json?.type === 'message') {
        failing--;
        refused++;
        res.writeHead(failStatus, { 'content-type': 'application/json' }).end('{"error":{"code":"ServiceError"}}');
        return;
      }
      const entry: Posted = { kind: update ? 'update' : 'send', conversationId: decodeURIComponent(m![1] ?? ''), activity: json, authorization: req.headers.authorization };
      if (m![2]) entry.replyToId = decodeURIComponent(m![2]);
      posted.push(entry);
      reply({ id: update ? entry.replyToId : `sent-${++seq}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posted,
    messages: () => posted.filter((p) => p.kind === 'send' && p.activity?.type === 'message'),
    async waitFor(predicate, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!predicate(posted)) {
        if (Date.now() > deadline) throw new Error(`fake connector: expected post not seen within ${ms} ms (${posted.length} posts)`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    failNext(n, status = 502) {
      failing = n;
      failStatus = status;
    },
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let counter = 0;
/** A unique activity id, like the ones Teams and the Emulator give. */
export const activityId = () => `act-${Date.now().toString(36)}-${++counter}`;

export interface ActivityParts {
  serviceUrl: string;
  conversationId: string;
  text?: string;
  value?: unknown;
  id?: string;
  locale?: string;
  tenantId?: string;
  /** Adds `<at>mailmedic</at>` and its mention entity, as Teams does in a channel. */
  mention?: boolean;
  conversationType?: 'personal' | 'channel' | 'groupChat';
  /** Someone else than USER (help-desk staff). */
  from?: { id: string; name?: string; aadObjectId?: string };
  /** A Teams channel message: channelData.channel / team, as Teams sends them (needs tenantId). */
  teamsChannel?: { channel: string; team?: string };
  replyToId?: string;
}

export const BOT = { id: '28:bot-app-id', name: 'mailmedic' };
export const USER = { id: '29:user-1', name: '山田 花子', aadObjectId: 'aad-user-1' };

/** A message activity shaped like the Emulator's / Teams' (channelId emulator or msteams). */
export function messageActivity(p: ActivityParts): Record<string, unknown> {
  const a: Record<string, any> = {
    type: 'message',
    id: p.id ?? activityId(),
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    channelId: p.tenantId ? 'msteams' : 'emulator',
    serviceUrl: p.serviceUrl,
    from: { ...USER, role: 'user' },
    conversation: { id: p.conversationId, conversationType: p.conversationType ?? 'personal', ...(p.tenantId ? { tenantId: p.tenantId } : {}) },
    recipient: { ...BOT, role: 'bot' },
    textFormat: 'plain',
    locale: p.locale ?? 'ja-JP',
    entities: [{ type: 'ClientCapabilities', requiresBotState: true, supportsListening: true, supportsTts: true }],
    channelData: p.tenantId ? { tenant: { id: p.tenantId } } : { clientActivityID: `c-${counter}` },
  };
  if (p.from) a.from = { ...p.from, role: 'user' };
  if (p.teamsChannel) {
    a.channelData.channel = { id: p.teamsChannel.channel };
    a.channelData.team = { id: p.teamsChannel.team ?? p.teamsChannel.channel };
    a.channelData.teamsChannelId = p.teamsChannel.channel;
  }
  if (p.replyToId) a.replyToId = p.replyToId;
  if (p.text !== undefined) a.text = p.mention ? `<at>${BOT.name}</at> ${p.text}` : p.text;
  if (p.mention) a.entities.push({ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: { id: BOT.id, name: BOT.name } });
  if (p.value !== undefined) a.value = p.value;
  return a;
}

/** The conversationUpdate the Emulator sends on connect (bot and user added). */
export function conversationUpdate(p: { serviceUrl: string; conversationId: string; locale?: string; id?: string; botAdded?: boolean }) {
  return {
    type: 'conversationUpdate',
    id: p.id ?? activityId(),
    timestamp: new Date().toISOString(),
    channelId: 'emulator',
    serviceUrl: p.serviceUrl,
    from: { id: USER.id, name: USER.name },
    conversation: { id: p.conversationId },
    recipient: { ...BOT, role: 'bot' },
    membersAdded: p.botAdded === false ? [{ id: USER.id, name: USER.name }] : [{ id: BOT.id, name: BOT.name }, { id: USER.id, name: USER.name }],
    locale: p.locale,
  };
}

/** POSTs a JSON value (or a raw string) to /api/messages. */
export async function postActivity(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** The Action.Submit buttons of an activity's Adaptive Cards (in ActionSets or top-level actions). */
export function cardActions(activity: any): Array<{ title: string; data: { action: string; nonce?: string } }> {
  const out: Array<{ title: string; data: { action: string; nonce?: string } }> = [];
  for (const att of activity?.attachments ?? []) {
    if (att.contentType !== 'application/vnd.microsoft.card.adaptive') continue;
    const card = att.content;
    const visit = (els: any[] | undefined) => {
      for (const el of els ?? []) {
        if (el.type === 'Action.Submit') out.push({ title: el.title, data: el.data });
        if (el.type === 'ActionSet') visit(el.actions);
      }
    };
    visit(card.body);
    visit(card.actions);
  }
  return out;
}

/** The text a person reads in an activity: its text, or its cards' TextBlocks. */
export function activityText(activity: any): string {
  const parts: string[] = [];
  if (typeof activity?.text === 'string') parts.push(activity.text);
  for (const att of activity?.attachments ?? []) {
    for (const el of att.content?.body ?? []) if (el.type === 'TextBlock') parts.push(el.text);
  }
  return parts.join('\n');
}
