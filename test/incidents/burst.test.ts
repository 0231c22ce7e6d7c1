/**
 * Incident detection end to end: a burst of same-error conversations (docomo 「IMAPサーバーが応答しません」) sent to
 * TWO replicas on the real Redis, through the Slack channel (the Slack Web API is the local fake) → exactly one
 * incident, the banner on /admin, one help-desk message, and the changed first answer for the next person; staff
 * confirm and close it through the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main.js';
import type { Incident } from '../../src/incidents/index.js';
import { startReplicas, type Replicas } from '../replicas.js';
import { runId } from '../http/helpers.js';
import { DESK_CHANNEL_ID, dmEvent, envelope, SECRET, sendEvent, startFakeSlack, uid, waitFor, type FakeSlack } from '../channels/slack/fake-slack.js';

const TOKEN = 'incident-admin-token-0123456789';
const REPORT = 'ドコモメールで「IMAPサーバーが応答しません」と出ます';
const INCIDENT_JA = 'ただいまドコモメールで同じエラーのご相談が増えています（障害の可能性）';
const prefix = `mmtest-incident-${runId()}`;
let slack: FakeSlack;
let a: App;
let b: App;
let replicas: Replicas;
const bearer = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  slack = await startFakeSlack();
  replicas = await startReplicas(prefix, {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    SLACK_HELPDESK_CHANNEL: '#helpdesk',
    ADMIN_TOKEN: TOKEN,
    INCIDENT_THRESHOLD: '5',
    INCIDENT_WINDOW_MINUTES: '15',
    INCIDENT_QUIET_MINUTES: '120',
  });
  ({ a, b } = replicas);
});

afterAll(async () => {
  await replicas?.close();
  await slack?.close();
});

const textsTo = (channel: string) =>
  slack
    .calls('chat.postMessage')
    .filter((c) => c.args.channel === channel)
    .map((c) => [c.args.text ?? '', ...((c.args.blocks ?? []) as Array<Record<string, any>>).map((bl) => bl.text?.text ?? '')].join('\n'));
const deskPosts = () => slack.calls('chat.postMessage').filter((c) => (c.args.channel === '#helpdesk' || c.args.channel === DESK_CHANNEL_ID) && !c.args.thread_ts);
/** Polls an async check until it gives a truthy value (no time assertion: only a generous limit). */
async function poll<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const incidents = async (app: App): Promise<Incident[]> => {
  const r = await fetch(`${app.url}/admin/api/incidents`, { headers: bearer });
  expect(r.status).toBe(200);
  return ((await r.json()) as { incidents: Incident[] }).incidents;
};

describe('incident detection across two replicas on Redis', () => {
  it('a burst of five same-error conversations opens exactly one incident, announced once, shown on /admin, told to the next person', async () => {
    const team = `T${uid()}`;
    const people = Array.from({ length: 5 }, () => ({ dm: `D${uid()}`, user: `U${uid()}` }));
    // Five people at once, spread over both replicas.
    await Promise.all(people.map((p, i) => sendEvent((i % 2 ? b : a).url, envelope(team, dmEvent(team, p.dm, p.user, REPORT)))));
    for (const p of people) await waitFor(`answer to ${p.dm}`, () => textsTo(p.dm).length > 0);
    // The first reporters got the usual first answer, not the incident's.
    for (const p of people) expect(textsTo(p.dm).join('\n')).not.toContain(INCIDENT_JA);

    await poll('incident opened', async () => (await incidents(b)).length > 0);
    await Promise.all([a.core.incidents.settled(), b.core.incidents.settled()]);
    await Promise.all([a.core.incidents.check(), b.core.incidents.check()]);

    const listA = await incidents(a);
    const listB = await incidents(b);
    expect(listA).toHaveLength(1);
    expect(listB.map((i) => i.id)).toEqual(listA.map((i) => i.id));
    const incident = listA[0]!;
    expect(incident).toMatchObject({ status: 'open', carrier: 'docomo', symptom: 'error_server_timeout', count: 5 });
    expect(incident.id).toMatch(/^INC-\d{8}-[0-9a-f]{6}$/);

    // One help-desk message, naming the incident.
    await waitFor('help-desk message', () => deskPosts().find((c) => String(c.args.text).includes(incident.id)));
    expect(deskPosts().filter((c) => String(c.args.text).includes(incident.id))).toHaveLength(1);
    expect(deskPosts().find((c) => String(c.args.text).includes(incident.id))?.args.text).toContain('ドコモメール');

    // The banner on /admin (either replica).
    const page = await (await fetch(`${b.url}/admin`, { headers: { ...bearer, accept: 'text/html' } })).text();
    expect(page).toContain('data-testid="incident-banner"');
    expect(page).toContain(incident.id);

    // The next person with that symptom and carrier first hears of the incident, with the outage check.
    const next = { dm: `D${uid()}`, user: `U${uid()}` };
    await sendEvent(a.url, envelope(team, dmEvent(team, next.dm, next.user, REPORT)));
    const first = await waitFor('first answer of the next person', () => (textsTo(next.dm).length ? textsTo(next.dm).join('\n') : undefined));
    expect(first).toContain(INCIDENT_JA);
    const summary = await poll('transcript of the next person', async () =>
      (await a.core.transcripts.summaries()).find((s) => s.userId.includes(next.user) && s.turns > 0),
    );
    expect(summary.path[0]).toMatch(/^outage_/);

    // Someone with another carrier is not told.
    const other = { dm: `D${uid()}`, user: `U${uid()}` };
    await sendEvent(b.url, envelope(team, dmEvent(team, other.dm, other.user, 'auのメールで「IMAPサーバーが応答しません」と出ます')));
    const otherFirst = await waitFor('first answer of an au user', () => (textsTo(other.dm).length ? textsTo(other.dm).join('\n') : undefined));
    expect(otherFirst).not.toContain('障害の可能性');

    // Staff confirm, then close it (the admin API, JSON POST like every admin POST).
    const post = (app: App, action: string) =>
      fetch(`${app.url}/admin/api/incidents/${incident.id}/${action}`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ by: 'sato' }) });
    expect((await post(a, 'confirm')).status).toBe(200);
    expect((await incidents(b))[0]).toMatchObject({ status: 'confirmed', by: 'sato' });
    expect((await post(b, 'close')).status).toBe(200);
    expect((await incidents(a))[0]?.status).toBe('closed');
    expect(await a.core.incidents.active()).toEqual([]);
    expect((await post(a, 'explode')).status).toBe(404);
    // A form post (not JSON) is refused like every admin POST.
    const form = await fetch(`${a.url}/admin/api/incidents/${incident.id}/confirm`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'by=x',
    });
    expect(form.status).toBe(415);
    const after = await (await fetch(`${a.url}/admin`, { headers: { ...bearer, accept: 'text/html' } })).text();
    expect(after).not.toContain('data-testid="incident-banner"');
  });
});
