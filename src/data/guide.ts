/**
 * The tree against the troubleshooting guide (called by `mailmedic lint`). Five checks on top of lint's graph checks:
 *
 * 1. **Coverage** — dialogs/guide.yaml lists the guide's sections; every section must be named (`guide: [§n]`) by
 *    at least one node reachable from the start, the globals or an entry, and a node only counts for a locale
 *    when all its texts exist there. A node naming a section the list does not have is an error.
 * 2. **Backup and confirmation before anything destructive** — a node marked `destructive: <kind>` (profile,
 *    account, network) must be unreachable from every root once the nodes marked `backup: <kind>` are taken out
 *    (so a backup node lies on every path to it), and every edge into it must come from an option of a choice
 *    node marked `confirm: <kind>` (or from the `when`-skip of a device variant of the same step). A backup node's
 *    text must name every item of the guide's checklist for its kind (`backups:` in dialogs/guide.yaml). A node that
 *    only deletes a profile must be a choice: it cannot fix anything by itself, so it offers no [直った].
 *    **2b. A light step before a backup checklist** (lint-34): walking from every root (conditions of route cases and
 *    `when`-skips followed as far as they go: a case taken, the cases before it not), every path to a node with `backup:`
 *    passes a light step (a non-destructive `step`) or an edge marked `heavy:` (schemas.ts heavyReason: `asked`,
 *    `after_light` — checked against its route — or `order`). A root may be a checklist only as its own topic's entry.
 * 3. **Help says what the step says** — a heuristic over the locale texts: ACTIONS below are recognised in a
 *    sentence unless the sentence is a negation (「…しないで」 "don't …"). A step's `help` may not name an action
 *    its `say` does not name; a step whose `say` asks for a destructive action must be marked `destructive`, and
 *    (3b, guide-37) a node marked `destructive` must ask for it in its `say` in every locale, so no twin hides the
 *    deletion; nothing may ask to erase the whole phone.
 * 4. **Wording follows the device** — the tree is walked from every root as if the person had said iPhone, iPad or
 *    Android (conditions on `device` decided, other conditions taken both ways). A node reached on Android may not
 *    show iOS menus, a node reached on iPad may not name the iPhone alone (and the other way round), and iOS users
 *    may not see Android menus. Ask nodes (the device question itself) and button labels are not checked.
 * 5. **The guide's ordered lists, complete and in order** (guide-35) — `lists:` in dialogs/guide.yaml names the guide's
 *    step lists and tables that a node says in one message (the FAQ's five checks, the au and SoftBank orders, the
 *    phone-change steps, the record-and-contact template, the monthly checks, the reset's decision table): every item
 *    must be in the node's `say`, in each locale, in the guide's order (checkOrderedList).
 * 6. **The guide's walks in order** (guide-36) — `walks:` in dialogs/guide.yaml names the multi-step sections the tree
 *    walks one node per step (§5, §7, §11, §18 …). Along every path (checkWalks, with what route cases taken say about
 *    slots), no step is shown after a later step of its walk without a start over (the start or a global) in between,
 *    and a destructive step of a walk only after a backup checklist of its kind was passed since the start over.
 *    The facts are packed into bit masks (factSpace, guide-37) — the same answers as edgeFollower, at half the cost.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LOCALES, type Locale } from '../core/index.js';
import { edgesOf } from './lint.js';
import { parseYamlFile, type LoadedLocales, type Problem } from './load.js';
import {
  guideListSchema,
  kindsOf,
  type Condition,
  type DestructiveKind,
  type DialogNode,
  type DialogTree,
  type GuideList,
  type GuideWalk,
} from './schemas.js';

/** How much of the guide the tree covers, per locale. */
export interface GuideCoverage {
  sections: number;
  covered: Record<Locale, number>;
}

/** What checkGuide found: problems as `file:line: message`, and the coverage when the tree declares a guide. */
export interface GuideReport {
  problems: Problem[];
  /** Undefined when no dialog file declares `guide:` (a fixture tree, say). */
  coverage?: GuideCoverage;
}

/** `guide sections covered: 22/22 (ja, en)`, or per locale when they differ. */
export function formatCoverage(c: GuideCoverage): string {
  const counts = LOCALES.map((l) => c.covered[l]);
  if (counts.every((n) => n === counts[0])) return `guide sections covered: ${counts[0]}/${c.sections} (${LOCALES.join(', ')})`;
  return `guide sections covered: ${LOCALES.map((l) => `${l} ${c.covered[l]}/${c.sections}`).join(', ')}`;
}

// ───────────────────────────── the heuristics' vocabulary ─────────────────────────────

/**
 * Actions recognised in locale texts. `destructive` names the kind a step asking for it must be marked with;
 * `never` is an action the bot must not ask for at all.
 */
export const ACTIONS: ReadonlyArray<{ id: string; pattern: RegExp; destructive?: DestructiveKind; never?: true }> = [
  {
    id: 'delete the account',
    pattern: /アカウント(?:を|は|の)?(?:いったん|一度)?削除|アカウントを消|(?:delet|remov)(?:e|es|ing)\b[^.\n]{0,30}\baccounts?\b|\bDelete Account\b/i,
    destructive: 'account',
  },
  { id: 'delete the profile', pattern: /プロファイル(?:を|は|の)?削除|(?:delet|remov)(?:e|es|ing)\b[^.\n]{0,30}\bprofiles?\b/i, destructive: 'profile' },
  { id: 'reset network settings', pattern: /ネットワーク設定(?:を|の)?リセット|reset(?:s|ting)?\s+(?:the\s+|your\s+)?network settings/i, destructive: 'network' },
  { id: 'sign out', pattern: /サインアウト|\bsign(?:ing)? out\b/i, destructive: 'account' },
  { id: 'erase the phone', pattern: /すべてのコンテンツと設定を消去|工場出荷|erase all content|factory reset/i, never: true },
  // A certificate warning is answered by checking who it is issued to, never by trusting it (network.yaml cert_*):
  // 「「信頼」を押して続行」 "tap Trust" would let an intercepted connection read the password.
  {
    id: 'trust a certificate',
    pattern: /「信頼」(?:を|で)?(?:押し|押す|押せ|タップ)|証明書を(?:信頼|許可)(?:し|す)|(?:tap|press|choose|select|hit)\s+"?Trust\b|\b(?:trust|accept)\s+(?:the|this|that|an?|its)\s+(?:\w+\s+)?certificate/i,
    never: true,
  },
  { id: 'turn two-step verification off', pattern: /(?:2段階認証|2ファクタ認証|二段階認証|2ステップ確認)[^。\n]{0,12}(?:オフに|無効に)|(?:turn off|disable) two-(?:step|factor)/i, never: true },
  {
    id: 'choose Push',
    pattern: /「プッシュ」(?:を選|をオン|に(?:し|する))|「プッシュ」のスイッチをオン|(?:choose|select|pick|turn on)\s+"?Push\b|\bturn\s+"?Push"?\s+on\b|\bset\b[^.\n]{0,30}\bto\s+"?Push\b/i,
  },
  { id: 'choose Fetch', pattern: /「フェッチ」(?:を選|に(?:し|する))|(?:choose|select|pick)\s+"?Fetch\b|\bset\b[^.\n]{0,30}\bto\s+"?Fetch\b/i },
];

