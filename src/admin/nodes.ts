/**
 * Node names in words for staff: the analytics funnel, the fallback table and the conversation page show what a
 * node asks or does, in the staff's language, with its id small beside it — never a bare `fetch_scope`.
 *
 *   step node           its title (tree.<id>.title, e.g. 「dアカウントに再ログイン（2段階認証まで）」)
 *   any node with say   tree.<id>.title when the locales have one, else the first sentence of what it says
 *   route / unknown     the id
 * A name is read for every conversation at once, so a slot placeholder in it becomes the words the bot uses when the
 * slot is unknown (「{handset}を再起動」 → 「端末を再起動」, "Restart your {handset}" → "Restart your device"; i18n/keys.ts slotNameKeys, as the engine), other
 * placeholders an ellipsis — a lead never reads a raw `{device_name}`. Within one conversation (`known`), its own
 * carrier, service and device are named instead (「iPhoneの再起動」).
 */
import type { Locale } from '../core/index.js';
import type { DialogTree } from '../data/schemas.js';
import type { I18n } from '../i18n/index.js';
import { slotNameKeys, type SlotValues } from '../i18n/keys.js';

/** Longest name taken from a node's say text, in characters (cut at the first sentence end before that). */
export const NODE_NAME_MAX = 40;

/** The first sentence (or the first NODE_NAME_MAX characters) of a text, placeholders and markup removed. */
export function firstWords(text: string, max = NODE_NAME_MAX): string {
  const flat = text
    .replace(/\{[^}]*\}/g, '…')
    .replace(/[*_`#>]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const end = flat.search(/[。？！?!]|\. /);
  const sentence = end >= 0 ? flat.slice(0, end + 1) : flat;
  const chars = Array.from(sentence);
  return chars.length <= max ? sentence : `${chars.slice(0, max - 1).join('')}…`;
}

/** What one conversation knows (its summary's carrier, service, device): its words replace the unknown-slot ones. */
export type KnownSlots = SlotValues;
const generic = (i18n: I18n, locale: Locale, key: string, known: KnownSlots = {}) => {
  const names: Record<string, string> = slotNameKeys(known);
  return i18n.format(key, (name) => (names[name] ? i18n.t(names[name], undefined, locale) : '…'), locale);
};

/**
 * The node's name in `locale`: '' (before the first question) is `startLabel`; an unknown node (removed from the
 * tree since) is its id.
 */
export function nodeName(id: string, o: { tree?: DialogTree; i18n: I18n; locale: Locale; startLabel?: string; known?: KnownSlots }): string {
  if (!id) return o.startLabel ?? '—';
  const node = o.tree?.nodes.get(id);
  if (!node) return id;
  if (node.kind === 'step') return generic(o.i18n, o.locale, node.title, o.known);
  const titleKey = `tree.${id}.title`;
  if (o.i18n.has(titleKey, o.locale)) return generic(o.i18n, o.locale, titleKey, o.known);
  const say = 'say' in node ? (node as { say?: string }).say : undefined;
  if (say && o.i18n.has(say, o.locale)) {
    const words = firstWords(generic(o.i18n, o.locale, say, o.known));
    if (words) return words;
  }
  return id;
}
