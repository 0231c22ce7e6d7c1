/**
 * /admin on the one HTTP server: the review pages and their JSON API, behind ADMIN_TOKEN.
 *
 *   pages  GET /admin (list; GET filters without text) · POST /admin (list with any filter, text included)
 *          GET /admin/conversations/:id · GET /admin/analytics · GET /admin/dead-letters
 *          POST /admin/login · POST /admin/logout · POST /admin/export?format=jsonl|csv (filters in the body)
 *   API    GET  /admin/api/conversations            filters as query (no text), paging
 *          POST /admin/api/conversations/search     filters (text included) in the JSON body → {…, html}
 *          GET  /admin/api/conversations/:id        summary, turns, annotations
 *          GET  /admin/api/analytics?from&to
 *          GET  /admin/api/annotations · POST /admin/api/annotations · DELETE /admin/api/annotations
 *          GET  /admin/api/dead-letters · POST /admin/api/dead-letters/:id/retry|discard
 *          GET  /admin/api/export?format=jsonl|csv   (filters without text)
 * Nothing under /admin answers without authentication (401), not even an unknown path. Without ADMIN_TOKEN the
 * mount adds no route at all (the server's 404) and says so once in the log. Search text travels only in
 * POST bodies, and the server's request log records the path alone.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { ACTS, CHANNELS, ENTITY_VALUES, INTENTS, SYMPTOM_INTENTS, LOCALES, type Locale, type Logger } from '../core/index.js';
import type { DialogTree } from '../data/schemas.js';
import type { DeadLetterAdmin } from '../handoff/index.js';
import type { HttpMount } from '../http/types.js';
import type { I18n } from '../i18n/index.js';
import {
  computeAnalytics,
  csvHeader,
  DEFAULT_ABANDON_AFTER_MS,
  handoffNodes,
  findConversations,
  FUNNEL_COLUMNS,
  loadConversations,
  paginate,
  reviewStatus,
  toCsvRows,
  toJsonLine,
  withActionLabels,
  withDerivedSymptom,
  withDerivedSteps,
  REVIEW_STATUSES,
  OUTCOMES,
  HOLDERS,
  AGAINS,
  analyticsSymptom,
  CAME_BACK_DAYS,
  cameBackAcross,
  NOTE_MAX,
  type ConversationFilter,
  type TranscriptStore,
} from '../transcripts/index.js';
import type { Nlu } from '../core/index.js';
import { addDays, dayEndMs, dayStartMs, localDay, type UtcOffset } from '../core/time-zone.js';
import type { HelpDesk } from '../helpdesk/desk.js';
import type { ChannelParts } from '../channels/types.js';
import { corrections, correctionsYaml } from '../transcripts/corrections.js';
import { reRedactAnnotation, reRedactSummary, reRedactTurn } from '../transcripts/reredact.js';
import { redact } from '../core/redact.js';
import { actedReading, withActedReading } from '../transcripts/fallback.js';
import { STAFF_REVIEWS, type TranscriptTurn } from '../transcripts/types.js';
import { authenticate, createSession, readCookie, SESSION_COOKIE, SESSION_TTL_MS, sessionCookie } from './auth.js';
import { createAdminDesk, type AdminDeskDeps } from './desk.js';
import { accuracyOverTime, answersQuestion, improveKey, improveQuery, improveQueue, lineOccurrences, MAX_LINE_OCCURRENCES, redactNote, withReadings } from './improve.js';
import type { OutboxRecord } from '../handoff/index.js';
import { incidentsRouter, renderIncidentBanner, type IncidentService } from '../incidents/index.js';
import { renderAnalytics } from './analytics.js';
import {
  EMPTY_FILTER,
  renderConversation,
  renderDeadLetters,
  renderList,
  renderLogin,
  renderImprove,
  renderNotFound,
  renderResults,
  listQuery,
  parseBack,
  type FilterValues,
  type ViewContext,
} from './pages.js';

export interface AdminOptions {
  /** ADMIN_TOKEN. Undefined: /admin is off. */
  token?: string;
  store: TranscriptStore;
  i18n: I18n;
  defaultLocale: Locale;
  logger: Logger;
  /** The tree, for node titles and the funnel's node kinds. */
  tree?: DialogTree;
  /** The hand-off's dead letters, when a ticket handler is connected (called per request: it may come later). */
  deadLetters?: () => DeadLetterAdmin | undefined;
  /** The ticket as it was sent (the outbox's redacted copy), for the conversation header. */
  ticket?: (ticketId: string) => Promise<OutboxRecord | undefined>;
  /** Link to a ticket in the ticket system, when known. */
  ticketUrl?: (ticketId: string) => Promise<string | undefined>;
  /** Idle time after which an active conversation counts as abandoned, ms. Default 30 minutes. */
  abandonAfterMs?: number;
  /** Time zone of dates on the pages and in the filters: minutes from UTC, or TIME_ZONE's offset at each instant. Default: the server's. */
  utcOffset?: UtcOffset;
  /** Days after a fix within which the same person's new conversation on the same symptom is a return (CAME_BACK_DAYS). Default 7. */
  cameBackDays?: number;
  /** Base URL (PUBLIC_URL): the session cookie is Secure when it is https. */
  publicUrl?: string;
  /** The NLU, for its accuracy on corrected turns today. */
  nlu?: Nlu;
  /** Staff answer from /admin (take over, reply, hand back): the holds and the channels' senders. */
  desk?: AdminDeskDeps;
  /** Failed logins per client per 15 minutes before 429. Default 10. */
  loginAttempts?: number;
  /** Conversations per list page. Default 25. */
  pageSize?: number;
  /** Incidents (src/incidents): the banner on every page and /admin/api/incidents. */
  incidents?: IncidentService;
  now?: () => number;
}

const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
/** Days the analytics show when no range is given. */
const DEFAULT_ANALYTICS_DAYS = 30;

