import { describe, expect, it } from 'vitest';
import { newState } from '../../src/dialog/engine.js';
import { slotParams } from '../../src/dialog/run.js';
import { renderTicket, ticketDraft, ticketSchema, transcriptUrl } from '../../src/dialog/ticket.js';
import type { ConversationState, StepMeta } from '../../src/dialog/types.js';
import { loadDialogs } from '../../src/data/load.js';
import { step } from '../../src/dialog/engine.js';
import { ctxFor, i18n, meta, nlu, ticketOf } from './helpers.js';

/** What the engine files (a draft) and the pipeline renders once it assigned the id. */
function buildTicket(s: ConversationState, m: StepMeta, ctx: { publicUrl: string; ticketId?: string }) {
  return renderTicket(ticketDraft(s, m.nowMs, slotParams(s)), { id: ctx.ticketId ?? 'MM-20261128-0003', i18n, publicUrl: ctx.publicUrl });
}

function state(extra: Partial<ConversationState> = {}): ConversationState {
  const m = meta({ conversationId: 'T123/thread:1' });
  return {
    ...newState(m, ctxFor()),
    intent: 'error_auth',
    cause: 'auth',
    slots: { device: 'iphone', os_version: 'iOS 18.1', carrier: 'docomo' },
    errorText: 'IMAPアカウントのパスワードが正しくありません',
    collected: {
      model: 'iPhone 15',
      occurredAt: '今朝9時から',
      frequency: '毎回',
      'settings.incoming.host': 'imap.spmode.ne.jp',
      'settings.incoming.port': '993',
      'settings.incoming.ssl': 'true',
      'settings.outgoing.host': 'smtp.spmode.ne.jp',
      'settings.outgoing.port': '465',
    },
    stepsTried: [
      { node: 'a', step: 'パスワード再入力（IMAP/SMTP）', result: 'not_resolved', atMs: 1 },
      { node: 'b', step: 'dアカウント再ログイン', result: 'not_resolved', atMs: 2 },
    ],
    ...extra,
  };
}

