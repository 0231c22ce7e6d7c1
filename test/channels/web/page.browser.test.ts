/**
 * The web chat page in a real headless Chromium against the real server: type a symptom, see buttons, click
 * one, see the next step; IME composition does not send; the conversation survives a reload; 新しい相談 resets;
 * after escalation, messages sent after the turn (ticket delivered, staff) appear without the person typing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../../src/main.js';
import { testEnv } from '../../http/helpers.js';
import { launchChromium } from '../../setup/chromium.js';


let app: App;
let browser: Browser;
let ticketDir: string;
const problems: string[] = [];

/** The log scrolls smoothly: wait until it rests at the bottom before a screenshot. */
const atBottom = (page: Page) =>
  expect
    .poll(() => page.evaluate<boolean>(`(() => { const l = document.getElementById('log'); return l.scrollTop + l.clientHeight >= l.scrollHeight - 2; })()`))
    .toBe(true);

async function openPage(path = '/'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${app.url}${path}`);
  return page;
}

beforeAll(async () => {
  ticketDir = mkdtempSync(join(tmpdir(), 'mm-web-page-'));
  app = await startApp({ env: testEnv({ TICKET_DIR: ticketDir }), port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (ticketDir) rmSync(ticketDir, { recursive: true, force: true });
});

describe('web chat page (Chromium)', () => {
  it('walks from a typed symptom to buttons to the next step, and never sends while an IME is composing', async () => {
    const page = await openPage('/');
    const bot = page.getByTestId('bot-message');
    const user = page.getByTestId('user-message');
    await expect.poll(() => bot.count()).toBe(1);
    const welcomeFirstLine = app.core.i18n.t('web.page.welcome', undefined, 'ja').split('\n')[0]!;
    expect(await bot.first().innerText()).toContain(welcomeFirstLine);

    const input = page.getByTestId('input');
    await input.fill('iPhoneでIMAPサーバーが応答しませんと出ます');
    // Enter that confirms a kana→kanji conversion arrives with isComposing=true: it must not send.
    // (A string runs in the page: this file is type-checked without the DOM library.)
    await page.evaluate(
      `document.getElementById('input').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, cancelable: true }))`,
    );
    await page.waitForTimeout(150);
    expect(await user.count()).toBe(0);
    expect(await input.inputValue()).toBe('iPhoneでIMAPサーバーが応答しませんと出ます');

    await input.press('Enter');
    await expect.poll(() => user.count()).toBe(1);
    expect(await input.inputValue()).toBe('');
    const choices = page.locator('[data-testid=choice]:not([disabled])');
    await expect.poll(() => choices.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const botBefore = await bot.count();

    const button = choices.first();
    const label = await button.innerText();
    await button.click();
    // The click shows as the user's message, the group is disabled with the chosen one marked, the bot answers.
    await expect.poll(() => user.count()).toBe(2);
    expect(await user.last().locator('.bubble').innerText()).toBe(label);
    await expect.poll(() => bot.count(), { timeout: 10_000 }).toBeGreaterThan(botBefore);
    expect(await page.locator('[data-testid=choice].chosen').count()).toBe(1);
    expect(await page.locator('[data-testid=choice].chosen').isDisabled()).toBe(true);
    const next = await bot.last().innerText();
    expect(next.trim().length).toBeGreaterThan(0);
    expect(next).not.toContain(app.core.i18n.t('web.page.network_error', undefined, 'ja'));

    await atBottom(page);
    await page.screenshot({ path: join(tmpdir(), 'mailmedic-web-chat.png'), fullPage: false });

    // Reload: same conversation id, same messages on screen.
    const conversation = await page.evaluate<string | null>(`localStorage.getItem('mailmedic.conversation')`);
    expect(conversation).toMatch(/^web-[0-9a-f]{24}$/);
    const shown = await page.locator('.msg').count();
    await page.reload();
    await expect.poll(() => page.locator('.msg').count()).toBe(shown);
    expect(await page.evaluate<string | null>(`localStorage.getItem('mailmedic.conversation')`)).toBe(conversation);

    // 新しい相談: a new id and a fresh screen with the welcome.
    // A started chat asks before it is closed (accepted here).
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.type());
      void d.accept();
    });
    await page.getByTestId('new-chat').click();
    expect(asked).toEqual(['confirm']);
    await expect.poll(() => page.locator('.msg').count()).toBe(1);
    const fresh = await page.evaluate<string | null>(`localStorage.getItem('mailmedic.conversation')`);
    expect(fresh).not.toBe(conversation);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('shows the ticket number when the conversation is escalated', async () => {
    const page = await openPage('/');
    const input = page.getByTestId('input');
    for (const text of ['担当者と話したい', 'iPhone 15、iOS 18.1、ドコモメール、「メールを取得できません」と出る、今朝9時から毎回です']) {
      const before = await page.getByTestId('bot-message').count();
      await input.fill(text);
      await input.press('Enter');
      await expect.poll(() => page.getByTestId('bot-message').count(), { timeout: 10_000 }).toBeGreaterThan(before);
    }
    // Whatever the hand-off still asks, the "send as is" button files the ticket.
    for (let i = 0; i < 3 && (await page.getByTestId('ticket').count()) === 0; i++) {
      const skip = page.locator('[data-testid=choice][data-value=skip]:not([disabled])');
      if ((await skip.count()) === 0) break;
      const before = await page.getByTestId('bot-message').count();
      await skip.first().click();
      await expect.poll(() => page.getByTestId('bot-message').count(), { timeout: 10_000 }).toBeGreaterThan(before);
    }
    await expect.poll(() => page.getByTestId('ticket').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('ticket').innerText()).toMatch(/MM-\d{8}-\d{4,}/);
    const ticketId = /MM-\d{8}-\d{4,}/.exec(await page.getByTestId('ticket').innerText())![0];

    // Without the person typing, what is sent after the turn shows up like a bot reply: the ticket system's
    // "delivered" news (file sink), then a proactive message (staff), each once.
    const bot = page.locator('[data-testid=bot-message] .bubble');
    const delivered = app.core.i18n.t('handoff.user.delivered', { id: ticketId, ref: '\u0000' }, 'ja').split('\u0000')[0]!;
    await expect.poll(async () => (await bot.allInnerTexts()).filter((x) => x.startsWith(delivered)).length, { timeout: 15_000 }).toBe(1);
    const conversation = await page.evaluate<string>(`localStorage.getItem('mailmedic.conversation')`);
    const users = await page.getByTestId('user-message').count();
    expect(await app.core.sendProactive('web', conversation, [{ key: 'test.staff', text: '担当者（佐藤）：設定画面を確認しました' }])).toBe(true);
    await expect.poll(() => bot.last().innerText(), { timeout: 15_000 }).toBe('担当者（佐藤）：設定画面を確認しました');
    expect(await page.getByTestId('user-message').count()).toBe(users);
    // Reloading shows each of them once: the page remembers its cursor with the log.
    const polls = () => page.waitForResponse((r) => r.url().endsWith('/api/chat/messages'), { timeout: 15_000 });
    const firstPoll = polls();
    await page.reload();
    await firstPoll;
    // The next poll starts only once the first one's answer was handled.
    await polls();
    expect((await bot.allInnerTexts()).filter((x) => x === '担当者（佐藤）：設定画面を確認しました')).toHaveLength(1);
    expect((await bot.allInnerTexts()).filter((x) => x.startsWith(delivered))).toHaveLength(1);

    await atBottom(page);
    await page.screenshot({ path: join(tmpdir(), 'mailmedic-web-ticket.png') });
    await page.close();
    expect(problems).toEqual([]);
  });

  it('a message whose answer was lost on the way is sent again by the page with the same eventId, answered once, never retyped (lose-33)', async () => {
    const page = await openPage('/');
    const sent: Array<Record<string, unknown>> = [];
    let dropped = 0;
    // The first answer never reaches the page: the server processed the turn (route.fetch sends it for real), then the
    // connection is reset — as when a save's reply times out or a phone loses signal.
    await page.route('**/api/chat', async (route) => {
      sent.push(JSON.parse(route.request().postData() ?? '{}'));
      if (dropped === 0) {
        dropped++;
        await route.fetch();
        await route.abort('connectionreset');
        return;
      }
      await route.continue();
    });
    await page.getByTestId('input').fill('iPhoneでIMAPサーバーが応答しませんと出ます');
    await page.getByTestId('input').press('Enter');
    const choices = page.locator('[data-testid=choice]:not([disabled])');
    await expect.poll(() => choices.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(sent.length).toBe(2);
    expect(sent[0]!.eventId).toMatch(/^msg-[0-9a-f]{24}$/);
    expect(sent[1]).toEqual(sent[0]);
    // One message on screen, kept as the server's echo; no "could not be sent"; the answer shown once.
    expect(await page.getByTestId('user-message').count()).toBe(1);
    const texts = await page.locator('[data-testid=bot-message] .bubble').allInnerTexts();
    expect(texts.filter((t) => t === app.core.i18n.t('web.page.network_error', undefined, 'ja'))).toEqual([]);
    expect(new Set(texts.slice(1)).size).toBe(texts.length - 1);
    // Processed once on the server: one turn in the transcript.
    const conversation = await page.evaluate<string>(`localStorage.getItem('mailmedic.conversation')`);
    expect((await app.core.transcripts.turns(conversation)).length).toBe(1);
    await page.close();
    // The reset connection is logged by Chromium as a failed load: expected here, nothing else.
    const mine = problems.filter((p) => /Failed to load resource|ERR_CONNECTION_RESET/.test(p));
    expect(problems.filter((p) => !mine.includes(p))).toEqual([]);
    problems.splice(0, problems.length);
  });

  it('speaks English with ?lang=en', async () => {
    const page = await openPage('/?lang=en');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    const welcome = app.core.i18n.t('web.page.welcome', undefined, 'en').split('\n')[0]!;
    expect(await page.getByTestId('bot-message').first().innerText()).toContain(welcome);
    expect(await page.getByTestId('send').innerText()).toBe(app.core.i18n.t('web.page.send', undefined, 'en'));
    await page.getByTestId('input').fill('I cannot send mail from my iPhone');
    const request = page.waitForRequest((r) => r.url().endsWith('/api/chat') && r.method() === 'POST');
    await page.getByTestId('send').click();
    // The page tells the server its language, so even an ambiguous first message is answered in English.
    expect(JSON.parse((await request).postData() ?? '{}')).toMatchObject({ text: 'I cannot send mail from my iPhone', locale: 'en' });
    await expect.poll(() => page.getByTestId('bot-message').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    await page.close();
    expect(problems).toEqual([]);
  });
});
