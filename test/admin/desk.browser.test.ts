/**
 * The staff workflow in a real headless Chromium against the real server (the real mounts, /admin with its desk):
 * a person writes in the web chat; staff log in to /admin, take the conversation over, reply, see the reply arrive
 * in the person's web chat (through its mailbox), hand back; correct an entity and add the phrase to training; the
 * corrections file has it; the list opens from a filter URL. Screenshots of each step go to a temporary directory, or to
 * docs/screenshots/ with SCREENSHOTS=docs (`SCREENSHOTS=docs npx vitest run test/admin/desk.browser.test.ts`), so a test run
 * never rewrites the committed pictures.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/main.js';
import { testEnv } from '../http/helpers.js';
import { launchChromium } from '../setup/chromium.js';

const TOKEN = 'desk-browser-admin-token-0123456789';
const SHOTS = process.env.SCREENSHOTS === 'docs' ? resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots') : join(tmpdir(), 'mailmedic-screenshots');
const shot = (name: string) => join(SHOTS, `staff-${name}.png`);

let app: App;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = await startApp({
    env: testEnv({ ADMIN_TOKEN: TOKEN, TICKET_DIR: join(tmpdir(), 'mailmedic-desk-browser-tickets') }),
    port: 0,
    host: '127.0.0.1',
  });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function newPage(width = 1360, height = 900): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return page;
}

describe('staff workflow (Chromium)', () => {
  it('takes over a web chat, replies into it, hands back, corrects an entity and adds the phrase to training', async () => {
    // The person, in the web chat.
    const person = await newPage(420, 800);
    await person.goto(`${app.url}/`);
    await person.getByTestId('input').fill('iPadでGmailが受信できません');
    await person.getByTestId('send').click();
    const log = person.getByTestId('log');
    await expect.poll(async () => (await log.innerText()).length, { timeout: 15_000 }).toBeGreaterThan(40);
    const conversation = (await person.evaluate('localStorage.getItem("mailmedic.conversation")')) as string | null;
    expect(conversation).toBeTruthy();
    for (let i = 0; i < 100 && !(await app.core.transcripts.summary(conversation as string)); i++) await new Promise((r) => setTimeout(r, 20));

    // Staff log in and open the conversation.
    const staff = await newPage();
    await staff.goto(`${app.url}/admin/conversations/${encodeURIComponent(conversation as string)}`);
    await staff.getByTestId('token').fill(TOKEN);
    await staff.getByTestId('login-submit').click();
    await expect.poll(() => staff.getByTestId('staff-name').count(), { timeout: 15_000 }).toBe(1);
    await staff.getByTestId('staff-name').fill('佐藤');
    await staff.getByTestId('staff-name').dispatchEvent('change');
    await staff.screenshot({ path: shot('1-conversation'), fullPage: true });

    // Take over: the person is told; the bot stays quiet while held.
    await staff.getByTestId('takeover').click();
    await expect.poll(() => staff.getByTestId('held-by').count()).toBe(1);
    expect(await staff.getByTestId('held-by').innerText()).toContain('佐藤');
    await expect.poll(() => log.innerText(), { timeout: 15_000 }).toContain('担当者（佐藤）が会話を引き継ぎました');
    const quiet = await fetch(`${app.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversation, text: 'よろしくお願いします' }),
    }).then((r) => r.json() as Promise<{ replies: unknown[] }>);
    expect(quiet.replies).toEqual([]);

    // Reply from /admin: it reaches the person's web chat, and it is in the transcript.
    await staff.getByTestId('reply-text').fill('設定アプリの「メール」→「アカウント」を開いてみてください');
    await staff.getByTestId('reply-send').click();
    await expect.poll(() => log.innerText(), { timeout: 15_000 }).toContain('設定アプリの「メール」→「アカウント」を開いてみてください');
    await expect.poll(() => staff.getByTestId('sent-message').count()).toBeGreaterThanOrEqual(2);
    expect(await staff.content()).toContain('よろしくお願いします');
    await person.screenshot({ path: shot('2-web-chat') });
    await staff.screenshot({ path: shot('3-taken-over'), fullPage: true });

    // An internal note: on the page, never in the web chat.
    await staff.getByTestId('note-text').fill('iPad の方。iPhone の手順が出ていた');
    await staff.getByTestId('note-save').click();
    await expect.poll(() => staff.getByTestId('event-note').count()).toBe(1);

    // Hand back: the person is told, and the bot answers again.
    await staff.getByTestId('handback').click();
    await expect.poll(() => staff.getByTestId('takeover').count()).toBe(1);
    await expect.poll(() => log.innerText(), { timeout: 15_000 }).toContain('Bot に戻りました');
    expect(await log.innerText()).not.toContain('iPhone の手順が出ていた');

    // Correct an entity of the first turn and add its phrase to training.
    const first = staff.getByTestId('turn').first();
    await first.getByTestId('mark').click();
    await first.getByTestId('annotate-entity').selectOption('device');
    await first.getByTestId('annotate-entity-value').fill('ipad');
    await first.getByTestId('annotate-train').check();
    await first.getByTestId('annotate-save').click();
    await expect.poll(() => staff.getByTestId('annotation').count()).toBe(1);
    expect(await staff.getByTestId('annotation-entities').innerText()).toContain('device = ipad');
    expect(await staff.getByTestId('annotation-train').count()).toBe(1);
    // Only the opened form shows: the other turns' forms stay hidden.
    expect(await staff.locator('form.annotate:visible').count()).toBe(0);
    await staff.getByTestId('mark-reviewed').click();
    await expect.poll(() => staff.getByTestId('fact-review').getAttribute('data-state')).toBe('reviewed');
    await staff.screenshot({ path: shot('4-corrected'), fullPage: true });

    // The corrections file the page downloads holds the phrase (the same bytes as export --corrections).
    const yaml = await fetch(`${app.url}/admin/api/corrections`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.text());
    expect(yaml).toContain('iPadでGmailが受信できません');

    // The improvement page and the list from a filter URL (what a funnel bar opens).
    await staff.goto(`${app.url}/admin/improve?below=1`);
    await expect.poll(() => staff.getByTestId('improve-row').count()).toBeGreaterThanOrEqual(1);
    await staff.screenshot({ path: shot('5-improve'), fullPage: true });
    await staff.goto(`${app.url}/admin?channel=web`);
    expect(await staff.getByTestId('conversation-row').count()).toBeGreaterThanOrEqual(1);

    // A funnel bar on the analytics page opens the conversations behind it.
    await staff.goto(`${app.url}/admin/analytics`);
    const bar = staff.getByTestId('funnel-chart').locator('a.row').first();
    const href = await bar.getAttribute('href');
    expect(href).toMatch(/[?&]node=/);
    await bar.click();
    await staff.waitForURL((u) => u.searchParams.has('node'));
    expect(await staff.getByTestId('conversation-row').count()).toBeGreaterThanOrEqual(1);

    // Phone width: the section links stay reachable.
    const phone = await browser.newContext({ viewport: { width: 390, height: 800 } });
    await phone.addCookies(await staff.context().cookies());
    const small = await phone.newPage();
    await small.goto(`${app.url}/admin`);
    expect(await small.getByTestId('nav-analytics').isVisible()).toBe(true);
    expect(await small.getByTestId('nav-dead').isVisible()).toBe(true);
    await small.screenshot({ path: shot('6-phone') });
    await phone.close();

    expect(problems).toEqual([]);
  }, 120_000);
});