/** A sentence that says not to do something (「削除しないでください」「アカウントは削除せず」 "don't delete"). */
const NEGATION = /しない|しないで|しません|せず|不要|いりません|要りません|必要はありません|don'?t|do not|does(?:n'?t| not)|never|no need|without|instead of|\bnot to\b|better not/i;

const sentences = (text: string) => text.split(/[。\n]|(?<=[.!?])\s+/).filter((s) => s.trim());

/** The actions a text asks for (sentences that negate are ignored). */
export function actionsIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const s of sentences(text)) {
    if (NEGATION.test(s)) continue;
    for (const a of ACTIONS) if (a.pattern.test(s)) out.add(a.id);
  }
  return out;
}

/** Words that ask to delete anything (mail, photos, apps), in a sentence that is not a negation. */
const DELETE_WORDS = /(?<!自動)削除|消して|消去|(?<!auto-)\b(?:delete|erase)\b/i;
/** Only a "don't" negates here: 「不要なアプリを削除」 (unneeded apps) still asks to delete. */
const DONT = /しないで|しません|せず|don'?t|do not|never/i;
export const asksToDelete = (text: string): boolean => sentences(text).some((s) => !DONT.test(s) && DELETE_WORDS.test(s));

/** The actions a text mentions at all, negated or not ("don't sign out" mentions signing out). */
function mentionedIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const a of ACTIONS) if (a.pattern.test(text)) out.add(a.id);
  return out;
}

type Device = 'iphone' | 'ipad' | 'android';
const DEVICES: readonly Device[] = ['iphone', 'ipad', 'android'];

/** Menus and words that belong to one platform: shown on another device, the person reads the wrong path. */
const IOS_ONLY = /設定 › メール ›|設定 › 一般 ›|VPNとデバイス管理|コントロールセンター|Settings › Mail ›|Settings › General ›|VPN & Device Management|Control Cent(?:er|re)/;
const ANDROID_ONLY = /Android|Google Play|ネットワークとインターネット|Network & internet|クイック設定|Quick Settings|Galaxy/;

function wrongFor(device: Device, text: string): string | undefined {
  const iphone = /iPhone/.test(text);
  const ipad = /iPad/.test(text);
  // A text that speaks to every device at once (the old phone in a phone change, the FAQ) is not a wrong path.
  if (iphone && ipad && /Android/.test(text)) return undefined;
  if (device === 'android') {
    const m = text.match(IOS_ONLY);
    if (m) return `shows iOS menus ("${m[0]}")`;
    if ((iphone || ipad) && !/Android/.test(text)) return `names the ${iphone ? 'iPhone' : 'iPad'}`;
  } else {
    const m = text.match(ANDROID_ONLY);
    if (m) return `shows Android wording ("${m[0]}")`;
    if (device === 'ipad' && iphone && !ipad) return 'names the iPhone';
    if (device === 'iphone' && ipad && !iphone) return 'names the iPad';
  }
  return undefined;
}

// ───────────────────────────── the check ─────────────────────────────

/** The node's own texts (not button labels): say, help and title. */
function textKeys(node: DialogNode): Array<{ key: string; part: 'say' | 'help' | 'title' }> {
  const out: Array<{ key: string; part: 'say' | 'help' | 'title' }> = [];
  if (node.kind !== 'route') out.push({ key: node.say, part: 'say' });
  if (node.kind === 'step') {
    out.push({ key: node.title, part: 'title' });
    if (node.help) out.push({ key: node.help, part: 'help' });
  }
  return out;
}

/** The guide's section list of the tree under `root` (dialogs/guide.yaml), or undefined when there is none. */
export function loadGuideSections(root: string): GuideList['sections'] | undefined {
  return loadGuideList(root)?.list.sections;
}

/** The dialog file that declares `guide:`, validated, with a line finder. */
function loadGuideList(root: string): { list: GuideList; file: string; lineOf(path: PropertyKey[]): number } | undefined {
  const dir = join(root, 'dialogs');
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const parsed = parseYamlFile(join(dir, name), root);
    const value = parsed.value as { guide?: unknown } | undefined;
    if (!value || value.guide === undefined) continue;
    const r = guideListSchema.safeParse(value.guide);
    // A malformed list is already reported by the dialog loader (the same schema).
    return r.success ? { list: r.data, file: parsed.file, lineOf: (p) => parsed.lineOf(['guide', ...p]) } : undefined;
  }
  return undefined;
}

/** Where a conversation can begin or jump to: the start node, every global and every entry. */
function rootsOf(tree: DialogTree): string[] {
  const g = tree.globals as Record<string, string | undefined>;
  return [tree.start, ...Object.values(g), ...Object.values(tree.entries)].filter((id): id is string => !!id && tree.nodes.has(id));
}

/**
 * The four checks of the module comment over a loaded tree and its locales; `root` is where dialogs/guide.yaml is
 * looked for. Pure apart from reading that file.
 */
