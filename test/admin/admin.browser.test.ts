/**
 * The review page in a real headless Chromium against the real server, after real conversations through
 * /api/chat: log in, filter the list, open a conversation, annotate a misunderstood turn, see it marked, see the
 * analytics numbers and the funnel chart. Screenshots go to the temp folder (mailmedic-admin-*.png).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminMount } from '../../src/admin/mount.js';
import { MOUNTS, startApp, type App } from '../../src/main.js';
import { testEnv } from '../http/helpers.js';
import { launchChromium } from '../setup/chromium.js';

const TOKEN = 'browser-admin-token-0123456789';
/** Idle time after which the test's active conversation counts as abandoned (short, so the test need not wait 30 min). */
const ABANDON_MS = 1_500;

let app: App;
let browser: Browser;
const problems: string[] = [];
const shot = (name: string) => join(tmpdir(), `mailmedic-admin-${name}.png`);

async function chat(conversation: string, body: { text?: string; action?: string }): Promise<any> {
  const r = await fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversation, ...body }) });
  expect(r.status).toBe(200);
  return r.json();
}
const firstChoice = (o: any, value?: string): string => {
  const all = o.replies.flatMap((r: any) => r.choices as Array<{ value: string }>);
  return (value ? all.find((c: { value: string }) => c.value === value) : all[0])?.value ?? '';
};

