/**
 * Round 20 (staff-20: a help-desk lead's hour). Twenty conversations over POST /api/chat, then /admin, its exports,
 * /admin/improve and `mailmedic transcripts`. What stopped the lead, each held here (real server, real Redis, loopback HTTP,
 * the built CLI):
 * - the CSV gave every time as a UTC instant (2026-12-06T06:54:33.000Z): Excel in Tokyo read 06:54 for 15:54. `at` stays the
 *   instant (machines read it); `at_local` (TIME_ZONE's wall clock) and `utc_offset` follow the older columns.
 * - a reply the engine read as an act at its question showed the symptom model's intent instead: 「もういいです」 ended the
 *   conversation as a give-up but read 「肯定 affirm 0.28 確信度が低い」, "never mind" read 「特定のメールが届かない」, and
 *   "forget it" counted as not understood at its step. The turn now keeps the act read (give_up) and /admin shows it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, requireBuild, runCli } from '../channels/cli/spawn.js';
import { REDIS_URL } from '../redis.js';
import { leadServer, parseCsv } from './client.js';

const lead = leadServer('lead-hour-token-0123456789', 'leadhour', { TIME_ZONE: 'Asia/Tokyo' });
const { say, page, api } = lead;

beforeAll(async () => {
  await lead.start();
  // ja: a give-up typed at a question (「お使いの端末を教えてください」).
  expect((await say('lh-ja', { text: 'ソフトバンクのメールが受信できない' })).node).toBe('fetch_scope');
  expect((await say('lh-ja', { action: 'receive' })).node).toBe('dev_device');
  expect((await say('lh-ja', { text: 'もういいです' })).status).toBe('ended');
  // en: the same at a step.
  await say('lh-en', { text: 'my iphone docomo mail error' });
  expect((await say('lh-en', { action: 'clarify:error_auth' })).node).toBe('auth_reenter');
  expect((await say('lh-en', { text: 'forget it' })).status).toBe('ended');
  // Not understood: once at a step, once as a first message.
  expect((await say('lh-miss', { text: 'it says cannot connect to server on my iphone' })).node).toBe('net_airplane');
  expect((await say('lh-miss', { action: 'not_resolved' })).node).toBe('net_switch');
  expect((await say('lh-miss', { text: 'my cat is orange' })).node).toBe('net_switch');
  await say('lh-weather', { text: '明日の天気を教えて' });
  await lead.settled(
    (all) =>
      (all.find((s) => s.id === 'lh-ja')?.turns ?? 0) >= 3 &&
      (all.find((s) => s.id === 'lh-en')?.turns ?? 0) >= 3 &&
      (all.find((s) => s.id === 'lh-miss')?.turns ?? 0) >= 3 &&
      all.some((s) => s.id === 'lh-weather'),
  );
}, 90_000);
afterAll(() => lead.stop());

/** Each row's `at` read in Tokyo (UTC+9, no summer time), as a spreadsheet shows a date and time. */
function expectTokyoWallClock(csv: string): void {
  const [header, ...rows] = parseCsv(csv);
  expect(header!.slice(0, 3)).toEqual(['conversation', 'seq', 'at']);
  // After the older columns (staff-22's `act` follows them in turn).
  expect(header!.slice(header!.indexOf('staff_actions') + 1, header!.indexOf('staff_actions') + 3)).toEqual(['at_local', 'utc_offset']);
  const col = (name: string) => header!.indexOf(name);
  const mine = rows.filter((r) => r[col('conversation')]!.startsWith('lh-'));
  expect(mine).toHaveLength(10);
  for (const r of mine) {
    const at = r[col('at')]!;
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/); // the documented instant, unchanged
    const tokyo = new Date(Date.parse(at) + 9 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    expect(r[col('at_local')]).toBe(tokyo);
    expect(r[col('utc_offset')]).toBe('UTC+09:00');
  }
}

describe('the CSV export, read in Excel by a lead in Tokyo', () => {
  it('gives each turn’s local wall-clock time beside the UTC instant (/admin export)', async () => {
    const csv = await fetch(`${lead.app.url}/admin/api/export?format=csv`, { headers: lead.bearer }).then((r) => r.text());
    expectTokyoWallClock(csv);
  });

  it('does the same from the terminal (mailmedic transcripts export --format csv)', async () => {
    requireBuild();
    const run = await runCli(['transcripts', 'export', '--format', 'csv'], '', childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix, TIME_ZONE: 'Asia/Tokyo' }));
    expect(run.code).toBe(0);
    expectTokyoWallClock(run.stdout);
  });
});