export function checkGuide(tree: DialogTree, locales: LoadedLocales, root: string): GuideReport {
  const problems: Problem[] = [];
  const at = (id: string) => tree.sources.get(id) ?? { file: 'dialogs/', line: 1 };
  const text = (key: string, l: Locale) => locales.messages[l].get(key);
  const roots = rootsOf(tree);
  const edges = new Map<string, ReturnType<typeof edgesOf>>();
  for (const node of tree.nodes.values()) edges.set(node.id, edgesOf(node, tree).filter((e) => tree.nodes.has(e.to)));
  const reached = reach(roots, (id) => (edges.get(id) ?? []).map((e) => e.to));

  // 1. Coverage.
  const guide = loadGuideList(root);
  let coverage: GuideCoverage | undefined;
  if (guide) {
    const ids = new Set(guide.list.sections.map((s) => s.id));
    const covered: Record<Locale, Set<string>> = { ja: new Set(), en: new Set() };
    const named = new Set<string>();
    for (const node of tree.nodes.values()) {
      for (const sec of node.guide ?? []) {
        if (!ids.has(sec)) {
          problems.push({ ...at(node.id), message: `node ${node.id}: guide section ${sec} is not in ${guide.file}` });
          continue;
        }
        if (!reached.has(node.id)) continue;
        named.add(sec);
        for (const l of LOCALES) if (textKeys(node).every(({ key }) => text(key, l)?.trim())) covered[l].add(sec);
      }
    }
    guide.list.sections.forEach((s, i) => {
      if (!named.has(s.id)) problems.push({ file: guide.file, line: guide.lineOf(['sections', i]), message: `guide section ${s.id} (${s.heading}) has no reachable node that names it` });
    });
    coverage = { sections: ids.size, covered: { ja: covered.ja.size, en: covered.en.size } };
  }

  // 2. Backup on every path, an explicit confirmation right before.
  const incoming = new Map<string, Array<{ from: DialogNode; path: ReadonlyArray<PropertyKey> }>>();
  for (const [from, es] of edges) for (const e of es) incoming.set(e.to, [...(incoming.get(e.to) ?? []), { from: tree.nodes.get(from)!, path: e.path }]);
  for (const node of tree.nodes.values()) {
    for (const kind of kindsOf(node.destructive)) {
      if (roots.includes(node.id)) problems.push({ ...at(node.id), message: `node ${node.id} deletes or resets (${kind}) but is a start, global or entry node` });
      for (const { from, path } of incoming.get(node.id) ?? []) {
        const confirmed = from.kind === 'choice' && kindsOf(from.confirm).includes(kind) && path[0] === 'options';
        const variant = kindsOf(from.destructive).includes(kind) && (path[0] === 'skip' || path[0] === 'when');
        if (!confirmed && !variant)
          problems.push({ ...at(node.id), message: `node ${node.id} deletes or resets (${kind}) but is entered from ${from.id}, which is not an explicit confirmation (an option of a choice node with confirm: ${kind})` });
      }
      const blocked = (id: string) => kindsOf(tree.nodes.get(id)?.backup).includes(kind);
      const path = pathTo(roots.filter((r) => !blocked(r)), node.id, (id) => (edges.get(id) ?? []).map((e) => e.to).filter((to) => !blocked(to)));
      if (path) problems.push({ ...at(node.id), message: `node ${node.id} deletes or resets (${kind}) with no backup node (backup: ${kind}) on the path ${path.join(' → ')}` });
    }
    for (const kind of kindsOf(node.backup)) {
      const items = guide?.list.backups[kind];
      if (!items || node.kind === 'route') continue;
      for (const l of LOCALES) {
        const said = text(node.say, l) ?? '';
        for (const item of items) {
          const words = item[l].split('|');
          if (!words.some((w) => said.toLowerCase().includes(w.toLowerCase())))
            problems.push({ ...at(node.id), message: `node ${node.id}: its ${kind} backup checklist (${node.say}, ${l}) leaves out "${item.item}"` });
        }
      }
    }
    // 「プロファイル削除→一括設定再取得」: deleting a profile never fixes anything by itself, so no [直った] after it.
    const kinds = kindsOf(node.destructive);
    if (kinds.length === 1 && kinds[0] === 'profile' && node.kind === 'step')
      problems.push({ ...at(node.id), message: `node ${node.id} only deletes a profile, which cannot fix anything by itself: make it a choice node (no [直った])` });
    if (kindsOf(node.confirm).length && node.kind !== 'choice')
      problems.push({ ...at(node.id), message: `node ${node.id}: only a choice node can be an explicit confirmation (confirm:)` });
  }

  // 5. The guide's ordered lists (dialogs/guide.yaml `lists:`): every item, in the guide's order.
  if (guide) {
    const ids = new Set(guide.list.sections.map((s) => s.id));
    guide.list.lists.forEach((list, i) => {
      const where = { file: guide.file, line: guide.lineOf(['lists', i]) };
      if (!ids.has(list.section)) problems.push({ ...where, message: `guide list "${list.name}": section ${list.section} is not in ${guide.file}` });
      for (const id of list.nodes) {
        const node = tree.nodes.get(id);
        if (!node || node.kind === 'route') {
          problems.push({ ...where, message: `guide list "${list.name}" (${list.section}) names ${node ? 'the route' : 'node'} ${id}, which has no text of its own` });
          continue;
        }
        for (const l of LOCALES) {
          for (const m of checkOrderedList(text(node.say, l) ?? '', list.items, l))
            problems.push({ ...at(id), message: `node ${id}: its ${list.section} list "${list.name}" (${node.say}, ${l}) ${m}` });
        }
      }
    });
  }

  // 2b. A light step before a backup checklist: from a root, walking edges the engine may take, every path to a node with
  // `backup:` passes a light step (a `step` node that is not destructive) or an edge marked `heavy:` (heavyReason). The
  // walk ignores conditions (conservative): an edge that is only taken once the light step is done says so (`after_light`),
  // checked against its route's conditions. A root that is itself a checklist is allowed only as the entry of its own
  // topic (entries: { howto_backup: howto_backup }).
  const heavyOf = (from: DialogNode, path: ReadonlyArray<PropertyKey>) => {
    if (path[0] === 'cases' && from.kind === 'route') return from.cases[path[1] as number]?.heavy;
    if (path[0] === 'options' && 'options' in from) return from.options?.[path[1] as number]?.heavy;
    return undefined;
  };
  const light = (id: string) => {
    const n = tree.nodes.get(id);
    return n?.kind === 'step' && n.destructive === undefined;
  };
  const ownEntry = (id: string) => (tree.entries as Record<string, string | undefined>)[id] === id;
  for (const r of new Set(roots)) {
    if (tree.nodes.get(r)?.backup !== undefined && !ownEntry(r))
      problems.push({ ...at(r), message: `node ${r} shows a backup checklist but is a start, global or entry node (only the entry of its own topic may be)` });
  }
  const follow = edgeFollower(tree);
  type State = { id: string; facts: Facts; prev?: State };
  const keyOf = (st: State) => `${st.id}|${JSON.stringify(Object.entries(st.facts).sort())}`;
  const start: State[] = roots.filter((r) => !light(r) && tree.nodes.get(r)?.backup === undefined).map((r) => ({ id: r, facts: withSet({}, tree.nodes.get(r)!.set) }));
  const seen = new Set(start.map(keyOf));
  const queue = [...start];
  const reported = new Set<string>();
  while (queue.length) {
    const st = queue.shift() as State;
    const from = tree.nodes.get(st.id)!;
    for (const e of edges.get(st.id) ?? []) {
      if (heavyOf(from, e.path) !== undefined) continue;
      const facts = follow(from, e, st.facts);
      if (!facts) continue;
      const to = tree.nodes.get(e.to)!;
      if (to.backup !== undefined && !(to.when !== undefined && contradicts(facts, to.when))) {
        const line = [e.to];
        for (let p: State | undefined = st; p; p = p.prev) line.unshift(p.id);
        // Once per root and checklist: the shortest such path (breadth first).
        if (reported.has(`${line[0]}>${e.to}`)) continue;
        reported.add(`${line[0]}>${e.to}`);
        problems.push({
          ...at(e.to),
          message: `node ${e.to} shows a backup checklist with no light step first on the path ${line.join(' → ')} (a step before it, or heavy: asked | after_light | order on an edge of the path)`,
        });
        continue;
      }
      if (light(e.to) && !(to.when !== undefined && contradicts(facts, to.when))) continue;
      // A done_* slot surely filled: a light step was done earlier in the conversation (main.yaml's convention).
      if (Object.keys(facts).some((k) => k.startsWith('done_') && facts[k]!.length > 0 && !facts[k]!.includes('-')) || Object.entries(facts).some(([k, v]) => k.startsWith('!done_') && v.includes('-'))) continue;
      const next: State = { id: e.to, facts, prev: st };
      if (seen.has(keyOf(next))) continue;
      seen.add(keyOf(next));
      queue.push(next);
    }
  }
  for (const node of tree.nodes.values()) {
    if (node.kind !== 'route') continue;
    node.cases.forEach((c, i) => {
      if (c.heavy !== 'after_light') return;
      const filled = Object.entries(c.when).some(([slot, v]) => slot.startsWith('done_') && v !== '-' && !(Array.isArray(v) && v.includes('-')));
      const same = (a: Condition, b: Condition) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
      const earlier = node.cases.slice(0, i).some((d) =>
        Object.entries(d.when).some(([slot, v]) => slot.startsWith('done_') && v === '-' && c.when[slot] === undefined && same(Object.fromEntries(Object.entries(d.when).filter(([k]) => k !== slot)), c.when)),
      );
      // Or the route is entered only from light steps (their next, or their skip once done).
      const into = incoming.get(node.id) ?? [];
      const fromSteps = !roots.includes(node.id) && into.length > 0 && into.every(({ from }) => from.kind === 'step' && from.destructive === undefined);
      if (!filled && !earlier && !fromSteps)
        problems.push({ ...at(node.id), message: `node ${node.id}: case ${i} is marked heavy: after_light but neither wants a done_* slot filled nor follows the same case with it empty` });
    });
  }

  // 6. The guide's walks in order (guide-36): along every path from a root, with what the route cases taken say about
  // slots (edgeFollower), no step of a walk is shown after a later step of the same walk unless the path started over
  // in between (the start or a global: the menu, triage, the hand-off, resolved, the FAQ), and a destructive step of a
  // walk is shown only after the walk's backup step of its kind. A node counts as shown when the path leaves it by its
  // own edges, not by its `when`-skip.
  if (guide) problems.push(...checkWalks(tree, guide.list.walks, edges, roots, at, { file: guide.file, lineOf: guide.lineOf }));

  // 3. Help texts and destructive wording. What the bot never asks for (erase the phone, two-step verification off,
  // trust a certificate) is looked for in every node's text and a step's help, not only in a step's own words.
  for (const node of tree.nodes.values()) {
    if (node.kind === 'route') continue;
    for (const l of LOCALES) {
      for (const key of [node.say, node.kind === 'step' ? node.help : undefined]) {
        if (!key) continue;
        for (const a of ACTIONS) {
          if (a.never && actionsIn(text(key, l) ?? '').has(a.id)) problems.push({ ...at(node.id), message: `node ${node.id}: ${key} (${l}) asks to ${a.id}; the bot never asks for that` });
        }
      }
    }
  }
  for (const node of tree.nodes.values()) {
    if (node.kind !== 'step') continue;
    const marked = kindsOf(node.destructive);
    for (const l of LOCALES) {
      const say = text(node.say, l) ?? '';
      const asked = actionsIn(say);
      const sayMentions = mentionedIn(say);
      if (node.help) {
        for (const a of actionsIn(text(node.help, l) ?? '')) {
          if (!sayMentions.has(a) && !ACTIONS.find((x) => x.id === a)?.never) problems.push({ ...at(node.id), message: `node ${node.id}: help ${node.help} (${l}) names "${a}", which its step does not ask for` });
        }
      }
      // 「送信トレイのメールを削除」「写真・動画を削除」: a light step that deletes something says what, when asked 「消えない？」
      // (`removes:`), never "nothing is deleted" (answers.ts reassure).
      const destructiveAsked = ACTIONS.some((a) => a.destructive && asked.has(a.id));
      if (!marked.length && !destructiveAsked && !node.removes && asksToDelete(say))
        problems.push({ ...at(node.id), message: `node ${node.id}: ${node.say} (${l}) asks to delete something: add removes: (what it deletes, said when asked "will it delete …?")` });
      for (const a of ACTIONS) {
        if (!asked.has(a.id)) continue;
        if (a.never) continue;
        if (a.destructive && !marked.includes(a.destructive))
          problems.push({ ...at(node.id), message: `node ${node.id}: ${node.say} (${l}) asks to ${a.id} but the node is not marked destructive: ${a.destructive}` });
      }
    }
  }

  // 3b (guide-37). The other way round, in every language: a node marked destructive says so in its own words — an
  // English twin saying "install the latest setup" where the Japanese says 「プロファイルを削除」 hides the deletion.
  for (const node of tree.nodes.values()) {
    if (node.kind === 'route') continue;
    for (const kind of kindsOf(node.destructive)) {
      for (const l of LOCALES) {
        const asked = actionsIn(text(node.say, l) ?? '');
        if (!ACTIONS.some((a) => a.destructive === kind && asked.has(a.id)))
          problems.push({ ...at(node.id), message: `node ${node.id} is marked destructive: ${kind} but ${node.say} (${l}) does not ask for it (each language says what is deleted or reset)` });
      }
    }
  }

  // 4. Wording follows the device.
  for (const device of DEVICES) {
    const seen = reach(roots, (id) => deviceEdges(tree.nodes.get(id), device));
    for (const id of seen) {
      const node = tree.nodes.get(id);
      if (!node || node.kind === 'ask' || node.kind === 'route') continue;
      // A node whose own condition rules this device out is only passed through (its skip), never shown.
      if (node.when && decide(node.when, device) === 'no') continue;
      for (const { key } of textKeys(node)) {
        for (const l of LOCALES) {
          const why = wrongFor(device, text(key, l) ?? '');
          if (why) problems.push({ ...at(id), message: `node ${id} is reached on ${device} but ${key} (${l}) ${why}` });
        }
      }
    }
  }
  return { problems, coverage };
}

