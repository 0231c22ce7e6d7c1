/**
 * Slack conversation ids: `slack:<team>:<channel>:<thread ts | 'dm'>`. A channel thread (and a thread inside a
 * DM) is its own conversation, so two threads never share state; a DM without a thread is one conversation.
 */

export interface SlackPlace {
  team: string;
  channel: string;
  /** Thread root ts; absent for the top level of a DM. */
  threadTs?: string;
}

/** The conversation id of a place in Slack. */
export function conversationIdOf(place: SlackPlace): string {
  return `slack:${place.team}:${place.channel}:${place.threadTs ?? 'dm'}`;
}

/** The place of a Slack conversation id; undefined for ids of other channels or malformed ones. */
export function placeOf(conversationId: string): SlackPlace | undefined {
  const m = /^slack:([^:]+):([^:]+):([^:]+)$/.exec(conversationId);
  if (!m) return undefined;
  const [, team, channel, thread] = m as unknown as [string, string, string, string];
  return thread === 'dm' ? { team, channel } : { team, channel, threadTs: thread };
}

/** `<@U123>` and `<@U123|name>` mentions. */
const MENTION = /<@[UW][A-Z0-9]+(?:\|[^>]*)?>/g;

/** Text without user mentions (the bot's own, in an app_mention), whitespace folded at the ends. */
export function stripMentions(text: string): string {
  return text.replace(MENTION, ' ').replace(/[ \t]+/g, ' ').trim();
}

/** True when `text` mentions the user `userId`. */
export function mentions(text: string | undefined, userId: string | undefined): boolean {
  if (!text || !userId) return false;
  // Substring tests, not a pattern built from the id on every message (nothing in the id is read as regex).
  if (text.includes(`<@${userId}>`)) return true;
  const labelled = text.indexOf(`<@${userId}|`);
  return labelled >= 0 && text.indexOf('>', labelled) >= 0;
}

/**
 * Slack's mrkdwn treats &, < and > as control characters (links, mentions): user-derived and locale text is
 * escaped so it is shown as written and can never ping @channel.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Links Slack wraps around what was typed (sec-34): an address typed as `taro@example.com` arrives as
 * `<mailto:taro@example.com|taro@example.com>`, a host as `<http://imap.gmail.com|imap.gmail.com>`, a URL as `<https://…>`.
 * Only links with a scheme: mentions (`<@U…>`, `<!here>`) are read by mentions()/stripMentions().
 */
const SLACK_LINK = /<((?:mailto|https?|tel):[^<>|\s]{1,2000})(?:\|([^<>]{0,2000}))?>/gi;

/**
 * Slack escapes &, < and > in message text it delivers and wraps typed links in its markup; undo both so the NLU and
 * redaction see what was typed ("taro@example.com / sunflower", not "<mailto:…|…> / sunflower").
 */
export function unescapeSlack(text: string): string {
  return text
    .replace(SLACK_LINK, (_m, url: string, label: string | undefined) => label ?? url.replace(/^mailto:/i, ''))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