describe('mailmedic transcripts list and show, read in a terminal in Tokyo', () => {
  it('give times on the desk’s wall clock with the offset, and a reply’s act beside its intent', async () => {
    requireBuild();
    const env = childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix, TIME_ZONE: 'Asia/Tokyo' });
    const turns = (await api('/admin/api/conversations/lh-ja')).body.turns as Array<{ atMs: number }>;
    const tokyo = (ms: number) => `${new Date(ms + 9 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')} UTC+09:00`;
    const shown = await runCli(['transcripts', 'show', 'lh-ja'], '', env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`#1 ${tokyo(turns[0]!.atMs)}`);
    expect(shown.stdout).toMatch(/もういいです\n\s+↳ reply give_up [01]\.\d\d \(intent affirm 0\.\d\d\)/);
    const listed = await runCli(['transcripts', 'list'], '', env);
    const started = tokyo((await api('/admin/api/conversations/lh-ja')).body.summary.startedAtMs);
    expect(listed.stdout.split('\n').find((l) => l.endsWith(' lh-ja'))?.startsWith(`${started} `)).toBe(true);
  });
});

/** The HTML of one turn on the conversation page. */
const turnHtml = (html: string, seq: number) => new RegExp(`id="turn-${seq}"[\\s\\S]*?(?=id="turn-${seq + 1}"|$)`).exec(html)?.[0] ?? '';

describe('a give-up typed at a question, as staff read it', () => {
  it('is recorded as the act the bot acted on (give_up), beside the symptom model’s intent', async () => {
    const ja = (await api('/admin/api/conversations/lh-ja')).body.turns as Array<{ text?: string; reading?: { act: string } }>;
    expect(ja.find((t) => t.text === 'もういいです')?.reading?.act).toBe('give_up');
    const en = (await api('/admin/api/conversations/lh-en')).body.turns as Array<{ text?: string; reading?: { act: string } }>;
    expect(en.find((t) => t.text === 'forget it')?.reading?.act).toBe('give_up');
    const jsonl = await fetch(`${lead.app.url}/admin/api/export?format=jsonl`, { headers: lead.bearer }).then((r) => r.text());
    const line = jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((c) => c.conversation === 'lh-ja');
    expect(line.turns.find((t: { text?: string }) => t.text === 'もういいです').reading).toMatchObject({ act: 'give_up' });
  });

  it('reads 「あきらめる・やめる」 / "Gives up" on the conversation page, not 肯定 / out of scope as its understanding', async () => {
    const ja = turnHtml(await page('/admin/conversations/lh-ja'), 3);
    expect(ja).toContain('もういいです');
    expect(ja).toMatch(/data-testid="turn-reading" data-act="give_up">あきらめる・やめる</);
    expect(ja).not.toMatch(/<b data-testid="turn-intent"/); // the intent is for reference only, not the bold reading
    expect(ja).not.toContain('確信度が低い');
    const en = turnHtml(await page('/admin/conversations/lh-en?lang=en'), 3);
    expect(en).toMatch(/data-testid="turn-reading" data-act="give_up">Gives up</);
  });

  it('is neither low-confidence nor not understood on /admin/improve and in the analytics', async () => {
    const improve = await page('/admin/improve');
    const row = /<tr data-testid="improve-row"[^>]*>(?:(?!<\/tr>)[\s\S])*もういいです[\s\S]*?<\/tr>/.exec(improve)?.[0];
    expect(row ?? '').not.toContain('low_confidence');
    expect(improve).not.toContain('forget it');
    const { body } = await api('/admin/api/analytics');
    const at = (body.fallbacks as Array<{ node: string; fallbacks: number }>).find((r) => r.node === 'auth_reenter');
    expect(at?.fallbacks ?? 0).toBe(0);
  });
});

