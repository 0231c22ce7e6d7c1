/**
 * `mailmedic transcripts list|show <id>|export` — the review page for people who prefer a terminal.
 * Reads the Redis store at REDIS_URL (or the Cluster/Sentinel settings): memory transcripts live inside the
 * server's process and no other process can read them, which this command says (exit 1) rather than print nothing.
 *
 *   list    [filters] [--page N] [--limit N] [--json]   one conversation a line (or JSON lines)
 *   show    <conversation id> [--json]                  the transcript with what the bot understood
 *   export  [filters] [--format jsonl|csv]              conversations as JSON lines, or CSV (one turn a row)
 *   export  --corrections [--out DIR]                   staff corrections → intents/<locale>/<intent>.yaml
 *   came-back [--from --to --carrier --device --symptom] [--json]   fixed, then came back within CAME_BACK_DAYS: counts
 *           by symptom, fixing step and device (the numbers of /admin/analytics' 「直った」のあと戻ってきた)
 * filters: --from YYYY-MM-DD --to YYYY-MM-DD --status S --intent I --carrier C --device D --channel C --text T --annotated
 *          --outcome O (what it ever reached) --symptom I (the one it ended on, as /admin: analyticsSymptom) --node N (reached)
 *          --holder nobody|staff (no staff member assigned to it or holding it taken over / someone does)
 *          --funnel C (counted in that funnel column: at --node N when given, else anywhere; as /admin?node=…&funnel=…)
 *          --again came_back|asked_twice (fixed, then the person wrote again / answered the same step twice: query.ts againOf)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { loadConfig } from '../../config/index.js';
import { CHANNELS, ENTITY_VALUES, INTENTS, SYMPTOM_INTENTS, type Intent } from '../../core/index.js';
import { addDays, dayEndMs, dayStartMs, localDay, type UtcOffset } from '../../core/time-zone.js';
import { loadDialogs, loadIntents, loadLocales } from '../../data/load.js';
import { createI18n } from '../../i18n/index.js';
import { corrections as correctionsFor, correctionsYaml } from '../../transcripts/corrections.js';
import { actedReading } from '../../transcripts/fallback.js';
import { createLogger, logLevel } from '../../log.js';
import { createStores } from '../../state/stores.js';
import {
  createTranscriptStore,
  csvHeader,
  DEFAULT_ABANDON_AFTER_MS,
  findConversations,
  FUNNEL_COLUMNS,
  handoffNodes,
  HOLDERS,
  AGAINS,
  analyticsSymptom,
  CAME_BACK_DAYS,
  cameBackAcross,
  computeAnalytics,
  type CameBackRow,
  loadConversations,
  paginate,
  OUTCOMES,
  REVIEW_STATUSES,
  reviewStatus,
  toCsvRows,
  localStamp,
  offsetLabel,
  toJsonLine,
  withActionLabels,
  type ConversationFilter,
  type QueryContext,
  type TranscriptStore,
} from '../../transcripts/index.js';
import { reRedactAnnotation, reRedactSummary, reRedactTurn } from '../../transcripts/reredact.js';
import type { TranscriptEvent } from '../../transcripts/types.js';

const USAGE = `usage: mailmedic transcripts <list|show|export> [options]
  list    [filters] [--page N] [--limit N] [--json]
  show    <conversation-id> [--json]
  export  [filters] [--format jsonl|csv]
  export  --corrections [--out DIR]   staff corrections as intents/ YAML (stdout, or DIR/<locale>/<intent>.yaml, merged)
  came-back [--from --to] [--carrier C --device D --symptom I] [--json]
          conversations fixed in the range (default: the last 30 days) and how many came back within CAME_BACK_DAYS,
          by symptom, by the step that fixed it and by device (the numbers /admin/analytics shows)
filters:  --from YYYY-MM-DD --to YYYY-MM-DD --status ${REVIEW_STATUSES.join('|')}
          --intent <intent id> --carrier <carrier> --device ${ENTITY_VALUES.device.join('|')} --channel ${CHANNELS.join('|')} --text <substring> --annotated
          --outcome ${OUTCOMES.join('|')} --symptom <symptom intent> --node <node id> --holder ${HOLDERS.join('|')}
          --funnel ${FUNNEL_COLUMNS.join('|')} (where the funnel counts it; with --node, at that step)
          --again ${AGAINS.join('|')} (fixed, then wrote again — or came back in a new conversation on the same
          symptom within CAME_BACK_DAYS (7) days — / answered the same step twice)
          (hand-offs waiting for a person: --outcome escalated --holder nobody)
Reads the transcripts in Redis (REDIS_URL): the server must run with the same Redis.
Dates are days in TIME_ZONE (default Asia/Tokyo) unless --tz-offset MINUTES is given (e.g. --tz-offset 0 for UTC).
`;

interface Parsed {
  cmd?: string;
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['from', 'to', 'status', 'intent', 'carrier', 'device', 'channel', 'text', 'outcome', 'symptom', 'node', 'holder', 'funnel', 'again', 'page', 'limit', 'format', 'out', 'tz-offset']);
const BOOL_FLAGS = new Set(['json', 'annotated', 'corrections', 'help']);

function parse(args: string[]): Parsed | string {
  const out: Parsed = { positional: [], flags: new Map() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-h') {
      out.flags.set('help', true);
      continue;
    }
    if (!a.startsWith('--')) {
      if (out.cmd === undefined) out.cmd = a;
      else out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (BOOL_FLAGS.has(name)) out.flags.set(name, true);
    else if (VALUE_FLAGS.has(name)) {
      const v = eq < 0 ? args[++i] : a.slice(eq + 1);
      if (v === undefined) return `--${name} needs a value`;
      out.flags.set(name, v);
    } else return `unknown option ${a}`;
  }
  return out;
}

function filterFrom(p: Parsed, offset: UtcOffset): ConversationFilter | string {
  const f: ConversationFilter = {};
  // A day in the zone: its first instant (--from) or the first instant of the day after (--to), else the error.
  const day = (name: string, at: (day: string, offset: UtcOffset) => number): number | undefined | string => {
    const v = p.flags.get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) return `--${name} must be YYYY-MM-DD`;
    return at(v, offset);
  };
  const from = day('from', dayStartMs);
  const to = day('to', dayEndMs);
  if (typeof from === 'string') return from;
  if (typeof to === 'string') return to;
  if (from !== undefined) f.fromMs = from;
  if (to !== undefined) f.toMs = to;
  // The flags whose value is one of a list (and the filter field of the same name): the value, or the error naming both.
  const lists = { status: REVIEW_STATUSES, channel: CHANNELS, outcome: OUTCOMES, holder: HOLDERS, funnel: FUNNEL_COLUMNS, again: AGAINS, device: ENTITY_VALUES.device } as const;
  for (const [name, values] of Object.entries(lists)) {
    const v = p.flags.get(name);
    if (v === undefined) continue;
    if (!(values as readonly unknown[]).includes(v)) return `--${name} must be one of ${values.join(', ')}`;
    Object.assign(f, { [name]: v });
  }
  const intent = p.flags.get('intent');
  if (intent !== undefined) {
    if (!(INTENTS as readonly unknown[]).includes(intent)) return `--intent: unknown intent ${String(intent)}`;
    f.intent = intent as Intent;
  }
  const carrier = p.flags.get('carrier');
  if (typeof carrier === 'string') f.carrier = carrier;
  const text = p.flags.get('text');
  if (typeof text === 'string') f.text = text;
  if (p.flags.get('annotated')) f.annotated = true;
  const symptom = p.flags.get('symptom');
  if (symptom !== undefined) {
    if (!SYMPTOM_INTENTS.has(symptom as Intent)) return `--symptom: not a symptom intent ${String(symptom)}`;
    f.symptom = symptom as Intent;
  }
  const node = p.flags.get('node');
  if (typeof node === 'string') f.node = node;
  return f;
}

/** A time as the help desk reads it: TIME_ZONE's wall clock with its offset (2026-12-06 15:54:33 UTC+09:00), not UTC. */
const when = (ms: number, offset: UtcOffset) => `${localStamp(ms, offset)} ${offsetLabel(ms, offset)}`;