/** A real calendar day (2026-13-45 is refused with 400, never reaches a store). */
const isDay = (v: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
};
const dateString = z.union([z.literal(''), z.string().refine(isDay, 'not a date (YYYY-MM-DD)')]);
const filterSchema = z.object({
  from: dateString.optional(),
  to: dateString.optional(),
  status: z.union([z.literal(''), z.enum(REVIEW_STATUSES)]).optional(),
  intent: z.union([z.literal(''), z.enum(INTENTS)]).optional(),
  carrier: z.union([z.literal(''), z.enum(ENTITY_VALUES.carrier)]).optional(),
  device: z.union([z.literal(''), z.enum(ENTITY_VALUES.device)]).optional(),
  channel: z.union([z.literal(''), z.enum(CHANNELS)]).optional(),
  text: z.string().max(200).optional(),
  annotated: z.union([z.boolean(), z.literal('1'), z.literal('on'), z.literal(''), z.literal('true'), z.literal('false')]).optional(),
  outcome: z.union([z.literal(''), z.enum(OUTCOMES)]).optional(),
  symptom: z.union([z.literal(''), z.enum(INTENTS).refine((i) => SYMPTOM_INTENTS.has(i), 'not a symptom intent')]).optional(),
  node: z.string().max(100).regex(/^[A-Za-z0-9_.-]*$/).optional(),
  funnel: z.union([z.literal(''), z.enum(FUNNEL_COLUMNS)]).optional(),
  holder: z.union([z.literal(''), z.enum(HOLDERS)]).optional(),
  again: z.union([z.literal(''), z.enum(AGAINS)]).optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional(),
  pageSize: z.coerce.number().int().min(1).max(500).optional(),
});

const annotationSchema = z.strictObject({
  conversation: z.string().min(1).max(512),
  turn: z.number().int().min(1),
  /** Absent: the intent the NLU gave stays (an entity, act or flag correction only). */
  intent: z.enum(INTENTS).optional(),
  act: z.string().min(1).max(64).optional(),
  /** A reply to the bot's question: the reply act it means (its phrase trains intents/<locale>/acts/<act>.yaml). */
  replyAct: z.enum(ACTS).optional(),
  entities: z.record(z.string().regex(/^[a-z_]{1,32}$/), z.string().max(120)).optional(),
  flag: z.strictObject({ node: z.string().max(120), note: z.string().max(NOTE_MAX).optional() }).optional(),
  train: z.boolean().optional(),
  note: z.string().max(NOTE_MAX).optional(),
  by: z.string().max(80).optional(),
});
const staffSchema = z.strictObject({ by: z.string().max(80).optional() });
const replySchema = z.strictObject({ by: z.string().max(80).optional(), text: z.string().min(1).max(2_000) });
const noteSchema = z.strictObject({ by: z.string().max(80).optional(), text: z.string().min(1).max(NOTE_MAX) });
const assignSchema = z.strictObject({ to: z.string().max(80).optional(), by: z.string().max(80).optional() });
const reviewSchema = z.strictObject({ state: z.enum(STAFF_REVIEWS), by: z.string().max(80).optional() });
const unannotateSchema = z.strictObject({ conversation: z.string().min(1).max(512), turn: z.number().int().min(1) });
/** The turns of one repeated line (at most the improve queue's 200) and one label for all of them. */
const bulkItems = z.array(unannotateSchema).min(1).max(500);
/**
 * Or (since round 35) one occurrence of the line (`line`) and the improve queue's filter (`filter`: its query — days,
 * from, to, node, reason, below): every occurrence the filter lists in its whole period is labelled (lineOccurrences);
 * `dryRun` only counts them, for the confirmation.
 */
const bulkAnnotationSchema = annotationSchema
  .omit({ conversation: true, turn: true, entities: true, flag: true, act: true })
  .extend({
    items: bulkItems.optional(),
    line: unannotateSchema.optional(),
    filter: z.record(z.string(), z.union([z.string().max(64), z.array(z.string().max(64)).max(8)])).optional(),
    dryRun: z.boolean().optional(),
  })
  .refine((b) => (b.items === undefined) !== (b.line === undefined), { message: 'give items or line (one of them)' })
  .refine((b) => b.line !== undefined || (b.filter === undefined && b.dryRun === undefined), { message: 'filter and dryRun go with line' });
/** Undo of a bulk label: the turns it labelled (as many as one line may reach). */
const bulkUnannotateSchema = z.strictObject({ items: z.array(unannotateSchema).min(1).max(MAX_LINE_OCCURRENCES) });

/** /admin as a channel's parts: the mount, and the admin desk the pipeline relays /admin holds to. */
export function adminParts(options: AdminOptions): ChannelParts {
  const mount = adminMount(options);
  return { mount, ...(mount.helpDesk ? { desk: mount.helpDesk } : {}) };
}

const LOGIN_WINDOW_MS = 15 * 60_000;