/**
 * What a text gets wrong about one of the guide's ordered lists: an item none of whose words it says ("leaves out"),
 * or one it says only before the item the guide puts ahead of it ("says … before …"). Words are matched without case.
 */
export function checkOrderedList(text: string, items: ReadonlyArray<{ item: string; ja: string; en: string }>, locale: Locale): string[] {
  const said = text.toLowerCase();
  const out: string[] = [];
  let cursor = -1;
  let previous: string | undefined;
  for (const item of items) {
    const words = item[locale].split('|').map((w) => w.toLowerCase());
    const at = (from: number) => Math.min(...words.map((w) => said.indexOf(w, from)).filter((n) => n >= 0));
    const next = at(cursor + 1);
    if (Number.isFinite(next)) {
      cursor = next;
      previous = item.item;
    } else if (Number.isFinite(at(0))) out.push(`says "${item.item}" only before "${previous}" (the guide's order is the other way round)`);
    else out.push(`leaves out "${item.item}"`);
  }
  return out;
}

/**
 * Check 6 of the module comment: each walk of dialogs/guide.yaml `walks:` over every path of the tree. Breadth first,
 * so each problem is reported once, with a shortest path.
 */
function checkWalks(
  tree: DialogTree,
  walks: readonly GuideWalk[],
  edges: Map<string, ReadonlyArray<{ to: string; path: ReadonlyArray<PropertyKey> }>>,
  roots: readonly string[],
  at: (id: string) => { file: string; line: number },
  guide: { file: string; lineOf(path: PropertyKey[]): number },
): Problem[] {
  const problems: Problem[] = [];
  const space = factSpace(tree);
  const rootSet = new Set(roots);
  const g = tree.globals as Record<string, string | undefined>;
  const restarts = new Set([tree.start, ...Object.values(g)].filter((id): id is string => !!id));
  walks.forEach((walk, w) => {
    const where = { file: guide.file, line: guide.lineOf(['walks', w]) };
    const index = new Map<string, number>();
    walk.steps.forEach((step, i) => {
      for (const id of asList(step)) {
        if (!tree.nodes.has(id)) problems.push({ ...where, message: `guide walk "${walk.name}" (${walk.section}) names node ${id}, which the tree does not have` });
        else if (index.has(id)) problems.push({ ...where, message: `guide walk "${walk.name}" (${walk.section}) names node ${id} twice` });
        else index.set(id, i);
      }
    });
    const label = (id: string) => `${id} (step ${index.get(id)! + 1})`;
    // Only nodes from which a step of the walk can still be reached (not through a start over) need walking.
    const useful = new Set<string>(index.keys());
    for (let grew = true; grew; ) {
      grew = false;
      for (const [id, es] of edges) {
        if (useful.has(id)) continue;
        if (es.some((e) => useful.has(e.to) && !restarts.has(e.to))) {
          useful.add(id);
          grew = true;
        }
      }
    }
    // The slots a node's walk onwards can still read (its own `when`, route cases, and those of every node after it up to a
    // start over, among the nodes this walk enters): facts about other slots change no edge taken, so they are dropped and
    // states differing only there are one.
    const reads = new Map<string, Set<string>>();
    for (const id of useful) {
      const n = tree.nodes.get(id)!;
      const own = new Set<string>(Object.keys(n.when ?? {}));
      if (n.kind === 'route') for (const c of n.cases) for (const k of Object.keys(c.when)) own.add(k);
      reads.set(id, own);
    }
    for (let grew = true; grew; ) {
      grew = false;
      for (const id of useful) {
        const es = edges.get(id) ?? [];
        const mine = reads.get(id);
        if (!mine) continue;
        for (const e of es) {
          if (restarts.has(e.to) || !useful.has(e.to)) continue;
          for (const k of reads.get(e.to) ?? []) {
            if (mine.has(k)) continue;
            mine.add(k);
            grew = true;
          }
        }
      }
    }
    const unread = new Map([...reads].map(([id, r]) => [id, space.others(r)]));
    // `fresh`: facts no state holds (a copy follow made), changed in place.
    const relevant = (id: string, facts: Packed, fresh = false): Packed => {
      const r = unread.get(id);
      return r ? space.drop(facts, r, fresh) : facts;
    };
    // The walk's backup steps, by kind: a destructive step of the walk needs one of its kind shown earlier on the path.
    const backupSteps = [...index.keys()].filter((id) => tree.nodes.get(id)!.backup !== undefined);
    /** `last`: the furthest step shown since the path started over (-1: none); `backups`: backup steps shown since. */
    type State = { id: string; facts: Packed; last: number; lastId?: string; backups: readonly string[]; prev?: State };
    // One state per node, furthest step and backups shown; reaching it again with other facts walks on with what both
    // know (space.join: knowing less takes more edges), so the walk ends however many ways lead to a node.
    const keyOf = (st: State) => `${st.id}|${st.last}|${st.backups.join(',')}`;
    const factsAt = new Map<string, Packed>();
    const start: State[] = [...rootSet].filter((r) => useful.has(r)).map((r) => ({ id: r, facts: relevant(r, space.at(r)), last: -1, backups: [] }));
    for (const st of start) factsAt.set(keyOf(st), st.facts);
    const queue = [...start];
    // States waiting in the queue, by key: reaching one again only widens what it knows (factsAt), it is walked once.
    const pending = new Set(start.map(keyOf));
    const reported = new Set<string>();
    const pathOf = (st: State) => {
      const line: string[] = [];
      for (let p: State | undefined = st; p; p = p.prev) line.unshift(p.id);
      return line.join(' → ');
    };
    for (let q = 0; q < queue.length; q++) {
      const st = queue[q]!;
      const stKey = keyOf(st);
      pending.delete(stKey);
      st.facts = factsAt.get(stKey) ?? st.facts;
      const from = tree.nodes.get(st.id)!;
      const k = index.get(st.id);
      for (const e of edges.get(st.id) ?? []) {
        const facts = space.follow(from, e, st.facts);
        if (!facts) continue;
        let { last, lastId, backups } = st;
        const shown = e.path[0] !== 'skip' && e.path[0] !== 'when';
        if (shown && k !== undefined) {
          if (k < last) {
            // Once per step shown again; the path is not walked further (its later steps would say the same).
            if (reported.has(`${st.id}<`)) continue;
            reported.add(`${st.id}<`);
            problems.push({
              ...at(st.id),
              message: `node ${label(st.id)} of ${walk.section} "${walk.name}" is shown after ${label(lastId!)} on the path ${pathOf(st)}, with no start over (the start or a global) in between`,
            });
            continue;
          }
          for (const kind of kindsOf(from.destructive)) {
            const needed = backupSteps.filter((b) => index.get(b)! < k && kindsOf(tree.nodes.get(b)!.backup).includes(kind));
            const passed = backups.some((b) => kindsOf(tree.nodes.get(b)!.backup).includes(kind));
            if (needed.length && !passed && !reported.has(`${st.id}!${kind}`)) {
              reported.add(`${st.id}!${kind}`);
              problems.push({
                ...at(st.id),
                message: `node ${label(st.id)} of ${walk.section} "${walk.name}" deletes or resets (${kind}) but ${needed.join(' or ')} was not shown first on the path ${pathOf(st)}`,
              });
            }
          }
          if (k >= last) [last, lastId] = [k, st.id];
        }
        // A checklist shown (any, not only the walk's own: the how-to topic's), or passed by its own condition (the tree's
        // decision that there is nothing to note: the phone change's old phone given away).
        if (from.backup !== undefined && (shown || e.path[0] === 'skip' || e.path[0] === 'when') && !backups.includes(st.id)) backups = [...backups, st.id].sort();
        // A start over, or an entry reached before any step: walked from there with nothing known already (a walk that
        // knows less takes every edge one that knows more takes).
        if (restarts.has(e.to) || (last < 0 && backups.length === 0 && rootSet.has(e.to))) continue;
        if (!useful.has(e.to)) continue;
        const next: State = { id: e.to, facts: relevant(e.to, facts, facts !== st.facts), last, lastId, backups, prev: st };
        const key = keyOf(next);
        const before = factsAt.get(key);
        if (before) {
          const joined = space.join(before, next.facts);
          if (space.same(joined, before)) continue;
          next.facts = joined;
        }
        factsAt.set(key, next.facts);
        if (pending.has(key)) continue;
        pending.add(key);
        queue.push(next);
      }
    }
  });
  return problems;
}