describe('from a node that often fails to what people typed there', () => {
  const link = (html: string, node: string) =>
    new RegExp(`<tr data-node="${node.replace(/[()]/g, '\\$&')}">[\\s\\S]*?data-testid="fallback-messages" href="([^"]+)"`).exec(html)?.[1]?.replaceAll('&amp;', '&');

  it('the not-understood count of a node opens /admin/improve with the messages written there (ja and en)', async () => {
    const ja = await page('/admin/analytics');
    const atStep = link(ja, 'net_switch');
    // With the analytics page's dates (its default range: the last 30 days; test/admin/reply-acts.test.ts carries others).
    expect(atStep).toMatch(/^\/admin\/improve\?reason=fallback&node=net_switch&from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d$/);
    const step = await page(atStep!);
    expect(step).toContain('my cat is orange');
    expect(step).not.toContain('明日の天気を教えて');
    expect(step).toMatch(/data-testid="chip-node">発言したノード: Wi‑Fi とモバイルデータの切り替え \(net_switch\)/);
    const atStart = link(ja, '');
    expect(atStart).toMatch(/^\/admin\/improve\?reason=fallback&node=%28start%29&from=[\d-]+&to=[\d-]+$/);
    const start = await page(atStart!);
    expect(start).toContain('明日の天気を教えて');
    expect(start).not.toContain('my cat is orange');

    const en = link(await page('/admin/analytics?lang=en'), 'net_switch');
    expect(en).toMatch(/^\/admin\/improve\?reason=fallback&node=net_switch&from=[\d-]+&to=[\d-]+&lang=en$/);
    expect(await page(en!)).toMatch(/data-testid="chip-node">Written at: Switch /);
  });

  it('the API filters the same way', async () => {
    const items = (await api('/admin/api/improve?node=net_switch')).body.items as Array<{ text?: string; nodeBefore: string }>;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.nodeBefore === 'net_switch')).toBe(true);
  });
});

describe('a reply turned into a training phrase goes to its act’s file', () => {
  it('「もういいです」 added to training as it stands is a give_up phrase (already trained), never intents/ja/affirm.yaml', async () => {
    // What the page sends with the intent select left as the bot read it and "add this phrase to training" ticked.
    const r = await api('/admin/api/annotations', { method: 'POST', body: { conversation: 'lh-ja', turn: 3, intent: 'affirm', train: true } });
    expect(r.status).toBe(201);
    expect(r.body.annotation).toMatchObject({ replyAct: 'give_up', train: true });
    const yaml = await fetch(`${lead.app.url}/admin/api/corrections`, { headers: lead.bearer }).then((x) => x.text());
    expect(yaml).not.toMatch(/intent: affirm/);
    expect(yaml).not.toContain('もういいです');
    const html = turnHtml(await page('/admin/conversations/lh-ja'), 3);
    expect(html).toContain('<code data-testid="annotation-file">intents/ja/acts/give_up.yaml</code>');
    expect(await page('/admin/improve')).toMatch(/already_trained|学習済み/);
  });

  it('an English reply staff read as "still broken" goes to intents/en/acts/still_broken.yaml, on the page, the download and the CLI', async () => {
    // The reply's form offers the act select, preset to what the bot read.
    expect(turnHtml(await page('/admin/conversations/lh-miss?lang=en'), 3)).toContain('data-testid="annotate-reply-act"');
    expect(turnHtml(await page('/admin/conversations/lh-miss?lang=en'), 1)).not.toContain('data-testid="annotate-reply-act"');
    const r = await api('/admin/api/annotations', { method: 'POST', body: { conversation: 'lh-miss', turn: 3, intent: 'out_of_scope', replyAct: 'still_broken', train: true } });
    expect(r.status).toBe(201);
    const yaml = await fetch(`${lead.app.url}/admin/api/corrections`, { headers: lead.bearer }).then((x) => x.text());
    expect(yaml).toContain('act: still_broken\nlocale: en\nexamples:\n  - my cat is orange\n');
    expect(yaml).not.toMatch(/intent: out_of_scope/);
    expect(turnHtml(await page('/admin/conversations/lh-miss?lang=en'), 3)).toContain('<code data-testid="annotation-file">intents/en/acts/still_broken.yaml</code>');

    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'mm-leadhour-intents-'));
    try {
      const run = await runCli(['transcripts', 'export', '--corrections', '--out', dir], '', childEnv({ REDIS_URL, REDIS_KEY_PREFIX: lead.prefix }));
      expect(run.code).toBe(0);
      expect(readFileSync(join(dir, 'en', 'acts', 'still_broken.yaml'), 'utf8')).toContain('- my cat is orange');
      expect(existsSync(join(dir, 'en', 'out_of_scope.yaml'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
