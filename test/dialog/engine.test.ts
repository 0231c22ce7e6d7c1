import { describe, expect, it } from 'vitest';
import { CodedError, ErrorCode } from '../../src/core/index.js';
import { MAX_HOPS, holds, step } from '../../src/dialog/engine.js';
import { ticketSchema } from '../../src/dialog/ticket.js';
import { Convo, FIXTURE, TEST_TICKET_ID, ctxFor, fixtureTree, meta, nlu, tree, withAct } from './helpers.js';

describe('step(): first turn', () => {
  it('goes straight to the entry of a symptom and never asks for a carrier already given', () => {
    const c = new Convo();
    const out = c.say('iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる', nlu('error_auth', { device: 'iphone', carrier: 'docomo', error_message: 'password_incorrect' }));
    expect(out.state.node).toBe('docomo_step');
    expect(out.state.slots).toMatchObject({ device: 'iphone', carrier: 'docomo', cause: 'auth' });
    expect(out.state.errorText).toBe('IMAPアカウントのパスワードが正しくありません');
    expect(out.state.cause).toBe('auth');
    expect(out.state.intent).toBe('error_auth');
    expect(out.intent).toBe('error_auth');
  });

  it('keeps the whole message as the error text when nothing is quoted', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect', { error_message: 'cannot_connect' }));
    expect(c.state!.errorText).toBe('サーバーに接続できません');
    expect(c.state!.cause).toBe('network');
  });

  it('does not take a password label sent alone (「パスワードは」) as the error text, and masks the value sent after it (rob-20)', () => {
    const c = new Convo();
    c.say('パスワードは', nlu('error_auth', { carrier: 'au' }));
    expect(c.state!.errorText).toBeUndefined();
    c.say('hunter', nlu('out_of_scope'));
    expect(c.keys).toContain('engine.no_password');
    expect(JSON.stringify(c.state)).not.toContain('hunter');
  });

  it('starts at the menu for a greeting, saying hello first; the menu shown again does not greet again', () => {
    const c = new Convo();
    c.say('こんにちは', nlu('greeting'));
    expect(c.state!.node).toBe('menu');
    expect(c.keys).toEqual(['engine.hello', 'fx.menu']);
    expect(c.values).toEqual(['auth', 'net']);
    c.say('iOS 18.2です', { ...nlu('out_of_scope'), entities: { os_version: '18.2' } });
    expect(c.keys).not.toContain('engine.hello');
  });

  it('explains what it does for an out-of-scope first message, then shows the menu', () => {
    const c = new Convo();
    c.say('プリンターで印刷できない', nlu('out_of_scope'));
    expect(c.keys).toEqual(['engine.out_of_scope', 'fx.menu']);
  });

  it('answers a click with no conversation as expired and starts again', () => {
    const c = new Convo();
    c.click('not_resolved');
    expect(c.keys).toEqual(['engine.expired', 'fx.menu']);
    expect(c.state!.node).toBe('menu');
  });

  it('does not touch the state object it was given', () => {
    const c = new Convo();
    c.say('認証エラー', nlu('error_auth'));
    const before = structuredClone(c.state);
    const frozen = c.state!;
    step(frozen, { kind: 'action', value: 'docomo' }, meta(), ctxFor());
    expect(frozen).toEqual(before);
  });
});

