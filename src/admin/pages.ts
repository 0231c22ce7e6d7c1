/**
 * The review pages, rendered server-side: login, conversation list, one conversation, analytics, failed tickets.
 * Each is one self-contained document (HTML + CSS + a little vanilla JS, nothing fetched from outside), with
 * every visible string from locales/<locale>/admin.yaml (intent and entity names reuse the ticket/engine keys).
 * Script and style carry the response's CSP nonce; no inline style attributes (the CSP forbids them).
 */
import { ACTS, CHANNELS, ENTITY_VALUES, INTENTS, fileLabel, type Act, type Intent, type Locale, type TurnFile } from '../core/index.js';
import { wallClock, type UtcOffset } from '../core/time-zone.js';
import type { OutboxRecord } from '../handoff/index.js';
import { answersQuestion, START_NODE, type AccuracyRow, type ImproveFilter, type ImproveGroup, type ImproveItem } from './improve.js';

const ENTITY_NAMES = [...Object.keys(ENTITY_VALUES), 'os_version'];
import type { DialogTree } from '../data/schemas.js';
import type { I18n, Params } from '../i18n/index.js';
import { againOf, analyticsSymptom, CAME_BACK_DAYS, FUNNEL_COLUMNS, waitingSinceMs, type Analytics, type CameBack, type ReviewedSummary } from '../transcripts/query.js';
import { heldByStaff, holderOf } from '../transcripts/summary.js';
import { actedReading } from '../transcripts/fallback.js';
import {
  AGAINS,
  HOLDERS,
  REVIEW_STATUSES,
  type Annotation,
  type ConversationSummary,
  type Page,
  type ReviewStatus,
  type TranscriptEvent,
  type TranscriptTurn,
} from '../transcripts/types.js';
import { escapeHtml as h, scriptJson } from '../http/html.js';
import { nodeName, type KnownSlots } from './nodes.js';
import { legend, shareBar, stackedColumns, stackedRows, type OutcomeKey } from './charts.js';

export interface ViewContext {
  i18n: I18n;
  locale: Locale;
  defaultLocale: Locale;
  nonce: string;
  tree?: DialogTree;
  nowMs: number;
  /** Time zone of displayed times, minutes from UTC. */
  /** The help desk's zone (TIME_ZONE): minutes from UTC, or its offset at each instant. */
  utcOffset: UtcOffset;
  abandonAfterMs: number;
  /** The "came back" window, days (CAME_BACK_DAYS). Default 7. */
  cameBackDays?: number;
  /** True when the ticket hand-off (dead letters) is connected. */
  deadLetters: boolean;
  /** HTML shown above every page's body (the open-incident banner, src/incidents). */
  banner?: string;
  /**
   * The page's query string values (a GET's filters, the analytics' range): the language switch keeps them — all but
   * `lang` and `text` (search text never travels in URLs).
   */
  query?: Record<string, string>;
}

/** Filter values as the form holds them (strings; '' = not set). */
export interface FilterValues {
  from: string;
  to: string;
  status: string;
  intent: string;
  carrier: string;
  /** The device (ENTITY_VALUES.device; since round 33). */
  device: string;
  channel: string;
  text: string;
  annotated: boolean;
  /** From the analytics' links (src/admin/analytics.ts): outcome, analytics symptom, node reached. */
  outcome: string;
  symptom: string;
  node: string;
  /** A funnel count's column (left, gave_up … rerouted; query.ts FUNNEL_COLUMNS): the people behind it, at `node`. */
  funnel: string;
  /** Who holds it: '' any, `nobody` (no one assigned or holding it taken over), `staff` (see HOLDERS). */
  holder: string;
  /** ConversationFilter.again: '' | came_back | asked_twice. */
  again: string;
}

export const EMPTY_FILTER: FilterValues = { from: '', to: '', status: '', intent: '', carrier: '', device: '', channel: '', text: '', annotated: false, outcome: '', symptom: '', node: '', funnel: '', holder: '', again: '' };

const tr = (ctx: ViewContext, key: string, params?: Params) => ctx.i18n.t(key, params, ctx.locale);
const t = (ctx: ViewContext, key: string, params?: Params) => h(tr(ctx, key, params));

/** A link inside /admin that keeps the page language. */
export function href(ctx: ViewContext, path: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(params);
  if (ctx.locale !== ctx.defaultLocale) q.set('lang', ctx.locale);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** `params` without the keys named (a link that clears one filter keeps the others). */
/**
 * The list's query as a URL carries it (since round 36): every filter but the free text (never put in a URL: the form
 * posts it), and the page after the first. A conversation opened from the list carries it, its 「← 一覧へ」 link brings it back.
 */
export function listQuery(f: FilterValues, page = 1): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) {
    if (k === 'text') continue;
    if (v === true) q[k] = '1';
    else if (typeof v === 'string' && v) q[k] = v;
  }
  if (page > 1) q.page = String(page);
  return q;
}

/**
 * Pages other than the list a conversation is opened from (since round 37), with the label of the link back: a lead who
 * opened an occurrence from /admin/improve or a failed ticket's conversation came back to the whole list, filters lost.
 */
const BACK_PAGES: Record<string, string> = {
  '/admin/improve': 'admin.conversation.back_improve',
  '/admin/dead-letters': 'admin.conversation.back_dead',
};
/** Longest `back` a link carries (an improve queue's query is a few hundred characters). */
const BACK_MAX = 2000;

/**
 * A conversation link's `back` parameter (since round 37): the page it was opened from, as a path of BACK_PAGES with
 * its query — no host, no fragment (never a way off /admin). Anything else is no page: undefined.
 */
export function parseBack(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/admin/') || value.length > BACK_MAX) return undefined;
  let url: URL;
  try {
    url = new URL(value, 'http://admin.invalid');
  } catch {
    return undefined;
  }
  if (url.origin !== 'http://admin.invalid' || !(url.pathname in BACK_PAGES)) return undefined;
  return url.pathname + url.search;
}

/**
 * Where a conversation was opened from, as its links carry it: `{ back }` from another page (parseBack), else the list's
 * query (listQuery). A conversation page passes it on to the conversations it links (came back, came back from), so
 * the way back stays the lead's way in.
 */
export interface OpenedFrom {
  list?: Record<string, string>;
  back?: string;
}
const fromParams = (o: OpenedFrom): Record<string, string> => (o.back ? { back: o.back } : (o.list ?? {}));

const without = (params: Record<string, string>, ...keys: string[]): Record<string, string> => Object.fromEntries(Object.entries(params).filter(([k]) => !keys.includes(k)));

