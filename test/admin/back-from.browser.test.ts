/**
 * Round 37 (staff-37), in headless Chromium against the real server (real Redis): a lead narrows the improve queue with its
 * form (only 「理解できなかった」, the last 7 days), opens a repeated line's occurrence, reads the conversation at that turn
 * and comes back by the page's own link — to the same queue, the form as they left it (it was the whole conversation list).
 * Team-written lines (the opening of improve-node.test.ts).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';
import { leadBrowser } from './lead-browser.js';

const lead = leadServer('back-from-browser-token-0123456789', 'backfromb');
const browser = leadBrowser(lead, { width: 1280, height: 700 });

beforeAll(async () => {
  await lead.start();
  for (const id of ['fb-1', 'fb-2']) {
    expect((await lead.say(id, { text: 'it says cannot connect to server on my iphone' })).node).toBe('net_airplane');
    expect((await lead.say(id, { action: 'not_resolved' })).node).toBe('net_switch');
    await lead.say(id, { text: 'my cat is orange' });
  }
  await lead.settled((all) => ['fb-1', 'fb-2'].every((id) => (all.find((s) => s.id === id)?.turns ?? 0) >= 3));
  await browser.launch();
}, 90_000);
afterAll(async () => {
  await browser.close();
  await lead.stop();
});

const open = browser.open;

describe('back to the improve queue', () => {
  it('an occurrence opened from a narrowed queue comes back to that queue', async () => {
    const page = await open('/admin/improve');
    for (const r of ['low_confidence', 'clarification', 'flagged']) await page.getByTestId(`improve-${r}`).uncheck();
    await page.getByTestId('improve-days').selectOption('7');
    await Promise.all([page.waitForURL(/\/admin\/improve\?.*days=7/), page.getByTestId('improve-form').locator('button[type=submit]').click()]);
    const queue = page.url();
    await page.getByTestId('improve-occurrence').last().click();
    await page.waitForURL(/\/admin\/conversations\/fb-[12]\?back=.*#turn-3$/);
    // Opened at the turn: it is on screen.
    await expect.poll(() => page.locator('#turn-3').evaluate((el: any) => el.getBoundingClientRect().top < (globalThis as any).innerHeight)).toBe(true);
    expect(await page.getByTestId('back').innerText()).toBe('← Bot の改善へ');
    await page.getByTestId('back').click();
    await page.waitForURL((u) => u.pathname === '/admin/improve');
    // The same queue (the form also sends its empty dates; the link writes the query in its own order).
    const params = (u: string) => [...new URL(u).searchParams].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).sort();
    expect(params(page.url())).toEqual(params(queue));
    expect(params(queue)).toEqual(['below=0.5', 'days=7', 'reason=fallback']);
    expect(await page.getByTestId('improve-fallback').isChecked()).toBe(true);
    expect(await page.getByTestId('improve-low_confidence').isChecked()).toBe(false);
    expect(await page.getByTestId('improve-days').inputValue()).toBe('7');
    expect(await page.getByTestId('improve-occurrence').count()).toBe(2);
  });
});
