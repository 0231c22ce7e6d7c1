import { describe, expect, it } from 'vitest';
import { backoffDelay, escalationFingerprint } from '../../src/handoff/outbox.js';
import { redactTicket } from '../../src/handoff/redact-ticket.js';
import { makeTicket } from './fixtures.js';

describe('redactTicket', () => {
  it('masks secrets in every user-derived field and leaves ids, links and settings alone', () => {
    const long = 'C0ABCDEFGH9876543210abcdefXYZ';
    const t = makeTicket('MM-20261128-0001', { conversation: long, transcriptUrl: `http://localhost:3978/admin/c/${long}` }, 'zx9Secret');
    t.fields.occurredAt = '認証コード 123456 を入れた直後';
    t.body = `${t.body}\n会話記録：${t.transcriptUrl}`;
    t.requester = { id: 'U1', name: 'pw: hunter22' };
    const { ticket, redacted } = redactTicket(t);
    expect(redacted).toBe(true);
    expect(JSON.stringify(ticket)).not.toMatch(/zx9Secret|123456|hunter22/);
    expect(ticket.id).toBe(t.id);
    expect(ticket.conversation).toBe(long);
    expect(ticket.transcriptUrl).toBe(t.transcriptUrl);
    expect(ticket.fields.settings).toEqual(t.fields.settings);
    expect(ticket.fields.os).toBe('iOS 18.1');
    expect(ticket.fields.stepsTried.map((s) => s.result)).toEqual(['not_resolved', 'not_resolved']);
    expect(ticket.body).toContain(t.transcriptUrl);
  });

  it('returns a clean ticket unchanged', () => {
    const t = makeTicket('MM-20261128-0002');
    expect(redactTicket(t)).toEqual({ ticket: t, redacted: false });
  });

  // The sentences issue 13 found kept in clear in a ticket's summary, body and error message.
  const typed = [
    ['Gmailでパスワードが違いますって何回も出る。Pa55word!x で合ってるはずなんだけど', 'Pa55word!x'],
    ['Pa55word!x って入れてるのにエラー', 'Pa55word!x'],
    ['パスワード変えた。新しいのは Pa55word!x', 'Pa55word!x'],
    ['パスワード合ってる(Pa55word!x)', 'Pa55word!x'],
    ['パスワードは「すもももももも」です', 'すもももももも'],
    ['パスワードはねこ123です', 'ねこ123'],
    ['password = correct horse battery staple', 'horse battery'],
    ['I changed my password to Summer2024!', 'Summer2024'],
    ['アプリ用パスワード: vbnm qwer tyui zxcv', 'tyui'],
    ['カードは 4111 1111 1111 1111 です', '4111'],
  ] as const;
  it.each(typed)('masks %j in the summary, the body and the error message', (text, secret) => {
    const t = makeTicket('MM-20261128-0003');
    t.summary = `[mailmedic] 認証エラー：${text}`;
    t.body = `端末/OS：iPhone 15 Pro / iOS 17.6.1\nエラー表示：${text}\n会話記録：${t.transcriptUrl}`;
    t.fields.errorMessage = text;
    const { ticket, redacted } = redactTicket(t);
    expect(redacted).toBe(true);
    for (const field of [ticket.summary, ticket.body, ticket.fields.errorMessage]) expect(field).not.toContain(secret);
    expect(ticket.body).toContain('iPhone 15 Pro / iOS 17.6.1');
    expect(ticket.body).toContain(t.transcriptUrl);
  });

  it('keeps a ticket that only talks about passwords exactly as it was', () => {
    const t = makeTicket('MM-20261128-0004');
    t.fields.errorMessage = '「IMAPアカウント“imap.spmode.ne.jp”のパスワードが正しくありません」';
    t.fields.stepsTried = [{ step: 'パスワードを変えたら受信できなくなった', result: 'not_resolved' }];
    t.summary = '[mailmedic] 認証エラー：SH-51C / Android 14 / ポート 993 SSL';
    expect(redactTicket(t)).toEqual({ ticket: t, redacted: false });
  });
});

describe('backoffDelay', () => {
  const o = { baseDelayMs: 1_000, maxDelayMs: 300_000 };
  it('doubles from the base, caps, and jitters within the upper half', () => {
    expect(backoffDelay(1, { ...o, random: () => 0 })).toBe(500);
    expect(backoffDelay(1, { ...o, random: () => 1 })).toBe(1_000);
    expect(backoffDelay(4, { ...o, random: () => 1 })).toBe(8_000);
    expect(backoffDelay(30, { ...o, random: () => 1 })).toBe(300_000);
    expect(backoffDelay(30, { ...o, random: () => 0 })).toBe(150_000);
  });
  it('never waits less than Retry-After', () => {
    expect(backoffDelay(1, { ...o, random: () => 0 }, 30_000)).toBe(30_000);
    expect(backoffDelay(10, { ...o, random: () => 1 }, 1_000)).toBe(300_000);
  });
});

describe('escalationFingerprint', () => {
  it('ignores the ticket id and depends on the conversation and content', () => {
    const a = makeTicket('MM-20261128-0003');
    expect(escalationFingerprint({ ...a, id: 'MM-20261128-0004' })).toBe(escalationFingerprint(a));
    expect(escalationFingerprint({ ...a, conversation: 'other' })).not.toBe(escalationFingerprint(a));
    expect(escalationFingerprint({ ...a, intent: 'error_send' })).not.toBe(escalationFingerprint(a));
  });
});