const pad = (n: number) => String(n).padStart(2, '0');
/** `YYYY-MM-DD HH:mm` in the view's time zone. */
export function formatTime(ctx: ViewContext, ms: number): string {
  const d = wallClock(ms, ctx.utcOffset);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
/** Cuts a label to about `units` half-width columns (a Japanese character counts two), with an ellipsis. */
export function clipLabel(label: string, units: number): string {
  let used = 0;
  let out = '';
  for (const ch of label) {
    const w = /[\u0000-\u00ff\uff61-\uff9f]/.test(ch) ? 1 : 2;
    if (used + w > units - 1) return `${out}…`;
    used += w;
    out += ch;
  }
  return out;
}
const pct = (r: number) => `${(Math.round(r * 1000) / 10).toFixed(1)}%`;

export const intentLabel = (ctx: ViewContext, intent: string) => tr(ctx, `ticket.intent.${intent}`);
/** A reply act's name for staff (admin.act.*: 「もういいです」 reads あきらめる・やめる / Gives up). */
export const actLabel = (ctx: ViewContext, act: string) => tr(ctx, `admin.act.${act}`);
const statusLabel = (ctx: ViewContext, s: string) => tr(ctx, `admin.status.${s}`);
export const entityLabel = (ctx: ViewContext, name: string, value: string) => {
  const key = `engine.value.${name}.${value}`;
  return ctx.i18n.has(key, ctx.locale) ? tr(ctx, key) : value;
};

/** A node as staff read it: the step's title when it has one, else its id. */
export function nodeLabel(ctx: ViewContext, id: string, known?: KnownSlots): string {
  return nodeName(id, { ...ctx, startLabel: tr(ctx, 'admin.conversation.node_start'), ...(known ? { known } : {}) });
}
/** nodeLabel where the page prints the node's id beside it (a shared name is told apart by that id, not written twice). */
export const nodeLabelIdBeside = (ctx: ViewContext, id: string): string =>
  nodeName(id, { ...ctx, startLabel: tr(ctx, 'admin.conversation.node_start'), idBeside: true });

/**
 * Where a turn was, in words: no node ('') where the bot asked 「「…」ということでしょうか？」 (the two-stage fallback, before
 * any node) is that question — not （開始）, which read as if the bot had not moved ('（開始） → （開始）').
 */
export function placeLabel(ctx: ViewContext, id: string, askedBack?: Intent): string {
  if (id === '' && askedBack) return tr(ctx, 'admin.conversation.node_ask_back', { symptom: intentLabel(ctx, askedBack) });
  return nodeLabel(ctx, id);
}

const badge = (ctx: ViewContext, s: ReviewStatus) => `<span class="badge st-${s}" data-status="${s}">${t(ctx, `admin.status.${s}`)}</span>`;

/** The files sent with a message (a screenshot of the error): their names and types, which is all the bot keeps. */
function filesBubble(ctx: ViewContext, files: TurnFile[] | undefined): string {
  if (!files?.length) return '';
  const unnamed = tr(ctx, 'takeover.file');
  return `<div class="bubble files" data-testid="user-files">📎 ${t(ctx, 'admin.conversation.files', { count: String(files.length) })}: ${files.map((f) => h(fileLabel(f, unnamed))).join(', ')}</div>`;
}

// ───────────────────────────── layout ─────────────────────────────

type Section = 'conversations' | 'analytics' | 'improve' | 'dead_letters' | 'login';

/**
 * Every page but the login starts with 「本文へスキップ」 / "Skip to content" (shown when focused: the first Tab stop), and
 * `skipTo` adds a second one to a part of the page (the list: straight to the conversations, past the filters).
 */
export function layout(ctx: ViewContext, o: { title: string; section: Section; body: string; strings?: Record<string, string>; skipTo?: { id: string; key: string } }): string {
  const other: Locale = ctx.locale === 'ja' ? 'en' : 'ja';
  const nav =
    o.section === 'login'
      ? ''
      : `<nav class="nav">
    <a href="${href(ctx, '/admin')}" class="${o.section === 'conversations' ? 'on' : ''}" data-testid="nav-conversations">${t(ctx, 'admin.nav.conversations')}</a>
    <a href="${href(ctx, '/admin/analytics')}" class="${o.section === 'analytics' ? 'on' : ''}" data-testid="nav-analytics">${t(ctx, 'admin.nav.analytics')}</a>
    <a href="${href(ctx, '/admin/improve')}" class="${o.section === 'improve' ? 'on' : ''}" data-testid="nav-improve">${t(ctx, 'admin.nav.improve')}</a>
    <a href="${href(ctx, '/admin/dead-letters')}" class="${o.section === 'dead_letters' ? 'on' : ''}" data-testid="nav-dead">${t(ctx, 'admin.nav.dead_letters')}</a>
  </nav>`;
  const kept = Object.entries(ctx.query ?? {}).filter(([k]) => k !== 'lang' && k !== 'text');
  const langParams = new URLSearchParams([...kept, ['lang', other]]).toString();
  const tools = `<div class="tools">
    <a class="lang" href="?${h(langParams)}" hreflang="${other}" data-testid="lang">${t(ctx, 'admin.nav.lang_switch')}</a>
    ${o.section === 'login' ? '' : `<form method="post" action="/admin/logout"><button type="submit" class="link" data-testid="logout">${t(ctx, 'admin.nav.logout')}</button></form>`}
  </div>`;
  const strings = o.strings ? `<script type="application/json" id="strings" nonce="${ctx.nonce}">${scriptJson(o.strings)}</script>` : '';
  return `<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${h(o.title)} · ${t(ctx, 'admin.title')}</title>
<link rel="icon" href="data:,">
<style nonce="${ctx.nonce}">${CSS}</style>
</head>
<body>
${o.section === 'login' ? '' : `<div class="skip-links"><a class="skip" href="#main" data-testid="skip-main">${t(ctx, 'admin.nav.skip_main')}</a>${o.skipTo ? `<a class="skip" href="#${o.skipTo.id}" data-testid="skip-to">${t(ctx, o.skipTo.key)}</a>` : ''}</div>`}
<header class="top">
  <a class="brand" href="${href(ctx, '/admin')}"><span class="logo" aria-hidden="true">✉︎</span><span><b>${t(ctx, 'admin.brand')}</b><small>${t(ctx, 'admin.brand_sub')}</small></span></a>
  ${nav}
  ${tools}
</header>
<main class="main" id="main" tabindex="-1">
${ctx.banner ?? ''}${o.body}
</main>
${strings}
<script nonce="${ctx.nonce}">${SCRIPT}</script>
</body>
</html>`;
}

// ───────────────────────────── login ─────────────────────────────

export function renderLogin(ctx: ViewContext, reason: 'failed' | 'expired' | 'required' | 'limited', next: string): string {
  const msg = reason === 'required' ? '' : `<p class="alert" role="alert" data-testid="login-error">${t(ctx, `admin.login.${reason}`)}</p>`;
  const body = `<section class="card login">
  <h1>${t(ctx, 'admin.login.title')}</h1>
  <p class="muted">${t(ctx, 'admin.login.lead')}</p>
  ${msg}
  <form method="post" action="${href(ctx, '/admin/login')}" data-testid="login-form">
    <input type="hidden" name="next" value="${h(next)}">
    <label for="token">${t(ctx, 'admin.login.token')}</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus data-testid="token">
    <button type="submit" class="primary" data-testid="login-submit">${t(ctx, 'admin.login.submit')}</button>
  </form>
</section>`;
  return layout(ctx, { title: tr(ctx, 'admin.login.title'), section: 'login', body });
}

// ───────────────────────────── list ─────────────────────────────

export function options(items: Array<[string, string]>, selected: string): string {
  return items.map(([v, label]) => `<option value="${h(v)}"${v === selected ? ' selected' : ''}>${h(label)}</option>`).join('');
}

function filterForm(ctx: ViewContext, f: FilterValues): string {
  const statusOpts = options([['', tr(ctx, 'admin.status.any')], ...REVIEW_STATUSES.map((s) => [s, statusLabel(ctx, s)] as [string, string])], f.status);
  const intentOpts = options([['', tr(ctx, 'admin.filter.intent_any')], ...INTENTS.map((i) => [i, intentLabel(ctx, i)] as [string, string])], f.intent);
  const carrierOpts = options(
    [['', tr(ctx, 'admin.filter.carrier_any')], ...ENTITY_VALUES.carrier.map((c) => [c, entityLabel(ctx, 'carrier', c)] as [string, string])],
    f.carrier,
  );
  const deviceOpts = options(
    [['', tr(ctx, 'admin.filter.device_any')], ...ENTITY_VALUES.device.map((c) => [c, entityLabel(ctx, 'device', c)] as [string, string])],
    f.device,
  );
  const channelOpts = options([['', tr(ctx, 'admin.channel.any')], ...CHANNELS.map((c) => [c, tr(ctx, `admin.channel.${c}`)] as [string, string])], f.channel);
  const holderOpts = options([['', tr(ctx, 'admin.holder.any')], ...HOLDERS.map((x) => [x, tr(ctx, `admin.holder.${x}`)] as [string, string])], f.holder);
  // The came-back window (CAME_BACK_DAYS) is said where it is used: the option names it.
  const againOpts = options([['', tr(ctx, 'admin.again.any')], ...AGAINS.map((x) => [x, x === 'came_back' ? tr(ctx, 'admin.again.came_back_within', { days: ctx.cameBackDays ?? CAME_BACK_DAYS }) : tr(ctx, `admin.again.${x}`)] as [string, string])], f.again);
  // The lead's first question of the morning: which hand-offs wait for a person.
  const waiting = href(ctx, '/admin', { status: 'escalated', holder: 'nobody' });
  return `<form id="filters" class="filters card" method="post" action="${href(ctx, '/admin')}" data-testid="filters">
  <div class="grid">
    <label>${t(ctx, 'admin.filter.from')}<input type="date" name="from" value="${h(f.from)}" data-testid="f-from"></label>
    <label>${t(ctx, 'admin.filter.to')}<input type="date" name="to" value="${h(f.to)}" data-testid="f-to"></label>
    <label>${t(ctx, 'admin.filter.status')}<select name="status" data-testid="f-status">${statusOpts}</select></label>
    <label>${t(ctx, 'admin.filter.intent')}<select name="intent" data-testid="f-intent">${intentOpts}</select></label>
    <label>${t(ctx, 'admin.filter.carrier')}<select name="carrier" data-testid="f-carrier">${carrierOpts}</select></label>
    <label>${t(ctx, 'admin.filter.device')}<select name="device" data-testid="f-device">${deviceOpts}</select></label>
    <label>${t(ctx, 'admin.filter.channel')}<select name="channel" data-testid="f-channel">${channelOpts}</select></label>
    <label>${t(ctx, 'admin.filter.holder')}<select name="holder" data-testid="f-holder">${holderOpts}</select></label>
    <label>${t(ctx, 'admin.filter.again')}<select name="again" data-testid="f-again">${againOpts}</select></label>
    <label class="wide">${t(ctx, 'admin.filter.text')}<input type="search" name="text" value="${h(f.text)}" placeholder="${t(ctx, 'admin.filter.text_placeholder')}" data-testid="f-text"></label>
    <label class="check"><input type="checkbox" name="annotated" value="1"${f.annotated ? ' checked' : ''} data-testid="f-annotated">${t(ctx, 'admin.filter.annotated')}</label>
  </div>
  <input type="hidden" name="page" value="1">
  ${analyticsChips(ctx, f)}
  <div class="row-actions">
    <button type="submit" class="primary" data-testid="f-submit">${t(ctx, 'admin.filter.submit')}</button>
    <button type="button" id="f-reset" data-testid="f-reset">${t(ctx, 'admin.filter.reset')}</button>
    <a href="${waiting}" data-testid="waiting-link">${t(ctx, 'admin.holder.waiting_link')}</a>
    <span class="spacer"></span>
    <button type="submit" formaction="/admin/export?format=jsonl" formmethod="post" class="ghost" data-export="1" data-testid="export-jsonl">${t(ctx, 'admin.list.export_jsonl')}</button>
    <button type="submit" formaction="/admin/export?format=csv" formmethod="post" class="ghost" data-export="1" data-testid="export-csv">${t(ctx, 'admin.list.export_csv')}</button>
  </div>
  <p class="muted small">${t(ctx, 'admin.list.export_note')}</p>
</form>`;
}

/** The analytics' filters (outcome, symptom, node, funnel column) as removable chips, carried as hidden inputs. */
function analyticsChips(ctx: ViewContext, f: FilterValues): string {
  const chips = (
    [
      ['outcome', f.outcome, f.outcome ? tr(ctx, `admin.outcome.${f.outcome}`) : '', 'admin.list.outcome_filter'],
      ['symptom', f.symptom, f.symptom ? intentLabel(ctx, f.symptom) : '', 'admin.list.symptom_filter'],
      ['node', f.node, f.node ? `${nodeLabelIdBeside(ctx, f.node)} (${f.node})` : '', 'admin.list.node_filter'],
      // A funnel column is named by its own key on the analytics page (admin.analytics.<column>).
      ['funnel', f.funnel, (FUNNEL_COLUMNS as readonly string[]).includes(f.funnel) ? tr(ctx, `admin.analytics.${f.funnel}`) : '', 'admin.list.funnel_filter'],
    ] as const
  ).filter(([, v]) => v);
  if (!chips.length) return '';
  return `<p class="chips" data-testid="analytics-filters">${t(ctx, 'admin.list.filtered_by')}: ${chips
    .map(([name, v, label, key]) => `<input type="hidden" name="${name}" value="${h(v)}"><span class="flag" data-testid="chip-${name}">${t(ctx, key)}: ${h(label)}</span>`)
    .join(' ')} <a href="${href(ctx, '/admin')}" data-testid="clear-filter">${t(ctx, 'admin.list.clear_filter')}</a></p>`;
}

function contextCell(ctx: ViewContext, s: ConversationSummary): string {
  const parts = [
    s.carrier ? entityLabel(ctx, 'carrier', s.carrier) : '',
    s.service ? entityLabel(ctx, 'service', s.service) : '',
    s.device ? entityLabel(ctx, 'device', s.device) : '',
  ].filter(Boolean);
  return parts.length ? h(parts.join(' · ')) : '<span class="muted">—</span>';
}

/** A duration for people: 「12 分」, 「1 時間 5 分」, 「40 秒」 (a wait, a median time to resolution); '—' when unknown. */
export function formatDuration(ctx: ViewContext, ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return tr(ctx, 'admin.analytics.seconds', { n: s });
  const m = Math.round(s / 60);
  if (m < 60) return tr(ctx, 'admin.analytics.minutes', { n: m });
  return tr(ctx, 'admin.analytics.hours', { h: Math.floor(m / 60), m: m % 60 });
}

/**
 * Who holds the conversation: taken over by (until handed back), else assigned to, else handled (marked 確認済み, the
 * person silent since: 「対応済み · 名前」); an escalation nobody holds reads
 * 「未対応」 (waiting for a person) with how long it has waited, anything else a dash.
 */
function holderCell(ctx: ViewContext, s: ReviewedSummary): string {
  const held = holderOf(s);
  if (held) {
    const name = held.by ? ` · ${h(held.by)}` : '';
    return `<span class="flag" data-testid="holder" data-holder="${held.how}">${t(ctx, `admin.holder.${held.how}`)}${name}</span>`;
  }
  // How long the person has waited (since the hand-off): the desk picks up the longest first.
  if (s.review === 'escalated')
    return `<span class="flag err" data-testid="holder" data-holder="nobody">${t(ctx, 'admin.holder.waiting')}</span> <span class="small muted" data-testid="waiting-for">${t(ctx, 'admin.holder.waiting_for', { time: formatDuration(ctx, ctx.nowMs - waitingSinceMs(s)) })}</span>`;
  return '<span class="muted" data-testid="holder" data-holder="">—</span>';
}

/** The results table and pager (also returned as `html` by the search API, so one renderer serves both). */
export function renderResults(ctx: ViewContext, page: Page<ReviewedSummary>, filter?: FilterValues): string {
  // The conversation link carries the list's query (back to the same list) and, filtered by a node, opens at the turn
  // that reached it (the page's #reached anchor).
  const list = filter ? listQuery(filter, page.page) : {};
  const head = `<div class="results-head"><h2>${t(ctx, 'admin.list.heading')}</h2><span class="count" data-testid="result-count" data-total="${page.total}">${t(ctx, 'admin.list.count', { total: page.total })}</span></div>`;
  if (page.total === 0) return `${head}<p class="empty card" data-testid="no-results">${t(ctx, 'admin.list.empty')}</p>`;
  const rows = page.items
    .map((s) => {
      const flags = [
        s.annotations ? `<span class="flag note">${t(ctx, 'admin.list.annotated', { n: s.annotations })}</span>` : '',
        s.errors ? `<span class="flag err">${t(ctx, 'admin.list.errors', { n: s.errors })}</span>` : '',
        s.takenOver ? `<span class="flag${heldByStaff(s) ? '' : ' past'}" data-testid="list-taken-over">${t(ctx, heldByStaff(s) ? 'admin.list.taken_over' : 'admin.list.handed_back')}</span>` : '',
        cameBackFlags(ctx, s, { list }),
      ].join('');
      const link = h(href(ctx, `/admin/conversations/${encodeURIComponent(s.id)}`, list) + (list.node ? '#reached' : ''));
      return `<tr data-testid="conversation-row" data-id="${h(s.id)}">
  <td class="nowrap"><a href="${link}" data-testid="conversation-link">${h(formatTime(ctx, s.startedAtMs))}</a></td>
  <td>${badge(ctx, s.review)}</td>
  ${listSymptom(ctx, s)}
  <td>${contextCell(ctx, s)}</td>
  <td class="nowrap">${t(ctx, `admin.channel.${s.channel}`)}</td>
  <td class="num">${s.turns}</td>
  <td class="nowrap">${s.ticketId ? `<code>${h(s.ticketId)}</code>` : s.takenOver ? `<span class="muted" data-testid="no-ticket-staff">${t(ctx, 'admin.list.no_ticket_staff')}</span>` : '<span class="muted">—</span>'}</td>
  <td class="nowrap">${holderCell(ctx, s)}</td>
  <td class="preview"><a href="${link}">${h(s.preview ?? '')}</a>${listTried(ctx, s)}${flags ? `<div class="flags">${flags}</div>` : ''}</td>
</tr>`;
    })
    .join('\n');
  const pager =
    page.pages > 1
      ? `<nav class="pager" data-testid="pager">
  <button type="submit" form="filters" name="page" value="${page.page - 1}" data-page="${page.page - 1}"${page.page <= 1 ? ' disabled' : ''} data-testid="prev">${t(ctx, 'admin.list.prev')}</button>
  <span data-testid="page-of">${t(ctx, 'admin.list.page', { page: page.page, pages: page.pages })}</span>
  <button type="submit" form="filters" name="page" value="${page.page + 1}" data-page="${page.page + 1}"${page.page >= page.pages ? ' disabled' : ''} data-testid="next">${t(ctx, 'admin.list.next')}</button>
</nav>`
      : '';
  return `${head}
<div class="card table-wrap"><table class="list">
<thead><tr><th>${t(ctx, 'admin.list.started')}</th><th>${t(ctx, 'admin.list.status')}</th><th>${t(ctx, 'admin.list.symptom')}</th><th>${t(ctx, 'admin.list.context')}</th><th class="nowrap">${t(ctx, 'admin.list.channel')}</th><th class="num nowrap">${t(ctx, 'admin.list.turns')}</th><th>${t(ctx, 'admin.list.ticket')}</th><th>${t(ctx, 'admin.list.holder')}</th><th>${t(ctx, 'admin.list.first')}</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${pager}`;
}

/**
 * The list's 症状 cell: the symptom the symptom filter and the analytics count the conversation under — the one it ended
 * on (analyticsSymptom: `lastSymptom`; the ticket's, else the first, in summaries recorded before round 29) —, so a row
 * opened from 「メールを取得できない」 says so. When it differs from the opening one (the person corrected it:
 * 「一部のメールが届かない」 → 「いや、全部…」), the opening one follows, small.
 */
function listSymptom(ctx: ViewContext, s: ReviewedSummary): string {
  const counted = analyticsSymptom(s);
  if (!counted) return `<td><span class="muted">${t(ctx, 'admin.list.no_symptom')}</span></td>`;
  if (!s.symptom || s.symptom === counted) return `<td>${h(intentLabel(ctx, counted))}</td>`;
  return `<td data-testid="list-symptom" data-intent="${h(counted)}">${h(intentLabel(ctx, counted))}<div class="small muted" data-testid="list-symptom-first">${t(ctx, 'admin.list.symptom_first', { symptom: intentLabel(ctx, s.symptom) })}</div></td>`;
}

/** How long after: 「3 日」 from a day on, else 「5 時間 2 分」 (formatDuration). */
function elapsed(ctx: ViewContext, ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  return days > 1 ? tr(ctx, 'admin.list.days', { n: days }) : days === 1 ? tr(ctx, 'admin.list.day_one') : formatDuration(ctx, ms);
}

/**
 * Came back (query.ts againOf, cameBackAcross): 「「直った」のあと戻ってきた」 when the person wrote again in the same
 * conversation; 「3 日後に同じ症状で戻ってきた →」 linking the same person's new conversation; on that new one,
 * 「3 日前の「直った」から戻ってきた →」 linking the fixed one.
 */
function cameBackFlags(ctx: ViewContext, s: ReviewedSummary, from: OpenedFrom = {}): string {
  // The linked conversation keeps the way back of this one (since round 37; a node filter marks no turn there: no #reached).
  const link = (id: string) => href(ctx, `/admin/conversations/${encodeURIComponent(id)}`, fromParams(from));
  const out: string[] = [];
  for (const r of s.cameBackIn ?? []) {
    const after = elapsed(ctx, r.startedAtMs - (s.resolvedAtMs ?? s.updatedAtMs));
    out.push(`<a class="flag err" href="${link(r.id)}" data-testid="list-came-back-in" data-id="${h(r.id)}">${t(ctx, 'admin.list.came_back_in', { time: after })}</a>`);
  }
  if (!s.cameBackIn?.length && againOf(s, ctx.tree).includes('came_back'))
    out.push(`<span class="flag err" data-testid="list-came-back">${t(ctx, 'admin.again.came_back')}</span>`);
  if (s.cameBackFrom) {
    const before = elapsed(ctx, s.startedAtMs - s.cameBackFrom.resolvedAtMs);
    out.push(`<a class="flag" href="${link(s.cameBackFrom.id)}" data-testid="list-came-back-from" data-id="${h(s.cameBackFrom.id)}">${t(ctx, 'admin.list.came_back_from', { time: before })}</a>`);
  }
  return out.join('');
}

/** Steps shown in a row before 「ほか n 件」: the latest ones (what was tried last matters most to whoever answers). */
const LIST_TRIED_MAX = 4;
/**
 * What the person already tried, briefly, under the first message (summary `steps`, the conversation page's 試した手順と結果):
 * 「試した手順: 端末の再起動（まだダメ）、パスワードの再入力（まだダメ）」, the latest LIST_TRIED_MAX; nothing when none.
 */
function listTried(ctx: ViewContext, s: ReviewedSummary): string {
  const steps = s.steps ?? [];
  if (!steps.length) return '';
  const slots = { carrier: s.carrier, service: s.service, device: s.device };
  const known = (r: string) => (RESULTS as readonly string[]).includes(r) ? r : 'unknown';
  const shown = steps.slice(-LIST_TRIED_MAX).map(
    (x) => `<span data-result="${h(known(x.result))}">${h(tr(ctx, 'admin.list.tried_step', { step: nodeLabel(ctx, x.node, slots), result: tr(ctx, `ticket.result.${known(x.result)}`) }))}</span>`,
  );
  const more = steps.length > LIST_TRIED_MAX ? tr(ctx, 'admin.list.tried_more', { n: steps.length - LIST_TRIED_MAX }) : '';
  return `<div class="small tried" data-testid="list-tried">${t(ctx, 'admin.list.tried')} ${more ? `${h(more)}${h(tr(ctx, 'admin.list.tried_sep'))}` : ''}${shown.join(h(tr(ctx, 'admin.list.tried_sep')))}</div>`;
}

export function renderList(ctx: ViewContext, filter: FilterValues, page: Page<ReviewedSummary>, filtered: boolean): string {
  const body = `${filterForm(ctx, filter)}
<section id="results" tabindex="-1" data-testid="results" data-filtered="${filtered ? '1' : '0'}">${renderResults(ctx, page, filter)}</section>`;
  return layout(ctx, { title: tr(ctx, 'admin.list.heading'), section: 'conversations', body, strings: {}, skipTo: { id: 'results', key: 'admin.nav.skip_results' } });
}

// ───────────────────────────── conversation ─────────────────────────────

function understanding(ctx: ViewContext, turn: TranscriptTurn, note: Annotation | undefined, intentOptions: string, prev?: TranscriptTurn): string {
  const symptomBefore = prev?.symptom;
  const parts: string[] = [];
  if (turn.action !== undefined) {
    parts.push(`<p class="muted">${t(ctx, 'admin.conversation.no_nlu')}</p>`);
    // A button that chose the symptom (the menu's [受信できない]): what the conversation is about from here.
    if (turn.symptom && turn.symptom !== symptomBefore)
      parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.symptom_chosen')}</span><span class="v"><b data-testid="turn-symptom" data-intent="${h(turn.symptom)}">${h(intentLabel(ctx, turn.symptom))}</b> <code>${h(turn.symptom)}</code></span></div>`);
  } else if (turn.intent) {
    // A reply at a question is decided by its act in the node's context (「もういいです」 → give_up), not by the symptom
    // model's intent (affirm 0.28): the act comes first and the intent is shown for reference, unflagged.
    // Only a reading the bot acted on: one it answered with 「うまく読み取れませんでした」 was not understood (actedReading).
    const reading = actedReading(turn);
    const conf = reading ? reading.confidence : (turn.confidence ?? 0);
    const low = conf < 0.5;
    const width = Math.round(Math.max(0, Math.min(1, conf)) * 100);
    const bar = `<span class="v conf${low ? ' low' : ''}"><svg width="90" height="8" aria-hidden="true"><rect width="90" height="8" rx="4" class="track"/><rect width="${(width * 0.9).toFixed(1)}" height="8" rx="4" class="fill"/></svg> ${conf.toFixed(2)}${low ? ` <span class="flag err">${t(ctx, 'admin.conversation.low_confidence')}</span>` : ''}</span>`;
    if (reading) {
      parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.reading')}</span><span class="v"><b data-testid="turn-reading" data-act="${h(reading.act)}">${h(actLabel(ctx, reading.act))}</b> <code>${h(reading.act)}</code></span></div>`);
      parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.confidence')}</span>${bar}</div>`);
      parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.intent_aside')}</span><span class="v small"><span data-testid="turn-intent" data-intent="${h(turn.intent)}">${h(intentLabel(ctx, turn.intent))}</span> <code>${h(turn.intent)}</code> ${(turn.confidence ?? 0).toFixed(2)}</span></div>`);
    } else {
      parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.intent')}</span><span class="v"><b data-testid="turn-intent" data-intent="${h(turn.intent)}">${h(intentLabel(ctx, turn.intent))}</b> <code>${h(turn.intent)}</code></span></div>`);
      parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.confidence')}</span>${bar}</div>`);
    }
    const runners = (turn.ranking ?? []).filter((r) => r.intent !== turn.intent).slice(0, 2);
    if (runners.length) {
      parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.runner_up')}</span><span class="v small">${runners.map((r) => `${h(intentLabel(ctx, r.intent))} ${r.confidence.toFixed(2)}`).join(' · ')}</span></div>`);
    }
    // Why the bot did what it did: the turn policy's rule that acted on the text (kept on the turn since round 20).
    if (turn.rule)
      parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.rule')}</span><span class="v small" data-testid="turn-rule" data-rule="${h(turn.rule)}">${ctx.i18n.has(`admin.rule_label.${turn.rule}`, ctx.locale) ? `${t(ctx, `admin.rule_label.${turn.rule}`)} ` : ''}<code>${h(turn.rule)}</code></span></div>`);
    // A typed turn that moved the conversation to another symptom (「いや、全部のメールが届かないです」 at the junk-folder
    // step → cannot fetch): the intent above is the symptom model's reading, not the walk the bot went to.
    if (turn.symptom && symptomBefore && turn.symptom !== symptomBefore)
      parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.symptom_changed')}</span><span class="v"><b data-testid="turn-symptom" data-intent="${h(turn.symptom)}">${h(intentLabel(ctx, turn.symptom))}</b> <code>${h(turn.symptom)}</code> <span class="small muted">${t(ctx, 'admin.conversation.symptom_changed_from', { symptom: intentLabel(ctx, symptomBefore) })}</span></span></div>`);
    const ents = Object.entries(turn.entities ?? {}).filter(([, v]) => typeof v === 'string' && v !== '');
    if (ents.length) {
      parts.push(`<div class="chips">${ents.map(([k, v]) => `<span class="chip" title="${h(k)}">${h(k === 'os_version' || k === 'error_message' ? String(v) : entityLabel(ctx, k, String(v)))}</span>`).join('')}</div>`);
    }
  }
  parts.push(`<div class="kv"><span class="k">${t(ctx, 'admin.conversation.node')}</span><span class="v small node" data-testid="turn-node">${h(placeLabel(ctx, turn.nodeBefore, prev?.clarification?.offered[0]))} → <b>${h(placeLabel(ctx, turn.node, turn.clarification?.offered[0]))}</b> <code>${h(turn.node || '—')}</code></span></div>`);
  for (const e of turn.events) {
    if (e.type === 'status')
      parts.push(`<div class="event" data-testid="event-status">${t(ctx, 'admin.conversation.event_status', { from: statusLabel(ctx, e.from), to: statusLabel(ctx, e.to) })}</div>`);
    else if (e.type === 'ticket') parts.push(`<div class="event ticket" data-testid="event-ticket">${t(ctx, 'admin.conversation.event_ticket', { id: e.id })}</div>`);
    else if (e.type === 'follow_up')
      parts.push(`<div class="event ticket" data-testid="event-follow-up">${t(ctx, 'admin.conversation.event_follow_up', { id: e.id, kind: t(ctx, `admin.conversation.follow_up_kind.${e.kind}`) })}</div>`);
    else if (e.type === 'taken_over') parts.push(`<div class="event" data-testid="event-taken-over">${t(ctx, 'admin.conversation.event_taken_over')}${e.by ? ` · ${h(e.by)}` : ''}</div>`);
    else if (e.type === 'handed_back') parts.push(`<div class="event" data-testid="event-handed-back">${t(ctx, 'admin.desk.event_handed_back')}${e.by ? ` · ${h(e.by)}` : ''}</div>`);
    else if (e.type === 'note') parts.push(`<div class="event note" data-testid="event-note">${t(ctx, 'admin.desk.event_note')}${e.by ? ` · ${h(e.by)}` : ''}: ${h(e.text)}</div>`);
    else if (e.type === 'assigned') parts.push(`<div class="event">${t(ctx, 'admin.desk.event_assigned', { name: e.to ?? '—' })}</div>`);
    else if (e.type === 'review') parts.push(`<div class="event">${t(ctx, `admin.desk.review_${e.state}`)}</div>`);
  }
  if (turn.error) parts.push(`<div class="event err">${t(ctx, 'admin.conversation.error', { code: turn.error.code })}</div>`);
  if (turn.redacted?.length) parts.push(`<div class="event">${t(ctx, 'admin.conversation.redacted')}</div>`);

  if (turn.text !== undefined && turn.text !== '') {
    if (note) {
      const ents = Object.entries(note.entities ?? {});
      // Where the phrase goes: a reply's act file, else the intent's (the file a person reviews before training).
      const file = note.replyAct ? `intents/${note.locale}/acts/${note.replyAct}.yaml` : `intents/${note.locale}/${note.intent}.yaml`;
      parts.push(`<div class="annotation" data-testid="annotation" data-intent="${h(note.intent)}"${note.replyAct ? ` data-act="${h(note.replyAct)}"` : ''}>
  <b>${note.replyAct ? t(ctx, 'admin.conversation.annotated_reply', { act: actLabel(ctx, note.replyAct) }) : t(ctx, 'admin.conversation.annotated', { intent: intentLabel(ctx, note.intent) })}</b>
  ${ents.length ? `<div class="small" data-testid="annotation-entities">${ents.map(([k, v]) => `${h(k)} = ${h(v || '—')}`).join(' · ')}</div>` : ''}
  ${note.flag ? `<div class="small" data-testid="annotation-flag">⚑ ${t(ctx, 'admin.improve.flagged_at', { node: nodeLabel(ctx, note.flag.node) })}${note.flag.note ? `: ${h(note.flag.note)}` : ''}</div>` : ''}
  ${note.train ? `<div class="small" data-testid="annotation-train">${t(ctx, 'admin.improve.in_training_file')} <code data-testid="annotation-file">${h(file)}</code></div>` : ''}
  ${note.note ? `<div class="small">${h(note.note)}</div>` : ''}
  <button type="button" class="link" data-unannotate="${turn.seq}" data-testid="unannotate">${t(ctx, 'admin.conversation.remove')}</button>
</div>`);
    } else {
      parts.push(`<button type="button" class="mark" data-mark="${turn.seq}" data-testid="mark">${t(ctx, 'admin.conversation.mark')}</button>
<form class="annotate" data-seq="${turn.seq}" hidden data-testid="annotate-form">
  <label>${t(ctx, 'admin.conversation.correct_intent')}<select name="intent" data-testid="annotate-intent">${intentOptions.replace(`value="${turn.intent ?? ''}"`, `value="${turn.intent ?? ''}" selected`)}</select></label>
  ${
    // A reply to a question is read by its act: staff correct that (and train intents/<locale>/acts/<act>.yaml) — the
    // ask-back 「…ということでしょうか？」 at the start included (since round 34: 「わかりません」 there had no act to give).
    answersQuestion(turn, prev)
      ? `<label>${t(ctx, 'admin.conversation.correct_reading')}<select name="reply_act" data-testid="annotate-reply-act"><option value=""></option>${ACTS.map((a) => `<option value="${a}"${actedReading(turn)?.act === a ? ' selected' : ''}>${h(actLabel(ctx, a))} (${a})</option>`).join('')}</select></label>`
      : ''
  }
  <div class="inline2"><label>${t(ctx, 'admin.improve.entity')}<select name="entity" data-testid="annotate-entity"><option value=""></option>${ENTITY_NAMES.map((n) => `<option value="${n}">${n}</option>`).join('')}</select></label>
  <label>${t(ctx, 'admin.improve.entity_value')}<input name="entity_value" list="entity-values" maxlength="120" data-testid="annotate-entity-value"></label></div>
  <label class="check"><input type="checkbox" name="flag" value="1" data-testid="annotate-flag"> ${t(ctx, 'admin.improve.flag', { node: nodeLabel(ctx, turn.node || turn.nodeBefore) })}</label>
  <input type="hidden" name="node" value="${h(turn.node || turn.nodeBefore)}">
  <label class="check"><input type="checkbox" name="train" value="1" data-testid="annotate-train"> ${t(ctx, 'admin.improve.add_phrase')}</label>
  <label>${t(ctx, 'admin.conversation.note')}<input name="note" maxlength="500" placeholder="${t(ctx, 'admin.conversation.note_placeholder')}"></label>
  <div class="row-actions"><button type="submit" class="primary" data-testid="annotate-save">${t(ctx, 'admin.conversation.save')}</button><button type="button" data-cancel="1">${t(ctx, 'admin.conversation.cancel')}</button></div>
</form>`);
    }
  }
  return parts.join('\n');
}

/**
 * The header's 症状: the symptom the conversation is on now — the last turn's (the engine's branch), else the ticket's,
 * else the first —, and, when the person changed it on the way (a correction, 「どれでもない」 and a menu button), the
 * opening one and the turn where it changed.
 */
function headerSymptom(ctx: ViewContext, s: ConversationSummary, turns: TranscriptTurn[]): string {
  const last = turns.findLast((x) => x.symptom)?.symptom;
  const now = last ?? analyticsSymptom(s);
  if (!now) return '<dd>—</dd>';
  const label = h(intentLabel(ctx, now));
  if (!s.symptom || s.symptom === now) return `<dd>${label}</dd>`;
  // The first turn on the current symptom after one on another.
  let at: number | undefined;
  for (let i = turns.length - 1; i > 0; i--) {
    if (turns[i]!.symptom !== now) break;
    if (turns[i - 1]!.symptom !== now) at = turns[i]!.seq;
  }
  const changed = at !== undefined
    ? t(ctx, 'admin.conversation.symptom_changed_at', { symptom: intentLabel(ctx, s.symptom), seq: String(at) })
    : t(ctx, 'admin.conversation.symptom_first', { symptom: intentLabel(ctx, s.symptom) });
  return `<dd data-testid="fact-symptom" data-intent="${h(now)}">${label} <span class="small muted" data-testid="fact-symptom-first">${at !== undefined ? `<a href="#turn-${at}">${changed}</a>` : changed}</span></dd>`;
}

export function renderConversation(
  ctx: ViewContext,
  data: {
    summary: ConversationSummary;
    review: ReviewStatus;
    turns: TranscriptTurn[];
    annotations: Annotation[];
    ticketUrl?: string;
    /** The ticket as it was sent (outbox copy). */
    ticket?: OutboxRecord;
    /** Follow-ups added to the ticket after filing, as the outbox holds them (their delivery state). */
    followUps?: OutboxRecord[];
    /** Set when staff can answer from here: who holds the conversation now. */
    desk?: { held?: { by: string; here: boolean } };
    /** The same person's return after this fix, or the fix this conversation came back from (cameBackAcross). */
    cameBack?: CameBack;
    /** The query of the list it was opened from (listQuery): the back link returns to it; its node marks the turn that reached it. */
    list?: Record<string, string>;
    /** Opened from another page (parseBack: /admin/improve with its query, /admin/dead-letters): the back link returns there. */
    back?: string;
  },
): string {
  const { summary: s, turns } = data;
  const list = data.list ?? {};
  const reached = list.node ? reachedTurn(turns, list.node) : undefined;
  const notes = new Map(data.annotations.map((a) => [a.seq, a]));
  const intentOptions = `<option value=""></option>${INTENTS.map((i) => `<option value="${i}">${h(intentLabel(ctx, i))} (${i})</option>`).join('')}`;
  const entities = [
    s.carrier ? entityLabel(ctx, 'carrier', s.carrier) : '',
    s.service ? entityLabel(ctx, 'service', s.service) : '',
    s.device ? entityLabel(ctx, 'device', s.device) : '',
  ].filter(Boolean);
  const ticket = s.ticketId
    ? data.ticketUrl
      ? `<a href="${h(data.ticketUrl)}" rel="noreferrer" target="_blank" data-testid="ticket-link"><code>${h(s.ticketId)}</code> ↗</a>`
      : `<code data-testid="ticket-link">${h(s.ticketId)}</code>`
    : s.takenOver
      ? // Staff took it over (often at the hand-off form, before the person answered it): nothing is filed, staff hold it.
        `<span class="muted" data-testid="no-ticket-staff">${t(ctx, 'admin.conversation.no_ticket_staff')}</span>`
      : `<span class="muted">${t(ctx, 'admin.conversation.no_ticket')}</span>`;
  const delivery = (data.ticket ? ticketDeliveryNote(ctx, data.ticket) : '') + followUpNotes(ctx, data.followUps ?? []);
  // Held now, or a past fact once handed back (who holds it now is the desk panel's).
  const when = (x: { atMs: number; by?: string }) => `${formatTime(ctx, x.atMs)}${x.by ? ` · ${x.by}` : ''}`; // t() escapes
  const takeover = !s.takenOver
    ? ''
    : heldByStaff(s)
      ? `<span class="flag" data-testid="taken-over" data-held="1">${t(ctx, 'admin.conversation.taken_over', { at: formatTime(ctx, s.takenOver.atMs) })}${s.takenOver.by ? ` · ${h(s.takenOver.by)}` : ''}</span>`
      : `<span class="flag past" data-testid="taken-over" data-held="0">${t(ctx, 'admin.conversation.was_taken_over', { taken: when(s.takenOver), back: when(s.handedBack!) })}</span>`; // Taking over happens where staff can talk to the person (the Slack help-desk thread); this page shows it.

  const f = data.ticket?.ticket.fields;
  const steps = stepsTried(ctx, turns, f?.stepsTried, { carrier: s.carrier, service: s.service, device: s.device });
  const osSeen = [...turns].reverse().find((x) => x.entities?.os_version)?.entities?.os_version;
  const held = data.desk?.held;
  const deskPanel = data.desk
    ? `<section class="card desk" data-testid="desk" data-held="${held ? (held.here ? 'here' : 'elsewhere') : ''}">
  <div class="row-actions">
    <label class="staff">${t(ctx, 'admin.desk.your_name')}<input id="staff-name" maxlength="80" data-testid="staff-name"></label>
    ${held ? `<span class="flag" data-testid="held-by">${t(ctx, 'admin.desk.held_by', { name: held.by })}</span><button type="button" data-desk="handback" data-testid="handback">${t(ctx, 'admin.desk.hand_back')}</button>` : `<button type="button" class="primary" data-desk="takeover" data-testid="takeover">${t(ctx, 'admin.desk.take_over')}</button>`}
    <button type="button" data-desk="claim" data-testid="claim">${t(ctx, 'admin.desk.claim')}</button>
    <button type="button" data-desk="reviewed" data-testid="mark-reviewed">${t(ctx, 'admin.desk.review_reviewed')}</button>
    <button type="button" data-desk="needs_review" data-testid="mark-needs-review">${t(ctx, 'admin.desk.review_needs_review')}</button>
  </div>
  ${held ? `<form class="reply" data-testid="reply-form"><label>${t(ctx, 'admin.desk.reply')}<textarea name="text" rows="2" maxlength="2000" required data-testid="reply-text"></textarea></label><button type="submit" class="primary" data-testid="reply-send">${t(ctx, 'admin.desk.send')}</button></form>` : `<p class="muted small">${t(ctx, 'admin.desk.take_over_hint')}</p>`}
  <form class="note-form" data-testid="note-form"><label>${t(ctx, 'admin.desk.note')}<input name="text" maxlength="500" data-testid="note-text" placeholder="${t(ctx, 'admin.desk.note_placeholder')}"></label><button type="submit" data-testid="note-save">${t(ctx, 'admin.desk.add_note')}</button></form>
  <div class="row-actions danger"><span class="spacer"></span><button type="button" class="ghost" data-desk="redact" data-confirm="${t(ctx, 'admin.desk.redact_confirm')}" data-testid="redact">${t(ctx, 'admin.desk.redact')}</button><button type="button" class="ghost" data-desk="erase" data-confirm="${t(ctx, 'admin.desk.erase_confirm')}" data-testid="erase">${t(ctx, 'admin.desk.erase')}</button></div>
</section>`
    : '';
  const rows = turns
    .map((turn, i) => {
      const note = notes.get(turn.seq);
      const user =
        turn.action !== undefined
          ? `<div class="msg user click"><span class="who">${t(ctx, 'admin.conversation.user_label')} · ${t(ctx, 'admin.conversation.clicked')}</span><div class="bubble">${h(turn.actionLabel ?? turn.action)}</div></div>`
          : `<div class="msg user"><span class="who">${t(ctx, 'admin.conversation.user_label')}</span>${
              turn.text || !turn.files?.length ? `<div class="bubble" data-testid="user-text">${h(turn.text ?? '')}</div>` : ''
            }${filesBubble(ctx, turn.files)}</div>`;
      const bot = turn.replies
        .map(
          (r) => `<div class="msg bot"><span class="who">${t(ctx, 'admin.conversation.bot_label')} <code class="key">${h(r.key)}</code></span><div class="bubble">${h(r.text)}</div>${
            r.choices?.length ? `<div class="choices">${r.choices.map((c) => `<span class="choice">${h(c.label)}</span>`).join('')}</div>` : ''
          }</div>`,
        )
        .join('');
      // What the person received after the turn: ticket news, staff replies.
      const sent = turn.events
        .filter((e): e is Extract<TranscriptEvent, { type: 'sent' }> => e.type === 'sent')
        .map(
          (e) => `<div class="msg bot sent${e.by ? ' staff' : ''}" data-testid="sent-message"><span class="who">${t(ctx, e.by ? 'admin.desk.staff_label' : 'admin.desk.sent_label')} <code class="key">${h(e.key)}</code></span><div class="bubble">${h(e.text)}</div></div>`,
        )
        .join('');
      const here = turn.seq === reached;
      const mark = here ? ` <a id="reached"></a><span class="flag" data-testid="reached-flag">${t(ctx, 'admin.conversation.reached', { node: nodeLabelIdBeside(ctx, list.node!) })}</span>` : '';
      return `<article class="turn${note ? ' annotated' : ''}${turn.error ? ' failed' : ''}${here ? ' reached' : ''}" id="turn-${turn.seq}" data-testid="turn" data-seq="${turn.seq}"${here ? ' data-reached="1"' : ''}>
  <div class="dialog"><div class="meta">#${turn.seq} · ${h(formatTime(ctx, turn.atMs))}${mark}</div>${user}${bot}${sent}</div>
  <aside class="understanding">${understanding(ctx, turn, note, intentOptions, turns[i - 1])}</aside>
</article>`;
    })
    .join('\n');

  const body = `${backLink(ctx, list, data.back)}
<section class="card convo-head" data-testid="conversation" data-id="${h(s.id)}">
  <div class="title-row"><h1>${t(ctx, 'admin.conversation.heading')} <code>${h(s.id)}</code></h1>${badge(ctx, data.review)}</div>
  <dl class="facts">
    <div><dt>${t(ctx, 'admin.conversation.started')}</dt><dd>${h(formatTime(ctx, s.startedAtMs))}</dd></div>
    <div><dt>${t(ctx, 'admin.conversation.updated')}</dt><dd>${h(formatTime(ctx, s.updatedAtMs))}</dd></div>
    <div><dt>${t(ctx, 'admin.conversation.channel')}</dt><dd>${t(ctx, `admin.channel.${s.channel}`)}</dd></div>
    <div><dt>${t(ctx, 'admin.conversation.user')}</dt><dd>${h(s.userName ? `${s.userName} (${s.userId})` : s.userId)}</dd></div>
    <div><dt>${t(ctx, 'admin.conversation.symptom')}</dt>${headerSymptom(ctx, s, turns)}</div>
    <div><dt>${t(ctx, 'admin.conversation.entities')}</dt><dd>${entities.length ? h(entities.join(' · ')) : '—'}</dd></div>
    <div><dt>${t(ctx, 'admin.conversation.ticket')}</dt><dd>${ticket}${delivery}</dd></div>
    <div><dt>${t(ctx, 'admin.conversation.turns')}</dt><dd>${s.turns}</dd></div>
    <div><dt>${t(ctx, 'admin.desk.model')}</dt><dd data-testid="fact-model">${h(f?.model ?? (s.device ? entityLabel(ctx, 'device', s.device) : '—'))}</dd></div>
    <div><dt>${t(ctx, 'admin.desk.os')}</dt><dd data-testid="fact-os">${h(f?.os ?? osSeen ?? '—')}</dd></div>
    <div><dt>${t(ctx, 'admin.desk.since')}</dt><dd data-testid="fact-since">${h(f?.occurredAt ?? '—')}</dd></div>
    <div><dt>${t(ctx, 'admin.desk.frequency')}</dt><dd data-testid="fact-frequency">${h(f?.frequency ?? '—')}</dd></div>
    <div><dt>${t(ctx, 'admin.desk.assignee')}</dt><dd data-testid="fact-assignee">${h(s.assignee ?? '—')}</dd></div>
    <div><dt>${t(ctx, 'admin.desk.review')}</dt><dd data-testid="fact-review" data-state="${s.staffReview ?? ''}">${s.staffReview ? t(ctx, `admin.desk.review_${s.staffReview}`) : '—'}</dd></div>
  </dl>
  ${(() => {
    const flags = cameBackFlags(ctx, { ...s, ...data.cameBack, review: data.review }, { list, ...(data.back ? { back: data.back } : {}) });
    return flags ? `<div class="flags" data-testid="conversation-came-back">${flags}</div>` : '';
  })()}
  <div class="steps" data-testid="steps-tried"><b>${t(ctx, 'admin.desk.steps_tried')}</b>${
    steps.length
      ? `<ol>${steps.map((x) => `<li data-result="${x.result}">${h(x.step)} → <span class="res-${x.result}">${t(ctx, `ticket.result.${x.result}`)}</span></li>`).join('')}</ol>`
      : ` <span class="muted">${t(ctx, 'admin.desk.steps_none')}</span>`
  }</div>
  ${data.ticket ? `<details class="path" data-testid="ticket-sent"><summary>${t(ctx, 'admin.desk.ticket_sent')}</summary><p><b>${h(data.ticket.ticket.summary)}</b></p><pre class="ticket-body">${h(data.ticket.ticket.body)}</pre></details>` : ''}
  <details class="path"><summary>${t(ctx, 'admin.conversation.path')} (${s.path.length})</summary><ol>${s.path.map((n) => `<li>${h(nodeLabelIdBeside(ctx, n))} <code>${h(n)}</code></li>`).join('')}</ol></details>
  <div class="row-actions">${takeover}</div>
</section>
${deskPanel}
<datalist id="entity-values">${[...new Set(Object.values(ENTITY_VALUES).flat())].map((v) => `<option value="${h(v)}">`).join('')}</datalist>
<div class="turn-head"><span>${t(ctx, 'admin.conversation.col_dialog')}</span><span>${t(ctx, 'admin.conversation.col_understanding')}</span></div>
<section class="turns" data-conversation="${h(s.id)}">${rows}</section>
<div id="toast" class="toast" role="status" aria-live="polite"></div>`;
  return layout(ctx, {
    title: `${tr(ctx, 'admin.conversation.heading')} ${s.id}`,
    section: 'conversations',
    body,
    strings: {
      saved: tr(ctx, 'admin.conversation.annotation_saved'),
      failed: tr(ctx, 'admin.conversation.annotation_failed'),
      sent: tr(ctx, 'admin.desk.sent'),
      undelivered: tr(ctx, 'admin.desk.undelivered'),
    },
  });
}

const RESULTS = ['resolved', 'not_resolved', 'skipped', 'rerouted', 'unknown'] as const;
type Result = (typeof RESULTS)[number];
/**
 * What the person already tried, for the header: the engine's list as the last turn recorded it (the ticket's
 * 実施手順と結果, kept up to date after the ticket too); for turns recorded before that list was kept, the ticket's
 * list, else the step nodes the person answered at with the answer's result (a button or a resolved/not_resolved
 * reading; anything else is "no answer").
 */
function stepsTried(
  ctx: ViewContext,
  turns: TranscriptTurn[],
  fromTicket: Array<{ step: string; result: string }> | undefined,
  slots: KnownSlots,
): Array<{ step: string; result: Result }> {
  const known = (r: string | null | undefined): r is Result => (RESULTS as readonly string[]).includes(r ?? '');
  const recorded = [...turns].reverse().find((x) => x.steps?.length)?.steps;
  if (recorded) return recorded.map((x) => ({ step: nodeLabel(ctx, x.node, slots), result: known(x.result) ? x.result : 'unknown' }));
  if (fromTicket?.length) return fromTicket.map((x) => ({ step: x.step, result: known(x.result) ? x.result : 'unknown' }));
  const byNode = new Map<string, { step: string; result: Result }>();
  for (const turn of turns) {
    const node = ctx.tree?.nodes.get(turn.nodeBefore);
    if (node?.kind !== 'step') continue;
    const answer = turn.action ?? turn.intent;
    byNode.set(turn.nodeBefore, { step: nodeLabel(ctx, turn.nodeBefore, slots), result: known(answer) ? answer : 'unknown' });
  }
  return [...byNode.values()];
}

/**
 * 「← 会話一覧へ」, or 「← 絞り込んだ一覧へ」 back to the list's query when the conversation was opened from a filtered list,
 * or back to the page it was opened from (`back`, parseBack: 「← 改善キューへ」 with the queue's filter, 「← 送信失敗チケットへ」).
 */
function backLink(ctx: ViewContext, list: Record<string, string>, back?: string): string {
  const page = back ? parseBack(back) : undefined;
  if (page) {
    const key = BACK_PAGES[new URL(page, 'http://admin.invalid').pathname]!;
    return `<p><a href="${h(page)}" data-testid="back">${t(ctx, key)}</a></p>`;
  }
  const key = Object.keys(list).some((k) => k !== 'page') ? 'admin.conversation.back_filtered' : 'admin.conversation.back';
  return `<p><a href="${h(href(ctx, '/admin', list))}" data-testid="back">${t(ctx, key)}</a></p>`;
}

/** The first turn that reached `node` (went there), else the first answered there (a conversation starting at it). */
function reachedTurn(turns: TranscriptTurn[], node: string): number | undefined {
  return (turns.find((x) => x.node === node) ?? turns.find((x) => x.nodeBefore === node))?.seq;
}

export function renderNotFound(ctx: ViewContext, list: Record<string, string> = {}, back?: string): string {
  const body = `${backLink(ctx, list, back)}<p class="card empty" data-testid="not-found">${t(ctx, 'admin.conversation.not_found')}</p>`;
  return layout(ctx, { title: tr(ctx, 'admin.api.not_found'), section: 'conversations', body });
}

// ───────────────────────────── analytics ─────────────────────────────

/**
 * Where the conversation's ticket stands in the outbox, beside its number: still waiting for the ticket system (with
 * the failed attempts, the last reason and the next try), given up on (a dead letter: a link to the list), filed again
 * under another number, or discarded. Nothing once delivered: the number (or the ticket system's link) says it.
 */
function ticketDeliveryNote(ctx: ViewContext, r: OutboxRecord): string {
  const flag = (text: string) => ` <span class="flag" data-testid="ticket-delivery" data-state="${h(r.state)}">${text}</span>`;
  switch (r.state) {
    case 'pending':
      return flag(
        r.attempts === 0
          ? t(ctx, 'admin.conversation.ticket_queued')
          : t(ctx, 'admin.conversation.ticket_retrying', {
              attempts: String(r.attempts),
              reason: r.lastError?.status ? `${r.lastError.reason} (${r.lastError.status})` : (r.lastError?.reason ?? '—'),
              next: formatTime(ctx, r.nextAttemptAtMs),
            }),
      );
    case 'dead':
      return flag(`<a href="${href(ctx, '/admin/dead-letters')}">${t(ctx, 'admin.conversation.ticket_dead')}</a>`);
    case 'renumbered':
      return flag(t(ctx, 'admin.conversation.ticket_renumbered', { id: r.renumberedTo ?? '—' }));
    case 'discarded':
      return flag(t(ctx, 'admin.conversation.ticket_discarded'));
    default:
      return '';
  }
}

/**
 * The follow-ups sent after filing (「直った」, details), one line each below the ticket number: what it said and where
 * its delivery stands (added to the ticket, waiting — with the failed attempts — or a dead letter).
 */
function followUpNotes(ctx: ViewContext, records: OutboxRecord[]): string {
  const rows = records.map((r) => {
    const kind = r.followUp ? t(ctx, `admin.conversation.follow_up_kind.${r.followUp.kind}`) : '';
    const state =
      r.state === 'delivered'
        ? t(ctx, 'admin.conversation.follow_up_delivered')
        : r.state === 'dead'
          ? `<a href="${href(ctx, '/admin/dead-letters')}">${t(ctx, 'admin.conversation.ticket_dead')}</a>`
          : r.state === 'pending' && r.attempts > 0
            ? t(ctx, 'admin.conversation.ticket_retrying', {
                attempts: String(r.attempts),
                reason: r.lastError?.status ? `${r.lastError.reason} (${r.lastError.status})` : (r.lastError?.reason ?? '—'),
                next: formatTime(ctx, r.nextAttemptAtMs),
              })
            : r.state === 'discarded'
              ? t(ctx, 'admin.conversation.ticket_discarded')
              : t(ctx, 'admin.conversation.ticket_queued');
    return `<div class="small" data-testid="follow-up" data-id="${h(r.id)}" data-state="${h(r.state)}"><code>${h(r.id)}</code> ${kind} · ${state}</div>`;
  });
  return rows.join('');
}

// ───────────────────────────── dead letters ─────────────────────────────

export function renderDeadLetters(ctx: ViewContext, records: OutboxRecord[] | undefined): string {
  let content: string;
  if (!records) content = `<p class="card empty" data-testid="dead-off">${t(ctx, 'admin.dead.none')}</p>`;
  else if (records.length === 0) content = `<p class="card empty" data-testid="dead-empty">${t(ctx, 'admin.dead.empty')}</p>`;
  else
    content = `<div class="card table-wrap"><table class="list" data-testid="dead-table"><thead><tr><th>${t(ctx, 'admin.dead.id')}</th><th>${t(ctx, 'admin.dead.summary')}</th><th class="num">${t(ctx, 'admin.dead.attempts')}</th><th>${t(ctx, 'admin.dead.error')}</th><th>${t(ctx, 'admin.dead.dead_at')}</th><th></th></tr></thead><tbody>${records
      .map(
        (r) => `<tr data-testid="dead-row" data-id="${h(r.id)}"><td class="nowrap"><code>${h(r.id)}</code><div class="small"><a href="${href(ctx, `/admin/conversations/${encodeURIComponent(r.ticket.conversation)}`, { back: href(ctx, '/admin/dead-letters') })}" data-testid="dead-conversation">${t(ctx, 'admin.dead.conversation')}</a></div></td>
<td>${h(r.ticket.summary)}</td><td class="num">${r.attempts}</td><td class="small">${h(r.lastError ? `${r.lastError.reason}${r.lastError.status ? ` ${r.lastError.status}` : ''}: ${r.lastError.message}` : '')}</td>
<td class="nowrap">${r.deadAtMs ? h(formatTime(ctx, r.deadAtMs)) : ''}</td>
<td class="nowrap"><button type="button" class="primary" data-retry="${h(r.id)}">${t(ctx, 'admin.dead.retry')}</button> <button type="button" data-discard="${h(r.id)}">${t(ctx, 'admin.dead.discard')}</button></td></tr>`,
      )
      .join('')}</tbody></table></div>`;
  const body = `<h1>${t(ctx, 'admin.dead.heading')}</h1><p class="muted">${t(ctx, 'admin.dead.lead')}</p>${content}<div id="toast" class="toast" role="status" aria-live="polite"></div>`;
  return layout(ctx, {
    title: tr(ctx, 'admin.dead.heading'),
    section: 'dead_letters',
    body,
    strings: { saved: tr(ctx, 'admin.dead.retried'), failed: tr(ctx, 'admin.dead.failed'), confirm_discard: tr(ctx, 'admin.dead.confirm_discard') },
  });
}

// ───────────────────────────── improve ─────────────────────────────

/** What corrections.yaml holds now: phrases per file, and the corrections left out with the reason. */
export interface TrainingPreview {
  phrases: number;
  files: number;
  /** `act`: a reply correction (its phrase trains the reply act, not an intent: the reason is worded for the act). */
  skipped: Array<{ conversation: string; seq: number; text: string; reason: string; act?: Act }>;
}

/** Skip reasons that name what the bot read: for a reply correction they name its act (「同じ返答の意味」), not an intent. */
const ACT_WORDED = new Set(['already_trained', 'not_for_training']);

function trainingPreview(ctx: ViewContext, p: TrainingPreview, back: string): string {
  const skipped = p.skipped.length
    ? `<ul data-testid="corrections-skipped">${p.skipped
        .map(
          (x) =>
            `<li data-reason="${h(x.reason)}"><a href="${h(href(ctx, `/admin/conversations/${encodeURIComponent(x.conversation)}`, { back }))}#turn-${x.seq}">${h(clipLabel(x.text, 60))}</a> — ${x.act && ACT_WORDED.has(x.reason) ? t(ctx, `admin.improve.skipped_${x.reason}_act`, { act: actLabel(ctx, x.act) }) : t(ctx, `admin.improve.skipped_${x.reason}`)}</li>`,
        )
        .join('')}</ul>`
    : '';
  return `<p data-testid="corrections-summary" data-phrases="${p.phrases}">${t(ctx, 'admin.improve.training_count', { phrases: p.phrases, files: p.files })}${
    p.skipped.length ? ` ${t(ctx, 'admin.improve.skipped_count', { n: p.skipped.length })}` : ''
  }</p>${skipped}`;
}

/** Under a message answered with 「…ということでしょうか？」: what the person picked, so the row can be trained as that. */
function pickedNote(ctx: ViewContext, p: NonNullable<ImproveItem['picked']>): string {
  const text =
    p.chosen !== 'none'
      ? t(ctx, 'admin.improve.picked', { symptom: intentLabel(ctx, p.chosen) })
      : p.then
        ? t(ctx, 'admin.improve.picked_none_then', { symptom: intentLabel(ctx, p.then) })
        : t(ctx, 'admin.improve.picked_none');
  const intent = p.chosen !== 'none' ? p.chosen : (p.then ?? '');
  return `<div class="small" data-testid="improve-picked" data-intent="${h(intent)}">→ ${text}</div>`;
}

/** A conversation id as a lead reads it beside the channel: its last 8 characters (the whole id in the link's title). */
export const shortId = (id: string) => (id.length > 10 ? `…${id.slice(-8)}` : id);

/**
 * One occurrence of a repeated line (since round 36): the time, the channel and the conversation's short id as the link,
 * then where it was said and the bot's question it answered — twelve 「2026-12-08 00:34」 in a burst told nothing apart.
 */
function occurrenceLink(ctx: ViewContext, x: ImproveGroup['items'][number], link: string): string {
  const node = placeLabel(ctx, x.nodeBefore ?? '', x.askedBack?.before);
  // The question is left out where the place already says it (a question node's own text, the ask-back 「「…」ということでしょうか？」).
  const where = x.question && !node.includes(x.question) ? tr(ctx, 'admin.improve.occurrence_at', { node, question: x.question }) : tr(ctx, 'admin.improve.occurrence_node', { node });
  const channel = x.channel ? ` · ${tr(ctx, `admin.channel.${x.channel}`)}` : '';
  return `<a href="${link}" data-testid="improve-occurrence" title="${h(x.conversation)}">${h(formatTime(ctx, x.atMs))}${h(channel)} · ${h(shortId(x.conversation))}</a> <span class="muted" data-testid="improve-occurrence-where" data-node-before="${h(x.nodeBefore ?? '')}">${h(where)}</span>`;
}

/** Occurrences linked in a repeated line's row before 「ほか n 件」. */
const GROUP_LINKS_MAX = 12;

export function renderImprove(ctx: ViewContext, data: { filter: ImproveFilter; items: ImproveItem[]; groups?: ImproveGroup[]; limited?: { read: number; of: number }; accuracy: AccuracyRow[]; training?: TrainingPreview }): string {
  const { filter } = data;
  // Repeated lines (groupImprove): one row per normalised text, most frequent first — unless the flat list is asked for.
  const grouped = !filter.flat && data.groups !== undefined;
  // What the page's links carry (the period too: `days` when no dates are given — it was lost on the toggle and the form).
  const days: Record<string, string> = filter.from || filter.to ? {} : { days: String(filter.days) };
  const keep: Record<string, string> = {
    below: String(filter.below),
    ...days,
    ...(filter.node !== undefined ? { node: filter.node } : {}),
    ...(filter.from ? { from: filter.from } : {}),
    ...(filter.to ? { to: filter.to } : {}),
  };
  // The period a lead reads — and a bulk label covers (since round 35): the last N days, or the days conversations started.
  const dayChoices = [...new Set([7, 14, 30, 90, 180, 365, filter.days])].sort((a, b) => a - b);
  const period = `<label>${t(ctx, 'admin.improve.days')}<select name="days" data-testid="improve-days">${dayChoices.map((n) => `<option value="${n}"${n === filter.days ? ' selected' : ''}>${h(tr(ctx, 'admin.improve.days_n', { n }))}</option>`).join('')}</select></label>
  <label>${t(ctx, 'admin.filter.from')}<input type="date" name="from" value="${h(filter.from ?? '')}" data-testid="improve-from"></label>
  <label>${t(ctx, 'admin.filter.to')}<input type="date" name="to" value="${h(filter.to ?? '')}" data-testid="improve-to"></label>`;
  const reasonQuery = filter.reasons.length === 4 ? '' : filter.reasons.map((r) => `&reason=${r}`).join('');
  const toggle = `<a href="${href(ctx, '/admin/improve', grouped ? { ...keep, group: '0' } : keep)}${h(reasonQuery)}" data-testid="improve-group-toggle">${t(ctx, grouped ? 'admin.improve.show_each' : 'admin.improve.show_grouped')}</a>`;
  const reasons = ['low_confidence', 'fallback', 'clarification', 'flagged'] as const;
  const form = `<form class="card range" method="get" action="/admin/improve" data-testid="improve-form">
  ${ctx.locale !== ctx.defaultLocale ? `<input type="hidden" name="lang" value="${ctx.locale}">` : ''}
  <label>${t(ctx, 'admin.improve.below')}<input type="number" name="below" min="0" max="1" step="0.05" value="${filter.below}" data-testid="improve-below"></label>
  ${reasons.map((r) => `<label class="check"><input type="checkbox" name="reason" value="${r}"${filter.reasons.includes(r) ? ' checked' : ''} data-testid="improve-${r}"> ${t(ctx, `admin.improve.reason_${r}`)}</label>`).join('')}
  ${period}
  <button type="submit" class="primary">${t(ctx, 'admin.filter.submit')}</button>
  ${
    filter.node !== undefined
      ? `<input type="hidden" name="node" value="${h(filter.node)}"><span class="flag" data-testid="chip-node">${t(ctx, 'admin.improve.node_filter')}: ${h(nodeLabelIdBeside(ctx, filter.node === START_NODE ? '' : filter.node))}${filter.node === START_NODE ? '' : ` (${h(filter.node)})`}</span> <a href="${href(ctx, '/admin/improve', without(keep, 'node'))}${h(reasonQuery)}" data-testid="clear-filter">${t(ctx, 'admin.list.clear_filter')}</a>`
      : ''
  }
  ${
    filter.from || filter.to
      ? `<span class="flag" data-testid="chip-range">${t(ctx, 'admin.improve.range_filter', { from: filter.from ?? '…', to: filter.to ?? '…' })}</span> <a href="${href(ctx, '/admin/improve', { ...without(keep, 'from', 'to'), days: String(filter.days) })}${h(reasonQuery)}" data-testid="clear-range">${t(ctx, 'admin.list.clear_filter')}</a>`
      : ''
  }
  ${filter.flat ? '<input type="hidden" name="group" value="0">' : ''}
  <span class="spacer"></span>
  ${toggle}
  <a href="/admin/api/corrections" download="corrections.yaml" data-testid="corrections-download">${t(ctx, 'admin.improve.download')}</a>
</form>`;
  // This queue as a URL (its filter, the view): a conversation opened from it links back here (since round 37 — the
  // conversation page's 「←」 went to the whole conversation list, the queue's filter lost).
  const self = `${href(ctx, '/admin/improve', filter.flat ? { ...keep, group: '0' } : keep)}${reasonQuery}`;
  const turnLink = (x: { conversation: string; seq: number }) => `${h(href(ctx, `/admin/conversations/${encodeURIComponent(x.conversation)}`, { back: self }))}#turn-${x.seq}`;
  // Where a line was said opens the queue at that node, the rest of the filter kept (round 36's walk: a lead who saw 「うーん」
  // not understood at a step had no way from the row to the other messages there — only the analytics' count led there).
  const atNode = (i: ImproveItem) => {
    const place = h(placeLabel(ctx, i.nodeBefore, i.askedBack?.before));
    const node = i.nodeBefore || START_NODE;
    if (filter.node === node) return place;
    return `<a href="${href(ctx, '/admin/improve', { ...keep, node })}${h(reasonQuery)}" data-testid="improve-node-filter" title="${h(tr(ctx, 'admin.improve.node_filter_open'))}">${place}</a>`;
  };
  const row = (i: ImproveItem, g?: ImproveGroup) => {
    // A repeated line: how often, in how many conversations, and a link to each occurrence (with what the person picked).
    const occurrences = g && g.count > 1
      ? `<div class="small occ" data-testid="improve-occurrences">${g.items
          .slice(0, GROUP_LINKS_MAX)
          .map((x) => `<div class="occ-item">${occurrenceLink(ctx, x, turnLink(x))}${x.picked ? pickedNote(ctx, x.picked) : ''}</div>`)
          .join('')}${g.count > GROUP_LINKS_MAX ? ` ${t(ctx, 'admin.improve.more', { n: g.count - GROUP_LINKS_MAX })}` : ''}</div>`
      : i.picked ? pickedNote(ctx, i.picked) : '';
    const reasons = g?.reasons ?? i.reasons;
    const corrected = g ? g.corrected : i.corrected ? 1 : 0;
    const bulk = g && g.count > 1 && i.text !== undefined ? bulkForm(ctx, i, g, filter) : '';
    const countCell = grouped ? `<td class="num" data-testid="improve-count">${g && g.count > 1 ? `<b>${t(ctx, 'admin.improve.times', { n: g.count })}</b><div class="small muted">${t(ctx, 'admin.improve.in_conversations', { n: g.conversations })}</div>` : '1'}</td>` : '';
    return `<tr data-testid="improve-row" data-reasons="${reasons.join(' ')}"${g ? ` data-count="${g.count}"` : ''}><td class="nowrap"><a href="${turnLink(i)}">${h(formatTime(ctx, i.atMs))}</a></td>
<td class="preview" data-testid="improve-text">${i.text !== undefined ? h(i.text) : i.action !== undefined ? `<span class="muted small">${t(ctx, 'admin.conversation.clicked')}</span> ${h(i.actionLabel ?? i.action)}` : ''}${occurrences}${bulk}</td>${countCell}<td data-testid="improve-reading"${i.act ? ` data-act="${h(i.act)}"` : ''}>${i.act ? `${h(actLabel(ctx, i.act))} <span class="muted small">(${h(t(ctx, 'admin.conversation.reading'))})</span>` : i.intent ? h(intentLabel(ctx, i.intent)) : '—'}</td><td class="num">${i.confidence !== undefined ? i.confidence.toFixed(2) : ''}</td>
<td class="small node" data-testid="improve-node" data-node-before="${h(i.nodeBefore)}" data-node="${h(i.node)}">${atNode(i)} → <b>${h(placeLabel(ctx, i.node, i.askedBack?.after))}</b></td><td>${reasons.map((r) => `<span class="flag">${t(ctx, `admin.improve.reason_${r}`)}</span>`).join(' ')}${corrected ? ` <span class="flag note">${g && g.count > 1 ? t(ctx, 'admin.improve.corrected_n_of', { n: corrected }) : t(ctx, 'admin.improve.corrected')}</span>` : ''}</td></tr>`;
  };
  const rows = grouped ? (data.groups ?? []).map((g) => row(g.latest, g)).join('') : data.items.map((i) => row(i)).join('');
  const table = data.items.length
    ? `<div class="card table-wrap"><table class="list"><thead><tr><th>${t(ctx, 'admin.improve.at')}</th><th>${t(ctx, 'admin.improve.message')}</th>${grouped ? `<th class="num">${t(ctx, 'admin.improve.count')}</th>` : ''}<th>${t(ctx, 'admin.conversation.intent')}</th><th class="num">${t(ctx, 'admin.conversation.confidence')}</th><th>${t(ctx, 'admin.improve.node')}</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="card empty" data-testid="improve-empty">${t(ctx, 'admin.list.empty')}</p>`;
  // The queue reads the newest conversations only: say so, rather than show fewer rows than the count that linked here.
  const limited = data.limited ? `<p class="muted small" data-testid="improve-limited">${t(ctx, 'admin.improve.limited', { read: data.limited.read, of: data.limited.of })}</p>` : '';
  const acc = data.accuracy.length
    ? `<div class="card table-wrap" data-testid="accuracy"><table class="list"><thead><tr><th>${t(ctx, 'admin.improve.week')}</th><th class="num">${t(ctx, 'admin.improve.corrected_n')}</th><th class="num">${t(ctx, 'admin.improve.then')}</th><th class="num">${t(ctx, 'admin.improve.now')}</th></tr></thead><tbody>${data.accuracy
        .map((r) => `<tr data-testid="accuracy-row"><td>${h(r.week)}</td><td class="num">${r.corrected}</td><td class="num">${pct(r.then)}</td><td class="num">${pct(r.now)}</td></tr>`)
        .join('')}</tbody></table></div>`
    : `<p class="muted">${t(ctx, 'admin.improve.no_corrections')}</p>`;
  const body = `<h1>${t(ctx, 'admin.improve.heading')}</h1><p class="muted">${t(ctx, 'admin.improve.lead')}</p>${form}${data.training ? trainingPreview(ctx, data.training, self) : ''}${limited}${table}<h2>${t(ctx, 'admin.improve.accuracy')}</h2><p class="muted small">${t(ctx, 'admin.improve.accuracy_note')}</p>${acc}`;
  return layout(ctx, {
    title: tr(ctx, 'admin.improve.heading'),
    section: 'improve',
    body,
    strings: {
      failed: tr(ctx, 'admin.dead.failed'),
      bulk_confirm: tr(ctx, 'admin.improve.bulk_confirm', { n: '{n}', c: '{c}', k: '{k}' }),
      bulk_done: tr(ctx, 'admin.improve.bulk_done', { n: '{n}', c: '{c}' }),
      bulk_skipped: tr(ctx, 'admin.improve.bulk_skipped', { n: '{n}' }),
      bulk_undo: tr(ctx, 'admin.improve.bulk_undo'),
      bulk_undone: tr(ctx, 'admin.improve.bulk_undone', { n: '{n}' }),
    },
  });
}

/**
 * A repeated line labelled in one action (since round 34): every occurrence gets the same correction (POST
 * /admin/api/annotations/bulk — the single form's mechanism per turn), after a confirmation naming the count; the answer
 * offers 元に戻す / Undo (DELETE …/bulk) for the turns it labelled. Since round 35 "every occurrence" is every one the
 * page's filter lists in its whole period (`line` + `filter`, counted first with `dryRun` for the confirmation), not only
 * those the queue read (≤ 200 items, ≤ 300 conversations); `data-items` (the group's own) stays for scripts.
 */
function bulkForm(ctx: ViewContext, i: ImproveItem, g: ImproveGroup, filter: ImproveFilter): string {
  const items = g.items.map((x) => ({ conversation: x.conversation, turn: x.seq }));
  const line = { conversation: i.conversation, turn: i.seq };
  const query = {
    below: String(filter.below),
    reason: filter.reasons,
    ...(filter.from || filter.to ? {} : { days: String(filter.days) }),
    ...(filter.node !== undefined ? { node: filter.node } : {}),
    ...(filter.from ? { from: filter.from } : {}),
    ...(filter.to ? { to: filter.to } : {}),
  };
  const pick = i.picked && i.picked.chosen !== 'none' ? i.picked.chosen : i.picked?.then ?? i.intent ?? '';
  const intents = `<option value=""></option>${INTENTS.map((x) => `<option value="${x}"${x === pick ? ' selected' : ''}>${h(intentLabel(ctx, x))} (${x})</option>`).join('')}`;
  const acts = i.reply
    ? `<label>${t(ctx, 'admin.improve.bulk_reply_act')}<select name="reply_act" data-testid="bulk-reply-act"><option value=""></option>${ACTS.map((a) => `<option value="${a}"${i.act === a ? ' selected' : ''}>${h(actLabel(ctx, a))} (${a})</option>`).join('')}</select></label>`
    : '';
  return `<details class="bulk small" data-testid="bulk"><summary data-testid="bulk-open">${t(ctx, 'admin.improve.bulk_open', { n: g.count })}</summary>
<form class="bulk-form" data-items="${h(JSON.stringify(items))}" data-line="${h(JSON.stringify(line))}" data-filter="${h(JSON.stringify(query))}" data-count="${g.count}" data-testid="bulk-form">
  <label>${t(ctx, 'admin.improve.bulk_intent')}<select name="intent" data-testid="bulk-intent">${intents}</select></label>
  ${acts}
  <label class="check"><input type="checkbox" name="train" value="1" data-testid="bulk-train"> ${t(ctx, 'admin.improve.add_phrase')}</label>
  <button type="submit" class="primary" data-testid="bulk-save">${t(ctx, 'admin.improve.bulk_save', { n: g.count })}</button>
  <p class="bulk-result" role="status" data-testid="bulk-result"></p>
</form></details>`;
}

// ───────────────────────────── CSS + script ─────────────────────────────

const CSS = `
:root{--bg:#f4f6f9;--card:#fff;--ink:#1d2733;--muted:#6a7686;--line:#e2e7ee;--brand:#1f5fae;--brand-ink:#fff;--good:#2e7d4f;--warn:#e08a00;--bad:#c8413a;--note:#7b4fc9}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.55 system-ui,-apple-system,"Hiragino Sans","Noto Sans CJK JP","Yu Gothic UI",Meiryo,sans-serif}
a{color:var(--brand);text-decoration:none}a:hover{text-decoration:underline}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef2f7;border-radius:4px;padding:1px 5px;color:#334}
.top{display:flex;align-items:center;gap:20px;padding:10px 24px;background:#14365f;color:#fff;position:sticky;top:0;z-index:5;box-shadow:0 1px 4px rgba(0,0,0,.15)}
.brand{display:flex;gap:10px;align-items:center;color:#fff}.brand:hover{text-decoration:none}
.brand b{display:block;font-size:16px}.brand small{display:block;opacity:.75;font-size:11px;margin-top:-3px}
.logo{display:grid;place-items:center;width:32px;height:32px;border-radius:8px;background:#fff;color:#14365f;font-size:18px}
.nav{display:flex;gap:4px;flex:1}.nav a{color:#dbe6f5;padding:7px 12px;border-radius:6px}.nav a:hover{background:rgba(255,255,255,.1);text-decoration:none}
.nav a.on{background:#fff;color:#14365f;font-weight:600}
.tools{display:flex;gap:12px;align-items:center;margin-left:auto}.tools a,.tools .link{color:#dbe6f5}.tools form{margin:0}
.main{max-width:1240px;margin:0 auto;padding:20px 24px 60px}.main:focus,#results:focus{outline:none}
.skip-links{position:absolute;left:8px;top:8px;z-index:10;display:flex;gap:8px}
.skip{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden;background:#fff;color:#14365f;font-weight:600;padding:8px 14px;border-radius:7px;outline:2px solid #8fb4e6}
.skip:focus{position:static;width:auto;height:auto;overflow:visible}
h1{font-size:22px;margin:6px 0 14px}h2{font-size:16px;margin:0 0 10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;margin-bottom:16px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.muted{color:var(--muted)}.small{font-size:12px}.nowrap{white-space:nowrap}.num{text-align:right}
button{font:inherit;border:1px solid #c5cfdb;background:#fff;border-radius:7px;padding:7px 14px;cursor:pointer;color:var(--ink)}
button:hover{background:#f0f4f9}button:disabled{opacity:.45;cursor:default}
button.primary{background:var(--brand);border-color:var(--brand);color:var(--brand-ink)}button.primary:hover{background:#184d8f}
button.ghost{border-color:transparent;color:var(--brand)}button.link{border:0;background:none;padding:0;color:var(--brand)}
input,select{font:inherit;border:1px solid #c5cfdb;border-radius:7px;padding:6px 9px;background:#fff;color:var(--ink);width:100%;margin-top:3px}
input:focus,select:focus,button:focus-visible{outline:2px solid #8fb4e6;outline-offset:1px}
label{display:block;font-size:12px;color:var(--muted);font-weight:600}
.filters .grid{display:grid;grid-template-columns:repeat(6,minmax(0,1fr));gap:10px 12px}
.filters .wide{grid-column:span 3}.filters .check{display:flex;align-items:center;gap:6px;grid-column:span 2;padding-top:18px}.filters .check input{width:auto;margin:0}
.row-actions{display:flex;gap:8px;align-items:center;margin-top:12px;flex-wrap:wrap}.spacer{flex:1}
.results-head{display:flex;align-items:baseline;gap:12px}.count{color:var(--muted)}
.table-wrap{padding:0;overflow:auto}
table.list{border-collapse:collapse;width:100%}
.list th{font-size:12px;text-align:left;color:var(--muted);font-weight:600;padding:9px 12px;border-bottom:1px solid var(--line);background:#fafbfd;position:sticky;top:0}
.list td{padding:9px 12px;border-bottom:1px solid var(--line);vertical-align:top}
.list tbody tr:hover{background:#f6f9fe}.list tbody tr:last-child td{border-bottom:0}
.preview{max-width:360px;color:#334}.preview a{color:inherit}.tried{margin-top:3px;color:#556}.occ{margin-top:3px}.occ a{color:var(--brand)}.occ-item{margin-top:2px}
.bulk{margin-top:6px}.bulk summary{cursor:pointer;color:var(--brand)}.bulk-form{display:grid;gap:6px;max-width:340px;margin-top:6px}.bulk-form .check{display:flex;gap:6px;align-items:center}.bulk-form .check input{width:auto;margin:0}
.badge{display:inline-block;font-size:12px;font-weight:600;border-radius:999px;padding:1px 9px;white-space:nowrap}
.st-active{background:#e3edfb;color:#2a5ea8}.st-resolved{background:#e2f3e8;color:#23683f}.st-escalated{background:#fdf0db;color:#9a5b00}
.st-ended{background:#eceff3;color:#55606d}.st-abandoned{background:#fbe5e3;color:#a3322b}
.flags{margin-top:4px;display:flex;gap:5px;flex-wrap:wrap}
.flag{font-size:11px;border-radius:5px;padding:0 6px;background:#eef2f7;color:#445}.flag.note{background:#efe7fb;color:var(--note)}.flag.err{background:#fbe5e3;color:var(--bad)}.flag.past{background:transparent;border:1px solid #d5dbe3;color:#667}
.pager{display:flex;gap:12px;justify-content:center;align-items:center;margin:10px 0}
.empty{color:var(--muted);text-align:center;padding:28px}
.login{max-width:420px;margin:60px auto}.login form{display:grid;gap:10px;margin-top:12px}
.alert{background:#fbe5e3;color:#8d2a24;border-radius:7px;padding:8px 12px}
.convo-head .title-row{display:flex;align-items:center;gap:12px}.convo-head h1{margin:0;font-size:19px}
.facts{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:10px 16px;margin:14px 0 8px}
.facts dt{font-size:12px;color:var(--muted);font-weight:600}.facts dd{margin:0}
.path summary{cursor:pointer;color:var(--muted);font-size:12px}.path ol{margin:6px 0;padding-left:22px;columns:2;font-size:12px}
.inline{display:flex;gap:8px;align-items:center}.inline input{width:200px;margin:0}
.turn-head{display:grid;grid-template-columns:minmax(0,1.6fr) minmax(0,1fr);gap:16px;font-size:12px;color:var(--muted);font-weight:700;padding:0 4px 6px;text-transform:uppercase;letter-spacing:.03em}
.turn{display:grid;grid-template-columns:minmax(0,1.6fr) minmax(0,1fr);gap:16px;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px;margin-bottom:10px}
.turn.annotated{border-color:#c7b1ef;box-shadow:inset 4px 0 0 var(--note)}.turn.reached{border-color:var(--brand);box-shadow:0 0 0 2px var(--brand)}.turn{scroll-margin-top:72px}#reached{scroll-margin-top:90px}.turn.failed{box-shadow:inset 4px 0 0 var(--bad)}
.meta{font-size:11px;color:var(--muted);margin-bottom:4px}
.msg{margin:6px 0}.who{display:block;font-size:11px;color:var(--muted);margin-bottom:2px}.key{font-size:10px;padding:0 4px}
.bubble{white-space:pre-wrap;word-break:break-word;border-radius:10px;padding:8px 11px;display:inline-block;max-width:100%}
.msg.user .bubble{background:#1f5fae;color:#fff}.msg.user.click .bubble{background:#e3edfb;color:#1f4f91;border:1px dashed #8fb4e6}
.msg.bot .bubble{background:#f1f3f6}
.choices{display:flex;gap:5px;flex-wrap:wrap;margin-top:5px}.choice{font-size:12px;border:1px solid #c5cfdb;border-radius:999px;padding:1px 9px;color:#445;background:#fff}
.understanding{border-left:1px solid var(--line);padding-left:14px;font-size:13px}
.kv{display:flex;gap:8px;margin:3px 0}.kv .k{color:var(--muted);font-size:12px;min-width:74px}.kv .v{flex:1}
.conf svg{vertical-align:middle}.conf .track{fill:#e6ebf1}.conf .fill{fill:var(--good)}.conf.low .fill{fill:var(--bad)}
.chips{display:flex;gap:5px;flex-wrap:wrap;margin:5px 0}.chip{font-size:12px;background:#e8f1ec;color:#23583a;border-radius:5px;padding:0 7px}
.node{color:#334}.event{font-size:12px;margin:4px 0;padding:3px 8px;border-radius:6px;background:#f3f5f8}.event.ticket{background:#fdf0db;color:#7a4a00}.event.err{background:#fbe5e3;color:var(--bad)}
.mark{margin-top:8px;font-size:12px;padding:4px 10px;color:var(--note);border-color:#d6c6f3}
.annotate[hidden]{display:none}.annotate{margin-top:8px;display:grid;gap:8px;background:#f8f5fe;border-radius:8px;padding:10px}
.annotation{margin-top:8px;background:#f3edfd;color:#4a2d84;border-radius:8px;padding:8px 10px}
.toast{position:fixed;bottom:20px;left:50%;transform:translateX(-50%);background:#14365f;color:#fff;padding:8px 16px;border-radius:8px;opacity:0;transition:opacity .2s;pointer-events:none}.toast.show{opacity:1}
.range{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end}.range label{width:180px}
.kpis{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:10px;margin-bottom:6px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px}.kpi .kv-label{display:block;font-size:12px;color:var(--muted);min-height:2.6em}.kpi b{font-size:24px}
.kpi.good b{color:var(--good)}.kpi.warn b{color:var(--warn)}.kpi.bad b{color:var(--bad)}
.chart-card h2{margin-bottom:4px}.chart{display:block;margin:8px 0;overflow:visible}
.chart .grid{stroke:#e6ebf1}.chart .axis{font-size:11px;fill:#6a7686}.chart .hit{fill:transparent}.chart .col:hover .hit,.chart .row:hover .hit{fill:#f2f6fc}
.chart .rl{font-size:12.5px;fill:#1d2733}.chart .rs{font-size:10px;fill:#8a96a3;font-family:ui-monospace,Menlo,monospace}.chart .rv{font-size:12px;fill:#445;font-weight:600}.chart .in{font-size:12px;fill:#fff;font-weight:600}
.legend{display:flex;gap:14px;list-style:none;padding:0;margin:4px 0 0;font-size:12px;color:#445;flex-wrap:wrap}.legend li{display:flex;align-items:center;gap:5px}
details.all{margin-top:10px}details.all summary{cursor:pointer;color:var(--brand)}
@media (max-width:900px){.filters .grid{grid-template-columns:repeat(2,minmax(0,1fr))}.filters .wide{grid-column:span 2}.turn,.turn-head{grid-template-columns:1fr}.understanding{border-left:0;padding-left:0;border-top:1px solid var(--line);padding-top:8px}.facts{grid-template-columns:repeat(2,1fr)}.kpis{grid-template-columns:repeat(2,1fr)}.top{flex-wrap:wrap;gap:8px;padding:8px 12px}.nav{order:3;flex-basis:100%;overflow-x:auto;flex-wrap:nowrap}.nav a{white-space:nowrap}.main{padding:12px 10px 40px}table.list{min-width:760px}}
.desk textarea{font:inherit;width:100%;border:1px solid #c5cfdb;border-radius:7px;padding:6px 9px;margin-top:3px}.desk form{display:grid;gap:8px;margin-top:10px}.desk .staff{width:200px}
.msg.sent .bubble{background:#fdf0db}.msg.sent.staff .bubble{background:#e2f3e8}.event.note{background:#efe7fb;color:var(--note)}
.inline2{display:grid;grid-template-columns:1fr 1fr;gap:8px}.check{display:flex;gap:6px;align-items:center;font-weight:400}.check input{width:auto;margin:0}.ticket-body{white-space:pre-wrap;font-size:12px;background:#f6f8fb;padding:8px;border-radius:6px}
.danger{margin-top:8px}
.steps{margin:4px 0 8px;font-size:13px}.steps ol{margin:4px 0;padding-left:22px}.res-not_resolved{color:var(--bad)}.res-resolved{color:var(--good)}.res-unknown,.res-skipped{color:var(--muted)}
`;

/**
 * The page script: list filtering and paging over POST (so search text never enters a URL, history or logs),
 * annotations, take-over and dead-letter actions over the JSON API with the session cookie.
 */
const SCRIPT = `(() => {
  const $ = (s, r = document) => r.querySelector(s);
  const strings = JSON.parse(($('#strings') || {}).textContent || '{}');
  const lang = new URLSearchParams(location.search).get('lang');
  const api = (path) => path + (lang ? (path.includes('?') ? '&' : '?') + 'lang=' + encodeURIComponent(lang) : '');
  const staff = () => (localStorage.getItem('mailmedic.admin.staff') || '').trim();
  const toast = (msg) => { const t = $('#toast'); if (!t) return; t.textContent = msg; t.classList.add('show'); setTimeout(() => t.classList.remove('show'), 1800); };
  const send = async (method, path, body) => {
    const res = await fetch(api(path), { method, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    if (res.status === 401) { location.reload(); throw new Error('unauthorized'); }
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.error || String(res.status));
    return json;
  };

  const form = $('#filters');
  if (form) {
    const results = $('#results');
    const KEY = 'mailmedic.admin.filters';
    const values = () => {
      const fd = new FormData(form);
      // The analytics' chips (outcome, symptom, node) ride along as hidden inputs: a search or a page turn keeps them.
      return { from: fd.get('from') || '', to: fd.get('to') || '', status: fd.get('status') || '', intent: fd.get('intent') || '', carrier: fd.get('carrier') || '', device: fd.get('device') || '', channel: fd.get('channel') || '', holder: fd.get('holder') || '', again: fd.get('again') || '', text: fd.get('text') || '', annotated: fd.get('annotated') === '1', outcome: fd.get('outcome') || '', symptom: fd.get('symptom') || '', node: fd.get('node') || '', funnel: fd.get('funnel') || '' };
    };
    const fill = (v) => { for (const k of ['from', 'to', 'status', 'intent', 'carrier', 'device', 'channel', 'holder', 'again', 'text', 'outcome', 'symptom', 'node', 'funnel']) if (form.elements[k]) form.elements[k].value = v[k] || ''; form.elements.annotated.checked = !!v.annotated; };
    const search = async (page) => {
      const v = values();
      sessionStorage.setItem(KEY, JSON.stringify({ ...v, page }));
      results.setAttribute('aria-busy', 'true');
      try {
        const json = await send('POST', '/admin/api/conversations/search', { ...v, page });
        results.innerHTML = json.html;
        results.dataset.filtered = '1';
      } finally { results.removeAttribute('aria-busy'); }
    };
    form.addEventListener('submit', (e) => {
      const by = e.submitter;
      if (by && by.dataset.export) return; // downloads go through the form POST
      e.preventDefault();
      search(by && by.dataset.page ? Number(by.dataset.page) : 1).catch(() => {});
    });
    $('#f-reset').addEventListener('click', () => { sessionStorage.removeItem(KEY); fill({}); const chips = $('[data-testid=analytics-filters]'); if (chips) chips.remove(); search(1).catch(() => {}); });
    // Coming back to the list (browser back) restores the last filters without putting them in the URL; so does the
    // conversation's 「← 絞り込んだ一覧へ」, whose URL holds the same list but its free text (never in a URL).
    const saved = sessionStorage.getItem(KEY);
    const here = new URLSearchParams(location.search);
    const sameList = (v) => v.text && ['from', 'to', 'status', 'intent', 'carrier', 'device', 'channel', 'holder', 'again', 'outcome', 'symptom', 'node', 'funnel'].every((k) => (v[k] || '') === (here.get(k) || '')) && !!v.annotated === (here.get('annotated') === '1') && String(v.page || 1) === (here.get('page') || '1');
    if (saved) {
      try { const v = JSON.parse(saved); if ((results.dataset.filtered !== '1' && !here.has('intent')) || sameList(v)) { fill(v); search(v.page || 1).catch(() => {}); } } catch { sessionStorage.removeItem(KEY); }
    }
  }

  const turns = $('.turns');
  if (turns) {
    const id = turns.dataset.conversation;
    turns.addEventListener('click', async (e) => {
      const el = e.target.closest('button');
      if (!el) return;
      if (el.dataset.mark) { const f = el.nextElementSibling; f.hidden = false; el.hidden = true; f.querySelector('select').focus(); }
      else if (el.dataset.cancel) { const f = el.closest('form'); f.hidden = true; f.previousElementSibling.hidden = false; }
      else if (el.dataset.unannotate) {
        try { await send('DELETE', '/admin/api/annotations', { conversation: id, turn: Number(el.dataset.unannotate) }); location.reload(); } catch { toast(strings.failed); }
      }
    });
    turns.addEventListener('submit', async (e) => {
      const f = e.target.closest('form.annotate');
      if (!f) return;
      e.preventDefault();
      const fd = new FormData(f);
      const body = { conversation: id, turn: Number(f.dataset.seq), note: fd.get('note') || undefined, by: staff() || undefined };
      if (fd.get('intent')) body.intent = fd.get('intent');
      if (fd.get('reply_act')) body.replyAct = fd.get('reply_act');
      if (fd.get('entity')) body.entities = { [fd.get('entity')]: String(fd.get('entity_value') || '') };
      if (fd.get('flag')) body.flag = { node: String(fd.get('node') || ''), note: fd.get('note') || undefined };
      if (fd.get('train')) body.train = true;
      try {
        await send('POST', '/admin/api/annotations', body);
        sessionStorage.setItem('mailmedic.admin.toast', strings.saved);
        location.reload();
      } catch { toast(strings.failed); }
    });
  }

  const deskEl = $('.desk');
  if (deskEl) {
    const id = $('.convo-head').dataset.id;
    const name = $('#staff-name');
    name.value = localStorage.getItem('mailmedic.admin.staff') || '';
    name.addEventListener('change', () => localStorage.setItem('mailmedic.admin.staff', name.value.trim()));
    const base = '/admin/api/conversations/' + encodeURIComponent(id) + '/';
    const done = (json) => { sessionStorage.setItem('mailmedic.admin.toast', json && json.delivered === false ? strings.undelivered : strings.saved); location.reload(); };
    deskEl.addEventListener('click', async (e) => {
      const el = e.target.closest('button[data-desk]');
      if (!el) return;
      const a = el.dataset.desk;
      if (el.dataset.confirm && !confirm(el.dataset.confirm)) return;
      try {
        if (a === 'takeover' || a === 'handback') done(await send('POST', base + a, { by: staff() || undefined }));
        else if (a === 'claim') done(await send('POST', base + 'assign', { to: staff() || undefined }));
        else if (a === 'reviewed' || a === 'needs_review') done(await send('POST', base + 'review', { state: a, by: staff() || undefined }));
        else if (a === 'redact') done(await send('POST', base + 'redact'));
        else if (a === 'erase') { await send('POST', base + 'erase'); location.href = '/admin'; }
      } catch { toast(strings.failed); }
    });
    deskEl.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = e.target;
      const text = String(new FormData(f).get('text') || '').trim();
      if (!text) return;
      try {
        if (f.classList.contains('reply')) done(await send('POST', base + 'reply', { text, by: staff() || undefined }));
        else done(await send('POST', base + 'notes', { text, by: staff() || undefined }));
      } catch { toast(strings.failed); }
    });
  }

  document.addEventListener('click', async (e) => {
    const el = e.target.closest('button[data-retry],button[data-discard]');
    if (!el) return;
    if (el.dataset.discard && !confirm(strings.confirm_discard)) return;
    const [action, rid] = el.dataset.retry ? ['retry', el.dataset.retry] : ['discard', el.dataset.discard];
    try { await send('POST', '/admin/api/dead-letters/' + encodeURIComponent(rid) + '/' + action); location.reload(); } catch { toast(strings.failed); }
  });

  // /admin/improve: one label for every occurrence of a repeated line, confirmed with the count, undoable.
  document.addEventListener('submit', async (e) => {
    const f = e.target.closest('form.bulk-form');
    if (!f) return;
    e.preventDefault();
    const fd = new FormData(f);
    const body = { line: JSON.parse(f.dataset.line), filter: JSON.parse(f.dataset.filter), by: staff() || undefined };
    if (fd.get('train')) body.train = true;
    if (fd.get('intent')) body.intent = fd.get('intent');
    if (fd.get('reply_act')) body.replyAct = fd.get('reply_act');
    const out = f.querySelector('.bulk-result');
    // Every occurrence in the page's period and filter, counted first: the confirmation names how many, in how many conversations.
    let scope;
    try { scope = await send('POST', '/admin/api/annotations/bulk', { ...body, dryRun: true }); } catch { toast(strings.failed); return; }
    const fill = (s, v) => s.replace('{n}', v.n).replace('{c}', v.c).replace('{k}', v.k);
    if (!confirm(fill(strings.bulk_confirm, { n: scope.occurrences, c: scope.conversations, k: scope.corrected }))) return;
    try {
      const json = await send('POST', '/admin/api/annotations/bulk', body);
      out.textContent = fill(strings.bulk_done, { n: json.annotated, c: new Set(json.items.map((i) => i.conversation)).size }) + (json.skipped ? ' ' + strings.bulk_skipped.replace('{n}', json.skipped) : '');
      f.querySelector('[data-testid=bulk-save]').disabled = true;
      if (json.items.length) {
        const undo = document.createElement('button');
        undo.type = 'button'; undo.className = 'link'; undo.textContent = strings.bulk_undo; undo.dataset.testid = 'bulk-undo';
        undo.addEventListener('click', async () => {
          try {
            const r = await send('DELETE', '/admin/api/annotations/bulk', { items: json.items });
            out.textContent = strings.bulk_undone.replace('{n}', r.removed);
            f.querySelector('[data-testid=bulk-save]').disabled = false;
          } catch { toast(strings.failed); }
        });
        out.append(' ', undo);
      }
    } catch { toast(strings.failed); }
  });

  const pending = sessionStorage.getItem('mailmedic.admin.toast');
  if (pending) { sessionStorage.removeItem('mailmedic.admin.toast'); toast(pending); }
})();`;