/**
 * The facts of check 6, compiled (guide-37): every slot the tree names gets two numbers in a Uint32Array, the values it
 * may have and the values it surely does not have, as bit masks (PRESENT marks a slot known at all). The same reasoning
 * as `Facts` and edgeFollower — a test holds the two to the same answers — at a fraction of the cost: check 6 follows
 * ~250 000 edges, and copying or joining an object of ~40 slots each time was most of lint's time.
 */
type Packed = number[];
/** Small integers (bit 30 and below) keep the arrays V8's fastest kind. */
const PRESENT = 1 << 30;
const VALUES = PRESENT - 1;

export function factSpace(tree: DialogTree) {
  const slots = new Map<string, { no: number; values: Map<string, number> }>();
  const slotOf = (name: string) => {
    let s = slots.get(name);
    if (!s) slots.set(name, (s = { no: slots.size, values: new Map([['-', 0]]) }));
    return s;
  };
  const bitOf = (name: string, value: string) => {
    const s = slotOf(name);
    let b = s.values.get(value);
    if (b === undefined) {
      if (s.values.size >= 30) throw new Error(`slot ${name} has more than 30 values: check 6 cannot pack it`);
      s.values.set(value, (b = s.values.size));
    }
    return 1 << b;
  };
  type Cond = ReadonlyArray<{ at: number; want: number; star: boolean; dash: number }>;
  const compile = (when: Condition): Cond =>
    Object.entries(when).map(([slot, v]) => {
      const list = asList(v);
      let want = 0;
      for (const x of list) if (x !== '*') want |= bitOf(slot, x);
      return { at: 2 * slotOf(slot).no, want, star: list.includes('*'), dash: bitOf(slot, '-') };
    });
  type Sets = ReadonlyArray<{ at: number; bit: number }>;
  const compileSet = (set: Record<string, string> | undefined): Sets => Object.entries(set ?? {}).map(([k, v]) => ({ at: 2 * slotOf(k).no, bit: bitOf(k, v) }));
  // Every condition and set of the tree, compiled once (slots numbered as met).
  const whenOf = new Map<string, Cond>();
  const casesOf = new Map<string, Cond[]>();
  const setOf = new Map<string, Sets>();
  const optionSets = new Map<string, Sets[]>();
  for (const n of tree.nodes.values()) {
    if (n.when) whenOf.set(n.id, compile(n.when));
    if (n.kind === 'route') casesOf.set(n.id, n.cases.map((c) => compile(c.when)));
    setOf.set(n.id, compileSet(n.set));
    if ('options' in n) optionSets.set(n.id, (n.options ?? []).map((o) => compileSet((o as { set?: Record<string, string> }).set)));
    if (n.kind === 'ask') slotOf(n.slot);
  }
  const size = 2 * slots.size;
  const contradicts = (f: Packed, c: Cond) => {
    for (const { at, want, star, dash } of c) {
      const not = f[at + 1]!;
      if (not & PRESENT && !star && (want & ~not & VALUES) === 0) return true;
      const known = f[at]!;
      if (!(known & PRESENT)) continue;
      if (star ? (known & VALUES & ~dash) === 0 : (known & want) === 0) return true;
    }
    return false;
  };
  const impliedOne = (f: Packed, { at, want, star, dash }: Cond[number]) => {
    const known = f[at]!;
    const allowed = want | (star ? VALUES & ~dash : 0);
    return (known & PRESENT) !== 0 && (known & VALUES & ~allowed) === 0;
  };
  const implied = (f: Packed, c: Cond) => c.every((x) => impliedOne(f, x));
  const withSet = (f: Packed, sets: Sets, copied: boolean): Packed => {
    if (!sets.length) return f;
    const out = copied ? f : f.slice();
    for (const { at, bit } of sets) {
      out[at] = PRESENT | bit;
      out[at + 1] = PRESENT;
    }
    return out;
  };
  return {
    /** Nothing known, then the node's own `set:`. */
    at: (id: string): Packed => withSet(new Array<number>(size).fill(0), setOf.get(id) ?? [], true),
    /** As edgeFollower: the facts once the edge is taken, or undefined when it cannot be. A new array when changed. */
    follow(from: DialogNode, e: { to: string; path: ReadonlyArray<PropertyKey> }, known: Packed): Packed | undefined {
      const when = whenOf.get(from.id);
      const skipped = when !== undefined && contradicts(known, when);
      if (skipped && e.path[0] !== 'skip' && e.path[0] !== 'when') return undefined;
      let f = known;
      let copied = false;
      const own = () => {
        if (!copied) [f, copied] = [f.slice(), true];
        return f;
      };
      if (from.kind === 'route') {
        const cases = casesOf.get(from.id)!;
        if (e.path[0] === 'cases') {
          const c = cases[e.path[1] as number]!;
          if (contradicts(f, c)) return undefined;
          for (const { at, want, star } of c) if (!star) own()[at] = PRESENT | want;
        }
        if (e.path[0] === 'default' && cases.some((c) => implied(f, c))) return undefined;
        const taken = e.path[0] === 'cases' ? (e.path[1] as number) : cases.length;
        const earlier = cases.slice(0, taken);
        if (earlier.some((c) => implied(f, c))) return undefined;
        for (const c of earlier) {
          const open = c.filter((x) => !impliedOne(f, x));
          if (open.length === 1 && !open[0]!.star) {
            const { at, want } = open[0]!;
            own()[at + 1] = PRESENT | (f[at + 1]! & VALUES) | want;
          }
        }
      }
      if (from.kind === 'ask') {
        const at = 2 * slots.get(from.slot)!.no;
        own()[at] = 0;
        f[at + 1] = 0;
      }
      if (e.path[0] === 'options') {
        const sets = optionSets.get(from.id)?.[e.path[1] as number] ?? [];
        if (sets.length) f = withSet(own(), sets, true);
      }
      const to = setOf.get(e.to) ?? [];
      return to.length ? withSet(f, to, copied) : f;
    },
    /** What both know: the values a slot may have on either, those it has on neither (joinFacts). */
    join(a: Packed, b: Packed): Packed {
      const out = new Array<number>(size).fill(0);
      for (let i = 0; i < size; i += 2) {
        if (a[i]! & PRESENT && b[i]! & PRESENT) out[i] = a[i]! | b[i]!;
        if (a[i + 1]! & PRESENT && b[i + 1]! & PRESENT) out[i + 1] = a[i + 1]! & b[i + 1]!;
      }
      return out;
    },
    /** Where the slots other than those named are (for drop). */
    others(names: Iterable<string>): number[] {
      const kept = new Set(names);
      return [...slots].filter(([n]) => !kept.has(n)).map(([, { no }]) => 2 * no);
    },
    /** The slots at `places` (and their `!`) forgotten; `f` itself when it knew nothing there, or when it may be changed. */
    drop(f: Packed, places: readonly number[], mine: boolean): Packed {
      let out = f;
      for (const at of places) {
        if (out[at] === 0 && out[at + 1] === 0) continue;
        if (out === f && !mine) out = f.slice();
        out[at] = 0;
        out[at + 1] = 0;
      }
      return out;
    },
    same(a: Packed, b: Packed): boolean {
      for (let i = 0; i < size; i++) if (a[i] !== b[i]) return false;
      return true;
    },
    /** Back to `Facts` (tests). */
    unpack(f: Packed): Facts {
      const out: Record<string, string[]> = {};
      for (const [name, { no, values }] of slots) {
        const names = (mask: number) => [...values].filter(([, b]) => mask & (1 << b)).map(([v]) => v).sort();
        if (f[2 * no]! & PRESENT) out[name] = names(f[2 * no]!);
        if (f[2 * no + 1]! & PRESENT) out[`!${name}`] = names(f[2 * no + 1]!);
      }
      return out;
    },
  };
}

