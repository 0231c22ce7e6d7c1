/**
 * Round 16 (conv-16): the browser a step names follows the device — Chrome on Android, Safari on an iPhone or iPad,
 * both only when the device is not known.
 */
import { describe, expect, it } from 'vitest';
import { loadDialogs } from '../../src/data/load.js';
import type { StepContext } from '../../src/dialog/types.js';
import { Convo, i18n, nlu } from './helpers.js';

const { tree } = loadDialogs();
const ctx = (): StepContext => ({ tree: tree!, i18n });

function toPortal(locale: 'ja' | 'en', device: 'android' | 'iphone'): string {
  const c = new Convo(ctx(), { locale });
  c.say('work outlook', nlu('error_cannot_fetch', { service: 'outlook', device }, locale));
  for (let i = 0; i < 6 && c.state?.node !== 'wm_portal'; i++) c.click('not_resolved');
  expect(c.state?.node).toBe('wm_portal');
  return c.rendered.filter((r) => r.key === 'tree.wm_portal.say').map((r) => r.text).join('\n');
}

describe('the company-portal step names the browser of the device', () => {
  for (const locale of ['ja', 'en'] as const) {
    it(`Android (${locale}): Chrome, not Safari`, () => {
      const text = toPortal(locale, 'android');
      expect(text).toMatch(/Chrome/);
      expect(text).not.toMatch(/Safari/);
    });
    it(`iPhone (${locale}): Safari, not Chrome`, () => {
      const text = toPortal(locale, 'iphone');
      expect(text).toMatch(/Safari/);
      expect(text).not.toMatch(/Chrome/);
    });
  }
});