describe('ticketDraft() → renderTicket()', () => {
  const ctx = { publicUrl: 'https://desk.example.com/' };

  it('fills the structured fields from the conversation', () => {
    const t = buildTicket(state(), meta({ nowMs: Date.UTC(2026, 10, 28, 1, 2, 3) }), ctx);
    expect(t).toMatchObject({
      id: 'MM-20261128-0003',
      conversation: 'T123/thread:1',
      channel: 'web',
      createdAt: '2026-11-28T01:02:03.000Z',
      requester: { id: 'u1', name: 'Taro' },
      locale: 'ja',
      intent: 'error_auth',
      cause: 'auth',
      fields: {
        device: 'iphone',
        model: 'iPhone 15',
        os: 'iOS 18.1',
        service: 'carrier_mail',
        carrier: 'docomo',
        errorMessage: 'IMAPアカウントのパスワードが正しくありません',
        occurredAt: '今朝9時から',
        frequency: '毎回',
        stepsTried: [
          { step: 'パスワード再入力（IMAP/SMTP）', result: 'not_resolved' },
          { step: 'dアカウント再ログイン', result: 'not_resolved' },
        ],
        settings: { incoming: { host: 'imap.spmode.ne.jp', port: 993, ssl: true }, outgoing: { host: 'smtp.spmode.ne.jp', port: 465 } },
      },
    });
    expect(ticketSchema.parse(t)).toEqual(t);
  });

  it('links to the transcript with the conversation id encoded', () => {
    expect(transcriptUrl('https://desk.example.com/', 'T123/thread:1')).toBe('https://desk.example.com/admin/conversations/T123%2Fthread%3A1');
    expect(buildTicket(state(), meta(), ctx).transcriptUrl).toBe('https://desk.example.com/admin/conversations/T123%2Fthread%3A1');
  });

  it('renders the guide’s 連絡テンプレ in Japanese', () => {
    const { body, summary } = buildTicket(state(), meta(), ctx);
    for (const line of [
      '端末/OS：iPhone 15 / iOS 18.1',
      'メールサービス/キャリア：キャリアメール / ドコモ',
      'エラー表示：IMAPアカウントのパスワードが正しくありません',
      '発生時刻と頻度：今朝9時から / 毎回',
      '1. パスワード再入力（IMAP/SMTP） → まだダメ',
      '2. dアカウント再ログイン → まだダメ',
      '受信（IMAP）：imap.spmode.ne.jp, ポート 993, SSL オン',
      '送信（SMTP）：smtp.spmode.ne.jp, ポート 465',
    ]) expect(body).toContain(line);
    expect(summary).not.toContain('\n');
    expect(summary).toContain('認証エラー');
  });

  it('renders in English for an English conversation and says unknown for what is missing', () => {
    const t = buildTicket(state({ locale: 'en', collected: {}, stepsTried: [] }), meta(), ctx);
    expect(t.body).toContain('Device/OS: iPhone / iOS 18.1');
    expect(t.body).toContain('When it started / how often: unknown / unknown');
    expect(t.body).toContain('(no steps tried yet)');
    expect(t.body).toContain('Incoming (IMAP): unknown');
    expect(t.locale).toBe('en');
    // The subject line quotes an error only when there is one: no `"unknown"` as if it were on the screen.
    const none = buildTicket(state({ locale: 'en', errorText: undefined, collected: {}, slots: {} }), meta(), ctx);
    expect(none.fields.errorMessage).toBeUndefined();
    expect(none.summary).not.toContain('"unknown"');
    expect(none.summary).toMatch(/^\[mailmedic\] [^"]+$/);
    // 「なし」 said for the error: the body says so, the subject quotes nothing.
    const said = buildTicket(state({ errorText: undefined, collected: { errorMessage: 'なし' } }), meta(), ctx);
    expect(said.body).toContain('エラー表示：なし');
    expect(said.summary).not.toContain('「');
  });

  it('uses the id given by the caller', () => {
    expect(buildTicket(state(), meta(), { ...ctx, ticketId: 'MM-20261128-0001' }).id).toBe('MM-20261128-0001');
  });

  it('files steps as title keys and renders them in the language of the ticket, so a language switch does not freeze them', () => {
    const steps: ConversationState['stepsTried'] = [{ node: 'net_airplane', title: 'tree.net_airplane.title', result: 'not_resolved', atMs: 1 }];
    const draft = ticketDraft(state({ stepsTried: steps }), 1, {});
    expect(draft.fields.stepsTried).toEqual([{ title: 'tree.net_airplane.title', result: 'not_resolved' }]);
    const ja = renderTicket(draft, { id: 'MM-20261128-0004', i18n, publicUrl: 'https://desk.example.com' });
    const en = renderTicket({ ...draft, locale: 'en' }, { id: 'MM-20261128-0004', i18n, publicUrl: 'https://desk.example.com' });
    expect(ja.fields.stepsTried[0]!.step).toBe(i18n.t('tree.net_airplane.title', undefined, 'ja'));
    expect(en.fields.stepsTried[0]!.step).toBe(i18n.t('tree.net_airplane.title', undefined, 'en'));
    expect(ja.fields.stepsTried[0]!.step).not.toBe(en.fields.stepsTried[0]!.step);
    expect(en.body).toContain(`1. ${en.fields.stepsTried[0]!.step} → still broken`);
  });

  it('never carries a password the user typed', () => {
    const t = buildTicket(
      state({ errorText: 'パスワードは Secr3tPass! なのに弾かれる', collected: { occurredAt: 'password: hunter22 から', 'settings.incoming.auth': 'パスワード' } }),
      meta(),
      ctx,
    );
    const json = JSON.stringify(t);
    expect(json).not.toContain('Secr3tPass');
    expect(json).not.toContain('hunter22');
  });

  it('rejects a malformed ticket', () => {
    const t = buildTicket(state(), meta(), ctx);
    expect(ticketSchema.safeParse({ ...t, id: 'X-1' }).success).toBe(false);
    expect(ticketSchema.safeParse({ ...t, fields: { ...t.fields, device: 'nokia' } }).success).toBe(false);
    expect(ticketSchema.safeParse({ ...t, transcriptUrl: 'not a url' }).success).toBe(false);
  });

  // 「送信はできますか？」 is the IMAP/SMTP split staff start from: the person's answer is in the body beside the symptom,
  // not only in the transcript. The ticket object itself keeps design.md's shape (no new key).
  const { tree } = loadDialogs();
  const walk = (locale: 'ja' | 'en', scopeChoice: string) => {
    const c = { tree: tree!, i18n };
    let out = step(undefined, { kind: 'text', text: 'x', nlu: nlu('error_cannot_fetch', { carrier: 'docomo', device: 'iphone' }, locale) }, meta({ locale }), c);
    expect(out.state.node).toBe('fetch_scope');
    for (const value of [scopeChoice, 'human', 'skip'])
      out = step(out.state, { kind: 'action', value, nonce: String(out.state.offer) }, meta({ locale }), c);
    const t = ticketOf(out);
    expect(t, `no ticket after ${scopeChoice}, human, skip`).toBeDefined();
    expect(ticketSchema.safeParse(t).success).toBe(true);
    expect(Object.keys(t!)).not.toContain('scope');
    return t!.body;
  };

  it('says in the body which side fails, as the person answered (send and receive both, or receive only)', () => {
    expect(walk('ja', 'both')).toContain('検出した症状：メールを取得できない（送信も受信もできない）');
    expect(walk('ja', 'receive')).toContain('検出した症状：メールを取得できない（送信はできる）');
    expect(walk('en', 'both')).toMatch(/\(neither sending nor receiving works\)/);
    // Not asked, not said: the symptom alone.
    const plain = buildTicket(state(), meta(), ctx);
    expect(plain.body).toContain('検出した症状：認証エラー\n');
  });

  it('writes 「まだ届きません」 said at the hand-off form into the body, in the person\'s words and masked (leftovers-31)', () => {
    const t = buildTicket(state({ stillBrokenAtForm: ['まだ届きません', 'password: hunter22 でもダメ'] }), meta(), ctx);
    expect(t.body).toContain('引き継ぎの時点でも直っていないとのこと（本人の言葉：まだ届きません / ');
    expect(JSON.stringify(t)).not.toContain('hunter22');
    expect(ticketSchema.safeParse(t).success).toBe(true);
    expect(buildTicket(state(), meta(), ctx).body).not.toContain('引き継ぎの時点でも');
  });
});