beforeAll(async () => {
  app = await startApp({
    env: testEnv({ ADMIN_TOKEN: TOKEN, TICKET_DIR: join(tmpdir(), 'mailmedic-admin-browser-tickets') }),
    port: 0,
    host: '127.0.0.1',
    // The real mounts, with /admin's abandonment threshold shortened.
    mounts: [
      ...MOUNTS.slice(0, -1),
      (core) =>
        adminMount({
          token: TOKEN,
          store: core.transcripts,
          i18n: core.i18n,
          defaultLocale: 'ja',
          logger: core.logger,
          tree: core.tree,
          deadLetters: () => core.handoff.deadLetters,
          abandonAfterMs: ABANDON_MS,
        }),
    ],
  });

  // Real conversations. 1) fixed by the first step.
  let o = await chat('web-resolved', { text: 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」と出ます' });
  o = await chat('web-resolved', { action: firstChoice(o, 'resolved') });
  expect(o.status).toBe('resolved');
  // 2) asks for a person and gets a ticket.
  await chat('web-escalated', { text: '担当者と話したい' });
  o = await chat('web-escalated', { text: 'iPhone 15、iOS 18.1、ドコモメール、「メールを取得できません」と出る、今朝9時から毎回です' });
  expect(o.status).toBe('escalated');
  expect(o.ticket?.id).toMatch(/^MM-\d{8}-\d{4,6}$/);
  // 3) a symptom the bot reads as something else, with a password that must never be shown.
  await chat('web-misread', { text: '送ったメールが相手に届かないみたい。パスワードは Abc123!x です' });
  // 4) starts and then goes quiet. (3 and 4 stay active: both count as abandoned after ABANDON_MS.)
  await chat('web-quiet', { text: '通知が来ない' });
  await new Promise((r) => setTimeout(r, ABANDON_MS + 300));
  for (let i = 0; i < 100 && (await app.core.transcripts.summaries()).length < 4; i++) await new Promise((r) => setTimeout(r, 20));

  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // The login page itself is answered with 401 (nothing under /admin is 200 without a token): expected.
    if (m.type() === 'error' && !m.text().includes('status of 401')) problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${app.url}${path}`);
  return page;
}

describe('admin review page (Chromium)', () => {
  it('logs in, filters, opens a conversation, annotates a turn, and shows the analytics and the funnel', async () => {
    const page = await open('/admin');
    // Not logged in: the login form (401), no data.
    expect(await page.getByTestId('login-form').count()).toBe(1);
    expect(await page.getByTestId('conversation-row').count()).toBe(0);
    await page.getByTestId('token').fill('wrong-token-wrong-token');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').count()).toBe(1);
    await page.getByTestId('token').fill(TOKEN);
    await page.getByTestId('login-submit').click();

    // The list: every conversation, newest first.
    const rows = page.getByTestId('conversation-row');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await page.content()).not.toContain('Abc123!x');
    await page.screenshot({ path: shot('list'), fullPage: true });

    // Filter by status (POST in the background; the URL keeps no filter).
    await page.getByTestId('f-status').selectOption('escalated');
    await page.getByTestId('f-submit').click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe('web-escalated');
    await page.getByTestId('f-status').selectOption('abandoned');
    await page.getByTestId('f-submit').click();
    await expect.poll(() => rows.count()).toBe(2);
    expect((await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).sort()).toEqual(['web-misread', 'web-quiet']);
    // Text search: the text goes in a POST body, never in the address bar.
    await page.getByTestId('f-status').selectOption('');
    await page.getByTestId('f-text').fill('届かない');
    await page.getByTestId('f-submit').click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe('web-misread');
    expect(page.url()).not.toContain(encodeURIComponent('届かない'));
    expect(page.url()).toBe(`${app.url}/admin`);
    await page.screenshot({ path: shot('filtered'), fullPage: true });

    // Open it: each turn with what the bot understood beside it; the password is masked.
    await rows.first().getByTestId('conversation-link').click();
    await page.waitForURL(/\/admin\/conversations\/web-misread$/);
    const turn = page.getByTestId('turn').first();
    expect(await turn.getByTestId('user-text').innerText()).toContain('［伏字］');
    expect(await page.content()).not.toContain('Abc123!x');
    const predicted = await turn.getByTestId('turn-intent').getAttribute('data-intent');
    expect(predicted).toBeTruthy();

    // Mark it misunderstood with the right intent.
    const right = predicted === 'mail_not_arriving' ? 'error_send' : 'mail_not_arriving';
    await turn.getByTestId('mark').click();
    await turn.getByTestId('annotate-intent').selectOption(right);
    await turn.locator('input[name=note]').fill('相手に届かない = 届かない系');
    await turn.getByTestId('annotate-save').click();
    await expect.poll(() => page.getByTestId('annotation').count()).toBe(1);
    expect(await page.getByTestId('annotation').getAttribute('data-intent')).toBe(right);
    await page.screenshot({ path: shot('conversation'), fullPage: true });
    expect((await app.core.transcripts.allAnnotations()).map((a) => [a.conversation, a.seq, a.intent])).toEqual([['web-misread', 1, right]]);

    // The escalated conversation shows its ticket and the status change.
    await page.goto(`${app.url}/admin/conversations/web-escalated`);
    expect(await page.getByTestId('ticket-link').innerText()).toMatch(/MM-\d{8}-\d{4}/);
    expect(await page.getByTestId('event-ticket').count()).toBe(1);

    // Back to the list filtered to annotated conversations.
    await page.getByTestId('back').click();
    await page.getByTestId('f-text').fill('');
    await page.getByTestId('f-annotated').check();
    await page.getByTestId('f-submit').click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe('web-misread');

    // Analytics: real numbers from these conversations, and the charts.
    await page.getByTestId('nav-analytics').click();
    await page.waitForURL(/\/admin\/analytics/);
    expect(await page.getByTestId('kpi-total').locator('b').innerText()).toBe('4');
    expect(await page.getByTestId('kpi-resolution').locator('b').innerText()).toBe('25.0%');
    expect(await page.getByTestId('kpi-escalation').locator('b').innerText()).toBe('25.0%');
    expect(await page.getByTestId('kpi-abandonment').locator('b').innerText()).toBe('50.0%');
    expect(await page.getByTestId('kpi-annotated').locator('b').innerText()).toBe('1');
    const funnel = page.getByTestId('funnel-chart');
    expect(await funnel.isVisible()).toBe(true);
    expect(await funnel.locator('.row').count()).toBeGreaterThanOrEqual(3);
    const box = await funnel.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(400);
    expect(await page.getByTestId('per-day-chart').locator('rect[fill]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('symptom-chart').locator('g.row, a.row').count()).toBeGreaterThan(0);
    await page.screenshot({ path: shot('analytics'), fullPage: true });

    // English on request.
    await page.goto(`${app.url}/admin/analytics?lang=en`);
    expect(await page.locator('h1').first().innerText()).toBe('Analytics');
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it("keeps the analytics' filter (a chip) when the list is searched again, and drops it on reset", async () => {
    const page = await open('/admin');
    await page.getByTestId('token').fill(TOKEN);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('f-submit').waitFor();
    // As linked from the analytics: only the abandoned conversations, shown as a chip.
    await page.goto(`${app.url}/admin?outcome=abandoned`);
    const rows = page.getByTestId('conversation-row');
    const ids = async () => (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).sort();
    await expect.poll(ids).toEqual(['web-misread', 'web-quiet']);
    expect(await page.getByTestId('chip-outcome').count()).toBe(1);
    // Searching again (the same filters, no text) keeps the chip's filter: it listed all four.
    await page.getByTestId('f-submit').click();
    await expect.poll(() => page.locator('#results').getAttribute('data-filtered')).toBe('1');
    expect(await ids()).toEqual(['web-misread', 'web-quiet']);
    // Reset clears everything, the chip too.
    await page.locator('#f-reset').click();
    await expect.poll(() => rows.count()).toBe(4);
    expect(await page.getByTestId('chip-outcome').count()).toBe(0);
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