// ───────────────────────────── graph helpers ─────────────────────────────

/**
 * What a walk over the tree knows about slots (conditions of one path: `carrier: docomo` taken, a later
 * `carrier: softbank` case is not): slot → the values it may have, `!slot` → values it surely does not have.
 */
export type Facts = Record<string, readonly string[]>;
const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
/** The condition surely does not hold. */
const contradicts = (facts: Facts, when: Condition) =>
  Object.entries(when).some(([slot, v]) => {
    const known = facts[slot];
    const want = asList(v);
    const not = facts[`!${slot}`];
    if (not && want.every((w) => w !== '*' && not.includes(w))) return true;
    if (!known) return false;
    if (want.includes('*')) return known.every((k) => k === '-');
    return !known.some((k) => want.includes(k) || (want.includes('-') && k === '-'));
  });
/** The condition surely holds. */
const implied = (facts: Facts, when: Condition) =>
  Object.entries(when).every(([slot, v]) => facts[slot] !== undefined && facts[slot]!.every((k) => asList(v).includes(k) || (asList(v).includes('*') && k !== '-')));
const withSet = (facts: Facts, set: Record<string, string> | undefined): Facts =>
  set ? { ...facts, ...Object.fromEntries(Object.entries(set).flatMap(([k, v]) => [[k, [v]], [`!${k}`, []]])) } : facts;

