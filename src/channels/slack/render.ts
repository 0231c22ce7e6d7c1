/**
 * Reply → Slack message (Block Kit). Choices become buttons: `action_id` is `mm_choice_<n>` (unique in the block),
 * `value` the choice value, and the actions block's `block_id` carries the offer nonce, the reply's language and the
 * thread, `mm|<nonce>|<locale>|<thread ts or 'dm'>`, so a click is checked for staleness, routed to the conversation
 * the buttons belong to, and the clicked message re-rendered in its language.
 */
import type { Choice, Locale, Reply } from '../../core/index.js';
import { escapeMrkdwn } from './ids.js';

/** Block Kit limits (api.slack.com/reference/block-kit): section text 3,000, button text 75, 25 buttons a block. */
const SECTION_MAX = 3_000;
const BUTTON_TEXT_MAX = 75;
const BUTTONS_MAX = 25;

export const CHOICE_ACTION = /^mm_choice_\d+$/;
export const TAKEOVER_ACTION = 'mm_takeover';
export const HANDBACK_ACTION = 'mm_handback';

/** Any Block Kit block; kept loose on purpose (we build only sections, context and actions). */
export type Block = Record<string, unknown>;

export interface SlackMessage {
  /** Plain-text fallback (notifications, screen readers). */
  text: string;
  blocks: Block[];
}

const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** Language of a text by its script: any kana/kanji means Japanese. */
export function scriptLocale(text: string): Locale {
  return /[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/.test(text) ? 'ja' : 'en';
}

/** Sections of at most SECTION_MAX characters (long replies are split at line ends where possible). */
export function sections(text: string): Block[] {
  const escaped = escapeMrkdwn(text);
  const out: Block[] = [];
  let rest = escaped;
  while (rest.length > 0) {
    let end = rest.length <= SECTION_MAX ? rest.length : rest.lastIndexOf('\n', SECTION_MAX);
    if (end <= 0) end = Math.min(rest.length, SECTION_MAX);
    out.push({ type: 'section', text: { type: 'mrkdwn', text: rest.slice(0, end) } });
    rest = rest.slice(end).replace(/^\n/, '');
  }
  return out.length > 0 ? out : [{ type: 'section', text: { type: 'mrkdwn', text: ' ' } }];
}

export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Block {
  const b: Block = { type: 'button', action_id: actionId, text: { type: 'plain_text', text: cut(text, BUTTON_TEXT_MAX), emoji: true }, value };
  if (style) b.style = style;
  return b;
}

/** The actions block of a reply's choices. */
export function choiceBlock(choices: Choice[], nonce: string | undefined, locale: Locale, threadTs: string | undefined): Block {
  return {
    type: 'actions',
    block_id: `mm|${nonce ?? ''}|${locale}|${threadTs ?? 'dm'}`,
    elements: choices.slice(0, BUTTONS_MAX).map((c, i) => button(c.label, `mm_choice_${i}`, c.value)),
  };
}

/** One reply as a message, its buttons under it (proactive single replies; turns use `renderTurn`). */
export function renderReply(reply: Reply, nonce: string | undefined, threadTs: string | undefined): SlackMessage {
  const blocks = sections(reply.text);
  if (reply.choices?.length) blocks.push(choiceBlock(reply.choices, nonce, scriptLocale(reply.text), threadTs));
  return { text: reply.text, blocks };
}

/** Most blocks Slack takes in one message. */
export const BLOCKS_MAX = 50;

/**
 * One message per turn (one notification, not three): every reply's sections in order, then the turn's buttons
 * (every choice offered, once, in one actions block). A turn too long for one message (over BLOCKS_MAX blocks) is
 * split, the buttons going under the last part.
 */
export function renderTurn(replies: Reply[], nonce: string | undefined, threadTs: string | undefined): SlackMessage[] {
  if (replies.length === 0) return [];
  const texts = replies.flatMap((r) => sections(r.text));
  const seen = new Set<string>();
  const choices = replies.flatMap((r) => r.choices ?? []).filter((c) => (seen.has(c.value) ? false : (seen.add(c.value), true)));
  const offering = [...replies].reverse().find((r) => r.choices?.length);
  const actions = choices.length ? [choiceBlock(choices, nonce, scriptLocale(offering?.text ?? replies[0]!.text), threadTs)] : [];
  const text = replies.map((r) => r.text).join('\n\n');
  const room = BLOCKS_MAX - actions.length;
  if (texts.length <= room) return [{ text, blocks: [...texts, ...actions] }];
  const out: SlackMessage[] = [];
  for (let i = 0; i < texts.length; i += BLOCKS_MAX) out.push({ text: '', blocks: texts.slice(i, i + BLOCKS_MAX) });
  const last = out[out.length - 1]!;
  if (last.blocks.length > room) out.push({ text: '', blocks: [] });
  out[out.length - 1]!.blocks.push(...actions);
  for (const m of out) m.text = m.blocks.map((b) => ((b.text as { text?: string } | undefined)?.text ?? '')).join('\n\n').trim() || text.slice(0, 3_000);
  return out;
}

/** What a choice block id carries; undefined when it is not one of ours. */
export function parseChoiceBlockId(blockId: string | undefined): { nonce?: string; locale: Locale; threadTs?: string } | undefined {
  const m = /^mm\|([^|]*)\|(ja|en)\|([0-9.]+|dm)$/.exec(blockId ?? '');
  if (!m) return undefined;
  return { nonce: m[1] === '' ? undefined : m[1], locale: m[2] as Locale, threadTs: m[3] === 'dm' ? undefined : m[3] };
}

/** A small grey line under a message (who chose what, who took over …). */
export function contextLine(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(cut(text, SECTION_MAX)) }] };
}

/**
 * The clicked message re-rendered: the same text, no buttons, and a line saying what was chosen — so an old
 * message can never be clicked twice to a different effect.
 */
export function answeredMessage(original: { text?: string; blocks?: Block[] }, chosenLine: string): SlackMessage {
  const kept = (original.blocks ?? []).filter((b) => b.type !== 'actions');
  return { text: original.text ?? chosenLine, blocks: [...kept, contextLine(chosenLine)] };
}
