import { describe, expect, it } from 'vitest';
import { isFallback } from '../../src/transcripts/fallback.js';

describe('isFallback', () => {
  it('counts the out-of-scope answer and the ask-backs, not an understood turn', () => {
    expect(isFallback({ intent: 'out_of_scope', replies: [] })).toBe(true);
    expect(isFallback({ intent: null, replies: [{ key: 'engine.clarify', text: '…' }] })).toBe(true);
    expect(isFallback({ intent: 'error_auth', replies: [{ key: 'engine.clarify_human', text: '…' }] })).toBe(true);
    expect(isFallback({ intent: 'error_auth', replies: [{ key: 'tree.auth_entry.say', text: '…' }] })).toBe(false);
  });

  it('an answer to the hand-off form is understood, whatever the reading (it filled the ticket or was asked for the rest)', () => {
    expect(isFallback({ intent: 'out_of_scope', replies: [{ key: 'engine.handoff.filed', text: '…' }] })).toBe(false);
    expect(isFallback({ intent: 'out_of_scope', replies: [{ key: 'engine.handoff.reask', text: '…' }] })).toBe(false);
    expect(isFallback({ intent: 'out_of_scope', replies: [{ key: 'engine.handoff.reask', text: '…' }, { key: 'engine.clarify', text: '…' }] })).toBe(true);
  });
});
