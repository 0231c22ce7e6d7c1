/**
 * The troubleshooting tree as a Mermaid flowchart (`mailmedic graph`). Pure: tree in, text out.
 * Node shapes tell the kind; edge labels carry option values, resolved / not_resolved, route conditions and
 * skipped `when`s. Entries hang off an "intent" pseudo node, the start node off a "start" pseudo node.
 */
import type { Condition, DialogNode, DialogTree } from '../data/schemas.js';

export interface GraphOptions {
  /** Node id → extra text shown under the id (e.g. step titles in one locale). */
  titles?: ReadonlyMap<string, string>;
  /** Leave out every step's "resolved" edge to globals.resolved (they dominate the picture). Default false. */
  omitGlobalResolved?: boolean;
  /**
   * Colour nodes by the guide section they implement (their first `guide:` section), with a legend of the
   * sections in this order (id and a short label each). Nodes naming no section keep the default style.
   */
  sections?: ReadonlyArray<{ id: string; label: string }>;
}

/** `§7` → a Mermaid class name. */
const sectionClass = (id: string) => `sec${id.replace(/[^0-9]/g, '')}`;

/** A light fill for the i-th of n sections (hues spread round the wheel, readable black text), as #rrggbb. */
export function sectionColour(i: number, n: number): string {
  const h = (i * 360) / Math.max(n, 1);
  const s = 0.65;
  const l = 0.82;
  const k = (m: number) => (m + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (m: number) => l - a * Math.max(-1, Math.min(k(m) - 3, 9 - k(m), 1));
  return `#${[f(0), f(8), f(4)].map((x) => Math.round(x * 255).toString(16).padStart(2, '0')).join('')}`;
}

/** Mermaid ids are prefixed: `end` and some other words are reserved in flowcharts. */
const mid = (id: string) => `n_${id}`;

/** Text inside "…" in Mermaid: quotes and angle brackets would end or break the label. */
const esc = (text: string) => text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

/** `carrier=docomo,au; trigger=os_update` — a condition as an edge label. */
export function conditionLabel(c: Condition): string {
  return Object.entries(c)
    .map(([slot, v]) => {
      const vs = Array.isArray(v) ? v : [v];
      if (vs.length === 1 && vs[0] === '*') return `${slot} filled`;
      if (vs.length === 1 && vs[0] === '-') return `${slot} empty`;
      return `${slot}=${vs.join(',')}`;
    })
    .join('; ');
}

function shape(node: DialogNode, label: string): string {
  const l = `"${esc(label)}"`;
  switch (node.kind) {
    case 'ask':
      return `[/${l}/]`;
    case 'choice':
      return `{${l}}`;
    case 'step':
      return `[${l}]`;
    case 'info':
      return `>${l}]`;
    case 'route':
      return `{{${l}}}`;
    case 'resolve':
      return `([${l}])`;
    case 'handoff':
      return `[[${l}]]`;
    case 'end':
      return `((${l}))`;
  }
}

/** Renders the whole tree. Nodes appear in file order, one `subgraph` per dialog file. */
export function toMermaid(tree: DialogTree, opts: GraphOptions = {}): string {
  const out: string[] = ['flowchart TD'];
  const edge = (from: string, to: string, label?: string, dotted = false) => {
    const arrow = dotted ? '-.->' : '-->';
    out.push(`  ${from} ${arrow}${label ? `|"${esc(label)}"|` : ''} ${mid(to)}`);
  };

  out.push('  START(["start"])', '  INTENT(["intent"])', '  ANY(["any node"])');
  const byFile = new Map<string, DialogNode[]>();
  for (const node of tree.nodes.values()) {
    const file = tree.sources.get(node.id)?.file ?? 'dialogs/';
    byFile.set(file, [...(byFile.get(file) ?? []), node]);
  }
  let i = 0;
  for (const [file, nodes] of byFile) {
    out.push(`  subgraph f${i++}["${esc(file)}"]`);
    for (const node of nodes) {
      const title = opts.titles?.get(node.id);
      out.push(`    ${mid(node.id)}${shape(node, title ? `${node.id}: ${title}` : `${node.id} (${node.kind})`)}`);
    }
    out.push('  end');
  }

  out.push(`  START --> ${mid(tree.start)}`);
  for (const [intent, id] of Object.entries(tree.entries)) if (id) out.push(`  INTENT -->|"${esc(intent)}"| ${mid(id)}`);
  const g = tree.globals;
  for (const [label, id] of [
    ['request_human', g.handoff],
    ['resolved', g.resolved],
    ['goodbye', g.end],
  ] as const) {
    out.push(`  ANY -.->|"${label}"| ${mid(id)}`);
  }

  for (const node of tree.nodes.values()) {
    const from = mid(node.id);
    if (node.when) {
      const skipTo = node.skip ?? ('next' in node ? node.next : undefined) ?? (node.kind === 'route' ? node.default : undefined);
      if (skipTo) edge(from, skipTo, `not ${conditionLabel(node.when)}`, true);
    }
    switch (node.kind) {
      case 'ask':
        edge(from, node.next, `${node.slot} filled`, true);
        for (const o of node.options) edge(from, o.next ?? node.next, o.value);
        break;
      case 'choice':
      case 'resolve':
        for (const o of node.options ?? []) if (o.next) edge(from, o.next, o.value);
        break;
      case 'step':
        edge(from, node.next, 'not_resolved');
        if (node.resolved || !opts.omitGlobalResolved) edge(from, node.resolved ?? g.resolved, 'resolved');
        break;
      case 'info':
        edge(from, node.next);
        break;
      case 'route':
        for (const c of node.cases) edge(from, c.next, conditionLabel(c.when));
        edge(from, node.default, 'default');
        break;
      case 'handoff':
      case 'end':
        break;
    }
  }
  if (opts.sections?.length) {
    // Legend: one box per section, in the colour its nodes get.
    out.push('  subgraph legend["guide sections"]');
    for (const sec of opts.sections) out.push(`    ${sectionClass(sec.id)}_key["${esc(`${sec.id} ${sec.label}`)}"]`);
    out.push('  end');
    opts.sections.forEach((sec, i) => {
      out.push(`  classDef ${sectionClass(sec.id)} fill:${sectionColour(i, opts.sections!.length)},stroke:#555,color:#000`);
      out.push(`  class ${sectionClass(sec.id)}_key ${sectionClass(sec.id)}`);
    });
    const known = new Set(opts.sections.map((s) => s.id));
    for (const node of tree.nodes.values()) {
      const first = node.guide?.find((g) => known.has(g));
      if (first) out.push(`  class ${mid(node.id)} ${sectionClass(first)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