/**
 * Following one edge on a walk: the facts once it is taken, or undefined when what is known makes it impossible (a node
 * whose condition surely fails is only skipped; a route case is taken only when the cases before it did not hold). The
 * route cases taken so far are remembered, and forgotten when a node or button sets the slot or a question asks it again.
 */
export function edgeFollower(tree: DialogTree) {
  return (from: DialogNode, e: { to: string; path: ReadonlyArray<PropertyKey> }, known: Facts): Facts | undefined => {
    const skipped = from.when !== undefined && contradicts(known, from.when);
    if (skipped && e.path[0] !== 'skip' && e.path[0] !== 'when') return undefined;
    let facts = known;
    if (from.kind === 'route' && e.path[0] === 'cases') {
      const when = from.cases[e.path[1] as number]!.when;
      if (contradicts(facts, when)) return undefined;
      facts = { ...facts };
      for (const [slot, v] of Object.entries(when)) if (!asList(v).includes('*')) facts[slot] = asList(v);
    }
    if (from.kind === 'route' && e.path[0] === 'default' && from.cases.some((c) => implied(facts, c.when))) return undefined;
    if (from.kind === 'route') {
      // The earlier cases did not hold: one that surely holds makes this edge impossible; one that differs from what
      // is known in a single slot rules its values out.
      const taken = e.path[0] === 'cases' ? (e.path[1] as number) : from.cases.length;
      const earlier = from.cases.slice(0, taken);
      if (earlier.some((c) => implied(facts, c.when))) return undefined;
      for (const c of earlier) {
        const open = Object.entries(c.when).filter(([slot, v]) => !implied(facts, { [slot]: v }));
        const [slot, v] = open[0] ?? [];
        if (open.length === 1 && slot && v && !asList(v).includes('*')) facts = { ...facts, [`!${slot}`]: [...new Set([...(facts[`!${slot}`] ?? []), ...asList(v)])].sort() };
      }
    }
    if (from.kind === 'ask') {
      // The answer fills the slot: what was known of it no longer holds.
      facts = { ...facts };
      delete facts[from.slot];
      delete facts[`!${from.slot}`];
    }
    if ('options' in from && e.path[0] === 'options') facts = withSet(facts, from.options?.[e.path[1] as number]?.set);
    const to = tree.nodes.get(e.to);
    return to ? withSet(facts, to.set) : facts;
  };
}

