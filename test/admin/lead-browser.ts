/**
 * The lead's browser for the Chromium tests of the review page: one headless Chromium, each page in its own context
 * carrying the lead's bearer token (so pages never share a session), all closed together.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../setup/chromium.js';
import type { leadServer } from './client.js';

export function leadBrowser(lead: ReturnType<typeof leadServer>, viewport: { width: number; height: number }) {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  return {
    async launch(): Promise<void> {
      browser = await launchChromium();
    },
    /** A fresh page at `path`, `width` wide (the viewport's by default). */
    async open(path: string, width = viewport.width): Promise<Page> {
      const context = await browser!.newContext({ viewport: { ...viewport, width }, deviceScaleFactor: 1, extraHTTPHeaders: lead.bearer });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${lead.app.url}${path}`);
      return page;
    },
    async close(): Promise<void> {
      for (const c of contexts) await c.close();
      await browser?.close();
    },
  };
}
