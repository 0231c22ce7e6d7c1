/**
 * Round 31 (staff-32), the review page in headless Chromium against the real server (real Redis):
 * - a keyboard user needed 27 Tab stops (nav, every date field, every filter) before the first conversation row; now the
 *   first Tab stop of every /admin page is 「本文へスキップ」 / "Skip to content", and the list adds 「会話一覧へスキップ」:
 *   Tab, Tab, Enter, Tab reaches the first row;
 * - /admin/improve at 375 px overflowed sideways by 33 px; now nothing is wider than the viewport.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';
import { leadBrowser } from './lead-browser.js';

const lead = leadServer('lead-keyboard-token-0123456789', 'leadkeys', { TIME_ZONE: 'Asia/Tokyo' });
const browser = leadBrowser(lead, { width: 1360, height: 800 });

beforeAll(async () => {
  await lead.start();
  // Messages the improve queue lists (low confidence, not understood) and a hand-off, so the pages have rows.
  await lead.say('kb-1', { text: 'auのメールが送れない' });
  await lead.say('kb-1', { text: '担当者と話したい' });
  await lead.say('kb-1', { text: 'iPhone 15、iOS 18.1、今朝9時から毎回です' });
  await lead.say('kb-2', { text: 'Gmailが同期しない' });
  await lead.say('kb-2', { text: 'わかりません' });
  await lead.say('kb-3', { text: 'メールがおかしい' });
  await lead.say('kb-3', { text: 'パスワードは Hunter2024x です' });
  await lead.settled((all) => all.length >= 3);
  await browser.launch();
}, 90_000);
afterAll(async () => {
  await browser.close();
  await lead.stop();
});

const open = browser.open;
// Evaluated in the page (strings: this project's TypeScript has no DOM library).
const focused = async (page: Page) => (await page.evaluate('document.activeElement?.dataset?.testid ?? document.activeElement?.tagName ?? ""')) as string;

describe('keyboard: skip to content', () => {
  it('reaches the first conversation row in four keys from the top of the list', async () => {
    const page = await open('/admin', 1360);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('skip-main');
    expect(await page.getByTestId('skip-main').isVisible()).toBe(true);
    expect(await page.getByTestId('skip-main').innerText()).toBe('本文へスキップ');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('skip-to');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('conversation-link');
  });
  it('skips the header on every other page too (English)', async () => {
    for (const path of ['/admin/analytics?lang=en', '/admin/improve?lang=en', '/admin/dead-letters?lang=en']) {
      const page = await open(path, 1360);
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('skip-main');
      expect(await page.getByTestId('skip-main').innerText()).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate('document.activeElement?.id')).toBe('main');
      if (path.includes('dead-letters')) continue; // nothing to focus there without failed tickets
      await page.keyboard.press('Tab');
      // Past the header: the next stop is inside <main>.
      expect(await page.evaluate('!!document.activeElement?.closest("main")'), `${path}: ${String(await page.evaluate('document.activeElement?.outerHTML.slice(0, 120)'))}`).toBe(true);
    }
  });
});

const WIDE_TEXT = `(() => { const out = []; const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); let n;
  while ((n = w.nextNode())) { const r = document.createRange(); r.selectNodeContents(n); const b = r.getBoundingClientRect();
    if (b.right > 376 && !n.parentElement?.closest('.table-wrap')) out.push(n.parentElement?.tagName + ' ' + Math.round(b.right) + ' ' + n.textContent.slice(0, 60)); }
  return out.join(' | '); })()`;

describe('375 px', () => {
  it('/admin/improve (and analytics) does not overflow sideways (ja and en)', async () => {
    for (const path of ['/admin/improve', '/admin/improve?lang=en', '/admin/analytics', '/admin/analytics?lang=en']) {
      const page = await open(path, 375);
      expect(await page.locator('main h1').count()).toBe(1);
      const wide = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      // On failure, say which text sticks out (outside the tables, which scroll inside their card).
      const out = wide > 375 ? await page.evaluate(WIDE_TEXT) : '';
      expect(wide, `${path}: ${String(out)}`).toBeLessThanOrEqual(375);
    }
  });
});
