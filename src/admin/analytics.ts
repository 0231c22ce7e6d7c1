/**
 * The analytics page: outcomes (what each conversation EVER reached — src/transcripts/query.ts `outcomeOf`) per day
 * and per channel, median time to resolution, the symptoms (the ticket's when one was filed), the per-node funnel
 * and the fallback rate per node. Every bar and count leads to the conversations behind it: the list at
 * /admin?outcome=…|symptom=…|node=… with the same date range.
 */
import type { I18n, Params } from '../i18n/index.js';
import { escapeHtml as h } from '../http/html.js';
import type { Analytics, CameBackCounts, CameBackRow, FunnelColumn, OutcomeRow } from '../transcripts/query.js';
import { OUTCOMES, type Outcome } from '../transcripts/types.js';
import { legend, shareBar, stackedColumns, stackedRows, type OutcomeKey } from './charts.js';
import { clipLabel, entityLabel, formatDuration, href, intentLabel, layout, nodeLabel, nodeLabelIdBeside, options, type ViewContext } from './pages.js';
import { ENTITY_VALUES, INTENTS, SYMPTOM_INTENTS } from '../core/index.js';
import { START_NODE } from './improve.js';
import { addDays } from '../core/time-zone.js';

/** The range of the same length just before (the week before a week): from − n days … from − 1 day. */
export function previousRange(range: { from: string; to: string }): { from: string; to: string } {
  const days = Math.round((Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / 86_400_000) + 1;
  return { from: addDays(range.from, -days), to: addDays(range.from, -1) };
}

const tr = (ctx: ViewContext, key: string, params?: Params) => (ctx.i18n as I18n).t(key, params, ctx.locale);
const t = (ctx: ViewContext, key: string, params?: Params) => h(tr(ctx, key, params));
const pct = (r: number) => `${(Math.round(r * 1000) / 10).toFixed(1)}%`;

/** Outcome → chart colour key. */
const COLOR: Record<Outcome, OutcomeKey> = { resolved: 'resolved', escalated: 'escalated', abandoned: 'abandoned', contained: 'contained', active: 'active' };

const outcomeLabel = (ctx: ViewContext, o: Outcome | 'continued') => tr(ctx, o === 'continued' ? 'admin.analytics.continued' : `admin.outcome.${o}`);

/** A count that opens the matching conversation list (plain text when zero). */
function countLink(ctx: ViewContext, n: number, params: Record<string, string>, testId?: string): string {
  const id = testId ? ` data-testid="${h(testId)}"` : '';
  return n === 0 ? `<span class="muted"${id}>0</span>` : `<a href="${h(href(ctx, '/admin', params))}"${id}>${n}</a>`;
}

/** The per-day / per-channel table: one row per group, outcome counts (links), rates, median time to resolution. */
function outcomeTable(
  ctx: ViewContext,
  rows: Array<{ label: string; key: string; row: OutcomeRow; params: Record<string, string> }>,
  testId: string,
): string {
  const head = `<tr><th></th><th class="num">${t(ctx, 'admin.analytics.total')}</th>${OUTCOMES.map((o) => `<th class="num">${h(outcomeLabel(ctx, o))}</th>`).join('')}<th class="num">${t(ctx, 'admin.analytics.resolution')}</th><th class="num">${t(ctx, 'admin.analytics.escalation')}</th><th class="num">${t(ctx, 'admin.analytics.abandonment')}</th><th class="num">${t(ctx, 'admin.analytics.containment')}</th><th class="num">${t(ctx, 'admin.analytics.median_resolution')}</th></tr>`;
  const body = rows
    .map(
      ({ label, key, row, params }) =>
        `<tr data-key="${h(key)}"><td class="nowrap">${h(label)}</td><td class="num">${countLink(ctx, row.total, params)}</td>${OUTCOMES.map(
          (o) => `<td class="num" data-outcome="${o}">${countLink(ctx, row[o], { ...params, outcome: o })}</td>`,
        ).join('')}<td class="num" data-rate="resolution">${pct(row.rates.resolution)}</td><td class="num" data-rate="escalation">${pct(row.rates.escalation)}</td><td class="num" data-rate="abandonment">${pct(row.rates.abandonment)}</td><td class="num" data-rate="containment">${pct(row.rates.containment)}</td><td class="num nowrap" data-rate="median">${h(formatDuration(ctx, row.medianResolutionMs))}</td></tr>`,
    )
    .join('');
  return `<div class="table-wrap"><table class="list" data-testid="${h(testId)}"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

/**
 * 「直った」のあと戻ってきた (since round 34): of the conversations fixed in range, those the list's `again=came_back` lists —
 * by symptom, by the step that fixed it and by device; each count opens exactly those conversations.
 */
function cameBackSection(ctx: ViewContext, c: CameBackCounts, inRange: Record<string, string>): string {
  const rate = (r: CameBackRow) => (r.fixed ? pct(r.cameBack / r.fixed) : '—');
  const table = (testId: string, head: string, rows: Array<{ key: string; label: string; row: CameBackRow; params?: Record<string, string> }>) =>
    `<div class="table-wrap"><table class="list" data-testid="${testId}"><thead><tr><th>${head}</th><th class="num">${t(ctx, 'admin.analytics.came_back_fixed')}</th><th class="num">${t(ctx, 'admin.analytics.came_back_count')}</th><th class="num">${t(ctx, 'admin.analytics.came_back_new')}</th><th class="num">${t(ctx, 'admin.analytics.came_back_rate')}</th></tr></thead><tbody>${rows
      .map(
        ({ key, label, row, params }) =>
          `<tr data-key="${h(key)}"><td>${label}</td><td class="num" data-col="fixed">${params ? countLink(ctx, row.fixed, { ...params, outcome: 'resolved' }) : row.fixed}</td><td class="num" data-col="came_back">${params ? countLink(ctx, row.cameBack, { ...params, again: 'came_back' }) : row.cameBack}</td><td class="num" data-col="in_new">${row.inNewConversation}</td><td class="num" data-col="rate">${rate(row)}</td></tr>`,
      )
      .join('')}</tbody></table></div>`;
  const total = { key: '', label: `<b>${t(ctx, 'admin.analytics.total')}</b>`, row: c, params: inRange };
  const body = c.fixed
    ? `${table('came-back-table', '', [total])}
<h3 class="small">${t(ctx, 'admin.analytics.came_back_by_symptom')}</h3>${table('came-back-symptoms', t(ctx, 'admin.list.symptom'), c.bySymptom.map((r) => ({ key: r.intent, label: h(intentLabel(ctx, r.intent)), row: r, params: { ...inRange, symptom: r.intent } })))}
<h3 class="small">${t(ctx, 'admin.analytics.came_back_by_node')}</h3>${table('came-back-nodes', t(ctx, 'admin.analytics.node'), c.byNode.slice(0, 25).map((r) => ({ key: r.node, label: `${h(nodeLabelIdBeside(ctx, r.node))} <code class="small">${h(r.node)}</code>`, row: r, params: { ...inRange, node: r.node, funnel: 'resolved' } })))}
<h3 class="small">${t(ctx, 'admin.analytics.came_back_by_device')}</h3>${table('came-back-devices', t(ctx, 'admin.filter.device'), c.byDevice.map((r) => ({ key: r.device, label: r.device ? h(entityLabel(ctx, 'device', r.device)) : t(ctx, 'admin.analytics.came_back_no_device'), row: r, ...(r.device ? { params: { ...inRange, device: r.device } } : {}) })))}`
    : `<p class="muted" data-testid="came-back-none">${t(ctx, 'admin.analytics.came_back_none')}</p>`;
  return `<section class="card chart-card" data-testid="came-back" id="came-back"><h2>${t(ctx, 'admin.analytics.came_back', { days: c.days })}</h2><p class="muted small">${t(ctx, 'admin.analytics.came_back_note', { days: c.days })}</p>${body}</section>`;
}

/** Rows of the fallback table (most fallbacks first). */
const FALLBACK_ROWS = 25;

export function renderAnalytics(ctx: ViewContext, a: Analytics, range: { from: string; to: string; carrier?: string; device?: string; symptom?: string }): string {
  // Every link opens the conversations behind a number: the same dates, carrier, device and symptom (the list filters by each).
  const dates = { from: range.from, to: range.to };
  const inRange: Record<string, string> = { ...dates, ...(range.carrier ? { carrier: range.carrier } : {}), ...(range.device ? { device: range.device } : {}), ...(range.symptom ? { symptom: range.symptom } : {}) };
  const kpi = (key: string, value: string, testId: string, cls = '', link?: Record<string, string>) =>
    `<div class="kpi ${cls}" data-testid="${testId}"><span class="kv-label">${t(ctx, key)}</span><b>${
      link ? `<a href="${h(href(ctx, '/admin', { ...inRange, ...link }))}">${h(value)}</a>` : h(value)
    }</b></div>`;
  const kpis = `<div class="kpis">
  ${kpi('admin.analytics.total', String(a.total), 'kpi-total', '', {})}
  ${kpi('admin.analytics.resolution', pct(a.rates.resolution), 'kpi-resolution', 'good', { outcome: 'resolved' })}
  ${kpi('admin.analytics.escalation', pct(a.rates.escalation), 'kpi-escalation', 'warn', { outcome: 'escalated' })}
  ${kpi('admin.analytics.abandonment', pct(a.rates.abandonment), 'kpi-abandonment', 'bad', { outcome: 'abandoned' })}
  ${kpi('admin.analytics.containment', pct(a.rates.containment), 'kpi-containment', 'good')}
  ${kpi('admin.analytics.median_resolution', formatDuration(ctx, a.medianResolutionMs), 'kpi-median')}
  ${kpi('admin.analytics.fallback_rate', pct(a.fallbackTotals.rate), 'kpi-fallback')}
  ${kpi('admin.analytics.mean_turns', (Math.round(a.meanTurns * 10) / 10).toFixed(1), 'kpi-turns')}
  ${kpi('admin.analytics.annotated', String(a.annotated), 'kpi-annotated', '', { annotated: '1' })}
  <div class="kpi bad" data-testid="kpi-came-back"><span class="kv-label">${t(ctx, 'admin.analytics.came_back_kpi', { days: a.cameBack.days })}</span><b>${
    a.cameBack.cameBack ? `<a href="${h(href(ctx, '/admin', { ...inRange, again: 'came_back' }))}">${a.cameBack.cameBack}</a>` : '0'
  }</b></div>
</div>
<p class="muted small">${t(ctx, 'admin.analytics.outcome_note', { minutes: Math.round(ctx.abandonAfterMs / 60_000) })}</p>`;

  const rangeForm = `<form class="card range" method="get" action="/admin/analytics" data-testid="range-form">
  ${ctx.locale !== ctx.defaultLocale ? `<input type="hidden" name="lang" value="${ctx.locale}">` : ''}
  <label>${t(ctx, 'admin.filter.from')}<input type="date" name="from" value="${h(range.from)}"></label>
  <label>${t(ctx, 'admin.filter.to')}<input type="date" name="to" value="${h(range.to)}"></label>
  <label>${t(ctx, 'admin.filter.carrier')}<select name="carrier" data-testid="a-carrier">${options([['', tr(ctx, 'admin.filter.carrier_any')], ...ENTITY_VALUES.carrier.map((c) => [c, entityLabel(ctx, 'carrier', c)] as [string, string])], range.carrier ?? '')}</select></label>
  <label>${t(ctx, 'admin.filter.device')}<select name="device" data-testid="a-device">${options([['', tr(ctx, 'admin.filter.device_any')], ...ENTITY_VALUES.device.map((c) => [c, entityLabel(ctx, 'device', c)] as [string, string])], range.device ?? '')}</select></label>
  <label>${t(ctx, 'admin.list.symptom')}<select name="symptom" data-testid="a-symptom">${options([['', tr(ctx, 'admin.analytics.symptom_any')], ...INTENTS.filter((i) => SYMPTOM_INTENTS.has(i)).map((i) => [i, intentLabel(ctx, i)] as [string, string])], range.symptom ?? '')}</select></label>
  <button type="submit" class="primary">${t(ctx, 'admin.analytics.apply')}</button>
  <a href="${h(href(ctx, '/admin/analytics', { ...inRange, ...previousRange(range) }))}" data-testid="prev-range">${t(ctx, 'admin.analytics.prev_range')}</a>
</form>`;

  if (a.total === 0) {
    const body = `<h1>${t(ctx, 'admin.analytics.heading')}</h1>${rangeForm}${kpis}<p class="card empty" data-testid="analytics-empty">${t(ctx, 'admin.analytics.empty')}</p>`;
    return layout(ctx, { title: tr(ctx, 'admin.analytics.heading'), section: 'analytics', body });
  }

  const share = shareBar(
    OUTCOMES.map((o) => ({ key: COLOR[o], value: a.outcomes[o], label: outcomeLabel(ctx, o) })),
    { ariaLabel: tr(ctx, 'admin.analytics.outcomes'), testId: 'outcome-chart' },
  );
  const perDay = stackedColumns(
    a.perDay.map((d) => ({
      label: d.day.slice(5).replace('-', '/'),
      title: `${d.day}: ${d.total} — ${OUTCOMES.map((o) => `${outcomeLabel(ctx, o)} ${d[o]}`).join(', ')}`,
      segments: OUTCOMES.map((o) => ({ key: COLOR[o], value: d[o], label: outcomeLabel(ctx, o) })),
    })),
    { ariaLabel: tr(ctx, 'admin.analytics.per_day'), testId: 'per-day-chart' },
  );
  const dayTable = outcomeTable(
    ctx,
    a.perDay
      .filter((d) => d.total > 0)
      .map((d) => ({ label: d.day, key: d.day, row: d, params: { from: d.day, to: d.day } })),
    'per-day-table',
  );
  const channelTable = outcomeTable(
    ctx,
    a.perChannel.map((c) => ({ label: tr(ctx, `admin.channel.${c.channel}`), key: c.channel, row: c, params: { ...inRange, channel: c.channel } })),
    'per-channel-table',
  );

  const symptoms = stackedRows(
    a.topSymptoms.slice(0, 12).map((s) => ({
      label: intentLabel(ctx, s.intent),
      title: `${intentLabel(ctx, s.intent)}: ${s.count} — ${OUTCOMES.map((o) => `${outcomeLabel(ctx, o)} ${s[o]}`).join(', ')}`,
      value: String(s.count),
      href: href(ctx, '/admin', { ...inRange, symptom: s.intent }),
      segments: OUTCOMES.map((o) => ({ key: COLOR[o], value: s[o], label: outcomeLabel(ctx, o) })),
    })),
    { ariaLabel: tr(ctx, 'admin.analytics.top_symptoms'), testId: 'symptom-chart', labelWidth: 230 },
  );

  const funnelRows = a.funnel.slice(0, 25);
  // The chart prints each node's id under its name (sublabel): a name two nodes share (a step title in four branches) is
  // told apart by that id, not written twice in a label cut at 38 columns.

  const funnel = stackedRows(
    funnelRows.map((r) => {
      const rerouted = r.rerouted ?? 0;
      const finished = r.finished ?? 0;
      const open = r.open ?? 0;
      const continued = Math.max(0, r.reached - r.left - r.escalated - r.handedOver - r.resolved - r.ended - rerouted - finished - open);
      const label = nodeLabelIdBeside(ctx, r.node);
      // A hand-off node says how many it handed to a person (and the tickets among them), not that they "went on".
      const handed = r.handedOver ? `, ${tr(ctx, 'admin.analytics.handed_over')} ${r.handedOver} (${tr(ctx, 'admin.analytics.tickets')} ${r.tickets})` : '';
      // A give-up is contained (the bot ended it), yet a person the tree lost at this step: counted in the drop.
      const gaveUp = r.gaveUp ?? 0;
      const lost = r.left + r.escalated + gaveUp;
      const title = `${label} (${r.node}): ${tr(ctx, 'admin.analytics.reached')} ${r.reached} — ${tr(ctx, 'admin.analytics.left')} ${r.left}, ${tr(ctx, 'admin.analytics.gave_up')} ${gaveUp}, ${tr(ctx, 'admin.analytics.escalated')} ${r.escalated}${handed}, ${tr(ctx, 'admin.analytics.resolved')} ${r.resolved}, ${tr(ctx, 'admin.analytics.ended')} ${r.ended - gaveUp}, ${tr(ctx, 'admin.analytics.rerouted')} ${rerouted}${finished ? `, ${tr(ctx, 'admin.analytics.finished')} ${finished}` : ''}${open ? `, ${tr(ctx, 'admin.analytics.open')} ${open}` : ''}, ${tr(ctx, 'admin.analytics.continued')} ${continued}`;
      return {
        label: clipLabel(label, 38),
        sublabel: r.node,
        title,
        href: href(ctx, '/admin', { ...inRange, node: r.node }),
        // Reached, then how many left, gave up or asked for a person there (the drop the tree should shrink).
        value: `${r.reached}${lost ? `  ▼${lost} (${Math.round((lost / r.reached) * 100)}%)` : ''}`,
        segments: [
          { key: 'abandoned' as const, value: r.left, label: tr(ctx, 'admin.analytics.left') },
          { key: 'gave_up' as const, value: gaveUp, label: tr(ctx, 'admin.analytics.gave_up') },
          { key: 'escalated' as const, value: r.escalated, label: tr(ctx, 'admin.analytics.escalated') },
          { key: 'handed' as const, value: r.handedOver, label: tr(ctx, 'admin.analytics.handed_over') },
          { key: 'resolved' as const, value: r.resolved, label: tr(ctx, 'admin.analytics.resolved') },
          { key: 'contained' as const, value: r.ended - gaveUp, label: tr(ctx, 'admin.analytics.ended') },
          { key: 'rerouted' as const, value: rerouted, label: tr(ctx, 'admin.analytics.rerouted') },
          { key: 'ended' as const, value: finished, label: tr(ctx, 'admin.analytics.finished') },
          { key: 'active' as const, value: open, label: tr(ctx, 'admin.analytics.open') },
          { key: 'continued' as const, value: continued, label: tr(ctx, 'admin.analytics.continued') },
        ],
      };
    }),
    { ariaLabel: tr(ctx, 'admin.analytics.funnel'), testId: 'funnel-chart', labelWidth: 260 },
  );
  // Each count opens the conversations behind it: the list's funnel filter (query.ts funnelPlaces, the same counting).
  const cell = (r: { node: string }, column: FunnelColumn, n: number) =>
    `<td class="num" data-col="${column}">${countLink(ctx, n, { ...inRange, node: r.node, funnel: column })}</td>`;
  const nodeCell = (node: string) =>
    `<a href="${h(href(ctx, '/admin', { ...inRange, node }))}">${h(nodeLabelIdBeside(ctx, node))}</a> <code class="small">${h(node || '—')}</code>`;
  const funnelTable = `<details class="all"><summary>${t(ctx, 'admin.analytics.funnel_all')} (${a.funnel.length})</summary>
<div class="table-wrap"><table class="list" data-testid="funnel-table"><thead><tr><th>${t(ctx, 'admin.analytics.node')}</th><th>${t(ctx, 'admin.analytics.kind')}</th><th class="num">${t(ctx, 'admin.analytics.reached')}</th><th class="num">${t(ctx, 'admin.analytics.left')}</th><th class="num">${t(ctx, 'admin.analytics.gave_up')}</th><th class="num">${t(ctx, 'admin.analytics.escalated')}</th><th class="num">${t(ctx, 'admin.analytics.handed_over')}</th><th class="num">${t(ctx, 'admin.analytics.tickets')}</th><th class="num">${t(ctx, 'admin.analytics.resolved')}</th><th class="num">${t(ctx, 'admin.analytics.ended')}</th><th class="num">${t(ctx, 'admin.analytics.rerouted')}</th><th class="num">${t(ctx, 'admin.analytics.finished')}</th><th class="num">${t(ctx, 'admin.analytics.open')}</th></tr></thead>
<tbody>${a.funnel
    .map(
      (r) =>
        `<tr data-node="${h(r.node)}"><td>${nodeCell(r.node)}</td><td>${h(r.kind ?? '')}</td><td class="num">${countLink(ctx, r.reached, { ...inRange, node: r.node })}</td>${cell(r, 'left', r.left)}${cell(r, 'gave_up', r.gaveUp ?? 0)}${cell(r, 'escalated', r.escalated)}${cell(r, 'handed_over', r.handedOver)}<td class="num" data-col="tickets">${r.tickets}</td>${cell(r, 'resolved', r.resolved)}${cell(r, 'ended', r.ended - (r.gaveUp ?? 0))}${cell(r, 'rerouted', r.rerouted ?? 0)}${cell(r, 'finished', r.finished ?? 0)}${cell(r, 'open', r.open ?? 0)}</tr>`,
    )
    .join('')}</tbody></table></div></details>`;

  const fallbackTable = a.fallbacks.length
    ? `<div class="table-wrap"><table class="list" data-testid="fallback-table"><thead><tr><th>${t(ctx, 'admin.analytics.node')}</th><th class="num">${t(ctx, 'admin.analytics.fallback_turns')}</th><th class="num">${t(ctx, 'admin.analytics.fallback_count')}</th><th class="num">${t(ctx, 'admin.analytics.fallback_rate')}</th></tr></thead><tbody>${a.fallbacks
        .slice(0, FALLBACK_ROWS)
        .map(
          (r) =>
            `<tr data-node="${h(r.node)}"><td>${r.node ? nodeCell(r.node) : h(nodeLabel(ctx, ''))}</td><td class="num">${r.turns}</td><td class="num">${r.fallbacks ? `<a data-testid="fallback-messages" href="${h(href(ctx, '/admin/improve', { reason: 'fallback', node: r.node || START_NODE, ...dates }))}">${r.fallbacks}</a>` : '0'}</td><td class="num">${pct(r.rate)}</td></tr>`,
        )
        .join('')}</tbody></table></div>${
        // Said, not silently cut: at a desk's size more nodes than the table shows have fallbacks.
        a.fallbacks.length > FALLBACK_ROWS
          ? `<p class="muted small" data-testid="fallbacks-more">${t(ctx, 'admin.analytics.fallbacks_more', { shown: FALLBACK_ROWS, total: a.fallbacks.length })}</p>`
          : ''
      }`
    : `<p class="muted" data-testid="no-fallbacks">${t(ctx, 'admin.analytics.no_fallbacks')}</p>`;

  const outcomeLegend = legend(OUTCOMES.map((o) => ({ key: COLOR[o], label: outcomeLabel(ctx, o) })));
  const body = `<h1>${t(ctx, 'admin.analytics.heading')}</h1>
${rangeForm}
${kpis}
<section class="card chart-card"><h2>${t(ctx, 'admin.analytics.outcomes')}</h2>${share}${legend(OUTCOMES.map((o) => ({ key: COLOR[o], label: `${outcomeLabel(ctx, o)} ${a.outcomes[o]}` })))}</section>
<section class="card chart-card"><h2>${t(ctx, 'admin.analytics.per_day')}</h2><p class="muted small">${t(ctx, 'admin.analytics.per_day_note')}</p>${perDay}${outcomeLegend}${dayTable}</section>
<section class="card chart-card"><h2>${t(ctx, 'admin.analytics.per_channel')}</h2>${channelTable}</section>
<section class="card chart-card"><h2>${t(ctx, 'admin.analytics.top_symptoms')}</h2><p class="muted small">${t(ctx, 'admin.analytics.symptom_note')}</p>${symptoms}${outcomeLegend}<p class="muted small">${t(ctx, 'admin.analytics.no_symptom')}: ${a.noSymptom}</p></section>
<section class="card chart-card" data-testid="funnel"><h2>${t(ctx, 'admin.analytics.funnel')}</h2><p class="muted small">${t(ctx, 'admin.analytics.funnel_note')}</p>${funnel}${legend([
    { key: 'abandoned', label: tr(ctx, 'admin.analytics.left') },
    { key: 'gave_up', label: tr(ctx, 'admin.analytics.gave_up') },
    { key: 'escalated', label: tr(ctx, 'admin.analytics.escalated') },
    { key: 'handed', label: tr(ctx, 'admin.analytics.handed_over') },
    { key: 'resolved', label: tr(ctx, 'admin.analytics.resolved') },
    { key: 'contained', label: tr(ctx, 'admin.analytics.ended') },
    { key: 'rerouted', label: tr(ctx, 'admin.analytics.rerouted') },
    { key: 'ended', label: tr(ctx, 'admin.analytics.finished') },
    { key: 'active', label: tr(ctx, 'admin.analytics.open') },
    { key: 'continued', label: tr(ctx, 'admin.analytics.continued') },
  ])}${funnelTable}</section>
${cameBackSection(ctx, a.cameBack, inRange)}
<section class="card chart-card" data-testid="fallbacks"><h2>${t(ctx, 'admin.analytics.fallbacks')}</h2><p class="muted small">${t(ctx, 'admin.analytics.fallbacks_note')}</p>${fallbackTable}</section>`;
  return layout(ctx, { title: tr(ctx, 'admin.analytics.heading'), section: 'analytics', body });
}
