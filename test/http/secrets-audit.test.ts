/**
 * The secrets audit (rob-23): the shapes of password people type, each in a web conversation over real loopback HTTP
 * (/api/chat) with real Redis (state, transcripts, outbox under a key prefix of this run), the file ticket sink and
 * the process logger at info (what production runs) writing to a file — then EVERYTHING stored or emitted is read
 * back and searched for the values: every Redis key of the run (any type), the answers and their `echo`, the
 * transcript API, the conversation's admin page, the CSV export, the ticket files and the log lines. No value
 * survives anywhere. Table-driven: a shape people type is one row. Then the Slack channel against its local fake Web
 * API: the same lines typed to the bot, in the hand-off form, and to staff who took the conversation over — every
 * Web API call the app made (the person's DM, the desk's announcement and thread) is searched the same way.
 */
import { mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startApp, type App } from '../../src/main.js';
import { buttonsOf, clickPayload, dmEvent, envelope, hasKey, sendEvent, sendInteraction, slackEnv, startFakeSlack, tsOf, uid, waitFor as waitForCall, type FakeSlack } from '../channels/slack/fake-slack.js';
import { deleteKeys, post, REDIS_URL, runId, testEnv } from './helpers.js';
import { EN, formLine, JA, leaks, redisLeaks, SCRIPTS, type Row } from './secrets-audit-rows.js';

const TOKEN = 'admin-token-for-the-secrets-audit-0123456789';
/** Values sent alone after staff asked for a password, and after a password change talked about while held (sec-27). */
const STAFF_ASKED = { ja: 'ユウヤケ', en: 'kingfisher', topic: 'アサガオ' };
const prefix = `mmtest-audit-${runId()}`;
let app: App;
let ticketDir: string;
let logDir: string;
let logFd: number;
const conversations: Array<{ id: string; row: Row }> = [];
const answers: string[] = [];

async function chat(conversation: string, text: string, locale: 'ja' | 'en') {
  const r = await post(`${app.url}/api/chat`, { conversation, text, locale });
  expect(r.status, `${conversation}: ${text}`).toBe(200);
  answers.push(JSON.stringify(r.body));
  return r.body;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-audit-tickets-'));
  logDir = mkdtempSync(join(tmpdir(), 'mm-audit-log-'));
  logFd = openSync(join(logDir, 'server.log'), 'a');
  app = await startApp({
    env: testEnv({ REDIS_URL, REDIS_KEY_PREFIX: prefix, ADMIN_TOKEN: TOKEN, TICKET_DIR: ticketDir, LOG_LEVEL: 'info' }),
    port: 0,
    host: '127.0.0.1',
    logger: createLogger({ level: 'info', fd: logFd }),
  });
  for (const [locale, rows] of [['ja', JA], ['en', EN]] as const) {
    const s = SCRIPTS[locale];
    for (const [i, row] of rows.entries()) {
      const id = `audit-${locale}-${i}-${runId()}`;
      conversations.push({ id, row });
      await chat(id, s.symptom, locale);
      if (row.before) await chat(id, row.before, locale);
      await chat(id, row.line, locale);
      await chat(id, s.person, locale);
      const filed = await chat(id, `${s.form}${formLine(row)}`, locale);
      // A form answer the bot could not read whole is asked for once more; 「わからない」 files the ticket.
      if (filed.status !== 'escalated') expect((await chat(id, s.dontKnow, locale)).status, `${id}: not escalated`).toBe('escalated');
    }
  }
  // Tickets are filed off the reply path, transcripts too: wait until every conversation has both.
  await waitFor('the ticket files', async () => (readdirSync(ticketDir).filter((f) => f.endsWith('.json')).length >= conversations.length ? true : undefined));
  await waitFor('the transcripts', async () => {
    const summaries = await app.core.transcripts.summaries();
    return conversations.every((c) => summaries.some((x) => x.id.includes(c.id) && x.turns >= 4)) ? true : undefined;
  });
}, 240_000);

afterAll(async () => {
  await app?.close();
  closeSync(logFd);
  await deleteKeys(`${prefix}*`);
  rmSync(ticketDir, { recursive: true, force: true });
  rmSync(logDir, { recursive: true, force: true });
});

const api = (path: string) => fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