export function adminMount(options: AdminOptions): HttpMount & { helpDesk?: HelpDesk } {
  const { token, store, i18n, defaultLocale, logger } = options;
  const log = logger.child({ component: 'admin' });
  const now = options.now ?? Date.now;
  // Without ADMIN_TOKEN there is no /admin, so no desk either (and the pipeline skips the hold look-up).
  const desk = options.desk && token
    ? createAdminDesk({ ...options.desk, store, i18n, defaultLocale, logger, now })
    : undefined;
  /** Sessions ended by logout (until they would have expired). */
  const revoked = new Map<string, number>();
  const isRevoked = (req: Request) => {
    const v = readCookie(req, SESSION_COOKIE);
    if (!v) return false;
    const until = revoked.get(v);
    if (until === undefined) return false;
    if (until <= now()) revoked.delete(v);
    return until > now();
  };
  /** Failed logins per client address, in a sliding window. */
  const failures = new Map<string, number[]>();
  const maxAttempts = options.loginAttempts ?? 10;
  const recentFailures = (ip: string) => (failures.get(ip) ?? []).filter((t) => t > now() - LOGIN_WINDOW_MS);
  const abandonAfterMs = options.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS;
  const cameBackDays = options.cameBackDays ?? CAME_BACK_DAYS;
  const handoffs = handoffNodes(options.tree);
  /** The follow-ups the transcript records, as the outbox holds them now (one missing from the outbox is left out). */
  const followUpRecords = async (turns: TranscriptTurn[]): Promise<OutboxRecord[]> => {
    const ids = turns.flatMap((t) => t.events.flatMap((e) => (e.type === 'follow_up' ? [e.id] : [])));
    if (!ids.length || !options.ticket) return [];
    const found = await Promise.all(ids.map((id) => options.ticket!(id).catch(() => undefined)));
    return found.filter((r): r is OutboxRecord => r !== undefined);
  };
  const utcOffset: UtcOffset = options.utcOffset ?? ((atMs) => -new Date(atMs).getTimezoneOffset());
  const pageSize = options.pageSize ?? 25;
  const secure = (options.publicUrl ?? '').startsWith('https://');

  const localeOf = (req: Request): Locale => (isLocale(req.query.lang) ? req.query.lang : defaultLocale);
  const view = (req: Request, res: Response): ViewContext => ({
    i18n,
    locale: localeOf(req),
    defaultLocale,
    nonce: res.locals.nonce as string,
    tree: options.tree,
    nowMs: now(),
    utcOffset,
    abandonAfterMs,
    cameBackDays,
    deadLetters: options.deadLetters?.() !== undefined,
    banner: res.locals.banner as string | undefined,
    query: Object.fromEntries(Object.entries(req.method === 'GET' ? (req.query as Record<string, unknown>) : {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
  });
  const tr = (req: Request, key: string, params?: Record<string, string | number>) => i18n.t(key, params, localeOf(req));
  const jsonError = (req: Request, res: Response, status: number, key: string, params?: Record<string, string | number>) => {
    res.status(status).json({ error: tr(req, key, params) });
  };
  const badRequest = (req: Request, res: Response, error: z.ZodError) =>
    jsonError(req, res, 400, 'admin.api.bad_request', {
      detail: error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    });

  /** Form values (strings) → store filter. */
  const toFilter = (v: FilterValues): ConversationFilter => {
    const f: ConversationFilter = {};
    if (v.from) f.fromMs = dayStartMs(v.from, utcOffset);
    if (v.to) f.toMs = dayEndMs(v.to, utcOffset);
    if (v.status) f.status = v.status as ConversationFilter['status'];
    if (v.intent) f.intent = v.intent as ConversationFilter['intent'];
    if (v.carrier) f.carrier = v.carrier;
    if (v.device) f.device = v.device;
    if (v.channel) f.channel = v.channel as ConversationFilter['channel'];
    if (v.text.trim()) f.text = v.text.trim();
    if (v.annotated) f.annotated = true;
    if (v.outcome) f.outcome = v.outcome as ConversationFilter['outcome'];
    if (v.symptom) f.symptom = v.symptom as ConversationFilter['symptom'];
    if (v.node) f.node = v.node;
    if (v.funnel) f.funnel = v.funnel as ConversationFilter['funnel'];
    if (v.holder) f.holder = v.holder as ConversationFilter['holder'];
    if (v.again) f.again = v.again as ConversationFilter['again'];
    return f;
  };
  const parseFilter = (input: unknown, allowText: boolean): { ok: true; values: FilterValues; page: number; size: number } | { ok: false; error: z.ZodError } => {
    const r = filterSchema.safeParse(input ?? {});
    if (!r.success) return { ok: false, error: r.error };
    const d = r.data;
    const values: FilterValues = {
      ...EMPTY_FILTER,
      from: d.from ?? '',
      to: d.to ?? '',
      status: d.status ?? '',
      intent: d.intent ?? '',
      carrier: d.carrier ?? '',
      device: d.device ?? '',
      channel: d.channel ?? '',
      text: allowText ? (d.text ?? '') : '',
      annotated: d.annotated === true || d.annotated === '1' || d.annotated === 'on' || d.annotated === 'true',
      outcome: d.outcome ?? '',
      symptom: d.symptom ?? '',
      node: d.node ?? '',
      funnel: d.funnel ?? '',
      holder: d.holder ?? '',
      again: d.again ?? '',
    };
    return { ok: true, values, page: d.page ?? 1, size: d.pageSize ?? pageSize };
  };
  const isFiltered = (v: FilterValues) => Object.entries(v).some(([, x]) => x !== '' && x !== false);

  const query = async (values: FilterValues, page: number, size: number) => {
    const items = await findConversations(store, toFilter(values), { nowMs: now(), abandonAfterMs, handoffNodes: handoffs, tree: options.tree, cameBackDays });
    const shown = paginate(items, page, size);
    // Conversations recorded before buttons kept their symptom: derived from their turns, for the rows shown only
    // (one read each); the filters and analytics count stored symptoms. Likewise the steps tried of summaries recorded
    // before round 31 (no `steps`): read from the turns for the rows shown, never written back (the next turn writes them).
    const tree = options.tree;
    shown.items = await Promise.all(
      shown.items.map(async (s) => {
        if ((s.symptom || !tree) && s.steps !== undefined) return s;
        const turns = await store.turns(s.id);
        return withDerivedSteps(s.symptom ? s : withDerivedSymptom(s, turns, tree), turns, tree);
      }),
    );
    return shown;
  };

  // ── authentication gate: runs before every /admin route ──
  const gate = (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    const nonce = randomBytes(16).toString('base64');
    res.locals.nonce = nonce;
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; ` +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    // Cross-site requests never change anything: a browser says where a request comes from (Sec-Fetch-Site,
    // Origin); a state-changing request from another site is refused whatever cookie it carries, body or not.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const site = req.headers['sec-fetch-site'];
      const origin = req.headers.origin;
      const host = req.headers.host;
      // Sec-Fetch-Site decides when the browser sends it (this page's no-referrer policy makes a form's Origin
      // "null"); otherwise a present Origin must be this host.
      const crossSite =
        typeof site === 'string'
          ? site !== 'same-origin' && site !== 'none'
          : typeof origin === 'string' && (origin === 'null' || (host !== undefined && origin.replace(/^https?:\/\//, '') !== host));
      if (crossSite) {
        log.warn({ path: req.path, site, origin }, 'cross-site admin request refused');
        jsonError(req, res, 403, 'admin.api.cross_site');
        return;
      }
    }
    if (req.method === 'POST' && req.path === '/login') {
      next();
      return;
    }
    const auth = authenticate(req, token as string, now());
    if (auth.ok && auth.via === 'session' && isRevoked(req)) {
      res.setHeader('Set-Cookie', sessionCookie('', { secure, maxAgeMs: 0 }));
      if (req.path.startsWith('/api/') || !req.accepts('html')) jsonError(req, res, 401, 'admin.api.unauthorized');
      else res.status(401).type('html').send(renderLogin(view(req, res), 'required', '/admin'));
      return;
    }
    if (auth.ok) {
      next();
      return;
    }
    // Only the outcome is logged: never the token, never a query.
    log.info({ path: req.path, reason: auth.reason }, 'admin request refused');
    res.setHeader('WWW-Authenticate', 'Bearer realm="mailmedic-admin"');
    if (req.path.startsWith('/api/') || req.path === '/api' || !req.accepts('html')) {
      jsonError(req, res, 401, 'admin.api.unauthorized');
      return;
    }
    const reason = auth.reason === 'expired' ? 'expired' : auth.reason === 'bad_bearer' ? 'failed' : 'required';
    const nextPath = req.method === 'GET' && req.path.startsWith('/') ? `/admin${req.path === '/' ? '' : req.path}` : '/admin';
    res.status(401).type('html').send(renderLogin(view(req, res), reason, nextPath));
  };

  /** Mutating API calls must be JSON: a cross-site form cannot send that without a CORS preflight. */
  const jsonOnly = (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.headers['content-type'] !== undefined && !req.is('application/json')) {
      res.status(415).json({ error: tr(req, 'web.api.json_required') });
      return;
    }
    next();
  };

  const router: Router = express.Router({ strict: false });
  router.use(gate);
  router.use(express.urlencoded({ extended: false, limit: '20kb' }));
  // The open incidents' banner above every page (src/incidents/admin.ts).
  router.use(async (req, res, next) => {
    if (req.method === 'GET' && options.incidents?.enabled && !req.path.startsWith('/api')) {
      const list = await options.incidents.list().catch(() => []);
      res.locals.banner = renderIncidentBanner(list, { i18n, locale: localeOf(req), nonce: res.locals.nonce as string });
    }
    next();
  });

  // ── login / logout ──
  router.post('/login', (req, res) => {
    const body = (req.body ?? {}) as { token?: unknown; next?: unknown };
    const given = typeof body.token === 'string' ? body.token : '';
    const next = typeof body.next === 'string' && /^\/admin(\/[A-Za-z0-9/_%.-]*)?$/.test(body.next) ? body.next : '/admin';
    const ip = req.ip ?? req.socket.remoteAddress ?? '?';
    const recent = recentFailures(ip);
    if (recent.length >= maxAttempts) {
      const retryAfter = Math.max(1, Math.ceil(((recent[0] as number) + LOGIN_WINDOW_MS - now()) / 1000));
      log.warn({ attempts: recent.length }, 'admin login attempts limited');
      res.setHeader('Retry-After', String(retryAfter));
      res.status(429).type('html').send(renderLogin(view(req, res), 'limited', next));
      return;
    }
    const auth = authenticate({ headers: { authorization: `Bearer ${given}` } } as Request, token as string, now());
    if (!given || !auth.ok) {
      failures.set(ip, [...recent, now()]);
      if (failures.size > 10_000) failures.delete(failures.keys().next().value as string);
      log.info({ reason: 'bad_token' }, 'admin login refused');
      res.status(401).type('html').send(renderLogin(view(req, res), 'failed', next));
      return;
    }
    const session = createSession(token as string, now());
    res.setHeader('Set-Cookie', sessionCookie(session.value, { secure, maxAgeMs: SESSION_TTL_MS }));
    log.info({}, 'admin login');
    const lang = localeOf(req);
    res.redirect(303, lang !== defaultLocale ? `${next}?lang=${lang}` : next);
  });
  router.post('/logout', (req, res) => {
    // The cookie is signed, not stored: logout remembers it as revoked until it would have expired.
    const v = readCookie(req, SESSION_COOKIE);
    const m = v ? /^(\d{1,16})\./.exec(v) : null;
    if (v && m) revoked.set(v, Number(m[1]));
    res.setHeader('Set-Cookie', sessionCookie('', { secure, maxAgeMs: 0 }));
    res.redirect(303, '/admin');
  });

  // ── pages ──
  const listPage = async (req: Request, res: Response, input: unknown, allowText: boolean) => {
    const parsed = parseFilter(input, allowText);
    const values = parsed.ok ? parsed.values : EMPTY_FILTER;
    const page = await query(values, parsed.ok ? parsed.page : 1, pageSize);
    res.type('html').send(renderList(view(req, res), values, page, isFiltered(values)));
  };
  router.get('/', (req, res) => listPage(req, res, req.query, false));
  router.post('/', (req, res) => listPage(req, res, req.body, true));

  router.get('/conversations/:id', async (req, res) => {
    const id = String(req.params.id);
    // The list it was opened from (its query, as listQuery wrote it): the back link returns there (an invalid one: none).
    const from = parseFilter(req.query, false);
    const list = from.ok ? listQuery(from.values, from.page) : {};
    // Or the page it was opened from (/admin/improve with its filter, /admin/dead-letters; parseBack: nothing else).
    const back = parseBack(req.query.back);
    let summary = await store.summary(id);
    if (!summary) {
      res.status(404).type('html').send(renderNotFound(view(req, res), list, back));
      return;
    }
    const [turns, annotations, hold] = await Promise.all([store.turns(id), store.annotations(id), desk?.hold(id)]);
    summary = withDerivedSymptom(summary, turns, options.tree);
    const ticketUrl = summary.ticketId && options.ticketUrl ? await options.ticketUrl(summary.ticketId).catch(() => undefined) : undefined;
    const ticket = summary.ticketId && options.ticket ? await options.ticket(summary.ticketId).catch(() => undefined) : undefined;
    const followUps = await followUpRecords(turns);
    // Came back (since round 34 on this page too): the fix this person came back from, or their return after this fix —
    // what a lead answering the hand-off needs first; found as the list finds it (cameBackAcross over the window).
    const cameBack = cameBackAcross(await store.summaries(summary.startedAtMs - cameBackDays * 86_400_000), cameBackDays).get(id);
    res.type('html').send(
      renderConversation(view(req, res), {
        summary,
        ...(cameBack ? { cameBack } : {}),
        list,
        ...(back ? { back } : {}),
        review: reviewStatus(summary, { nowMs: now(), abandonAfterMs, handoffNodes: handoffs }),
        turns: withActionLabels(turns).map(reRedactTurn),
        annotations: annotations.map(reRedactAnnotation),
        ticketUrl,
        ticket,
        followUps,
        desk: desk ? { held: hold ? { by: hold.staff.name ?? hold.staff.id, here: hold.desk.channel === 'admin' } : undefined } : undefined,
      }),
    );
  });

  const analyticsRange = (q: Record<string, unknown>) => {
    const today = localDay(now(), utcOffset);
    const valid = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : undefined);
    const to = valid(q.to) ?? today;
    const from = valid(q.from) ?? addDays(to, -(DEFAULT_ANALYTICS_DAYS - 1));
    return { from, to, fromMs: dayStartMs(from, utcOffset), toMs: dayEndMs(to, utcOffset) };
  };
  const analytics = async (q: Record<string, unknown>) => {
    const r = analyticsRange(q);
    // For whom (since round 31): the analytics of one carrier's and/or one symptom's conversations (the symptom the list's
    // filter reads, analyticsSymptom); an unknown value is no filter, as an invalid date is the default range.
    // The device too (since round 33): iPhone / iPad / Android / Mac / Windows, the summary's `device`.
    const carrier = typeof q.carrier === 'string' && (ENTITY_VALUES.carrier as readonly string[]).includes(q.carrier) ? q.carrier : undefined;
    const device = typeof q.device === 'string' && (ENTITY_VALUES.device as readonly string[]).includes(q.device) ? q.device : undefined;
    const symptom = typeof q.symptom === 'string' && SYMPTOM_INTENTS.has(q.symptom as never) ? (q.symptom as string) : undefined;
    // The came-back window before `from` too, and returns over every conversation (as the list: findConversations).
    const all = await store.summaries(r.fromMs - cameBackDays * 86_400_000);
    const across = cameBackAcross(all, cameBackDays);
    const summaries = all.filter(
      (s) => (!carrier || s.carrier === carrier) && (!device || s.device === device) && (!symptom || analyticsSymptom(s) === symptom),
    );
    return {
      range: { ...r, ...(carrier ? { carrier } : {}), ...(device ? { device } : {}), ...(symptom ? { symptom } : {}) },
      data: computeAnalytics(summaries, { fromMs: r.fromMs, toMs: r.toMs, nowMs: now(), abandonAfterMs, tree: options.tree, utcOffset, cameBackDays, across }),
    };
  };
  router.get('/analytics', async (req, res) => {
    const { range, data } = await analytics(req.query);
    res.type('html').send(renderAnalytics(view(req, res), data, range));
  });

  router.get('/improve', async (req, res) => {
    const q = improveQuery(req.query);
    const filter = q.ok ? q.value : improveQuery({}).value!;
    const [{ items, groups, limited }, annotations] = await Promise.all([improveQueue(store, filter, now(), utcOffset), store.allAnnotations()]);
    // What the download holds, and what it leaves out and why (the CLI prints the same as `skipped (reason)`).
    const result = corrections(annotations);
    const training = {
      phrases: [...result.files, ...result.actFiles].reduce((n, f) => n + f.examples.length, 0),
      files: result.files.length + result.actFiles.length,
      skipped: result.skipped.map((x) => ({ conversation: x.annotation.conversation, seq: x.annotation.seq, text: x.annotation.text, reason: x.reason, ...(x.annotation.replyAct ? { act: x.annotation.replyAct } : {}) })),
    };
    res.type('html').send(
      renderImprove(view(req, res), { filter, items, groups, ...(limited ? { limited } : {}), accuracy: options.nlu ? accuracyOverTime(await withReadings(store, annotations), options.nlu, utcOffset, options.tree) : [], training }),
    );
  });

  router.get('/dead-letters', async (req, res) => {
    const dl = options.deadLetters?.();
    const records = dl ? await dl.list(200) : undefined;
    res.type('html').send(renderDeadLetters(view(req, res), records));
  });

  // ── exports (page form POST, or API GET without text) ──
  const exportTo = async (req: Request, res: Response, input: unknown, allowText: boolean) => {
    const format = req.query.format === 'csv' ? 'csv' : req.query.format === 'jsonl' || req.query.format === undefined ? 'jsonl' : undefined;
    const parsed = parseFilter(input, allowText);
    if (!format || !parsed.ok) {
      if (!parsed.ok) badRequest(req, res, parsed.error);
      else jsonError(req, res, 400, 'admin.api.bad_request', { detail: 'format must be jsonl or csv' });
      return;
    }
    const items = await findConversations(store, toFilter(parsed.values), { nowMs: now(), abandonAfterMs, handoffNodes: handoffs, tree: options.tree, cameBackDays });
    const stamp = localDay(now(), utcOffset);
    res.setHeader('Content-Disposition', `attachment; filename="mailmedic-transcripts-${stamp}.${format === 'csv' ? 'csv' : 'jsonl'}"`);
    if (format === 'csv') {
      res.type('text/csv; charset=utf-8');
      // A BOM so Excel (the help desk's usual tool) reads UTF-8 Japanese correctly.
      res.write(`\uFEFF${csvHeader()}`);
    } else res.type('application/x-ndjson; charset=utf-8');
    for (let i = 0; i < items.length; i += 50) {
      for (const c of await loadConversations(store, items.slice(i, i + 50))) res.write(format === 'csv' ? toCsvRows(c, utcOffset) : `${toJsonLine(c)}\n`);
    }
    res.end();
    log.info({ format, conversations: items.length }, 'transcripts exported');
  };
  router.post('/export', (req, res) => exportTo(req, res, req.body, true));

  // ── JSON API ──
  const apiRouter: Router = express.Router();
  apiRouter.use(jsonOnly);
  apiRouter.get('/conversations', async (req, res) => {
    const parsed = parseFilter(req.query, false);
    if (!parsed.ok) {
      badRequest(req, res, parsed.error);
      return;
    }
    res.json(await query(parsed.values, parsed.page, parsed.size));
  });
  apiRouter.post('/conversations/search', async (req, res) => {
    const parsed = parseFilter(req.body, true);
    if (!parsed.ok) {
      badRequest(req, res, parsed.error);
      return;
    }
    const page = await query(parsed.values, parsed.page, parsed.size);
    res.json({ ...page, html: renderResults(view(req, res), page, parsed.values) });
  });
  apiRouter.get('/conversations/:id', async (req, res) => {
    const id = String(req.params.id);
    let summary = await store.summary(id);
    if (!summary) {
      jsonError(req, res, 404, 'admin.api.not_found');
      return;
    }
    const [turns, annotations, hold] = await Promise.all([store.turns(id), store.annotations(id), desk?.hold(id)]);
    summary = withDerivedSymptom(summary, turns, options.tree);
    const ticket = summary.ticketId && options.ticket ? await options.ticket(summary.ticketId).catch(() => undefined) : undefined;
    res.json({
      summary: { ...reRedactSummary(summary), review: reviewStatus(summary, { nowMs: now(), abandonAfterMs, handoffNodes: handoffs }) },
      // Where the ticket stands in the outbox (null: no ticket, or no hand-off connected): pending while the ticket
      // system is down or refusing, with the failed attempts, the last reason and the next try.
      ticketDelivery: ticket
        ? {
            state: ticket.state,
            attempts: ticket.attempts,
            ...(ticket.lastError ? { lastError: { reason: ticket.lastError.reason, status: ticket.lastError.status } } : {}),
            ...(ticket.state === 'pending' ? { nextAttemptAtMs: ticket.nextAttemptAtMs } : {}),
            ...(ticket.renumberedTo ? { renumberedTo: ticket.renumberedTo } : {}),
          }
        : null,
      // What reached the ticket after filing (「直った」, details), each with its delivery state like ticketDelivery.
      followUps: (await followUpRecords(turns)).map((r) => ({
        id: r.id,
        ticket: r.followUp?.ticket ?? r.ticket.id,
        kind: r.followUp?.kind,
        state: r.state,
        attempts: r.attempts,
        ...(r.lastError ? { lastError: { reason: r.lastError.reason, status: r.lastError.status } } : {}),
        ...(r.state === 'pending' ? { nextAttemptAtMs: r.nextAttemptAtMs } : {}),
        ...(r.deliveredAtMs !== undefined ? { deliveredAtMs: r.deliveredAtMs } : {}),
      })),
      turns: withActionLabels(turns).map((t) => withActedReading(reRedactTurn(t))),
      annotations: annotations.map(reRedactAnnotation),
      held: hold ? { by: hold.staff.name ?? hold.staff.id, desk: hold.desk.channel, sinceMs: hold.sinceMs } : null,
    });
  });
  apiRouter.get('/analytics', async (req, res) => {
    for (const k of ['from', 'to'] as const) {
      const v = req.query[k];
      if (v !== undefined && (typeof v !== 'string' || !isDay(v))) {
        jsonError(req, res, 400, 'admin.api.bad_request', { detail: `${k}: not a date (YYYY-MM-DD)` });
        return;
      }
    }
    const { range, data } = await analytics(req.query);
    res.json({ from: range.from, to: range.to, ...(range.carrier ? { carrier: range.carrier } : {}), ...(range.device ? { device: range.device } : {}), ...(range.symptom ? { symptom: range.symptom } : {}), ...data });
  });
  apiRouter.get('/annotations', async (_req, res) => {
    res.json({ annotations: await store.allAnnotations() });
  });
  /**
   * One turn's correction, as staff give it (the single form and the bulk one): merged with what staff said of the turn
   * before, the note redacted, logged as `turn annotated` (the review log). Undefined: no such turn, or no intent.
   */
  const annotateTurn = async (d: z.infer<typeof annotationSchema>, known?: { turns: TranscriptTurn[]; before: Awaited<ReturnType<TranscriptStore['annotations']>> }) => {
    // One annotation per turn: a new correction adds to what staff said of the turn before.
    const [turns, before] = known ? [known.turns, known.before] : await Promise.all([store.turns(d.conversation), store.annotations(d.conversation)]);
    const turn = turns.find((t) => t.seq === d.turn);
    const prev = before.find((x) => x.seq === d.turn);
    const intent = d.intent ?? prev?.intent ?? turn?.intent ?? undefined;
    if (!turn || !intent) return undefined;
    const entities = d.entities ? { ...prev?.entities, ...d.entities } : prev?.entities;
    // A reply the bot read by its act at a question (「もういいです」 → give_up): unless staff name another intent (it was a
    // new symptom), the phrase is the act's — the bot's act when staff say nothing else — never the intent's (it went
    // into intents/ja/affirm.yaml, teaching the symptom model that 「もういいです」 means yes).
    const intentChanged = d.intent !== undefined && d.intent !== turn.intent;
    // What the bot acted on, not the act model's guess it answered with a fallback: 「なんかもう面倒なのでいいです」 (give_up
    // 0.52, 「うまく読み取れませんでした」) confirmed by staff as give_up is a correction to train, not "what the bot read".
    const acted = actedReading(turn)?.act;
    // A reply at a node, or at the opening ask-back (answersQuestion: its reading is recorded since round 35).
    const replied = answersQuestion(turn, turns.find((t) => t.seq === turn.seq - 1));
    const replyAct = d.replyAct ?? prev?.replyAct ?? (!intentChanged && replied ? acted : undefined);
    const a = await store.annotate({
      conversation: d.conversation,
      seq: d.turn,
      intent,
      atMs: now(),
      ...(d.act ?? prev?.act ? { act: (d.act ?? prev?.act) as string } : {}),
      ...(replyAct ? { replyAct } : {}),
      ...(entities ? { entities } : {}),
      ...(d.flag ?? prev?.flag ? { flag: (d.flag ?? prev?.flag) as { node: string; note?: string } } : {}),
      // A phrase is trained when staff say so, or when they corrected the intent (unless they said not to).
      train: d.train ?? prev?.train ?? (intentChanged || (d.replyAct !== undefined && d.replyAct !== acted)),
      ...((d.note ?? prev?.note)?.trim() ? { note: redactNote((d.note ?? prev?.note) as string) } : {}),
      ...(d.by?.trim() ? { by: d.by.trim() } : {}),
    });
    if (a) log.info({ conversation: a.conversation, turn: a.seq, intent: a.intent }, 'turn annotated');
    return a;
  };
  apiRouter.post('/annotations', async (req, res) => {
    const r = annotationSchema.safeParse(req.body ?? {});
    if (!r.success) {
      badRequest(req, res, r.error);
      return;
    }
    const a = await annotateTurn(r.data);
    if (!a) {
      jsonError(req, res, 404, 'admin.api.unknown_turn');
      return;
    }
    res.status(201).json({ annotation: a });
  });
  /**
   * Every occurrence of one repeated line (/admin/improve's group) labelled in one action (since round 34): each turn as
   * POST /annotations would (annotateTurn: the same merge, training file, note redaction and review log). All turns must
   * hold the same line (improveKey) — a bulk label never reaches another sentence; turns staff corrected already keep
   * their correction (`skipped`). `items` of the answer are the turns labelled now: DELETE /annotations/bulk undoes them.
   */
  apiRouter.post('/annotations/bulk', async (req, res) => {
    const r = bulkAnnotationSchema.safeParse(req.body ?? {});
    if (!r.success) {
      badRequest(req, res, r.error);
      return;
    }
    const { items: given, line, filter, dryRun, ...label } = r.data;
    let items = given ?? [];
    let scope: { occurrences: number; conversations: number } | undefined;
    if (line) {
      // Every occurrence of the line in the queue's period and filter, not only those the queue page read.
      const q = improveQuery(filter ?? {});
      if (!q.ok) {
        badRequest(req, res, q.error);
        return;
      }
      const ref = (await store.turns(line.conversation)).find((t) => t.seq === line.turn);
      if (!ref || ref.text === undefined || ref.text === '') {
        jsonError(req, res, 404, 'admin.api.unknown_turn');
        return;
      }
      const found = await lineOccurrences(store, q.value, improveKey({ text: redact(ref.text).text, nodeBefore: ref.nodeBefore }), now(), utcOffset);
      if (found.items.length > MAX_LINE_OCCURRENCES) {
        jsonError(req, res, 400, 'admin.api.bad_request', { detail: `line: ${found.items.length} occurrences, more than ${MAX_LINE_OCCURRENCES}: narrow the period` });
        return;
      }
      scope = { occurrences: found.items.length, conversations: found.conversations };
      if (dryRun) {
        const corrected = found.items.filter((i) => i.corrected).length;
        res.json({ ...scope, corrected, toLabel: found.items.length - corrected });
        return;
      }
      items = found.items.map((i) => ({ conversation: i.conversation, turn: i.turn }));
    }
    const unique = [...new Map(items.map((i) => [`${i.conversation}\u0000${i.turn}`, i])).values()];
    const byConversation = new Map<string, { turns: TranscriptTurn[]; before: Awaited<ReturnType<TranscriptStore['annotations']>> }>();
    for (const id of new Set(unique.map((i) => i.conversation))) {
      const [turns, before] = await Promise.all([store.turns(id), store.annotations(id)]);
      byConversation.set(id, { turns, before });
    }
    const keys = new Set<string>();
    for (const i of unique) {
      const turn = byConversation.get(i.conversation)?.turns.find((t) => t.seq === i.turn);
      if (!turn || turn.text === undefined || turn.text === '') {
        jsonError(req, res, 404, 'admin.api.unknown_turn');
        return;
      }
      keys.add(improveKey({ text: turn.text, nodeBefore: turn.nodeBefore }));
    }
    if (!line && keys.size > 1) {
      jsonError(req, res, 400, 'admin.api.bad_request', { detail: 'items: not the same line' });
      return;
    }
    const done: Array<{ conversation: string; turn: number }> = [];
    const annotations = [];
    let skipped = 0;
    for (const i of unique) {
      const known = byConversation.get(i.conversation)!;
      if (known.before.some((x) => x.seq === i.turn)) {
        skipped++;
        continue;
      }
      const a = await annotateTurn({ ...label, conversation: i.conversation, turn: i.turn }, known);
      if (!a) continue;
      done.push({ conversation: i.conversation, turn: i.turn });
      annotations.push(a);
    }
    log.info({ turns: done.length, skipped, intent: label.intent, replyAct: label.replyAct, by: label.by, ...(scope ? { ...scope, filter } : {}) }, 'line annotated in bulk');
    res.status(201).json({ annotated: done.length, skipped, items: done, annotations, ...scope });
  });
  apiRouter.delete('/annotations/bulk', async (req, res) => {
    const r = bulkUnannotateSchema.safeParse(req.body ?? {});
    if (!r.success) {
      badRequest(req, res, r.error);
      return;
    }
    let removed = 0;
    for (const i of r.data.items) if (await store.unannotate(i.conversation, i.turn)) removed++;
    log.info({ turns: removed }, 'bulk annotation undone');
    res.json({ ok: true, removed });
  });
  apiRouter.delete('/annotations', async (req, res) => {
    const r = unannotateSchema.safeParse(req.body ?? {});
    if (!r.success) {
      badRequest(req, res, r.error);
      return;
    }
    const ok = await store.unannotate(r.data.conversation, r.data.turn);
    if (!ok) {
      jsonError(req, res, 404, 'admin.api.not_found');
      return;
    }
    res.json({ ok: true });
  });
  apiRouter.get('/dead-letters', async (req, res) => {
    const dl = options.deadLetters?.();
    if (!dl) {
      jsonError(req, res, 404, 'admin.api.no_handoff');
      return;
    }
    res.json({ deadLetters: await dl.list(200) });
  });
  apiRouter.post('/dead-letters/:id/:action', async (req, res) => {
    const dl = options.deadLetters?.();
    const action = String(req.params.action);
    if (!dl || (action !== 'retry' && action !== 'discard')) {
      jsonError(req, res, 404, dl ? 'admin.api.not_found' : 'admin.api.no_handoff');
      return;
    }
    const id = String(req.params.id);
    const ok = action === 'retry' ? await dl.retry(id) : await dl.discard(id);
    if (!ok) {
      jsonError(req, res, 404, 'admin.api.not_found');
      return;
    }
    log.info({ ticket: id, action }, 'dead letter handled');
    res.json({ ok: true });
  });
  apiRouter.get('/export', (req, res) => exportTo(req, res, req.query, false));
  if (options.incidents) apiRouter.use('/incidents', express.json({ limit: '4kb' }), incidentsRouter(options.incidents, { i18n, localeOf }));

  // ── answering from /admin and staff state ──
  const deskAnswer = (res: Response, req: Request, r: Awaited<ReturnType<NonNullable<typeof desk>['reply']>>) => {
    if (r.ok) res.status(r.told ? 200 : 502).json({ ok: true, delivered: r.told });
    else jsonError(req, res, r.reason === 'not_found' ? 404 : r.reason === 'not_held' ? 409 : 400, `admin.api.${r.reason}`);
  };
  apiRouter.post('/conversations/:id/:action', async (req, res, next) => {
    const id = String(req.params.id);
    const action = String(req.params.action);
    const body = req.body ?? {};
    if (action === 'takeover' || action === 'handback' || action === 'reply') {
      if (!desk) {
        jsonError(req, res, 404, 'admin.api.no_desk');
        return;
      }
      const r = action === 'reply' ? replySchema.safeParse(body) : staffSchema.safeParse(body);
      if (!r.success) {
        badRequest(req, res, r.error);
        return;
      }
      const by = r.data.by ?? '';
      const out =
        action === 'takeover'
          ? await desk.takeOver(id, by)
          : action === 'handback'
            ? await desk.handBack(id, by)
            : await desk.reply(id, by, (r.data as { text: string }).text);
      deskAnswer(res, req, out);
      return;
    }
    if (action === 'notes' || action === 'assign' || action === 'review') {
      const schema = action === 'notes' ? noteSchema : action === 'assign' ? assignSchema : reviewSchema;
      const r = schema.safeParse(body);
      if (!r.success) {
        badRequest(req, res, r.error);
        return;
      }
      const d = r.data as { by?: string; text?: string; to?: string; state?: (typeof STAFF_REVIEWS)[number] };
      const by = d.by?.trim() || undefined;
      const event =
        action === 'notes'
          ? { type: 'note' as const, text: redactNote(d.text as string), ...(by ? { by } : {}) }
          : action === 'assign'
            ? { type: 'assigned' as const, ...(d.to?.trim() ? { to: d.to.trim() } : {}), ...(by ? { by } : {}) }
            : { type: 'review' as const, state: d.state as (typeof STAFF_REVIEWS)[number], ...(by ? { by } : {}) };
      const ok = await store.addEvent(id, event, now());
      if (!ok) {
        jsonError(req, res, 404, 'admin.api.not_found');
        return;
      }
      log.info({ conversation: id, action }, 'staff action');
      res.json({ ok: true });
      return;
    }
    if (action === 'erase' || action === 'redact') {
      const ok = action === 'erase' ? await eraseConversation(id) : await store.rewrite(id, reRedactTurn);
      if (!ok) {
        jsonError(req, res, 404, 'admin.api.not_found');
        return;
      }
      log.info({ conversation: id, action }, action === 'erase' ? 'transcript erased on request' : 'transcript redacted again on request');
      res.json({ ok: true });
      return;
    }
    next();
  });
  /** A personal-data request: the transcript, its annotations and any hold go. */
  const eraseConversation = async (id: string) => {
    if (desk) await options.desk?.holds.clear(id).catch(() => false);
    return store.erase(id);
  };
  apiRouter.delete('/conversations/:id', async (req, res) => {
    const ok = await eraseConversation(String(req.params.id));
    if (!ok) {
      jsonError(req, res, 404, 'admin.api.not_found');
      return;
    }
    log.info({}, 'transcript erased on request');
    res.json({ ok: true });
  });

  // ── improving the bot ──
  apiRouter.get('/corrections', async (_req, res) => {
    const result = corrections(await store.allAnnotations());
    res.type('application/yaml; charset=utf-8').setHeader('Content-Disposition', 'attachment; filename="corrections.yaml"');
    res.send(correctionsYaml(result));
  });
  apiRouter.get('/improve', async (req, res) => {
    const q = improveQuery(req.query);
    if (!q.ok) {
      badRequest(req, res, q.error);
      return;
    }
    res.json({ ...(await improveQueue(store, q.value, now(), utcOffset)), accuracy: options.nlu ? accuracyOverTime(await withReadings(store, await store.allAnnotations()), options.nlu, utcOffset, options.tree) : [] });
  });
  apiRouter.use((req, res) => jsonError(req, res, 404, 'admin.api.not_found'));
  router.use('/api', apiRouter);

  // Anything else under /admin, once authenticated: a plain 404.
  router.use((req, res) => {
    res.status(404).type('html').send(renderNotFound(view(req, res)));
  });

  return {
    name: 'admin',
    ...(desk ? { helpDesk: desk.helpDesk } : {}),
    mount(app) {
      if (!token) {
        log.info({}, 'ADMIN_TOKEN is not set: /admin is off');
        return;
      }
      app.use('/admin', router);
    },
  };
}
