/**
 * Round 36 (back-36), in headless Chromium against the real server (real Redis): the conversation's back link returns to
 * the list it was opened from. The free text never goes in a URL, so the back link's list (?status=active) gets it back
 * from the session as the browser's back button does; a list filtered by a node opens the conversation scrolled to the
 * turn that reached the node. Team-written lines.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadServer } from './client.js';
import { leadBrowser } from './lead-browser.js';

const lead = leadServer('back-list-browser-token-0123456789', 'backlistb');
const browser = leadBrowser(lead, { width: 1280, height: 600 });

beforeAll(async () => {
  await lead.start();
  expect((await lead.say('bb-1', { text: 'it says cannot connect to server on my iphone' })).node).toBe('net_airplane');
  expect((await lead.say('bb-1', { action: 'not_resolved' })).node).toBe('net_switch');
  for (let i = 0; i < 6; i++) await lead.say('bb-1', { text: `my cat is orange ${i}` });
  await lead.say('bb-2', { text: 'my dog is brown' });
  await lead.settled((all) => (all.find((s) => s.id === 'bb-1')?.turns ?? 0) >= 8 && all.some((s) => s.id === 'bb-2'));
  await browser.launch();
}, 90_000);
afterAll(async () => {
  await browser.close();
  await lead.stop();
});

const open = browser.open;

describe('back to the filtered list', () => {
  it('a status and a free text: the link keeps the status, the session the text', async () => {
    const page = await open('/admin');
    const rows = page.getByTestId('conversation-row');
    await page.getByTestId('f-status').selectOption('active');
    await page.getByTestId('f-text').fill('cat');
    await page.getByTestId('f-submit').click();
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().getByTestId('conversation-link').click();
    await page.waitForURL(/\/admin\/conversations\/bb-1\?status=active$/);
    expect(await page.getByTestId('back').innerText()).toBe('← 絞り込んだ一覧へ');
    await page.getByTestId('back').click();
    await page.waitForURL(/\/admin\?status=active$/);
    await expect.poll(() => page.getByTestId('f-text').inputValue()).toBe('cat');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await page.getByTestId('f-status').inputValue()).toBe('active');
  });

  it('a node: opens at the turn that reached it (en)', async () => {
    const page = await open('/admin?node=net_switch&lang=en');
    await page.getByTestId('conversation-link').first().click();
    await page.waitForURL(/\/admin\/conversations\/bb-1\?node=net_switch&lang=en#reached$/);
    const reached = page.locator('[data-reached="1"]');
    expect(await reached.getAttribute('data-seq')).toBe('2');
    expect(await reached.getByTestId('reached-flag').innerText()).toMatch(/^Reached “.*” here/);
    expect(await page.evaluate('scrollY')).toBeGreaterThan(0);
    // Below the sticky top bar, not under it.
    const bar = await page.locator('.top').evaluate((el: any) => el.getBoundingClientRect().bottom as number);
    await expect.poll(() => reached.evaluate((el: any, top: number) => { const r = el.getBoundingClientRect(); return r.top >= top && r.top < (globalThis as any).innerHeight / 2; }, bar)).toBe(true);
    await page.getByTestId('back').click();
    await page.waitForURL(/\/admin\?node=net_switch&lang=en$/);
    expect(await page.getByTestId('chip-node').count()).toBe(1);
  });
});
