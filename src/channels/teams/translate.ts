/**
 * Teams translation, both ways: a Bot Framework Activity → a Turn, and a TurnOutcome → the Activities to send.
 * Nothing else happens here (no I/O), so the TestAdapter unit tests and the HTTP tests exercise the same code.
 * Every botbuilder type stays inside src/channels/teams/ (the SDK is archived upstream; its successor is the
 * Microsoft 365 Agents SDK): swapping it must touch this folder only.
 */
import { ActivityTypes, CardFactory, TurnContext, type Activity, type Attachment, type ConversationReference } from 'botbuilder';
import type { Locale, Reply, Turn, TurnFile, TurnOutcome } from '../../core/index.js';

/** What a card button carries back (Action.Submit data → the next message's `value`). */
export interface SubmitData {
  /** The choice value (Choice.value), returned as Turn.action. */
  action: string;
  /** The id of the set of choices (TurnOutcome.offer), returned as Turn.nonce. */
  nonce?: string;
}

/** Actions per ActionSet: Teams renders a handful of buttons per row set well on mobile; more are split into rows. */
export const ACTIONS_PER_SET = 5;
/** Adaptive Card schema version: 1.4 renders in Teams (desktop, web, mobile) and in the Emulator. */
export const CARD_VERSION = '1.4';

/** `teams:<tenant>:<conversation.id>` (tenant when known), the id the pipeline and the ticket use. */
export function conversationIdOf(activity: Partial<Activity>): string {
  const tenant = tenantOf(activity);
  const id = activity.conversation?.id ?? '';
  return tenant ? `teams:${tenant}:${id}` : `teams:${id}`;
}

/** The Microsoft Entra tenant of the conversation (Teams sends it twice; the Emulator not at all). */
export function tenantOf(activity: Partial<Activity>): string | undefined {
  const fromConversation = activity.conversation?.tenantId;
  const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  const tenant = fromConversation ?? (typeof fromChannelData === 'string' ? fromChannelData : undefined);
  return tenant && tenant.length > 0 ? tenant : undefined;
}

/** ja-JP / ja → ja, en-US / en-GB → en; anything else is left to the text and DEFAULT_LOCALE. */
export function localeOf(activity: Partial<Activity>): Locale | undefined {
  const tag = (activity.locale ?? '').toLowerCase();
  if (tag === 'ja' || tag.startsWith('ja-')) return 'ja';
  if (tag === 'en' || tag.startsWith('en-')) return 'en';
  return undefined;
}

/** A card submit's data, or undefined when `value` is not one of our {action, nonce} objects. */
export function submitDataOf(value: unknown): SubmitData | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { action, nonce } = value as Record<string, unknown>;
  if (typeof action !== 'string' || action === '') return undefined;
  const data: SubmitData = { action };
  if (typeof nonce === 'string' && nonce !== '') data.nonce = nonce;
  return data;
}

/**
 * A card submit that is not ours: a `value` (Action.Submit data of another app's card, or of an older version of
 * ours) with no {action} we know, and nothing typed or attached. It is not a turn: the channel tells the person the
 * button is no longer active, as Slack does (it would otherwise reach the bot as an empty message).
 */
export function isForeignSubmit(activity: Activity): boolean {
  return activity.value !== undefined && activity.value !== null && !submitDataOf(activity.value) && textWithoutMention(activity) === '' && attachmentCount(activity) === 0;
}

/**
 * A message Activity → Turn. In a channel or group chat the bot is @mentioned: the `<at>…</at>` text is
 * removed (TurnContext.removeRecipientMention) so the NLU sees only what the person wrote. A card submit
 * (`value` with {action, nonce}) becomes an action turn; its text, if any, is ignored.
 */
export function activityToTurn(activity: Activity, receivedAtMs: number): Turn {
  const from = activity.from ?? { id: '' };
  const turn: Turn = {
    conversationId: conversationIdOf(activity),
    channel: 'teams',
    // The Entra object id is stable across the bot's registrations; the channel account id is per bot.
    userId: from.aadObjectId || from.id,
    receivedAtMs,
  };
  if (from.name) turn.userName = from.name;
  if (activity.id) turn.eventId = `teams:${activity.id}`;
  const locale = localeOf(activity);
  if (locale) turn.locale = locale;

  const submit = submitDataOf(activity.value);
  if (submit) {
    turn.action = submit.action;
    if (submit.nonce) turn.nonce = submit.nonce;
    return turn;
  }
  turn.text = textWithoutMention(activity);
  const files = filesOf(activity);
  if (files.length > 0) {
    turn.attachments = files.length;
    turn.files = files;
  }
  return turn;
}

