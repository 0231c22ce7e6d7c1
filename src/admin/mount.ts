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
import { CHANNELS, ENTITY_VALUES, INTENTS, SYMPTOM_INTENTS, LOCALES, type Locale, type Logger } from '../core/index.js';
import type { DialogTree } from '../data/schemas.js';
import type { DeadLetterAdmin } from '../handoff/index.js';
import type { HttpMount } from '../http/types.js';
import type { I18n } from '../i18n/index.js';
import {
  computeAnalytics,
  csvHeader,
  DEFAULT_ABANDON_AFTER_MS,
  findConversations,
  loadConversations,
  paginate,
  reviewStatus,
  toCsvRows,
  toJsonLine,
  withActionLabels,
  REVIEW_STATUSES,
  OUTCOMES,
  NOTE_MAX,
  type ConversationFilter,
  type TranscriptStore,
} from '../transcripts/index.js';
import { authenticate, createSession, SESSION_TTL_MS, sessionCookie } from './auth.js';
import { incidentsRouter, renderIncidentBanner, type IncidentService } from '../incidents/index.js';
import { renderAnalytics } from './analytics.js';
import {
  EMPTY_FILTER,
  renderConversation,
  renderDeadLetters,
  renderList,
  renderLogin,
  renderNotFound,
  renderResults,
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
  /** Link to a ticket in the ticket system, when known. */
  ticketUrl?: (ticketId: string) => Promise<string | undefined>;
  /** Idle time after which an active conversation counts as abandoned, ms. Default 30 minutes. */
  abandonAfterMs?: number;
  /** Time zone of dates on the pages and in the filters, minutes from UTC. Default: the server's. */
  utcOffsetMinutes?: number;
  /** Base URL (PUBLIC_URL): the session cookie is Secure when it is https. */
  publicUrl?: string;
  /** Conversations per list page. Default 25. */
  pageSize?: number;
  /** Incidents (src/incidents): the banner on every page and /admin/api/incidents. */
  incidents?: IncidentService;
  now?: () => number;
}

const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
const DAY_MS = 86_400_000;
/** Days the analytics show when no range is given. */
const DEFAULT_ANALYTICS_DAYS = 30;

const dateString = z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/)]);
const filterSchema = z.object({
  from: dateString.optional(),
  to: dateString.optional(),
  status: z.union([z.literal(''), z.enum(REVIEW_STATUSES)]).optional(),
  intent: z.union([z.literal(''), z.enum(INTENTS)]).optional(),
  carrier: z.union([z.literal(''), z.enum(ENTITY_VALUES.carrier)]).optional(),
  channel: z.union([z.literal(''), z.enum(CHANNELS)]).optional(),
  text: z.string().max(200).optional(),
  annotated: z.union([z.boolean(), z.literal('1'), z.literal('on'), z.literal(''), z.literal('true'), z.literal('false')]).optional(),
  outcome: z.union([z.literal(''), z.enum(OUTCOMES)]).optional(),
  symptom: z.union([z.literal(''), z.enum(INTENTS).refine((i) => SYMPTOM_INTENTS.has(i), 'not a symptom intent')]).optional(),
  node: z.string().max(100).regex(/^[A-Za-z0-9_.-]*$/).optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional(),
  pageSize: z.coerce.number().int().min(1).max(500).optional(),
});

const annotationSchema = z.strictObject({
  conversation: z.string().min(1).max(512),
  turn: z.number().int().min(1),
  intent: z.enum(INTENTS),
  note: z.string().max(NOTE_MAX).optional(),
  by: z.string().max(80).optional(),
});
const unannotateSchema = z.strictObject({ conversation: z.string().min(1).max(512), turn: z.number().int().min(1) });

/** `YYYY-MM-DD` at `offset` minutes from UTC → ms of that day's midnight there. */
function dayStartMs(day: string, offsetMinutes: number): number {
  return Date.parse(`${day}T00:00:00Z`) - offsetMinutes * 60_000;
}