describe('step(): nodes', () => {
  it('asks an unfilled slot with its options and fills it from an entity in free text', () => {
    const c = new Convo();
    c.say('パスワードが違うと言われる', nlu('error_auth'));
    expect(c.state!.node).toBe('ask_carrier');
    expect(c.values).toEqual(['docomo', 'au', 'softbank']);
    c.say('auです', nlu('out_of_scope', { carrier: 'au' }));
    expect(c.state!.slots.carrier).toBe('au');
    expect(c.state!.node).toBe('reenter');
  });

  it('fills an ask slot by the option label typed as text', () => {
    const c = new Convo();
    c.say('パスワードが違う', nlu('error_auth'));
    c.say('ソフトバンク', nlu('out_of_scope'));
    expect(c.state!.slots.carrier).toBe('softbank');
    // option.next → an info node that continues straight to the step in the same turn
    expect(c.keys).toEqual(['fx.sb_info', 'fx.reenter.say']);
    expect(c.state!.node).toBe('reenter');
  });

  it('offers resolved / not_resolved / help / human on a step and records each answer with its title key', () => {
    const c = new Convo();
    c.say('パスワードが違う', nlu('error_auth'));
    c.click('au');
    expect(c.values).toEqual(['resolved', 'not_resolved', 'help', 'human']);
    c.click('help');
    expect(c.keys).toEqual(['fx.reenter.help', 'engine.step_again']);
    expect(c.state!.node).toBe('reenter');
    expect(c.state!.stepsTried).toHaveLength(0);
    c.click('not_resolved');
    // docomo_check's `when` does not hold for au → skipped silently to its `skip` (handoff)
    expect(c.state!.node).toBe('handoff');
    expect(c.state!.stepsTried.map((s) => [s.node, s.title, s.result])).toEqual([['reenter', 'fx.reenter.title', 'not_resolved']]);
    expect(c.state!.stepsTried[0]).not.toHaveProperty('step');
  });

  it('goes to the resolve node on "resolved", sets status and emits a status effect', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    const out = c.click('resolved');
    expect(out.state.node).toBe('fixed');
    expect(out.state.status).toBe('resolved');
    expect(out.effects).toContainEqual({ type: 'status', status: 'resolved', node: 'fixed' });
    expect(out.state.stepsTried[0]).toMatchObject({ node: 'net_airplane', result: 'resolved' });
    c.click('prevention');
    expect(c.keys).toEqual(['fx.prev_info', 'fx.bye']);
    expect(c.state!.status).toBe('ended');
    expect(c.values).toEqual(['restart']);
  });

  it('understands free-text answers to a step (まだダメ / 直った)', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    c.say('まだダメです', nlu('not_resolved'));
    expect(c.state!.node).toBe('net_wifi');
    c.say('直りました！', nlu('resolved'));
    expect(c.state!.status).toBe('resolved');
    expect(c.state!.stepsTried.map((s) => s.result)).toEqual(['not_resolved', 'resolved']);
  });

  it('runs info nodes and the end in the same turn', () => {
    const c = new Convo();
    c.say('ネットワーク設定をリセットしたら何が消える？', nlu('howto_network_reset'));
    expect(c.keys).toEqual(['fx.reset_info', 'fx.bye']);
    expect(c.state!.status).toBe('ended');
  });
});

describe('step(): clicks', () => {
  it('refuses a value not valid at the current node and asks the current question again', () => {
    const c = new Convo();
    c.say('パスワードが違う', nlu('error_auth'));
    const before = c.state!;
    c.click('not_resolved');
    expect(c.keys).toEqual(['engine.stale_choice', 'fx.ask_carrier']);
    expect(c.state!.node).toBe(before.node);
    expect(c.state!.slots).toEqual(before.slots);
  });

  it('refuses a click whose nonce is not the current offer, so a double click never advances twice', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    const nonce = String(c.state!.offer);
    c.click('not_resolved', nonce);
    expect(c.state!.node).toBe('net_wifi');
    c.click('not_resolved', nonce);
    expect(c.keys[0]).toBe('engine.stale_choice');
    expect(c.state!.node).toBe('net_wifi');
    expect(c.state!.stepsTried).toHaveLength(1);
    c.click('not_resolved', String(c.state!.offer));
    expect(c.state!.node).toBe('handoff');
  });

  it('restarts on the restart button and hands off on the human button', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect', { carrier: 'au' }));
    c.click('human');
    expect(c.state!.node).toBe('handoff');
    expect(c.state!.stepsTried).toEqual([expect.objectContaining({ node: 'net_airplane', result: 'unknown' })]);
    c.click('restart');
    expect(c.keys).toEqual(['engine.restarted', 'fx.menu']);
    expect(c.state!.slots).toEqual({});
    expect(c.state!.stepsTried).toEqual([]);
  });
});

