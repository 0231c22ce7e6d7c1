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

/** The node a node leads to (its `next`), unless that is a route (which sends each conversation its own way). */
function leadsTo(tree: DialogTree, id: string): string | undefined {
  const node = tree.nodes.get(id) as { kind: string; next?: string } | undefined;
  const to = node?.kind === 'route' ? undefined : node?.next;
  // A route's `default` is not where most go (auth_device → auth_reenter_route → the iCloud sign-in): no name rather than a wrong one.
  return to && tree.nodes.get(to)?.kind !== 'route' ? to : undefined;
}

/**
 * Names for nodes shown together (the analytics funnel): a name several of them share gets where the node leads —
 * 「お使いの端末を教えてください（…） → 端末の再起動」 — since eight device questions share one `say` and read as one line eight
 * times, told apart only by the grey id (round 35's walk). `name` names one node (the page's nodeLabel); a name no other node
 * shown shares, or a node that leads nowhere named, is left as it is.
 */
export function distinctNames(ids: readonly string[], tree: DialogTree | undefined, name: (id: string) => string): Map<string, { name: string; then?: string }> {
  const out = new Map<string, { name: string; then?: string }>();
  const count = new Map<string, number>();
  for (const id of ids) {
    const n = name(id);
    out.set(id, { name: n });
    count.set(n, (count.get(n) ?? 0) + 1);
  }
  if (!tree) return out;
  for (const id of ids) {
    const entry = out.get(id)!;
    if ((count.get(entry.name) ?? 0) < 2) continue;
    const to = leadsTo(tree, id);
    const then = to ? name(to) : undefined;
    if (then && then !== to) entry.then = then;
  }
  // Where the suffix does not tell them apart (端末の再起動 for iPhone and iPad both lead to the force-quit), it is dropped.
  const full = new Map<string, number>();
  for (const e of out.values()) if (e.then) full.set(`${e.name}\u0000${e.then}`, (full.get(`${e.name}\u0000${e.then}`) ?? 0) + 1);
  for (const e of out.values()) if (e.then && (full.get(`${e.name}\u0000${e.then}`) ?? 0) > 1) delete e.then;
  return out;
}
