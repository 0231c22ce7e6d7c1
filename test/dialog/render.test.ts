/**
 * Render once, at the edge: messages become text in the conversation's language at the end of the turn, and a
 * state written by the engine before titles were kept as keys still renders and continues.
 */
import { describe, expect, it } from 'vitest';
import { CodedError } from '../../src/core/index.js';
import { render, renderMessage } from '../../src/dialog/render.js';
import { step } from '../../src/dialog/engine.js';
import { upgradeState } from '../../src/dialog/state.js';
import type { ConversationState } from '../../src/dialog/types.js';
import { Convo, ctxFor, fixtureTree, i18n, meta, nlu } from './helpers.js';

describe('render()', () => {
  it('renders keys, nested messages, lists and buttons in the locale asked', () => {
    const replies = render(
      [
        {
          key: 'engine.understood',
          params: { facts: { join: [{ key: 'engine.value.carrier.docomo' }, 'iPhone 15'], separator: ' / ' } },
          choices: [{ key: 'engine.button.resolved', value: 'resolved' }],
        },
      ],
      { i18n, locale: 'en' },
    );
    expect(replies[0]!.key).toBe('engine.understood');
    expect(replies[0]!.text).toContain(`${i18n.t('engine.value.carrier.docomo', undefined, 'en')} / iPhone 15`);
    expect(replies[0]!.choices).toEqual([{ label: 'Fixed', value: 'resolved' }]);
  });

  it('fills the ticket id known at the end of the turn, and refuses to render a reference to one that does not exist', () => {
    const m = { key: 'engine.escalated_already', params: { ticket: { ref: 'ticket_id' as const } } };
    expect(renderMessage(m, { i18n, locale: 'ja', ticketId: 'MM-20261128-0009' })).toContain('MM-20261128-0009');
    expect(() => renderMessage(m, { i18n, locale: 'ja' })).toThrow(CodedError);
  });

  it('renders the same conversation in the language it switched to, steps included', () => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    c.click('not_resolved');
    c.say('Can we talk to a person please', nlu('request_human', {}, 'en'));
    expect(c.state!.locale).toBe('en');
    c.click('skip');
    expect(c.ticket!.fields.stepsTried.map((x) => x.step)).toEqual(['fx.air.title', 'fx.wifi.title']);
    expect(c.rendered.find((r) => r.key === 'engine.handoff.filed')!.text).toContain('fx.air.title → still broken');
  });
});

describe('states written before titles were keys', () => {
  const legacy = (): ConversationState => {
    const c = new Convo();
    c.say('サーバーに接続できません', nlu('error_connect'));
    c.click('not_resolved');
    const s = structuredClone(c.state!);
    // As the previous engine stored it: the title rendered in Japanese, no key.
    s.stepsTried = [
      { node: 'net_airplane', step: '機内モード（旧表記）', result: 'not_resolved', atMs: 1 },
      { node: 'gone_node', step: '消えた手順', result: 'not_resolved', atMs: 2 },
    ];
    return s;
  };

  it('are upgraded on read: a step still in the tree gets its title key back, a vanished one keeps its text', () => {
    const s = upgradeState(legacy(), fixtureTree);
    expect(s.stepsTried).toEqual([
      { node: 'net_airplane', title: 'fx.air.title', result: 'not_resolved', atMs: 1 },
      { node: 'gone_node', step: '消えた手順', result: 'not_resolved', atMs: 2 },
    ]);
  });

  it('continue, and file a ticket with both kinds of steps', () => {
    const out = step(legacy(), { kind: 'action', value: 'human' }, meta(), ctxFor());
    const c = new Convo();
    c.state = out.state;
    c.last = out;
    c.click('skip');
    expect(c.ticket!.fields.stepsTried.map((x) => x.step)).toEqual(['fx.air.title', '消えた手順', 'fx.wifi.title']);
  });
});