/** The files and images of the message (attachmentCount's), each with its name and content type as Teams gives them. */
export function filesOf(activity: Partial<Activity>): TurnFile[] {
  const list: unknown[] = Array.isArray(activity.attachments) ? activity.attachments : [];
  return list.filter(isFile).map((a) => {
    const { name, contentType, content } = a as { name?: unknown; contentType: string; content?: { fileType?: unknown } };
    // A file sent in a 1:1 chat is a download-info attachment; its content says what kind of file it is ("png").
    const fileType = contentType.endsWith('file.download.info') && typeof content?.fileType === 'string' && content.fileType !== '' ? content.fileType : undefined;
    return { ...(typeof name === 'string' && name !== '' ? { name } : {}), type: fileType ?? contentType };
  });
}

function isFile(a: unknown): boolean {
  const type = (a as { contentType?: unknown } | null)?.contentType;
  return typeof type === 'string' && type !== '' && !type.toLowerCase().startsWith('text/html');
}

/**
 * The files and images the person sent with the message (a pasted screenshot is an `image/*` attachment, a file a
 * `…file.download.info` one). Teams also attaches a `text/html` copy of a formatted message: that is not a file.
 */
export function attachmentCount(activity: Partial<Activity>): number {
  return filesOf(activity).length;
}

/**
 * The message text without the bot's `<at>…</at>` mention. removeRecipientMention trusts the mention entities'
 * shape (a malformed one throws), so a bad entity falls back to removing any `<at>…</at>` of the bot's name.
 */
export function textWithoutMention(activity: Activity): string {
  if (typeof activity.text !== 'string') return '';
  try {
    if (activity.recipient?.id) return (TurnContext.removeRecipientMention({ ...activity }) ?? '').trim();
  } catch {
    const name = activity.recipient?.name;
    if (name) return activity.text.split(`<at>${name}</at>`).join('').trim();
  }
  return activity.text.trim();
}

/**
 * One Adaptive Card: the texts of the replies that offer choices, then every choice (once) as Action.Submit
 * buttons carrying {action, nonce}, in rows of ACTIONS_PER_SET.
 */
export function choiceCard(replies: Reply | Reply[], nonce: string | undefined): Attachment {
  const list = Array.isArray(replies) ? replies : [replies];
  const seen = new Set<string>();
  const choices = list.flatMap((r) => r.choices ?? []).filter((c) => (seen.has(c.value) ? false : (seen.add(c.value), true)));
  const sets: object[] = [];
  for (let i = 0; i < choices.length; i += ACTIONS_PER_SET) {
    sets.push({
      type: 'ActionSet',
      actions: choices.slice(i, i + ACTIONS_PER_SET).map((c) => {
        const data: SubmitData = { action: c.value };
        if (nonce !== undefined) data.nonce = nonce;
        return { type: 'Action.Submit', title: c.label, data };
      }),
    });
  }
  return CardFactory.adaptiveCard({
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: CARD_VERSION,
    body: [...list.map((r) => ({ type: 'TextBlock', text: r.text, wrap: true })), ...sets],
  });
}

/**
 * TurnOutcome → ONE Activity per turn (one notification, not three): the replies without choices as its markdown
 * text, and — when the turn offers choices — one Adaptive Card holding the replies that offer them and all their
 * buttons. Cards rather than suggested actions: Teams shows at most three suggested actions and sends them back as
 * plain text (imBack), which loses the choice value and the nonce. (An array, for sendActivities: empty without replies.)
 */
export function outcomeToActivities(outcome: Pick<TurnOutcome, 'replies' | 'offer'>): Array<Partial<Activity>> {
  const replies = outcome.replies;
  if (replies.length === 0) return [];
  const offering = replies.filter((r) => r.choices?.length);
  const plain = replies.filter((r) => !r.choices?.length);
  const activity: Partial<Activity> = { type: ActivityTypes.Message };
  if (plain.length) {
    activity.text = plain.map((r) => r.text).join('\n\n');
    activity.textFormat = 'markdown';
  }
  if (offering.length) activity.attachments = [choiceCard(offering, outcome.offer)];
  return [activity];
}

/** True when a conversationUpdate tells that the bot itself was added (installed, added to a team or chat). */
export function botWasAdded(activity: Activity): boolean {
  const botId = activity.recipient?.id;
  return !!botId && (activity.membersAdded ?? []).some((m) => m.id === botId);
}

/** The reference a proactive message needs later (serviceUrl, conversation, bot), as plain JSON. */
export function referenceOf(activity: Activity): Partial<ConversationReference> {
  return TurnContext.getConversationReference(activity);
}
