/**
 * `mailmedic graph [--root DIR] [--locale ja|en] [--compact] [--by-section]`: prints the troubleshooting tree as
 * Mermaid on stdout. --locale adds each node's staff title (`title:`; a step's ticket name) or else its message to its box; --compact leaves out the steps'
 * "resolved" edges to the shared resolve node; --by-section colours each node by the guide section it implements
 * (dialogs/guide.yaml) and adds a legend. Exit 1 (problems on stderr) when the tree does not load.
 */
import { LOCALES, type Locale } from '../../core/index.js';
import { loadGuideSections } from '../../data/guide.js';
import { formatProblem, loadDialogs, loadLocales } from '../../data/load.js';
import { toMermaid } from '../../dialog/graph.js';
import { rootArg } from './lint.js';

export async function run(args: string[]): Promise<number> {
  const root = rootArg(args);
  const { tree, problems } = loadDialogs(root);
  if (!tree) {
    for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
    return 1;
  }
  const i = args.indexOf('--locale');
  const locale = i >= 0 ? args[i + 1] : undefined;
  if (locale !== undefined && !(LOCALES as readonly string[]).includes(locale)) {
    process.stderr.write(`graph: --locale must be one of ${LOCALES.join(', ')}\n`);
    return 2;
  }
  let titles: Map<string, string> | undefined;
  if (locale) {
    const messages = loadLocales(root).messages[locale as Locale];
    titles = new Map();
    for (const node of tree.nodes.values()) {
      // A node's staff name (`title:`, any kind since round 36; a step's is its ticket name), else what it says: the
      // nine device questions all read 「お使いの端末を教えてください（iPhone…」 by their say (since round 37 their title).
      const key = node.title ?? (node.kind === 'route' ? undefined : node.say);
      // First line only, shortened: a box is not the place for a whole checklist.
      const text = key ? messages.get(key)?.split('\n')[0] : undefined;
      if (text) titles.set(node.id, text.length > 40 ? `${text.slice(0, 39)}…` : text);
    }
  }
  let sections: Array<{ id: string; label: string }> | undefined;
  if (args.includes('--by-section')) {
    const list = loadGuideSections(root);
    if (!list) {
      process.stderr.write('graph: --by-section needs a dialog file with `guide:` (dialogs/guide.yaml)\n');
      return 2;
    }
    // The guide's own heading in Japanese, the gloss otherwise; shortened like the node titles.
    const cut = (t: string) => (t.length > 40 ? `${t.slice(0, 39)}…` : t);
    sections = list.map((s) => ({ id: s.id, label: cut(locale === 'ja' ? s.heading : s.en) }));
  }
  // `mailmedic graph | head` closes stdout early: stop quietly instead of crashing with an EPIPE stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  process.stdout.write(toMermaid(tree, { titles, omitGlobalResolved: args.includes('--compact'), ...(sections ? { sections } : {}) }));
  return 0;
}
