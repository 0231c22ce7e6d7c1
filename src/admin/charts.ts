/**
 * Charts drawn server-side as inline SVG: no chart library, nothing fetched from outside (the page must work
 * on a closed network), readable without JavaScript, and every bar carries a <title> tooltip with its numbers.
 * Callers pass already-localised labels; these functions only lay out and escape.
 */
import { escapeHtml } from '../http/html.js';

/** Outcome colours shared by every chart and legend (colour-blind-safe-ish: hue and lightness both differ). */
export const OUTCOME_COLORS = {
  resolved: '#2e7d4f',
  escalated: '#e08a00',
  /** Handed to a person at the hand-off node (the funnel): the escalation's colour, lighter. */
  handed: '#f2c27a',
  abandoned: '#c8413a',
  /** Gave up at a step (the funnel): a loss like leaving, lighter. */
  gave_up: '#e39a94',
  ended: '#8a96a3',
  /** Left the step by correcting the symptom (the funnel): went to another symptom's steps. */
  rerouted: '#9d86c7',
  contained: '#5b8fa8',
  active: '#3b73c4',
  continued: '#c9d6e8',
} as const;
export type OutcomeKey = keyof typeof OUTCOME_COLORS;

export interface Segment {
  key: OutcomeKey;
  value: number;
  label: string;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** A legend as HTML (swatch + label) for the given segment keys. */
export function legend(items: Array<{ key: OutcomeKey; label: string }>): string {
  return `<ul class="legend">${items
    // An SVG swatch, not a style attribute: the page's CSP allows no inline styles.
    .map((i) => `<li><svg class="sw" width="12" height="12" aria-hidden="true"><rect width="12" height="12" rx="2" fill="${OUTCOME_COLORS[i.key]}"/></svg>${escapeHtml(i.label)}</li>`)
    .join('')}</ul>`;
}

/** A nice round axis maximum ≥ `max` (1, 2, 5 × 10^n). */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * Vertical stacked bars, one per category (e.g. one per day). `columns[i].segments` stack bottom-up.
 * Width adapts to the number of columns; the SVG scales to its container (viewBox).
 */
export function stackedColumns(
  columns: Array<{ label: string; segments: Segment[]; title: string }>,
  options: { ariaLabel: string; height?: number; testId?: string },
): string {
  const height = options.height ?? 220;
  const left = 34;
  const bottom = 28;
  const top = 10;
  const slot = Math.max(14, Math.min(48, Math.floor(860 / Math.max(1, columns.length))));
  const width = left + slot * columns.length + 10;
  const max = niceMax(Math.max(0, ...columns.map((c) => c.segments.reduce((s, x) => s + x.value, 0))));
  const plotH = height - top - bottom;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const ticks = [0, max / 2, max].filter((t, i, a) => a.indexOf(t) === i);
  const every = Math.ceil(columns.length / 12);
  const parts: string[] = [];
  for (const t of ticks) {
    parts.push(`<line x1="${left}" x2="${width - 6}" y1="${round(y(t))}" y2="${round(y(t))}" class="grid"/>`);
    parts.push(`<text x="${left - 6}" y="${round(y(t)) + 4}" class="axis" text-anchor="end">${Number.isInteger(t) ? t : t.toFixed(1)}</text>`);
  }
  columns.forEach((c, i) => {
    const x = left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    let acc = 0;
    const rects = c.segments
      .filter((s) => s.value > 0)
      .map((s) => {
        const y0 = y(acc + s.value);
        const h = y(acc) - y0;
        acc += s.value;
        return `<rect x="${round(x)}" y="${round(y0)}" width="${round(w)}" height="${round(Math.max(h, 0.5))}" fill="${OUTCOME_COLORS[s.key]}"/>`;
      })
      .join('');
    parts.push(`<g class="col"><title>${escapeHtml(c.title)}</title><rect x="${round(left + i * slot)}" y="${top}" width="${slot}" height="${plotH}" class="hit"/>${rects}</g>`);
    if (i % every === 0) {
      parts.push(`<text x="${round(x + w / 2)}" y="${height - 10}" class="axis" text-anchor="middle">${escapeHtml(c.label)}</text>`);
    }
  });
  const testId = options.testId ? ` data-testid="${escapeHtml(options.testId)}"` : '';
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-label="${escapeHtml(options.ariaLabel)}"${testId}>${parts.join('')}</svg>`;
}

/**
 * Horizontal stacked bars, one row per item, each bar's length its total (scaled to the largest).
 * Used for top symptoms and the per-node funnel. `label` sits left of the bar, `value` right of it.
 */
export function stackedRows(
  rows: Array<{ label: string; sublabel?: string; segments: Segment[]; title: string; value: string; href?: string }>,
  options: { ariaLabel: string; testId?: string; labelWidth?: number },
): string {
  const rowH = 26;
  const labelW = options.labelWidth ?? 250;
  const barW = 520;
  const width = labelW + barW + 70;
  const height = rows.length * rowH + 6;
  const max = Math.max(1, ...rows.map((r) => r.segments.reduce((s, x) => s + x.value, 0)));
  const parts = rows.map((r, i) => {
    const y = 3 + i * rowH;
    let x = labelW;
    const rects = r.segments
      .filter((s) => s.value > 0)
      .map((s) => {
        const w = (s.value / max) * barW;
        const out = `<rect x="${round(x)}" y="${y + 4}" width="${round(Math.max(w, 1))}" height="${rowH - 9}" fill="${OUTCOME_COLORS[s.key]}"/>`;
        x += w;
        return out;
      })
      .join('');
    const label = escapeHtml(r.label);
    const text = r.sublabel
      ? `<text x="${labelW - 8}" y="${y + 12}" class="rl" text-anchor="end">${label}</text><text x="${labelW - 8}" y="${y + 23}" class="rs" text-anchor="end">${escapeHtml(r.sublabel)}</text>`
      : `<text x="${labelW - 8}" y="${y + 17}" class="rl" text-anchor="end">${label}</text>`;
    const body = `<title>${escapeHtml(r.title)}</title><rect x="0" y="${y}" width="${width}" height="${rowH}" class="hit"/>${text}${rects}<text x="${round(x + 6)}" y="${y + 17}" class="rv">${escapeHtml(r.value)}</text>`;
    return r.href ? `<a href="${escapeHtml(r.href)}" class="row">${body}</a>` : `<g class="row">${body}</g>`;
  });
  const testId = options.testId ? ` data-testid="${escapeHtml(options.testId)}"` : '';
  return `<svg class="chart rows" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-label="${escapeHtml(options.ariaLabel)}"${testId}>${parts.join('')}</svg>`;
}

/** One 100 % bar split by outcome (the outcome mix of a period). */
export function shareBar(segments: Segment[], options: { ariaLabel: string; testId?: string }): string {
  const total = segments.reduce((s, x) => s + x.value, 0);
  const width = 800;
  let x = 0;
  const rects = segments
    .filter((s) => s.value > 0)
    .map((s) => {
      const w = total === 0 ? 0 : (s.value / total) * width;
      const pct = total === 0 ? 0 : Math.round((s.value / total) * 1000) / 10;
      const out = `<g><title>${escapeHtml(`${s.label}: ${s.value} (${pct}%)`)}</title><rect x="${round(x)}" y="0" width="${round(w)}" height="28" fill="${OUTCOME_COLORS[s.key]}"/>${
        w > 60 ? `<text x="${round(x + w / 2)}" y="19" class="in" text-anchor="middle">${pct}%</text>` : ''
      }</g>`;
      x += w;
      return out;
    })
    .join('');
  const testId = options.testId ? ` data-testid="${escapeHtml(options.testId)}"` : '';
  return `<svg class="chart share" viewBox="0 0 ${width} 28" width="100%" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(options.ariaLabel)}"${testId}>${
    total === 0 ? `<rect x="0" y="0" width="${width}" height="28" fill="#e6ebf1"/>` : rects
  }</svg>`;
}
