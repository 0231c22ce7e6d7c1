/**
 * Node names in words for staff: the analytics funnel, the fallback table and the conversation page show what a
 * node asks or does, in the staff's language, with its id small beside it — never a bare `fetch_scope`.
 *
 *   step node           its title (tree.<id>.title, e.g. 「dアカウントに再ログイン（2段階認証まで）」)
 *   any node with say   its `title:` when it has one (since round 36), else the first sentence of what it says
 *   route / unknown     the id
 * and a name two nodes share is told apart the same way on every page (treeNames: 「name · id」).
 * A name is read for every conversation at once, so a slot placeholder in it becomes the words the bot uses when the
 * slot is unknown (「{handset}を再起動」 → 「端末を再起動」, "Restart your {handset}" → "Restart your device"; i18n/keys.ts slotNameKeys, as the engine), other
 * placeholders an ellipsis — a lead never reads a raw `{device_name}`. Within one conversation (`known`), its own
 * carrier, service and device are named instead (「iPhoneの再起動」).
 */
import type { Locale } from '../core/index.js';
import type { DialogTree } from '../data/schemas.js';
import type { I18n } from '../i18n/index.js';
import { slotNameKeys, type SlotValues } from '../i18n/keys.js';

import { firstWords } from '../data/node-name.js';

/** What one conversation knows (its summary's carrier, service, device): its words replace the unknown-slot ones. */
export type KnownSlots = SlotValues;
const generic = (i18n: I18n, locale: Locale, key: string, known: KnownSlots = {}) => {
  const names: Record<string, string> = slotNameKeys(known);
  return i18n.format(key, (name) => (names[name] ? i18n.t(names[name], undefined, locale) : '…'), locale);
};

/** A node's own name (its `title:`, else the first sentence of its `say`, else its id), before telling shared names apart. */
function ownName(id: string, o: { tree?: DialogTree; i18n: I18n; locale: Locale; known?: KnownSlots }): string {
  const node = o.tree?.nodes.get(id);
  if (!node) return id;
  // Any node kind may carry a staff `title:` (since round 36); a step's is also its ticket name.
  const title = node.title;
  if (title && o.i18n.has(title, o.locale)) return generic(o.i18n, o.locale, title, o.known);
  const say = 'say' in node ? (node as { say?: string }).say : undefined;
  if (say && o.i18n.has(say, o.locale)) {
    const words = firstWords(generic(o.i18n, o.locale, say, o.known));
    if (words) return words;
  }
  return id;
}

/**
 * The node's name in `locale`: '' (before the first question) is `startLabel`; an unknown node (removed from the
 * tree since) is its id. A name another node of the tree shares (steps share a ticket title across branches:
 * 「VPN・プロキシを一時オフ」 ×8) reads as treeNames tells them apart, the same on every page (since round 36) — except
 * within one conversation (`known`), whose own steps have distinct titles (lint checkStepTitles).
 */
export function nodeName(id: string, o: { tree?: DialogTree; i18n: I18n; locale: Locale; startLabel?: string; known?: KnownSlots; idBeside?: boolean }): string {
  if (!id) return o.startLabel ?? '—';
  if (!o.tree?.nodes.get(id)) return id;
  // `idBeside`: the page prints the id next to the name (a table's grey id, 「… (net_switch)」) — not twice.
  if (o.known || o.idBeside) return ownName(id, o);
  const named = treeNames(o.tree, o.i18n, o.locale).get(id);
  return named ? joinName(named) : ownName(id, o);
}

/** A DistinctName as one line: 「name · id」 or the name alone. */
export const joinName = (n: DistinctName) => (n.id ? `${n.name} · ${n.id}` : n.name);

/** A node's name, and its id when another node shares the name. */
export interface DistinctName {
  name: string;
  id?: string;
}

const treeCache = new WeakMap<DialogTree, WeakMap<I18n, Map<Locale, Map<string, DistinctName>>>>();
/** Every node's name in `locale`, told apart over the whole tree (distinctNames), read once per tree, messages and locale. */
export function treeNames(tree: DialogTree, i18n: I18n, locale: Locale): Map<string, DistinctName> {
  let byI18n = treeCache.get(tree);
  if (!byI18n) treeCache.set(tree, (byI18n = new WeakMap()));
  let byLocale = byI18n.get(i18n);
  if (!byLocale) byI18n.set(i18n, (byLocale = new Map()));
  let names = byLocale.get(locale);
  if (!names) {
    // Routes say nothing and are never where a conversation waits: left out, so they take no name from another node.
    const ids = [...tree.nodes.values()].filter((n) => n.kind !== 'route').map((n) => n.id);
    byLocale.set(locale, (names = distinctNames(ids, (id) => ownName(id, { tree, i18n, locale }))));
  }
  return names;
}

/**
 * Names for nodes shown together: a name several of them share gets the node's id — 「VPN・プロキシを一時オフ · int_vpn」
 * (steps share a ticket title across branches and with their Android twins). Round 35 said where a node leads instead
 * (「… → 端末の再起動」); over the whole tree that read as a second step name half the time and told twins nothing, so the
 * id, which staff search by, does it; content tells nodes apart better with a `title:` (lint checkNodeTitles). `name`
 * names one node; a name no other node shares is left as it is.
 */
export function distinctNames(ids: readonly string[], name: (id: string) => string): Map<string, DistinctName> {
  const out = new Map<string, DistinctName>();
  const count = new Map<string, number>();
  for (const id of ids) {
    const n = name(id);
    out.set(id, { name: n });
    count.set(n, (count.get(n) ?? 0) + 1);
  }
  for (const [id, e] of out) if ((count.get(e.name) ?? 0) > 1) e.id = id;
  return out;
}