function reach(from: Iterable<string>, next: (id: string) => Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const n of next(id)) if (!seen.has(n)) stack.push(n);
  }
  return seen;
}

/** A shortest path from any of `from` to `to` (breadth first), or undefined. */
function pathTo(from: string[], to: string, next: (id: string) => string[]): string[] | undefined {
  const parent = new Map<string, string | null>(from.map((f) => [f, null]));
  const queue = [...from];
  while (queue.length) {
    const id = queue.shift() as string;
    if (id === to) {
      const path = [id];
      for (let p = parent.get(id); p; p = parent.get(p)) path.unshift(p);
      return path;
    }
    for (const n of next(id)) {
      if (parent.has(n)) continue;
      parent.set(n, id);
      queue.push(n);
    }
  }
  return undefined;
}

/** Whether a condition holds once `device` is known: surely, surely not, or depending on other slots. */
function decide(cond: Condition, device: Device): 'yes' | 'no' | 'maybe' {
  const want = cond.device;
  if (want !== undefined) {
    const wants = Array.isArray(want) ? want : [want];
    if (!wants.includes(device) && !wants.includes('*')) return 'no';
  }
  return Object.keys(cond).some((k) => k !== 'device') ? 'maybe' : 'yes';
}

/** The edges the engine can follow at `node` for a person whose device is known to be `device`. */
function deviceEdges(node: DialogNode | undefined, device: Device): string[] {
  if (!node) return [];
  const out: string[] = [];
  if (node.when) {
    const d = decide(node.when, device);
    const skip = node.skip ?? ('next' in node ? node.next : node.kind === 'route' ? node.default : undefined);
    if (d !== 'yes' && skip) out.push(skip);
    if (d === 'no') return out;
  }
  switch (node.kind) {
    case 'ask':
      // The device question is skipped once the device is known; other questions may take any answer.
      out.push(node.next);
      if (node.slot !== 'device') for (const o of node.options) out.push(o.next ?? node.next);
      break;
    case 'choice':
    case 'resolve':
      for (const o of node.options ?? []) if (o.next) out.push(o.next);
      break;
    case 'step':
      out.push(node.next);
      if (node.resolved) out.push(node.resolved);
      break;
    case 'info':
      out.push(node.next);
      break;
    case 'route': {
      let settled = false;
      for (const c of node.cases) {
        const d = decide(c.when, device);
        if (d === 'no') continue;
        out.push(c.next);
        if (d === 'yes') {
          settled = true;
          break;
        }
      }
      if (!settled) out.push(node.default);
      break;
    }
    case 'handoff':
    case 'end':
      break;
  }
  return out;
}
