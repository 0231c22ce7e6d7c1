import { describe, expect, it } from 'vitest';
import { mentions, stripMentions, unescapeSlack } from '../../../src/channels/slack/ids.js';

describe('Slack mentions', () => {
  it('sees a mention of the user, bare or with a label', () => {
    expect(mentions('hi <@U0BOT> there', 'U0BOT')).toBe(true);
    expect(mentions('<@U0BOT|mailmedic> help', 'U0BOT')).toBe(true);
  });

  it('does not take another user, a longer id or an unclosed mention for the user', () => {
    expect(mentions('hi <@U0OTHER>', 'U0BOT')).toBe(false);
    expect(mentions('hi <@U0BOT2>', 'U0BOT')).toBe(false);
    expect(mentions('hi <@U0BOT|mailmedic', 'U0BOT')).toBe(false);
    expect(mentions('U0BOT said', 'U0BOT')).toBe(false);
  });

  it('is false without text or without a user id', () => {
    expect(mentions(undefined, 'U0BOT')).toBe(false);
    expect(mentions('<@U0BOT>', undefined)).toBe(false);
    expect(mentions('<@U0BOT>', '')).toBe(false);
  });

  it('reads the id as text, never as a pattern', () => {
    expect(mentions('<@UX>', 'U.')).toBe(false);
    expect(mentions('<@U.>', 'U.')).toBe(true);
  });

  it('strips mentions and folds the spaces they leave', () => {
    expect(stripMentions('<@U0BOT>  メールが届かない <@W0X|x>')).toBe('メールが届かない');
  });
});

describe('what a person typed on Slack (sec-34)', () => {
  it('unwraps the links Slack puts around an address, a host or a URL, so the turn reads what was typed', () => {
    expect(unescapeSlack('<mailto:pat@example.com|pat@example.com> / marigold')).toBe('pat@example.com / marigold');
    expect(unescapeSlack('server <http://imap.gmail.com|imap.gmail.com> port 993')).toBe('server imap.gmail.com port 993');
    expect(unescapeSlack('see <https://support.apple.com/en-us/102654>')).toBe('see https://support.apple.com/en-us/102654');
    expect(unescapeSlack('<mailto:pat@example.com>')).toBe('pat@example.com');
  });

  it('leaves mentions and escaped brackets as they were typed', () => {
    expect(unescapeSlack('<@U0BOT> hi')).toBe('<@U0BOT> hi');
    expect(unescapeSlack('a &lt;b&gt; &amp; c')).toBe('a <b> & c');
    expect(unescapeSlack('&lt;mailto:x@y.jp|x&gt;')).toBe('<mailto:x@y.jp|x>');
  });
});
