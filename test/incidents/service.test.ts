/**
 * Incident detection on the memory stores (one process), and the engine's side: a person whose symptom and
 * carrier match an open incident hears of it first and goes to the outage check; a ticket filed then carries the
 * incident id; others are not told.
 */
import { describe, expect, it } from 'vitest';
import { loadDialogs } from '../../src/data/load.js';
import { ticketSchema } from '../../src/dialog/ticket.js';
import type { DialogTree } from '../../src/data/schemas.js';
import { createIncidentService, MemoryIncidentStore, signatureOf } from '../../src/incidents/index.js';
import { MemoryTranscriptStore } from '../../src/transcripts/memory.js';
import { Convo, ctxFor, i18n, nlu, rendered } from '../dialog/helpers.js';
import { MIN, T0, textTurn } from '../transcripts/fixtures.js';

const tree = loadDialogs().tree as DialogTree;

function setup(threshold = 5) {
  let now = T0;
  const transcripts = new MemoryTranscriptStore({ clock: () => now });
  const lines: string[] = [];
  const service = createIncidentService({
    threshold,
    windowMs: 15 * MIN,
    quietMs: 120 * MIN,
    store: new MemoryIncidentStore(() => now),
    transcripts,
    i18n,
    locale: 'ja',
    clock: () => now,
    sweepMs: 0,
    announce: async (text) => {
      lines.push(text);
    },
  });
  const report = (id: string, atMs: number, carrier = 'docomo') =>
    transcripts.append(textTurn(id, atMs, { intent: 'error_server_timeout', entities: { carrier: carrier as 'docomo' }, node: 'srv_trigger' }));
  return { service, transcripts, lines, report, at: (ms: number) => (now = ms) };
}

describe('incident detection (memory stores)', () => {
  it('the signature: symptom with carrier, else with a non-carrier service; nothing without a symptom', () => {
    expect(signatureOf({ symptom: 'error_server_timeout', carrier: 'docomo', service: 'carrier_mail' })?.signature).toBe('error_server_timeout|carrier:docomo');
    expect(signatureOf({ symptom: 'error_auth', service: 'gmail' })?.signature).toBe('error_auth|service:gmail');
    expect(signatureOf({ symptom: 'error_auth', service: 'carrier_mail' })).toBeUndefined();
    expect(signatureOf({ carrier: 'docomo' })).toBeUndefined();
  });

  it('opens one incident at the threshold within the window, announces it once, counts later reports', async () => {
    const { service, lines, report, at } = setup();
    for (let i = 0; i < 4; i++) await report(`c${i}`, T0 + i * MIN);
    await report('old', T0 - 60 * MIN); // outside the window
    await report('au1', T0 + MIN, 'au'); // another carrier
    at(T0 + 5 * MIN);
    expect(await service.check()).toEqual([]);
    await report('c4', T0 + 5 * MIN);
    const [opened] = await service.check();
    expect(opened).toMatchObject({ status: 'open', carrier: 'docomo', symptom: 'error_server_timeout', count: 5 });
    expect(await service.check()).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(opened!.id);
    expect(lines[0]).toContain('ドコモメール');
    expect(await service.active()).toEqual([{ id: opened!.id, symptom: 'error_server_timeout', carrier: 'docomo' }]);
    await report('c5', T0 + 6 * MIN);
    at(T0 + 6 * MIN);
    await service.check();
    expect((await service.list())[0]).toMatchObject({ count: 6, lastSeenAtMs: T0 + 6 * MIN });
  });

  it('dismissed: not active and not re-opened by the same burst; quiet for INCIDENT_QUIET_MINUTES: closed', async () => {
    const { service, report, at } = setup(2);
    await report('d1', T0);
    await report('d2', T0 + MIN);
    at(T0 + MIN);
    const [first] = await service.check();
    expect(first).toBeDefined();
    expect(await service.act(first!.id, 'dismiss', 'sato')).toMatchObject({ status: 'dismissed', by: 'sato' });
    expect(await service.active()).toEqual([]);
    await report('d3', T0 + 2 * MIN);
    at(T0 + 2 * MIN);
    expect(await service.check()).toEqual([]);
    expect(await service.list()).toHaveLength(1);
    // Long after (quiet), a new burst opens a new incident; an open one left quiet reads closed.
    at(T0 + 200 * MIN);
    await report('e1', T0 + 200 * MIN);
    await report('e2', T0 + 200 * MIN);
    const [second] = await service.check();
    expect(second?.id).not.toBe(first!.id);
    at(T0 + 200 * MIN + 121 * MIN);
    expect((await service.list()).find((i) => i.id === second!.id)?.status).toBe('closed');
    expect(await service.active()).toEqual([]);
  });

  it('INCIDENT_THRESHOLD=0 is off', async () => {
    const { service, report } = setup(0);
    for (let i = 0; i < 10; i++) await report(`z${i}`, T0);
    expect(service.enabled).toBe(false);
    expect(await service.check()).toEqual([]);
    expect(await service.active()).toEqual([]);
  });
});