export function adminMount(options: AdminOptions): HttpMount {
  const { token, store, i18n, defaultLocale, logger } = options;
  const log = logger.child({ component: 'admin' });
  const now = options.now ?? Date.now;
  const abandonAfterMs = options.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS;
  const utcOffsetMinutes = options.utcOffsetMinutes ?? -new Date().getTimezoneOffset();
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
    utcOffsetMinutes,
    abandonAfterMs,
    deadLetters: options.deadLetters?.() !== undefined,
    banner: res.locals.banner as string | undefined,
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
    if (v.from) f.fromMs = dayStartMs(v.from, utcOffsetMinutes);
    if (v.to) f.toMs = dayStartMs(v.to, utcOffsetMinutes) + DAY_MS;
    if (v.status) f.status = v.status as ConversationFilter['status'];
    if (v.intent) f.intent = v.intent as ConversationFilter['intent'];
    if (v.carrier) f.carrier = v.carrier;
    if (v.channel) f.channel = v.channel as ConversationFilter['channel'];
    if (v.text.trim()) f.text = v.text.trim();
    if (v.annotated) f.annotated = true;
    if (v.outcome) f.outcome = v.outcome as ConversationFilter['outcome'];
    if (v.symptom) f.symptom = v.symptom as ConversationFilter['symptom'];
    if (v.node) f.node = v.node;
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
      channel: d.channel ?? '',
      text: allowText ? (d.text ?? '') : '',
      annotated: d.annotated === true || d.annotated === '1' || d.annotated === 'on' || d.annotated === 'true',
      outcome: d.outcome ?? '',
      symptom: d.symptom ?? '',
      node: d.node ?? '',
    };
    return { ok: true, values, page: d.page ?? 1, size: d.pageSize ?? pageSize };
  };
  const isFiltered = (v: FilterValues) => Object.entries(v).some(([, x]) => x !== '' && x !== false);

  const query = async (values: FilterValues, page: number, size: number) => {
    const items = await findConversations(store, toFilter(values), { nowMs: now(), abandonAfterMs });
    return paginate(items, page, size);
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
    if (req.method === 'POST' && req.path === '/login') {
      next();
      return;
    }
    const auth = authenticate(req, token as string, now());
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
    const auth = authenticate({ headers: { authorization: `Bearer ${given}` } } as Request, token as string, now());
    if (!given || !auth.ok) {
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
    const summary = await store.summary(id);
    if (!summary) {
      res.status(404).type('html').send(renderNotFound(view(req, res)));
      return;
    }
    const [turns, annotations] = await Promise.all([store.turns(id), store.annotations(id)]);
    const ticketUrl = summary.ticketId && options.ticketUrl ? await options.ticketUrl(summary.ticketId).catch(() => undefined) : undefined;
    res.type('html').send(
      renderConversation(view(req, res), {
        summary,
        review: reviewStatus(summary, { nowMs: now(), abandonAfterMs }),
        turns: withActionLabels(turns),
        annotations,
        ticketUrl,
      }),
    );
  });

  const analyticsRange = (q: Record<string, unknown>) => {
    const today = new Date(now() + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
    const valid = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : undefined);
    const to = valid(q.to) ?? today;
    const from = valid(q.from) ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_ANALYTICS_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
    return { from, to, fromMs: dayStartMs(from, utcOffsetMinutes), toMs: dayStartMs(to, utcOffsetMinutes) + DAY_MS };
  };
  const analytics = async (q: Record<string, unknown>) => {
    const r = analyticsRange(q);
    const summaries = await store.summaries(r.fromMs);
    return {
      range: r,
      data: computeAnalytics(summaries, { fromMs: r.fromMs, toMs: r.toMs, nowMs: now(), abandonAfterMs, tree: options.tree, utcOffsetMinutes }),
    };
  };
  router.get('/analytics', async (req, res) => {
    const { range, data } = await analytics(req.query);
    res.type('html').send(renderAnalytics(view(req, res), data, range));
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
    const items = await findConversations(store, toFilter(parsed.values), { nowMs: now(), abandonAfterMs });
    const stamp = new Date(now()).toISOString().slice(0, 10);
    res.setHeader('Content-Disposition', `attachment; filename="mailmedic-transcripts-${stamp}.${format === 'csv' ? 'csv' : 'jsonl'}"`);
    if (format === 'csv') {
      res.type('text/csv; charset=utf-8');
      // A BOM so Excel (the help desk's usual tool) reads UTF-8 Japanese correctly.
      res.write(`\uFEFF${csvHeader()}`);
    } else res.type('application/x-ndjson; charset=utf-8');
    for (let i = 0; i < items.length; i += 50) {
      for (const c of await loadConversations(store, items.slice(i, i + 50))) res.write(format === 'csv' ? toCsvRows(c) : `${toJsonLine(c)}\n`);
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
    res.json({ ...page, html: renderResults(view(req, res), page) });
  });
  apiRouter.get('/conversations/:id', async (req, res) => {
    const id = String(req.params.id);
    const summary = await store.summary(id);
    if (!summary) {
      jsonError(req, res, 404, 'admin.api.not_found');
      return;
    }
    const [turns, annotations] = await Promise.all([store.turns(id), store.annotations(id)]);
    res.json({ summary: { ...summary, review: reviewStatus(summary, { nowMs: now(), abandonAfterMs }) }, turns: withActionLabels(turns), annotations });
  });
  apiRouter.get('/analytics', async (req, res) => {
    const { range, data } = await analytics(req.query);
    res.json({ from: range.from, to: range.to, ...data });
  });
  apiRouter.get('/annotations', async (_req, res) => {
    res.json({ annotations: await store.allAnnotations() });
  });
  apiRouter.post('/annotations', async (req, res) => {
    const r = annotationSchema.safeParse(req.body ?? {});
    if (!r.success) {
      badRequest(req, res, r.error);
      return;
    }
    const a = await store.annotate({
      conversation: r.data.conversation,
      seq: r.data.turn,
      intent: r.data.intent,
      atMs: now(),
      ...(r.data.note?.trim() ? { note: r.data.note.trim() } : {}),
      ...(r.data.by?.trim() ? { by: r.data.by.trim() } : {}),
    });
    if (!a) {
      jsonError(req, res, 404, 'admin.api.unknown_turn');
      return;
    }
    log.info({ conversation: a.conversation, turn: a.seq, intent: a.intent }, 'turn annotated');
    res.status(201).json({ annotation: a });
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
  apiRouter.use((req, res) => jsonError(req, res, 404, 'admin.api.not_found'));
  router.use('/api', apiRouter);

  // Anything else under /admin, once authenticated: a plain 404.
  router.use((req, res) => {
    res.status(404).type('html').send(renderNotFound(view(req, res)));
  });

  return {
    name: 'admin',
    mount(app) {
      if (!token) {
        log.info({}, 'ADMIN_TOKEN is not set: /admin is off');
        return;
      }
      app.use('/admin', router);
    },
  };
}
