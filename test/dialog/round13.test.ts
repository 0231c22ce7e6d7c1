/**
 * Round 13 (conv-13): wording that follows the app and device chosen — the Android close-the-app step names the
 * account's own app (the Outlook app for company Outlook, never "Gmail" for an Outlook user).
 */
import { describe, expect, it } from 'vitest';
import { loadDialogs } from '../../src/data/load.js';
import type { StepContext } from '../../src/dialog/types.js';
import { Convo, i18n, nlu } from './helpers.js';

const { tree } = loadDialogs();
const ctx = (): StepContext => ({ tree: tree!, i18n });

describe('the Android close-the-app step names the app of the account', () => {
  for (const locale of ['ja', 'en'] as const) {
    it(`company Outlook (${locale}): the Outlook app, not Gmail`, () => {
      const c = new Convo(ctx(), { locale });
      c.say('outlook', nlu('error_cannot_fetch', { service: 'outlook', device: 'android' }, locale));
      while (c.state?.node !== 'dev_force_quit_android' && c.values.includes('not_resolved')) c.click('not_resolved');
      expect(c.state?.node).toBe('dev_force_quit_android');
      const text = c.rendered.map((r) => r.text).join('\n');
      expect(text).toMatch(/Outlook/);
      expect(text).not.toMatch(/Gmail/);
    });
  }

  it('Gmail: the Gmail app; nothing known: the general wording', () => {
    const c = new Convo(ctx(), { locale: 'en' });
    c.say('gmail', nlu('error_connect', { service: 'gmail', device: 'android' }, 'en'));
    while (c.state?.node !== 'dev_force_quit_android' && c.values.includes('not_resolved')) c.click('not_resolved');
    expect(c.rendered.map((r) => r.text).join('\n')).toMatch(/the Gmail app/);
  });
});
