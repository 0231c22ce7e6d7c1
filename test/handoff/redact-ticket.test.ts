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
