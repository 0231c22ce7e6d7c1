/**
 * The secrets audit on Teams (rob-25), like the Slack one in secrets-audit.test.ts: the real HTTP server with the Bot
 * Framework adapter and the Teams help desk (TEAMS_HELPDESK_CHANNEL), a local fake Bot Connector on loopback recording
 * every call the app makes, real Redis under a key prefix of this run, the file ticket sink and the process logger at
 * info writing to a file. A person types every password shape to the bot, then in the hand-off form's answer, then to
 * staff who took the conversation over (relayed into the card's thread); staff write one back; staff hand it back and the
 * person types them once more to the bot. Then every Bot Connector call (the person's replies, the desk card, its
 * updates, the thread), every Redis key of the run, the log lines and the ticket files are searched: no value anywhere.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startApp, type App } from '../../src/main.js';
import { activityId, activityText, cardActions, messageActivity, postActivity, startFakeConnector, type FakeConnector, type Posted } from '../channels/teams/connector.js';
import { deleteKeys, REDIS_URL, runId, testEnv } from './helpers.js';
import { EN, JA, leaks, redisLeaks, SCRIPTS } from './secrets-audit-rows.js';

const prefix = `mmtest-audit-teams-${runId()}`;
const DESK = `19:audit${runId()}@thread.tacv2`;
const TENANT = 'tenant-audit';
const STAFF = { id: '29:staff-audit', name: 'Audit Staff', aadObjectId: 'aad-staff-audit' };
const ROWS = [...JA, ...EN];

let connector: FakeConnector;
let app: App;
let ticketDir: string;
let logDir: string;
let logFd: number;

beforeAll(async () => {
  connector = await startFakeConnector();
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-audit-teams-tickets-'));
  logDir = mkdtempSync(join(tmpdir(), 'mm-audit-teams-log-'));
  logFd = openSync(join(logDir, 'server.log'), 'a');
  app = await startApp({
    env: testEnv({ REDIS_URL, REDIS_KEY_PREFIX: prefix, TICKET_DIR: ticketDir, TEAMS_HELPDESK_CHANNEL: DESK, LOG_LEVEL: 'info' }),
    port: 0,
    host: '127.0.0.1',
    logger: createLogger({ level: 'info', fd: logFd }),
  });
});

afterAll(async () => {
  await app?.close();
  await connector?.close();
  if (logFd !== undefined) closeSync(logFd);
  await deleteKeys(`${prefix}*`);
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

const sends = () => connector.posted.filter((p) => p.kind === 'send' && p.activity?.type === 'message');
const sentTo = (conversationId: string, after = 0) => sends().filter((p) => p.conversationId === conversationId && connector.posted.indexOf(p) >= after);

async function waitPost(what: string, find: () => Posted | undefined): Promise<Posted> {
  let found: Posted | undefined;
  await connector.waitFor(() => (found = find()) !== undefined).catch(() => {
    throw new Error(`not seen: ${what}`);
  });
  return found!;
}

/** Staff in the help-desk channel: a card press (value) or an @mention (text), as Teams delivers it. */
async function inDesk(parts: { conversationId: string; text?: string; value?: unknown; replyToId?: string; id?: string }) {
  const msg = messageActivity({ serviceUrl: connector.url, tenantId: TENANT, conversationType: 'channel', teamsChannel: { channel: DESK }, from: STAFF, mention: parts.text !== undefined, ...parts });
  expect((await postActivity(app.url, msg)).status).toBe(200);
}