export async function run(args: string[]): Promise<number> {
  // `… | head` closes the pipe early: that is the reader being done, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const p = parse(args);
  if (typeof p === 'string') {
    process.stderr.write(`mailmedic transcripts: ${p}\n${USAGE}`);
    return 2;
  }
  if (p.flags.get('help')) {
    process.stderr.write(USAGE);
    return 0;
  }
  if (!p.cmd || !['list', 'show', 'export', 'came-back'].includes(p.cmd)) {
    process.stderr.write(`mailmedic transcripts: ${p.cmd ? `unknown command "${p.cmd}"` : 'a command is required'}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(process.env);
  const locales = loadLocales();
  const i18n = createI18n(locales.messages);
  if (!config.redis) {
    process.stderr.write(`mailmedic transcripts: ${i18n.t('admin.export.no_redis', undefined, config.defaultLocale)}\n`);
    return 1;
  }
  const tz = p.flags.get('tz-offset');
  // Without --tz-offset, the days are the help desk's (TIME_ZONE, Japan unless configured), as on /admin.
  const offset = typeof tz === 'string' ? Number(tz) : config.utcOffset;
  if (typeof offset === 'number' && (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60)) {
    process.stderr.write(`mailmedic transcripts: --tz-offset takes whole minutes between -840 and 840\n${USAGE}`);
    return 2;
  }
  const filter = filterFrom(p, offset);
  if (typeof filter === 'string') {
    process.stderr.write(`mailmedic transcripts: ${filter}\n${USAGE}`);
    return 2;
  }

  const logger = createLogger({ level: logLevel(process.env.LOG_LEVEL, 'warn') });
  const stores = createStores(config, logger, { prefix: config.env.REDIS_KEY_PREFIX });
  try {
    await stores.redis?.waitReady(5_000);
    const store = createTranscriptStore(config, stores, logger);
    // The tree's hand-off nodes: a conversation stopped at the hand-off form is escalated, as on /admin.
    // The tree too: the funnel filter counts a conversation where /admin's funnel does (funnelPlaces).
    const tree = loadDialogs().tree;
    const ctx = { nowMs: Date.now(), abandonAfterMs: DEFAULT_ABANDON_AFTER_MS, handoffNodes: handoffNodes(tree), tree, cameBackDays: config.env.CAME_BACK_DAYS };
    if (p.cmd === 'came-back') return await cameBack(store, p, filter, ctx, offset);
    if (p.cmd === 'list') return await list(store, p, filter, ctx, offset);
    if (p.cmd === 'show') return await show(store, p, ctx, offset);
    return await exportCmd(store, p, filter, ctx, offset);
  } finally {
    await stores.health.close();
  }
}

const out = (s: string) => process.stdout.write(s);

async function list(store: TranscriptStore, p: Parsed, filter: ConversationFilter, ctx: QueryContext, offset: UtcOffset): Promise<number> {
  const all = await findConversations(store, filter, ctx);
  const page = paginate(all, Number(p.flags.get('page') ?? 1), Number(p.flags.get('limit') ?? 50));
  for (const s of page.items) {
    if (p.flags.get('json')) {
      out(`${JSON.stringify(s)}\n`);
      continue;
    }
    const cols = [
      when(s.startedAtMs, offset),
      s.review.padEnd(9),
      (s.symptom ?? '-').padEnd(22),
      [s.carrier, s.service, s.device].filter(Boolean).join('/') || '-',
      s.channel,
      `${s.turns}t`,
      s.ticketId ?? '-',
      s.annotations ? `notes:${s.annotations}` : '',
      s.id,
    ];
    out(`${cols.join('  ')}\n`);
  }
  process.stderr.write(`${page.total} conversations · page ${page.page}/${page.pages}\n`);
  return 0;
}

/** Days `came-back` counts when no --from is given (as /admin/analytics). */
const CAME_BACK_RANGE_DAYS = 30;

/**
 * `came-back`: the analytics' 「直った」のあと戻ってきた — computeAnalytics over the range, returns found over every
 * conversation (cameBackAcross), as /admin/analytics and GET /admin/api/analytics (`cameBack`) count them.
 */
async function cameBack(store: TranscriptStore, p: Parsed, filter: ConversationFilter, ctx: QueryContext, offset: UtcOffset): Promise<number> {
  const days = ctx.cameBackDays ?? CAME_BACK_DAYS;
  const toMs = filter.toMs ?? dayEndMs(localDay(ctx.nowMs, offset), offset);
  const fromMs = filter.fromMs ?? dayStartMs(addDays(localDay(toMs - 1, offset), -(CAME_BACK_RANGE_DAYS - 1)), offset);
  const all = await store.summaries(fromMs - days * 86_400_000);
  const across = cameBackAcross(all, days);
  const summaries = all.filter(
    (s) => (!filter.carrier || s.carrier === filter.carrier) && (!filter.device || s.device === filter.device) && (!filter.symptom || analyticsSymptom(s) === filter.symptom),
  );
  const c = computeAnalytics(summaries, { ...ctx, fromMs, toMs, utcOffset: offset, across }).cameBack;
  if (p.flags.get('json')) {
    out(`${JSON.stringify({ from: localDay(fromMs, offset), to: localDay(toMs - 1, offset), ...c })}\n`);
    return 0;
  }
  const pctOf = (r: CameBackRow) => (r.fixed ? `${((r.cameBack / r.fixed) * 100).toFixed(1)}%` : '-');
  const line = (label: string, r: CameBackRow) => out(`  ${label.padEnd(28)} fixed ${String(r.fixed).padStart(5)}  came back ${String(r.cameBack).padStart(5)}  (new conversation ${r.inNewConversation})  ${pctOf(r)}\n`);
  out(`came back within ${days} days · ${localDay(fromMs, offset)} … ${localDay(toMs - 1, offset)}\n`);
  line('all', c);
  out('by symptom\n');
  for (const r of c.bySymptom) line(r.intent, r);
  out('by the step that fixed it\n');
  for (const r of c.byNode) line(r.node, r);
  out('by device\n');
  for (const r of c.byDevice) line(r.device || '(none)', r);
  return 0;
}

/** One staff or system event of a turn, as `show` prints it (every kind, so a staff reply or a note is never lost). */
function eventLine(e: TranscriptEvent): string {
  const by = 'by' in e && e.by ? ` by ${e.by}` : '';
  switch (e.type) {
    case 'status':
      return `${e.from} → ${e.to}`;
    case 'ticket':
      return `ticket ${e.id}${e.incident ? ` (incident ${e.incident})` : ''}`;
    case 'follow_up':
      return `follow-up ${e.id} added to ticket ${e.ticket} (${e.kind})`;
    case 'taken_over':
      return `taken over${by}`;
    case 'handed_back':
      return `handed back to the bot${by}`;
    case 'sent':
      // A staff message carries by: 'staff' (its text names the staff member); the rest is the bot's news (ticket filed …).
      return `${e.by ? 'staff' : 'sent'} → person: ${e.text.replace(/\n/g, '\n          ')}`;
    case 'note':
      return `internal note${by}: ${e.text}`;
    case 'assigned':
      return e.to ? `assigned to ${e.to}${by}` : `unassigned${by}`;
    case 'review':
      return `${e.state === 'reviewed' ? 'reviewed' : 'needs review'}${by}`;
  }
}

async function show(store: TranscriptStore, p: Parsed, ctx: QueryContext, offset: UtcOffset): Promise<number> {
  const id = p.positional[0];
  if (!id) {
    process.stderr.write(`mailmedic transcripts show: a conversation id is required\n${USAGE}`);
    return 2;
  }
  const summary = await store.summary(id);
  if (!summary) {
    process.stderr.write(`mailmedic transcripts show: no transcript for ${id}\n`);
    return 1;
  }
  // Masked again on the way out, like the page and the exports (src/transcripts/reredact.ts).
  const [turns, annotations] = await Promise.all([store.turns(id).then((ts) => ts.map(reRedactTurn)), store.annotations(id).then((as) => as.map(reRedactAnnotation))]);
  if (p.flags.get('json')) {
    out(`${JSON.stringify({ summary: { ...reRedactSummary(summary), review: reviewStatus(summary, ctx) }, turns: withActionLabels(turns), annotations })}\n`);
    return 0;
  }
  const notes = new Map(annotations.map((a) => [a.seq, a]));
  out(`conversation ${summary.id}  ${reviewStatus(summary, ctx)}  ${summary.channel}  user ${summary.userId}  ticket ${summary.ticketId ?? '-'}\n`);
  out(`started ${when(summary.startedAtMs, offset)}  last ${when(summary.updatedAtMs, offset)}  symptom ${summary.symptom ?? '-'}  path ${summary.path.join(' → ')}\n\n`);
  for (const t of withActionLabels(turns)) {
    const who = t.action !== undefined ? `[${t.actionLabel ?? t.action}]` : (t.text ?? '');
    const intent = t.intent ? `${t.intent}${t.confidence !== undefined ? ` ${t.confidence.toFixed(2)}` : ''}` : 'click';
    // A reply at a question is decided by its act (「もういいです」: give_up), the intent beside it for reference — unless
    // the bot answered it with a fallback (an act too unsure to act on: actedReading).
    const reading = actedReading(t);
    const nlu = reading ? `reply ${reading.act} ${reading.confidence.toFixed(2)} (intent ${intent})` : intent;
    const ents = t.entities && Object.keys(t.entities).length ? ` ${JSON.stringify(t.entities)}` : '';
    out(`#${t.seq} ${when(t.atMs, offset)}  👤 ${who}\n     ↳ ${nlu}${ents}  ${t.nodeBefore || '(start)'} → ${t.node || '-'}  ${t.status}\n`);
    for (const r of t.replies) out(`     🤖 ${r.text.replace(/\n/g, '\n        ')}${r.choices?.length ? `\n        [${r.choices.map((c) => c.label).join('] [')}]` : ''}\n`);
    for (const e of t.events) out(`     • ${eventLine(e)}\n`);
    const n = notes.get(t.seq);
    if (n) out(`     ✎ misunderstood → ${n.replyAct ? `reply ${n.replyAct}` : n.intent}${n.note ? ` (${n.note})` : ''}\n`);
  }
  return 0;
}

async function exportCmd(store: TranscriptStore, p: Parsed, filter: ConversationFilter, ctx: QueryContext, offset: UtcOffset): Promise<number> {
  if (p.flags.get('corrections')) return corrections(store, p);
  const format = p.flags.get('format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') {
    process.stderr.write(`mailmedic transcripts export: --format must be jsonl or csv\n`);
    return 2;
  }
  const items = await findConversations(store, filter, ctx);
  if (format === 'csv') out(csvHeader());
  for (let i = 0; i < items.length; i += 50) {
    for (const c of await loadConversations(store, items.slice(i, i + 50))) out(format === 'csv' ? toCsvRows(c, offset) : `${toJsonLine(c)}\n`);
  }
  process.stderr.write(`${items.length} conversations exported\n`);
  return 0;
}

async function corrections(store: TranscriptStore, p: Parsed): Promise<number> {
  const result = correctionsFor(await store.allAnnotations());
  for (const c of result.conflicts) {
    process.stderr.write(`conflict: "${c.text}" (${c.locale}) is trained as ${c.trainedAs}; staff say ${c.intent} — fix intents/${c.locale}/${c.trainedAs}.yaml\n`);
  }
  for (const s of result.skipped) process.stderr.write(`skipped (${s.reason}): ${s.annotation.conversation} #${s.annotation.seq}\n`);
  const dir = p.flags.get('out');
  if (typeof dir !== 'string') {
    out(correctionsYaml(result));
  } else {
    // Intent phrases into intents/<locale>/<intent>.yaml, reply phrases into intents/<locale>/acts/<act>.yaml.
    for (const f of [...result.files, ...result.actFiles]) {
      const folder = 'act' in f ? join(dir, f.locale, 'acts') : join(dir, f.locale);
      mkdirSync(folder, { recursive: true });
      const path = join(folder, `${'act' in f ? f.act : f.intent}.yaml`);
      if (existsSync(path)) {
        // Merge into the existing file, keeping its comments and order; new phrases go at the end.
        const doc = parseDocument(readFileSync(path, 'utf8'));
        const have = new Set(((doc.get('examples') as { toJSON(): string[] } | undefined)?.toJSON() ?? []).map((e) => e.trim()));
        for (const e of f.examples) if (!have.has(e)) doc.addIn(['examples'], e);
        writeFileSync(path, doc.toString());
      } else writeFileSync(path, stringify(f));
      process.stderr.write(`${path}: +${f.examples.length}\n`);
    }
  }
  process.stderr.write(`${result.files.reduce((n, f) => n + f.examples.length, 0)} training phrases from ${result.files.length} intent(s)\n`);
  if (result.actFiles.length) process.stderr.write(`${result.actFiles.reduce((n, f) => n + f.examples.length, 0)} reply phrases from ${result.actFiles.length} act(s)\n`);
  return 0;
}
