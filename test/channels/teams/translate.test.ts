/**
 * The Teams channel's translation: Activity → Turn and TurnOutcome → Activities as pure functions, then the
 * channel's turn handler driven by botbuilder's TestAdapter over the real pipeline, engine and NLU (memory stores).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TestAdapter, type Activity } from 'botbuilder';
import { silentLogger } from '../../../src/core/index.js';
import { createPipeline } from '../../../src/pipeline/pipeline.js';
import { MemoryConversationStore, MemoryDeliveryStore, MemoryKeyValueStore, MemoryTicketIds } from '../../../src/state/memory.js';
import { createReferenceStore, teamsChannel, TEAMS_KEYS, type TeamsChannel } from '../../../src/channels/teams/index.js';
import {
  activityToTurn,
  ACTIONS_PER_SET,
  conversationIdOf,
  outcomeToActivities,
  submitDataOf,
} from '../../../src/channels/teams/translate.js';
import { loadLocales } from '../../../src/data/load.js';
import { loadContent, type Content } from '../../pipeline/setup.js';
import { cardActions } from './connector.js';

const base = (over: Partial<Activity> = {}): Activity =>
  ({
    type: 'message',
    id: 'a1',
    channelId: 'msteams',
    serviceUrl: 'https://smba.example/teams/',
    from: { id: '29:u1', name: 'Hanako', aadObjectId: 'aad-1' },
    recipient: { id: '28:bot', name: 'mailmedic' },
    conversation: { id: '19:abc@thread.tacv2;messageid=1', tenantId: 't1', conversationType: 'channel' },
    locale: 'ja-JP',
    ...over,
  }) as Activity;

describe('activityToTurn', () => {
  it('strips the bot mention, keys the conversation by tenant and carries the delivery id', () => {
    const turn = activityToTurn(
      base({
        text: '<at>mailmedic</at> メールを取得できません',
        entities: [{ type: 'mention', text: '<at>mailmedic</at>', mentioned: { id: '28:bot', name: 'mailmedic' } }],
      }),
      1_000,
    );
    expect(turn).toEqual({
      conversationId: 'teams:t1:19:abc@thread.tacv2;messageid=1',
      channel: 'teams',
      userId: 'aad-1',
      userName: 'Hanako',
      eventId: 'teams:a1',
      locale: 'ja',
      receivedAtMs: 1_000,
      text: 'メールを取得できません',
    });
  });

  it('keeps a mention of someone else and survives a malformed mention entity', () => {
    const other = activityToTurn(
      base({ text: '<at>Taro</at> 送信できない', entities: [{ type: 'mention', text: '<at>Taro</at>', mentioned: { id: '29:taro', name: 'Taro' } }] }),
      0,
    );
    expect(other.text).toBe('<at>Taro</at> 送信できない');
    const broken = activityToTurn(base({ text: '<at>mailmedic</at> 送信できない', entities: [{ type: 'mention', text: '<at>mailmedic</at>' }] }), 0);
    expect(broken.text).toBe('送信できない');
    expect(activityToTurn(base({ text: undefined, entities: [{ type: 'mention' }] }), 0).text).toBe('');
  });

  it('turns a card submit into an action with its nonce, ignoring any text', () => {
    const turn = activityToTurn(base({ text: 'ignored', value: { action: 'not_resolved', nonce: '3' } }), 0);
    expect(turn.action).toBe('not_resolved');
    expect(turn.nonce).toBe('3');
    expect(turn.text).toBeUndefined();
  });

  it('accepts only {action: string, nonce?: string} as submit data', () => {
    expect(submitDataOf({ action: 'human' })).toEqual({ action: 'human' });
    for (const v of [undefined, null, 'human', ['human'], {}, { action: 3 }, { action: '' }]) expect(submitDataOf(v)).toBeUndefined();
    expect(submitDataOf({ action: 'skip', nonce: 7 })).toEqual({ action: 'skip' });
  });

  it('maps the activity locale to ja/en and leaves others to the text', () => {
    expect(activityToTurn(base({ locale: 'en-US', text: 'hi' }), 0).locale).toBe('en');
    expect(activityToTurn(base({ locale: 'fr-FR', text: 'hi' }), 0).locale).toBeUndefined();
  });

  it('uses the conversation id alone when no tenant is known (Emulator)', () => {
    expect(conversationIdOf({ conversation: { id: 'c|livechat' } as Activity['conversation'] })).toBe('teams:c|livechat');
  });
});

describe('outcomeToActivities', () => {
  const outcome = {
    replies: [
      { key: 'a', text: 'まず再入力してください' },
      {
        key: 'b',
        text: '直りましたか？',
        choices: Array.from({ length: 7 }, (_, i) => ({ label: `L${i}`, value: `v${i}` })),
      },
    ],
    offer: '4',
  };

  it('sends ONE activity per turn: plain replies as its markdown text, choices as one Adaptive Card with rows of Action.Submit', () => {
    const activities = outcomeToActivities(outcome);
    expect(activities).toHaveLength(1);
    const [card] = activities;
    expect(card).toMatchObject({ type: 'message', text: 'まず再入力してください', textFormat: 'markdown' });
    expect(card?.attachments).toHaveLength(1);
    const content = card?.attachments?.[0]?.content as { version: string; body: Array<{ type: string; actions?: unknown[] }> };
    expect(card?.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(content.body[0]).toEqual({ type: 'TextBlock', text: '直りましたか？', wrap: true });
    const sets = content.body.filter((e) => e.type === 'ActionSet');
    expect(sets.map((s) => s.actions?.length)).toEqual([ACTIONS_PER_SET, 7 - ACTIONS_PER_SET]);
    expect(cardActions(card).map((a) => a.data)).toEqual(outcome.replies[1]!.choices!.map((c) => ({ action: c.value, nonce: '4' })));
    expect(cardActions(card).map((a) => a.title)).toEqual(outcome.replies[1]!.choices!.map((c) => c.label));
  });

  it('omits the nonce when the outcome has no offer (a proactive message)', () => {
    const [card] = outcomeToActivities({ replies: outcome.replies });
    expect(cardActions(card).every((a) => a.data.nonce === undefined)).toBe(true);
  });
});

describe('outcomeToActivities: one activity per turn', () => {
  it('joins replies without choices into one markdown message; no replies, no activity', () => {
    expect(outcomeToActivities({ replies: [{ key: 'a', text: 'ひとつ' }, { key: 'b', text: 'ふたつ' }] })).toEqual([
      { type: 'message', text: 'ひとつ\n\nふたつ', textFormat: 'markdown' },
    ]);
    expect(outcomeToActivities({ replies: [] })).toEqual([]);
  });

  it('several replies with choices: one card, their texts in order, each choice once', () => {
    const [only] = outcomeToActivities({
      replies: [
        { key: 'a', text: 'A?', choices: [{ label: 'x', value: 'x' }] },
        { key: 'b', text: 'B?', choices: [{ label: 'x', value: 'x' }, { label: 'y', value: 'y' }] },
      ],
      offer: '9',
    });
    expect(only?.text).toBeUndefined();
    const body = (only?.attachments?.[0]?.content as { body: Array<{ type: string; text?: string }> }).body;
    expect(body.filter((e) => e.type === 'TextBlock').map((e) => e.text)).toEqual(['A?', 'B?']);
    expect(cardActions(only).map((a) => a.data)).toEqual([{ action: 'x', nonce: '9' }, { action: 'y', nonce: '9' }]);
  });
});

describe('the turn handler under TestAdapter', () => {
  let content: Content;
  beforeAll(async () => {
    content = await loadContent();
  });

  function channel(): TeamsChannel {
    const deliveries = new MemoryDeliveryStore();
    const kv = new MemoryKeyValueStore();
    const pipeline = createPipeline({
      nlu: content.nlu,
      tree: content.tree,
      i18n: content.i18n,
      store: new MemoryConversationStore({ deliveries }),
      deliveries,
      ticketIds: new MemoryTicketIds(),
    });
    return teamsChannel({
      settings: {},
      pipeline,
      i18n: content.i18n,
      defaultLocale: 'ja',
      logger: silentLogger,
      kv,
      references: createReferenceStore(kv),
      // Never within these fast turns: the replies asserted below are the turn's own.
      typingDelayMs: 60_000,
    });
  }

  /** Runs one activity through the handler and returns what the bot sent. */
  async function exchange(adapter: TestAdapter, activity: Partial<Activity> | string): Promise<Array<Partial<Activity>>> {
    adapter.activeQueue.length = 0;
    await adapter.processActivity(activity as Activity);
    return adapter.activeQueue.splice(0);
  }

  it('answers a symptom with a card, advances on the card submit and refuses the same card pressed again', async () => {
    const teams = channel();
    const adapter = new TestAdapter((ctx) => teams.handleTurn(ctx));
    const first = await exchange(adapter, 'iPhoneでドコモメールが「IMAPアカウントのパスワードが正しくありません」ってなる');
    // One activity for the turn: what was understood and the branch as its text, the step and its buttons as one card.
    expect(first).toHaveLength(1);
    expect(first.every((a) => a.type === 'message')).toBe(true);
    expect(first[0]?.attachments).toHaveLength(1);
    const buttons = first.flatMap((a) => cardActions(a));
    expect(buttons.map((b) => b.data.action)).toEqual(expect.arrayContaining(['resolved', 'not_resolved']));
    const submit = buttons.find((b) => b.data.action === 'not_resolved')?.data;
    expect(submit?.nonce).toMatch(/^\d+$/);

    const next = await exchange(adapter, { type: 'message', value: submit });
    expect(next).toHaveLength(1);
    const nextButtons = next.flatMap((a) => cardActions(a));
    expect(nextButtons.length).toBeGreaterThan(0);
    expect(nextButtons[0]?.data.nonce).not.toBe(submit?.nonce);
    expect(next.map((a) => a.text ?? '').join('')).not.toContain(content.i18n.t('engine.stale_choice', undefined, 'ja'));

    const again = await exchange(adapter, { type: 'message', value: submit });
    expect(again[0]?.text).toBe(content.i18n.t('engine.stale_choice', undefined, 'ja'));
  });

  it('does not answer the same activity id twice', async () => {
    const teams = channel();
    const adapter = new TestAdapter((ctx) => teams.handleTurn(ctx));
    const activity = { type: 'message', id: 'same-1', text: 'メールを取得できません' };
    expect((await exchange(adapter, { ...activity })).length).toBeGreaterThan(0);
    expect(await exchange(adapter, { ...activity })).toEqual([]);
  });

  it('welcomes when the bot is added and stays quiet when only a person joins', async () => {
    const teams = channel();
    const adapter = new TestAdapter((ctx) => teams.handleTurn(ctx));
    const welcome = await exchange(adapter, { type: 'conversationUpdate', membersAdded: [adapter.conversation.bot], locale: 'en-US' });
    expect(welcome.map((a) => a.text)).toEqual([content.i18n.t('teams.welcome', undefined, 'en')]);
    expect(await exchange(adapter, { type: 'conversationUpdate', membersAdded: [{ id: 'someone', name: 'Someone' }] })).toEqual([]);
  });

  it('says nothing to activities it does not handle', async () => {
    const teams = channel();
    const adapter = new TestAdapter((ctx) => teams.handleTurn(ctx));
    expect(await exchange(adapter, { type: 'messageReaction', reactionsAdded: [{ type: 'like' }] })).toEqual([]);
    expect(await exchange(adapter, { type: 'installationUpdate', action: 'add' })).toEqual([]);
  });
});

describe('teams locale keys', () => {
  const { messages } = loadLocales();
  const ours = (locale: 'ja' | 'en') => [...messages[locale].keys()].filter((k) => k.startsWith('teams.')).sort();

  it('has the same keys in ja and en and defines every key the channel renders', () => {
    expect(ours('en')).toEqual(ours('ja'));
    for (const key of TEAMS_KEYS) {
      expect(messages.ja.get(key), `ja ${key}`).toMatch(/\S/);
      expect(messages.en.get(key), `en ${key}`).toMatch(/\S/);
    }
  });
});