describe('the engine with an open incident (StepMeta.incidents)', () => {
  const incidents = [{ id: 'INC-20261120-abc123', symptom: 'error_server_timeout' as const, carrier: 'docomo' }];

  it('a new person with the symptom and carrier hears of the incident first, then the outage check', () => {
    const c = new Convo(ctxFor(tree), { incidents });
    c.say('ドコモメールで「IMAPサーバーが応答しません」', nlu('error_server_timeout', { carrier: 'docomo', service: 'carrier_mail' }));
    // After the acknowledgement of what was understood, before the outage check's own words.
    const at = c.keys.indexOf('engine.incident');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(c.keys.findIndex((k) => k.startsWith('tree.outage')));
    expect(c.keys.filter((k) => k.startsWith('tree.auth') || k.startsWith('tree.srv'))).toEqual([]);
    expect(c.rendered[at]?.text).toContain('ただいまドコモメールで同じエラーのご相談が増えています（障害の可能性）');
    expect(c.state?.node).toMatch(/^outage_/);
    expect(c.state?.incident).toBe('INC-20261120-abc123');
  });

  it('another carrier, or no incident: the usual first answer', () => {
    const au = new Convo(ctxFor(tree), { incidents });
    au.say('auのメールで「IMAPサーバーが応答しません」', nlu('error_server_timeout', { carrier: 'au' }));
    expect(au.keys).not.toContain('engine.incident');
    const none = new Convo(ctxFor(tree));
    none.say('ドコモメールで「IMAPサーバーが応答しません」', nlu('error_server_timeout', { carrier: 'docomo' }));
    expect(none.keys).not.toContain('engine.incident');
  });

  it('a menu click that records the symptom goes through the same incident check as the symptom typed', () => {
    const fetching = [{ id: 'INC-20261120-def456', symptom: 'error_cannot_fetch' as const, carrier: 'docomo' }];
    const typed = new Convo(ctxFor(tree), { incidents: fetching });
    typed.say('ドコモメールが受信できない', nlu('error_cannot_fetch', { carrier: 'docomo' }));
    expect(typed.keys).toContain('engine.incident');

    // The carrier said first, the symptom clicked on the start menu ([受信できない] records error_cannot_fetch).
    const clicked = new Convo(ctxFor(tree), { incidents: fetching });
    clicked.say('こんにちは、ドコモのメールのことで', nlu('greeting', { carrier: 'docomo' }));
    expect(clicked.state?.node).toBe('menu');
    clicked.click('receive', String(clicked.state?.offer));
    expect(clicked.state?.intent).toBe('error_cannot_fetch');
    expect(clicked.keys).toContain('engine.incident');
    expect(clicked.state?.node).toMatch(/^outage_/);
    expect(clicked.state?.incident).toBe('INC-20261120-def456');
    // Told once: the next click on the outage check does not tell it again.
    const offer = clicked.state?.offer;
    const first = clicked.last.replies.flatMap((r) => r.choices ?? [])[0];
    if (first) clicked.click(first.value, String(offer));
    expect(clicked.keys).not.toContain('engine.incident');

    // Another carrier clicking the same button: the usual walk.
    const au = new Convo(ctxFor(tree), { incidents: fetching });
    au.say('こんにちは、auのメールのことで', nlu('greeting', { carrier: 'au' }));
    au.click('receive', String(au.state?.offer));
    expect(au.keys).not.toContain('engine.incident');
    expect(au.state?.node).not.toMatch(/^outage_/);
  });

  it('a ticket filed while the incident is open carries its id (and says so in its body)', () => {
    const c = new Convo(ctxFor(tree), { incidents });
    c.say('ドコモメールで「IMAPサーバーが応答しません」', nlu('error_server_timeout', { carrier: 'docomo' }));
    c.say('担当者と話したい', nlu('request_human'));
    for (let i = 0; i < 4 && !c.ticket; i++) c.say('今朝から毎回です。iPhone 15、iOS 18.1', nlu('affirm'));
    const ticket = c.ticket;
    expect(ticket).toBeDefined();
    expect(ticket?.incident).toBe('INC-20261120-abc123');
    expect(ticket?.body).toContain('INC-20261120-abc123');
    expect(ticketSchema.safeParse(ticket).success).toBe(true);
    expect(rendered(c.last, 'MM-20261128-0007').length).toBeGreaterThan(0);
  });
});
