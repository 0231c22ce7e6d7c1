/**
 * Round 14 (conv-14): wording that follows the app chosen — an au or Outlook user on Android is never sent to the
 * Gmail app when re-entering a changed password.
 */
import { describe, expect, it } from 'vitest';
import { loadDialogs } from '../../src/data/load.js';
import type { StepContext } from '../../src/dialog/types.js';
import { Convo, i18n, nlu } from './helpers.js';

const { tree } = loadDialogs();
const ctx = (): StepContext => ({ tree: tree!, i18n });

describe('re-entering the password on Android names the app of the account', () => {
  for (const locale of ['ja', 'en'] as const) {
    it(`au mail after a password change (${locale}): the au mail app, not Gmail`, () => {
      const c = new Convo(ctx(), { locale });
      c.say('au', nlu('error_cannot_fetch', { carrier: 'au', device: 'android', trigger: 'password_change' }, locale));
      expect(c.state?.node).toBe('chg_update_both_android');
      // The step itself (the walk's opening line names iCloud and Gmail for what a password change does to app passwords).
      const text = c.rendered.filter((r) => r.key === 'tree.chg_update_both_android.say').map((r) => r.text).join('\n');
      expect(text).toMatch(/au/);
      expect(text).not.toMatch(/Gmail/);
    });
    // Round 29 (trial-ja-29): a company account has no incoming/outgoing passwords to re-type in the Outlook app — the
    // auth walk goes to the company-mail checks (portal sign-in first), never the IMAP/SMTP re-entry, and not the Gmail app.
    it(`company Outlook, password error (${locale}): the company checks, not the IMAP/SMTP re-entry nor Gmail`, () => {
      const c = new Convo(ctx(), { locale });
      c.say('outlook', nlu('error_auth', { service: 'outlook', device: 'android' }, locale));
      // outlook-36: "Outlook" alone asks company or personal first (work_mail.yaml wm_portal_kind).
      expect(c.state?.node).toBe('wm_portal_kind');
      c.click('company');
      expect(c.state?.node).toBe('wm_portal');
      expect(c.rendered.map((r) => r.key)).not.toContain('tree.auth_reenter_android_app.say');
      const text = c.rendered.map((r) => r.text).join('\n');
      expect(text).not.toMatch(/Gmail/);
    });
  }
  it('Gmail keeps the Gmail app (its account is signed in again, not re-typed)', () => {
    const c = new Convo(ctx(), { locale: 'en' });
    c.say('gmail', nlu('error_auth', { service: 'gmail', device: 'android' }, 'en'));
    expect(c.state?.node).toBe('auth_reenter_android');
    expect(c.rendered.map((r) => r.text).join('\n')).toMatch(/Gmail app/);
  });
});