describe('step(): free text at any node', () => {
  it('restarts on 「最初から」', () => {
    const c = new Convo();
    c.say('パスワードが違う', nlu('error_auth', { carrier: 'au' }));
    c.say('最初から', nlu('restart'));
    expect(c.state!.node).toBe('menu');
    expect(c.state!.intent).toBeNull();
    expect(c.state!.errorText).toBeUndefined();
    expect(c.state!.slots).toEqual({});
    expect(c.state!.turn).toBe(2);
  });

  it('hands off on 「担当者と話したい」 from the middle of a step', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    c.say('担当者と話したい', nlu('request_human'));
    expect(c.state!.node).toBe('handoff');
    expect(c.keys).toEqual(['fx.handoff', 'engine.handoff.ask', 'engine.handoff.settings_offer']);
  });

  it('asks for the OS version where this device shows it (Android is never sent to 「設定 › 一般 › 情報」)', () => {
    const android = new Convo();
    android.say('Androidでサーバーに接続できません', nlu('error_connect', { device: 'android' }));
    android.say('担当者と話したい', nlu('request_human'));
    const ask = android.rendered.find((r) => r.text.includes('Android のバージョン'));
    expect(ask?.text).toContain('デバイス情報');
    expect(android.rendered.map((r) => r.text).join('\n')).not.toContain('一般 › 情報');
    const iphone = new Convo();
    iphone.say('iPhoneでサーバーに接続できません', nlu('error_connect', { device: 'iphone' }));
    iphone.say('担当者と話したい', nlu('request_human'));
    expect(iphone.rendered.map((r) => r.text).join('\n')).toContain('設定 › 一般 › 情報');
  });

  it('resolves on 「直った」 at a choice node', () => {
    const c = new Convo();
    c.say('こんにちは', nlu('greeting'));
    c.say('直った', nlu('resolved'));
    expect(c.state!.node).toBe('fixed');
  });

  it('ends on goodbye', () => {
    const c = new Convo();
    c.say('パスワードが違う', nlu('error_auth'));
    c.say('もういいです、さようなら', nlu('goodbye'));
    expect(c.state!.status).toBe('ended');
    expect(c.state!.node).toBe('bye');
  });

  it('switches branch on a new symptom and keeps the steps tried so far', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    c.click('not_resolved');
    c.say('あ、送信だけできないです', nlu('error_send'));
    expect(c.state!.node).toBe('send_step');
    expect(c.state!.intent).toBe('error_send');
    expect(c.state!.stepsTried.map((s) => [s.node, s.result])).toEqual([
      ['net_airplane', 'not_resolved'],
      ['net_wifi', 'unknown'],
    ]);
  });

  it('clarifies on the first miss with the current buttons and offers a person on the second', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    c.say('ほげほげ', nlu('out_of_scope')); // (not 「うーん」: a hesitation at a step is unsure, r19_hesitation_at_step)
    expect(c.keys).toEqual(['engine.clarify']);
    expect(c.values).toEqual(['resolved', 'not_resolved', 'human']);
    expect(c.state!.misses).toBe(1);
    c.say('ぬぬぬ', nlu('out_of_scope'));
    expect(c.keys).toEqual(['engine.clarify_human']);
    expect(c.values).toContain('human');
    expect(c.state!.misses).toBe(2);
    c.click('not_resolved');
    expect(c.state!.misses).toBe(0);
  });

  it('adds a person button at the second miss on a node that has none', () => {
    const c = new Convo();
    c.say('こんにちは', nlu('greeting'));
    c.say('???', nlu('out_of_scope'));
    expect(c.values).toEqual(['auth', 'net']);
    c.say('???', nlu('out_of_scope'));
    expect(c.values).toEqual(['auth', 'net', 'human']);
  });

  it('answers a repeated symptom of the current branch with "that is what we are on", not a restart of the branch', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    c.say('サーバーに接続できないんです', nlu('error_connect'));
    expect(c.keys).toEqual(['engine.same_topic']);
    expect(c.values).toEqual(['resolved', 'not_resolved', 'human']);
    expect(c.state!.node).toBe('net_airplane');
    expect(c.state!.misses).toBe(0);
  });

  it('does not switch when the new symptom would lead straight back to the current question', () => {
    const c = new Convo();
    c.say('こんにちは', nlu('greeting'));
    // error_auth's entry routes to ask_carrier; from there, another auth-ish intent must not "switch" in place
    c.say('パスワードが違う', nlu('error_auth'));
    const t = tree({ ...FIXTURE, entries: { ...FIXTURE.entries, howto_app_password: 'ask_carrier' } });
    const out = step(c.state, { kind: 'text', text: 'アプリ用パスワードのこと', nlu: nlu('howto_app_password') }, meta(), ctxFor(t));
    expect(out.replies.map((r) => r.key)).toEqual(['engine.same_topic']);
    expect(out.state.intent).toBe('error_auth');
  });

  it('ignores intents the NLU is unsure of: 「ぬるぽ」 at a step is not "yes, fixed"', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    c.say('ぬるぽ', nlu('affirm', {}, 'ja', 0.21));
    expect(c.keys).toEqual(['engine.clarify']);
    expect(c.state!.stepsTried).toEqual([]);
  });

  it('reads 「わかりません」 at a step as "how do I do that", not as yes', () => {
    const c = new Convo();
    c.say('パスワードが違う', nlu('error_auth', { carrier: 'au' }));
    c.say('わかりません', withAct(nlu('affirm', {}, 'ja', 0.9), 'dont_know'));
    expect(c.keys).toEqual(['fx.reenter.help', 'engine.step_again']);
    expect(c.state!.stepsTried).toEqual([]);
  });

  it('matches a polite answer to a shorter button label (控えました ≈ 控えた)', () => {
    const t = tree({
      ...FIXTURE,
      nodes: FIXTURE.nodes.map((n) =>
        n.id === 'menu' ? { ...n, options: [{ value: 'noted', label: 'fx.noted', next: 'net_airplane' }, { value: 'skip', label: 'fx.skip', next: 'handoff' }] } : n,
      ),
    });
    const c = new Convo(ctxFor(t));
    c.say('こんにちは', nlu('greeting'));
    // labels render as their keys here (fx.* are not in locales), so answer with the key text itself
    c.say('fx.noted', nlu('resolved', {}, 'ja', 0.83));
    expect(c.state!.node).toBe('net_airplane');
  });

  it('reminds never to send a password and does not keep it', () => {
    const c = new Convo();
    c.say('パスワードは hunter22 です。認証エラーになる', nlu('error_auth'));
    expect(c.keys[0]).toBe('engine.no_password');
    expect(JSON.stringify(c.state)).not.toContain('hunter22');
  });
});