describe('the secrets audit: no typed password survives anywhere', () => {
  it('every conversation escalated and filed a ticket (the audit reads a full path)', () => {
    expect(readdirSync(ticketDir).filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(conversations.length);
  });

  it('the answers and their echo', () => {
    expect(answers.length).toBeGreaterThanOrEqual(conversations.length * 4);
    expect(leaks('answer', answers.join('\n'))).toEqual([]);
  });

  it('every Redis key of the run, whatever its type', async () => {
    const { keys, found } = await redisLeaks(prefix);
    expect(keys).toBeGreaterThan(conversations.length);
    expect(found).toEqual([]);
  });

  it('the transcript API and the admin page of every conversation', async () => {
    const summaries = await app.core.transcripts.summaries();
    const found: string[] = [];
    for (const { id } of conversations) {
      const full = summaries.find((x) => x.id.includes(id))!.id;
      const json = await api(`/admin/api/conversations/${encodeURIComponent(full)}`);
      expect(json.status).toBe(200);
      found.push(...leaks(`api ${id}`, await json.text()));
      const page = await api(`/admin/conversations/${encodeURIComponent(full)}`);
      expect(page.status).toBe(200);
      found.push(...leaks(`page ${id}`, await page.text()));
    }
    expect(found).toEqual([]);
  });

  it('the CSV and JSONL exports', async () => {
    for (const format of ['csv', 'jsonl']) {
      const r = await api(`/admin/api/export?format=${format}`);
      expect(r.status).toBe(200);
      const body = await r.text();
      expect(body).toContain(conversations[0]!.id);
      expect(leaks(format, body)).toEqual([]);
    }
  });

  it('the ticket files', () => {
    const found = readdirSync(ticketDir).flatMap((f) => leaks(`ticket ${f}`, readFileSync(join(ticketDir, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it('the log lines', () => {
    const log = readFileSync(join(logDir, 'server.log'), 'utf8');
    expect(log).toMatch(/"msg"/);
    expect(leaks('log', log)).toEqual([]);
  });
});

describe('the secrets audit on Slack: the DM, the desk announcement and the take-over thread', () => {
  let slack: FakeSlack;
  let slackApp: App;
  let slackTickets: string;
  beforeAll(async () => {
    slack = await startFakeSlack();
    slackTickets = mkdtempSync(join(tmpdir(), 'mm-audit-slack-'));
    slackApp = await startApp({ env: slackEnv(slack.url, slackTickets), port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await slackApp?.close();
    await slack?.close();
    rmSync(slackTickets, { recursive: true, force: true });
  });

  it('no value reaches any Slack Web API call', async () => {
    const c = { team: `T${uid()}`, dm: `D${uid()}`, user: `U${uid()}` };
    const posts = (channel: string) => slack.calls('chat.postMessage').filter((p) => p.args.channel === channel);
    const say = async (text: string) => {
      const before = posts(c.dm).length;
      expect((await sendEvent(slackApp.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, text)))).status).toBe(200);
      await waitForCall('a reply', () => posts(c.dm).length > before);
    };
    await say(SCRIPTS.ja.symptom);
    for (const row of [...JA, ...EN]) {
      if (row.before) await say(row.before);
      await say(row.slack ?? row.line);
    }
    await say(SCRIPTS.ja.person);
    await say(`${SCRIPTS.ja.form}${JA[7]!.line}`);
    if (!posts(c.dm).some((p) => hasKey(p, 'pipeline.ticket_created'))) await say(SCRIPTS.ja.dontKnow);
    const created = await waitForCall('the ticket', () => posts(c.dm).find((p) => hasKey(p, 'pipeline.ticket_created')));
    const ticketId = /MM-\d{8}-\d{4,}/.exec(created.args.text)![0];
    await waitForCall('delivered', () => posts(c.dm).find((p) => p.seq > created.seq && hasKey(p, 'handoff.user.delivered')));
    const desk = () => slack.calls('chat.postMessage').filter((p) => p.args.channel === '#helpdesk' || p.args.channel === 'CDESK01');
    const announcement = await waitForCall('announcement', () => desk().find((p) => p.args.text.includes(ticketId) && buttonsOf(p).length > 0));
    const takeOver = buttonsOf(announcement).find((b) => b.action_id === 'mm_takeover')!;
    const mark = posts(c.dm).at(-1)!.seq;
    const takeOverBy = `U${uid()}`;
    await sendInteraction(
      slackApp.url,
      clickPayload({ team: c.team, user: takeOverBy, channel: 'CDESK01', messageTs: announcement.ts!, message: { ...announcement, args: { ...announcement.args } }, button: takeOver }),
    );
    await waitForCall('taken over', () => posts(c.dm).find((p) => p.seq > mark && hasKey(p, 'takeover.taken')));
    // While staff hold it, what the person writes goes to the announcement's thread (one relay per message).
    const thread = () => posts('CDESK01').filter((p) => p.args.thread_ts === announcement.ts);
    for (const row of [...JA, ...EN]) {
      for (const text of row.alone && row.before ? [row.before, row.line] : [row.slack ?? row.line]) {
        const before = thread().length;
        expect((await sendEvent(slackApp.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, text)))).status).toBe(200);
        await waitForCall('the relay', () => thread().length > before);
      }
    }
    expect(thread().length).toBeGreaterThanOrEqual(JA.length + EN.length);
    // Staff ask for the new password (they should not; people answer anyway): the value sent alone reaches the thread as
    // the mark (sec-27). Then a password change talked about while held makes 「新しいのは…」 a value too.
    const staffUser = takeOverBy;
    const staffSays = async (text: string) => {
      const before = posts(c.dm).length;
      await sendEvent(slackApp.url, envelope(c.team, { type: 'message', channel: 'CDESK01', channel_type: 'channel', user: staffUser, text, ts: tsOf(), thread_ts: announcement.ts }));
      await waitForCall('the staff line', () => posts(c.dm).length > before);
    };
    const personSays = async (text: string) => {
      const before = thread().length;
      expect((await sendEvent(slackApp.url, envelope(c.team, dmEvent(c.team, c.dm, c.user, text)))).status).toBe(200);
      await waitForCall('the relay', () => thread().length > before);
    };
    await staffSays('新しいパスワードは何ですか？');
    await personSays(STAFF_ASKED.ja);
    await staffSays('What is your new password?');
    await personSays(STAFF_ASKED.en);
    await personSays('昨日パスワードを変えました');
    await personSays(`ドコモメールの新しいのは${STAFF_ASKED.topic}`);
    expect(thread().map((p) => p.args.text).join('\n')).toContain('昨日パスワードを変えました');
    for (const v of Object.values(STAFF_ASKED)) expect(JSON.stringify(slack.calls()), v).not.toContain(v);
    expect(leaks('slack', JSON.stringify(slack.calls()))).toEqual([]);
    expect(leaks('ticket', readdirSync(slackTickets).map((f) => readFileSync(join(slackTickets, f), 'utf8')).join('\n'))).toEqual([]);
  }, 120_000);
});
