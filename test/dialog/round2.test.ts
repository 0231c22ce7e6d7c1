/**
 * Conversation-quality round 2 on the real tree: "this step doesn't apply to me" (recorded as skipped, not as
 * still broken), Android wording for the light steps and password re-entry, a language switch mid-question,
 * passwords kept out of the ticket, and replies short enough to read on a phone in Slack / Teams.
 */
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../src/core/index.js';
import { loadDialogs, loadLocales } from '../../src/data/load.js';
import type { StepContext } from '../../src/dialog/types.js';
import { Convo, i18n, nlu } from './helpers.js';

const { tree } = loadDialogs();
const ctx = (): StepContext => ({ tree: tree!, i18n });

/** A single chat message longer than this is too long to read on a phone in Slack / Teams. */
const MAX_REPLY = 1500;

describe('"does not apply" answers', () => {
  // Which replies read as "does not apply" is the act model's (test/nlu/replies.test.ts); here: what the engine does.
  it('skips the VPN step, records it as skipped and goes on', () => {
    const c = new Convo(ctx(), { locale: 'en' });
    c.say('Cannot connect to server on my iPhone', nlu('error_connect', { error_message: 'cannot_connect', device: 'iphone' }, 'en'));
    expect(c.state?.node).toBe('net_airplane');
    c.click('not_resolved');
    c.click('not_resolved');
    expect(c.state?.node).toBe('net_vpn');
    expect(c.values).toContain('n_a');
    c.say("I don't use a VPN", nlu('deny', {}, 'en'));
    expect(c.keys[0]).toBe('engine.step_skipped');
    expect(c.state?.node).toBe('net_portal');
    expect(c.state?.stepsTried.map((s) => [s.node, s.result])).toEqual([
      ['net_airplane', 'not_resolved'],
      ['net_switch', 'not_resolved'],
      ['net_vpn', 'skipped'],
    ]);
    c.click('n_a');
    expect(c.state?.node).toBe('net_router');
    expect(c.state?.stepsTried.at(-1)?.result).toBe('skipped');
  });

  it('a step said not to apply up front is skipped later and recorded once', () => {
    const c = new Convo(ctx());
    c.say('VPN使ってないんですが、iPhoneでサーバーに接続できませんと出ます', {
      ...nlu('error_connect', { error_message: 'cannot_connect', device: 'iphone' }),
      // The act model's ranking: the whole message is no reply act; its first clause says "does not apply".
      acts: [{ act: 'other', confidence: 0.9 }, { act: 'not_applicable', confidence: 0.8 }],
    });
    expect(c.state?.slots.done_vpn).toBe('yes');
    c.click('not_resolved');
    c.click('not_resolved');
    expect(c.state?.node).toBe('net_portal');
    // Recorded under one of the VPN steps (int_vpn / net_vpn share the title), once, as skipped.
    expect(c.state?.stepsTried.filter((s) => /vpn/.test(s.node)).map((s) => s.result)).toEqual(['skipped']);
  });

  it('a n_a click at a step without `na` is refused as stale', () => {
    const c = new Convo(ctx());
    c.say('iPhoneでサーバーに接続できません', nlu('error_connect', { error_message: 'cannot_connect', device: 'iphone' }));
    expect(c.values).not.toContain('n_a');
    c.click('n_a');
    expect(c.keys[0]).toBe('engine.stale_choice');
    expect(c.state?.node).toBe('net_airplane');
  });
});

describe('Android wording', () => {
  it('Android users get the Android variants of the light steps and password re-entry', () => {
    const c = new Convo(ctx(), { locale: 'en' });
    c.say('Gmail on my Android says password incorrect', nlu('error_auth', { service: 'gmail', device: 'android', error_message: 'password_incorrect' }, 'en'));
    expect(c.state?.node).toBe('auth_reenter_android');
    expect(c.rendered.map((r) => r.text).join('\n')).not.toMatch(/iPhone|Settings › Mail/);
    const d = new Convo(ctx(), { locale: 'en' });
    d.say('cannot connect on my Pixel', nlu('error_connect', { device: 'android' }, 'en'));
    expect(d.state?.node).toBe('net_airplane_android');
    d.click('not_resolved');
    expect(d.state?.node).toBe('net_switch_android');
  });

  it('iPhone users keep the iPhone steps; an unknown device is asked once, before the first device-specific step', () => {
    const c = new Convo(ctx());
    c.say('iPhoneでサーバーに接続できません', nlu('error_connect', { device: 'iphone' }));
    expect(c.state?.node).toBe('net_airplane');
    const d = new Convo(ctx());
    d.say('サーバーに接続できません', nlu('error_connect'));
    expect(d.state?.node).toBe('net_device');
    expect(d.values).toEqual(['iphone', 'android', 'ipad']);
    d.click('android');
    expect(d.state?.node).toBe('net_airplane_android');
    expect(d.state?.slots.device).toBe('android');
    // Known from here on: the device light steps later in the route are not preceded by the question again.
    for (let i = 0; i < 5; i++) d.click('not_resolved');
    expect(d.state?.node).toBe('dev_restart_android');
  });

  it('no Android variant text names the iPhone or its menus', () => {
    const { messages } = loadLocales();
    for (const locale of LOCALES)
      for (const [k, v] of messages[locale]) if (/_android\./.test(k)) expect(v, `${locale} ${k}`).not.toMatch(/iPhone|Safari|設定 › メール|Settings › Mail/);
  });
});

describe('language, passwords, length', () => {
  it('switching to English mid-question shows the question again in English', () => {
    const c = new Convo(ctx());
    c.say('iPhoneのGmailで送信できない', nlu('error_send', { service: 'gmail', device: 'iphone' }));
    expect(c.state?.node).toBe('dev_restart');
    c.say('Actually, can we switch to English? Sending fails with Gmail', nlu('error_send', { service: 'gmail' }, 'en'));
    expect(c.state?.locale).toBe('en');
    expect(c.keys).toEqual(['tree.dev_restart.say']);
  });

  it('"Hi" on its own starts in English', () => {
    const c = new Convo(ctx(), { locale: 'ja' });
    c.say('Hi', nlu('greeting', {}, 'en'));
    expect(c.state?.locale).toBe('en');
  });

  it('a password typed in a message is masked, warned about and kept out of the ticket', () => {
    const c = new Convo(ctx());
    c.say('パスワードはabc12345です。ログインできません iCloud', nlu('error_auth', { service: 'icloud' }));
    expect(c.keys[0]).toBe('engine.no_password');
    c.click('human');
    const out = c.say('iPhone 15、iOS 18.1、昨日から毎回', nlu('out_of_scope', { device: 'iphone' }));
    expect(out.effects.some((e) => e.type === 'ticket')).toBe(true);
    expect(JSON.stringify(out.effects)).not.toContain('abc12345');
    expect(JSON.stringify(c.ticket)).not.toContain('abc12345');
    expect(JSON.stringify(c.state)).not.toContain('abc12345');
  });

  it(`every tree and engine message fits in ${MAX_REPLY} characters (one phone screen in Slack / Teams)`, () => {
    const { messages } = loadLocales();
    for (const locale of LOCALES)
      for (const [k, v] of messages[locale]) if (/^(?:tree|engine)\./.test(k)) expect(v.length, `${locale} ${k}`).toBeLessThanOrEqual(MAX_REPLY);
  });
});