describe('step(): locale', () => {
  it('follows the language of real text and keeps it for "ok" (the detector itself: test/nlu/locale.test.ts)', () => {
    const c = new Convo();
    c.say('メールが来ない', nlu('mail_not_arriving'));
    expect(c.state!.locale).toBe('ja');
    c.say('I still cannot get my mail', nlu('not_resolved', {}, 'en'));
    expect(c.state!.locale).toBe('en');
    c.say('ok', nlu('affirm', {}, 'ja'));
    expect(c.state!.locale).toBe('en');
  });

  it('renders in the conversation locale', () => {
    const c = new Convo(ctxFor(), { locale: 'en' });
    c.say('Server unreachable, cannot connect', nlu('error_connect', {}, 'en'));
    expect(c.state!.locale).toBe('en');
    expect(c.rendered[0]!.choices!.map((x) => x.label)).toEqual(['Fixed', 'Still broken', 'Talk to a person']);
    c.say('ok', nlu('affirm', {}, 'ja'));
    expect(c.state!.locale).toBe('en');
  });
});

describe('step(): a changed tree and the bug guard', () => {
  it('restarts politely, keeping slots, when the node a conversation waited at is gone', () => {
    const c = new Convo();
    c.say('パスワードが違う', nlu('error_auth', { device: 'iphone' }));
    expect(c.state!.node).toBe('ask_carrier');
    const changed = tree({ ...FIXTURE, nodes: FIXTURE.nodes.filter((n) => n.id !== 'ask_carrier').map((n) => (n.id === 'auth_start' ? { ...n, default: 'reenter' } : n)) }, 'v2');
    const out = step(c.state, { kind: 'action', value: 'au' }, meta(), ctxFor(changed));
    expect(out.replies[0]!.key).toBe('engine.tree_changed');
    expect(out.state.treeVersion).toBe('v2');
    expect(out.state.slots.device).toBe('iphone');
    expect(out.state.node).toBe('menu');
  });

  it('carries on silently when the tree changed but the node still exists', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    const out = step(c.state, { kind: 'action', value: 'not_resolved' }, meta(), ctxFor(tree(FIXTURE, 'v3')));
    expect(out.state.node).toBe('net_wifi');
    expect(out.replies.map((r) => r.key)).toEqual(['fx.wifi.say']);
  });

  it(`throws a coded internal error after ${MAX_HOPS} automatic transitions, for the pipeline's error handler`, () => {
    const c = new Convo();
    let thrown: unknown;
    try {
      c.say('障害起きてる？', nlu('check_outage'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CodedError);
    expect((thrown as CodedError).code).toBe(ErrorCode.Internal);
    expect((thrown as CodedError).message).toContain(`more than ${MAX_HOPS}`);
  });

  it('throws a coded internal error for a node the tree does not have, instead of answering as if all were well', () => {
    const broken = tree({ ...FIXTURE, entries: { ...FIXTURE.entries, error_push: 'nowhere' } });
    expect(() => step(undefined, { kind: 'text', text: '通知が来ない', nlu: nlu('error_push') }, meta(), ctxFor(broken))).toThrow(/unknown node nowhere/);
  });

  it('never throws on odd input sequences', () => {
    const inputs = [
      () => ({ kind: 'text' as const, text: '', nlu: nlu('out_of_scope') }),
      () => ({ kind: 'text' as const, text: '🙂'.repeat(500), nlu: nlu('out_of_scope', {}, 'en') }),
      () => ({ kind: 'action' as const, value: 'zzz' }),
      () => ({ kind: 'action' as const, value: 'human', nonce: 'x' }),
      () => ({ kind: 'action' as const, value: 'skip' }),
      () => ({ kind: 'action' as const, value: 'resolved' }),
      () => ({ kind: 'text' as const, text: '最初から', nlu: nlu('restart') }),
      () => ({ kind: 'text' as const, text: 'ありがとう', nlu: nlu('thanks') }),
      () => ({ kind: 'text' as const, text: '送れない', nlu: nlu('error_send') }),
      () => ({ kind: 'text' as const, text: 'iPhone 15 iOS 18.1 今朝から毎回', nlu: nlu('out_of_scope', { device: 'iphone', os_version: 'iOS 18.1' }) }),
    ];
    let state;
    let seed = 7;
    for (let i = 0; i < 400; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const input = inputs[seed % inputs.length]!();
      const out = step(state, input, meta(), ctxFor());
      expect(out.replies.length).toBeGreaterThan(0);
      state = out.state;
    }
  });
});

describe('step(): hand-off', () => {
  it('asks only for the missing fields in one message, and one answer fills device, OS, time and frequency', () => {
    const c = new Convo();
    c.say('ドコモメールで「IMAPアカウントのパスワードが正しくありません」と出る', nlu('error_auth', { carrier: 'docomo', error_message: 'password_incorrect' }));
    c.click('not_resolved');
    expect(c.keys).toEqual(['fx.handoff', 'engine.handoff.ask', 'engine.handoff.settings_offer']);
    expect(c.state!.pending).toEqual(['device', 'os', 'occurredAt', 'frequency']);
    const ask = c.rendered[1]!.text;
    expect(ask).toContain('あと2点だけ');
    expect(ask).toContain('機種と OS のバージョン');
    expect(ask).toContain('いつ頃から');
    expect(ask).not.toContain('画面に出ている文言');
    expect(ask).toContain('パスワードは送らないでください');
    const out = c.say('iPhone 15、iOS 18.1、今朝9時から毎回です', nlu('out_of_scope', { device: 'iphone', os_version: 'iOS 18.1' }));
    expect(out.state.status).toBe('escalated');
    expect(out.replies.map((r) => r.key)).toEqual(['engine.handoff.filed']);
    const ticket = c.ticket!;
    expect(ticket.fields).toMatchObject({
      device: 'iphone',
      model: 'iPhone 15',
      os: 'iOS 18.1',
      carrier: 'docomo',
      service: 'carrier_mail',
      errorMessage: 'IMAPアカウントのパスワードが正しくありません',
      occurredAt: '今朝9時から',
      frequency: '毎回',
      stepsTried: [{ step: 'fx.dacc.title', result: 'not_resolved' }],
    });
    expect(ticketSchema.safeParse(ticket).success).toBe(true);
  });

  it('re-asks once for what is still missing, then files with unknown', () => {
    const c = new Convo();
    c.say('担当者と話したい', nlu('request_human'));
    expect(c.state!.pending).toEqual(['device', 'os', 'service', 'errorMessage', 'occurredAt', 'frequency']);
    c.say('iPhone 15です', nlu('out_of_scope', { device: 'iphone' }));
    expect(c.keys).toEqual(['engine.handoff.reask']);
    expect(c.state!.pending).toEqual(['os', 'service', 'errorMessage', 'occurredAt', 'frequency']);
    const out = c.say('さあ', nlu('out_of_scope'));
    expect(out.state.status).toBe('escalated');
    const t = c.ticket!;
    expect(t.body).toContain('発生時刻と頻度：不明 / 不明');
    expect(t.intent).toBe('request_human');
  });

  it('re-asks once, in the new language, when the answer at the form switches language (rob-22)', () => {
    const c = new Convo();
    c.say('担当者と話したい', nlu('request_human'));
    c.say("Hello, I'm not sure what to write here", nlu('greeting'));
    expect(c.state!.locale).toBe('en');
    expect(c.keys.filter((k) => k === 'engine.handoff.reask')).toHaveLength(1);
  });

  it('takes the whole answer as the error text when only the error text was asked, and accepts 「なし」', () => {
    const c = new Convo();
    c.say('iPhone 15 iOS 18.1 gmail 昨日から時々おかしい、担当者お願い', nlu('request_human', { device: 'iphone', os_version: 'iOS 18.1', service: 'gmail' }));
    expect(c.state!.pending).toEqual(['errorMessage']);
    c.say('ユーザ名またはパスワードが間違っています', nlu('error_auth'));
    expect(c.state!.status).toBe('escalated');
    expect(c.state!.errorText).toBe('ユーザ名またはパスワードが間違っています');

    const d = new Convo();
    d.say('iPhone 15 iOS 18.1 gmail 昨日から時々おかしい、担当者お願い', nlu('request_human', { device: 'iphone', os_version: 'iOS 18.1', service: 'gmail' }));
    d.say('なし', nlu('deny'));
    expect(d.ticket!.fields.errorMessage).toBe('なし');
  });

  it('files at once when nothing is missing, leaving the id to the end of the turn', () => {
    const c = new Convo();
    c.say('iPhone 15、iOS 18.1、ドコモメールで「サーバーに接続できません」と今朝9時から毎回', nlu('error_connect', { device: 'iphone', os_version: 'iOS 18.1', carrier: 'docomo', error_message: 'cannot_connect' }));
    c.click('human');
    expect(c.keys).toEqual(['fx.handoff', 'engine.handoff.filed']);
    // The engine does not know the id: the reply refers to it and is rendered once the pipeline assigned one.
    expect(c.state!.ticketId).toBeUndefined();
    expect(c.last.replies[1]!.params?.ticket).toEqual({ ref: 'ticket_id' });
    expect(c.ticket!.id).toBe(TEST_TICKET_ID);
    c.state = { ...c.state!, ticketId: TEST_TICKET_ID };
    // a second request for a person does not make a second ticket
    c.say('担当者と話したい', nlu('request_human'));
    expect(c.keys).toEqual(['engine.escalated_already']);
    expect(c.last.effects).toEqual([]);
  });

  it('files now with the skip button', () => {
    const c = new Convo();
    c.say('担当者と話したい', nlu('request_human'));
    c.click('skip', String(c.state!.offer));
    expect(c.state!.status).toBe('escalated');
  });

  it('does not switch branch while collecting fields, even if the answer reads like a symptom', () => {
    const c = new Convo();
    c.say('担当者と話したい', nlu('request_human'));
    c.say('iPhone 15 iOS 18.1 au 「サーバーに接続できません」 昨日の夜から時々', nlu('error_connect', { device: 'iphone', os_version: 'iOS 18.1', carrier: 'au', error_message: 'cannot_connect' }));
    expect(c.state!.status).toBe('escalated');
    expect(c.state!.node).toBe('handoff');
    expect(c.state!.errorText).toBe('サーバーに接続できません');
    expect(c.state!.collected).toMatchObject({ occurredAt: '昨日の夜から', frequency: '時々' });
  });

  it('starts a new episode for a new symptom after escalation', () => {
    const c = new Convo();
    c.say('担当者と話したい', nlu('request_human'));
    c.click('skip');
    c.say('送信できない', nlu('error_send'));
    expect(c.state!.status).toBe('active');
    expect(c.state!.node).toBe('send_step');
    expect(c.state!.stepsTried).toEqual([]);
  });
});

describe('holds()', () => {
  it('ANDs keys, ORs lists, and knows * and -', () => {
    const slots = { carrier: 'au', trigger: 'os_update' };
    expect(holds({ carrier: ['docomo', 'au'], trigger: 'os_update' }, slots)).toBe(true);
    expect(holds({ carrier: ['docomo', 'au'], trigger: 'device_change' }, slots)).toBe(false);
    expect(holds({ carrier: '*', service: '-' }, slots)).toBe(true);
    expect(holds({ service: '*' }, slots)).toBe(false);
    expect(holds({ carrier: '-' }, slots)).toBe(false);
  });
});

describe('step(): branch naming', () => {
  it('switches on a new symptom even when the branch was entered by a menu click', () => {
    const c = new Convo();
    c.say('こんにちは', nlu('greeting'));
    c.click('net');
    expect(c.state!.intent).toBeNull();
    c.say('送信だけできない', nlu('error_send'));
    expect(c.state!.node).toBe('send_step');
    expect(c.state!.intent).toBe('error_send');
  });
});

describe('step(): yes at a step', () => {
  it('reads 「はい」/"ok" after a step as an acknowledgement, never as "fixed"', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    c.say('ok', withAct(nlu('affirm', {}, 'en', 0.95), 'affirm'));
    // A bare "ok" is "I'll try it" (locales engine.says.okay): try it and say how it went.
    expect(c.keys).toEqual(['engine.step_again']);
    expect(c.values).toEqual(['resolved', 'not_resolved', 'human']);
    expect(c.state!.status).toBe('active');
    expect(c.state!.stepsTried).toEqual([]);
  });
});