describe('the secrets audit on Teams: the replies, the desk card, the take-over thread, Redis, the log, the ticket', () => {
  it('no typed password reaches any Bot Connector call, Redis key, log line or ticket file', async () => {
    // The documented set-up: staff @mention the bot once in the help-desk channel.
    const setup = activityId();
    await inDesk({ conversationId: `${DESK};messageid=${setup}`, id: setup, text: 'セットアップ' });

    const person = `a:audit-${activityId()}`;
    const say = async (text: string) => {
      const msg = messageActivity({ serviceUrl: connector.url, conversationId: person, text, tenantId: TENANT });
      expect((await postActivity(app.url, msg)).status, text).toBe(200);
      return msg.id as string;
    };
    /** Says `text` and waits for the bot's answer to it. */
    const ask = async (text: string) => {
      const id = await say(text);
      await waitPost(`an answer to ${text}`, () => sends().find((p) => p.replyToId === id));
      return sends().filter((p) => p.replyToId === id);
    };

    await ask(SCRIPTS.ja.symptom);
    for (const row of ROWS) {
      if (row.before) await ask(row.before);
      await ask(row.line);
    }
    await ask(SCRIPTS.ja.person);
    const ticketIn = (posts: Posted[]) => /MM-\d{8}-\d{4,}/.exec(posts.map((p) => activityText(p.activity)).join('\n'))?.[0];
    let ticketId = ticketIn(await ask(`${SCRIPTS.ja.form}${JA[7]!.line}`));
    // A form answer the bot could not read whole is asked for once more; 「わからない」 files the ticket.
    ticketId ??= ticketIn(await ask(SCRIPTS.ja.dontKnow));
    expect(ticketId, 'a ticket was filed').toBeDefined();

    const created = await waitPost('the desk card', () => connector.posted.find((x) => x.kind === 'create' && JSON.stringify(x.activity).includes(ticketId!)));
    const { id: thread, activityId: root } = created.created!;
    const take = cardActions(created.activity).find((b) => (b.data as { mmDesk?: string }).mmDesk === 'take')!;
    const before = connector.posted.length;
    await inDesk({ conversationId: thread, value: take.data, replyToId: root, id: activityId() });
    await waitPost('taken over', () => sentTo(person, before).find((x) => activityText(x.activity).includes(STAFF.name)));

    // While staff hold it, each line goes to the card's thread (one relay per message), masked.
    for (const row of ROWS) {
      for (const text of row.alone && row.before ? [row.before, row.line] : [row.line]) {
        const n = sentTo(thread).length;
        await say(text);
        await waitPost(`the relay of ${text}`, () => sentTo(thread)[n]);
      }
    }
    expect(sentTo(thread, before).length).toBeGreaterThanOrEqual(ROWS.length);

    // Staff write one of the shapes back (a temporary password pasted by mistake): masked before it reaches the person.
    const beforeStaff = connector.posted.length;
    await inDesk({ conversationId: thread, text: `確認です。${JA[0]!.line}`, replyToId: root });
    await waitPost('the staff line', () => sentTo(person, beforeStaff).find((x) => activityText(x.activity).includes('確認です')));

    // Handed back: the bot answers again, and the lines typed to it are masked there too.
    const back = connector.posted.filter((x) => x.kind === 'update').map((x) => cardActions(x.activity).find((b) => (b.data as { mmDesk?: string }).mmDesk === 'back')).find(Boolean);
    expect(back, 'the card offers [Hand back]').toBeDefined();
    const beforeBack = connector.posted.length;
    await inDesk({ conversationId: thread, value: back!.data, replyToId: root, id: activityId() });
    await waitPost('handed back', () => sentTo(person, beforeBack).find((x) => activityText(x.activity) === app.core.i18n.t('takeover.returned', {}, 'ja')));
    for (const row of ROWS) {
      if (row.before) await ask(row.before);
      await ask(row.line);
    }

    // Tickets and transcripts are written off the reply path: wait for both before reading.
    await expect.poll(() => readdirSync(ticketDir).filter((f) => f.endsWith('.json')).length, { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await app.core.transcripts.summaries()).some((x) => x.id.includes(person)), { timeout: 15_000 }).toBe(true);

    const calls = JSON.stringify(connector.posted);
    expect(calls).toContain(ticketId!);
    expect(leaks('bot connector', calls)).toEqual([]);
    const { keys, found } = await redisLeaks(prefix);
    expect(keys).toBeGreaterThan(0);
    expect(found).toEqual([]);
    const log = readFileSync(join(logDir, 'server.log'), 'utf8');
    expect(log).toMatch(/"msg"/);
    expect(leaks('log', log)).toEqual([]);
    const tickets = readdirSync(ticketDir).map((f) => readFileSync(join(ticketDir, f), 'utf8')).join('\n');
    expect(tickets).toContain(ticketId!);
    expect(leaks('ticket', tickets)).toEqual([]);
  }, 180_000);
});
