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
      // Outlook alone: company or personal is asked first (more-35).
      if (c.state?.node === 'wm_entry') c.click('company');
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

describe('the phone-change walk on an iPad reads iPad or device, never "phone" (en)', () => {
  it('from the first message to the hand-off', () => {
    const c = new Convo(ctx(), { locale: 'en' });
    const texts: string[] = [];
    const take = () => texts.push(...c.rendered.map((r) => [r.text, ...(r.choices ?? []).map((x) => x.label)].join('\n')));
    c.say('I got a new iPad and my mail keeps asking for the password', nlu('migration_device_change', { device: 'ipad' }, 'en'));
    take();
    expect(c.state?.node).toBe('devchg_conflict');
    c.click('setup');
    take();
    c.click('noted');
    take();
    for (let i = 0; i < 8 && c.values.includes('not_resolved'); i++) {
      c.click('not_resolved');
      take();
    }
    const all = texts.join('\n');
    expect(all).toMatch(/new iPad/);
    expect(all).not.toMatch(/\b(?:old|new|the|your|previous) phones?\b|changing phones/i);
  });
});

describe('a step named in a reply is named with its slot words', () => {
  it('「再起動もしました」 at the airplane-mode step names 「iPhoneの再起動」, no {device_name} left', () => {
    const c = new Convo(ctx());
    c.say('auのメールがiPhoneで受信できない、iOSをアップデートした', nlu('error_cannot_fetch', { carrier: 'au', device: 'iphone', trigger: 'os_update' }));
    c.click('not_resolved');
    expect(c.state?.node).toBe('upd_airplane');
    c.say('再起動もしました', { ...nlu('not_resolved'), acts: [{ act: 'did_no_result', confidence: 0.9 }] });
    const text = c.rendered.map((r) => r.text).join('\n');
    expect(text).toContain('iPhone');
    expect(text).not.toMatch(/\{\w+\}/);
  });
});

describe('the VPN explanation follows the device', () => {
  it('an Android user asking "what\'s a VPN?" is told where Android keeps it', () => {
    const c = new Convo(ctx(), { locale: 'en' });
    c.say('Gmail on my Samsung says cannot connect to server', nlu('error_connect', { service: 'gmail', device: 'android', error_message: 'cannot_connect' }, 'en'));
    c.say("what's a VPN?", { ...nlu('out_of_scope', {}, 'en'), acts: [{ act: 'what_is', confidence: 0.95 }] });
    expect(c.keys).toContain('tree.glossary.vpn');
    const text = c.rendered.map((r) => r.text).join('\n');
    expect(text).toMatch(/Android: Settings › Network & internet › VPN/);
    expect(text).not.toMatch(/\{\w+\}/);
  });
});

describe('light steps before destructive ones: the outbox step keeps what is still needed', () => {
  for (const locale of ['ja', 'en'] as const) {
    it(`asks to copy an unsent message before deleting it (${locale})`, () => {
      const c = new Convo(ctx(), { locale });
      c.say(locale === 'ja' ? 'メールが送れない' : "can't send mail", nlu('error_send', { carrier: 'softbank', device: 'iphone' }, locale));
      c.click('send');
      for (let i = 0; i < 6 && c.state?.node !== 'dev_outbox'; i++) c.click('not_resolved');
      expect(c.state?.node).toBe('dev_outbox');
      expect(c.rendered.map((r) => r.text).join('\n')).toMatch(locale === 'ja' ? /控えて（コピーして）から削除/ : /first copy anything you still need/);
    });
  }
});

describe('restart steps read "your iPhone" / "your device" in English', () => {
  it('"Restart your iPhone", never "Restart iPhone."', () => {
    const c = new Convo(ctx(), { locale: 'en' });
    c.say("can't send from my hotmail on iphone", nlu('error_send', { service: 'outlook', device: 'iphone' }, 'en'));
    for (let i = 0; i < 4 && c.state?.node !== 'dev_restart'; i++) c.click(c.values.includes('send') ? 'send' : 'not_resolved');
    expect(c.state?.node).toBe('dev_restart');
    const text = c.rendered.map((r) => r.text).join('\n');
    expect(text).toMatch(/Restart your iPhone\./);
  });
});
