/**
 * The one HTTP server (express 5). It owns what every route shares — JSON body parsing with a size limit,
 * /healthz, /readyz, /metrics, 404 and the final error handler — and applies the channels' and pages' mounts
 * in order. It knows no channel: a mount brings its routes (src/http/types.ts).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { LOCALES, type Locale, type Logger } from '../core/index.js';
import type { I18n } from '../i18n/index.js';
import type { HttpMount } from './types.js';
import { httpRejectsTotal, registry } from './metrics.js';

/** Result of the readiness probe: every check must be true. */
export interface Readiness {
  ok: boolean;
  checks: Record<string, boolean>;
}

export interface HttpAppOptions {
  mounts: HttpMount[];
  logger: Logger;
  i18n: I18n;
  defaultLocale: Locale;
  /** Store ping + NLU loaded (+ whatever a mount adds). Must not throw. */
  ready(): Promise<Readiness>;
  /** True once graceful shutdown began: new requests get 503 and /readyz fails so the balancer moves on. */
  draining(): boolean;
  /** True during the shutdown grace (before draining): /readyz fails, requests are still served, connections close after their answer. */
  leaving?(): boolean;
  /** JSON body limit (bytes or a bytes string like "1mb"); default 1 MB — a 100 KB message in UTF-8 fits. */
  bodyLimit?: number | string;
}

/** The raw request bytes kept by the JSON parser, for mounts that verify signatures (Slack). */
export type RawBodyRequest = IncomingMessage & { rawBody?: Buffer };

/** Sends `{"error": "<localised text>"}` with `status`. */
export function sendError(res: Response, status: number, message: string): void {
  if (res.headersSent) return;
  res.status(status).type('application/json').send(JSON.stringify({ error: message }));
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  statusCode?: number;
}

/** Builds the express app: shared middleware, probes, mounts, then 404 and the error handler. */
export function createHttpApp(options: HttpAppOptions): Express {
  const { logger, i18n, defaultLocale } = options;
  // Errors answer in the language the caller asked for (?lang=en, as the admin pages and APIs read it), else the default.
  const t = (key: string, req: Request) => {
    const lang = req.query?.lang;
    return i18n.t(key, undefined, typeof lang === 'string' && (LOCALES as readonly string[]).includes(lang) ? (lang as Locale) : defaultLocale);
  };
  const app = express();
  app.disable('x-powered-by');
  // Query strings are only ever simple here (?lang=en); the simple parser cannot build nested objects.
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'http');
    });
    if (options.leaving?.() && !options.draining()) res.setHeader('Connection', 'close');
    if (options.draining()) {
      res.setHeader('Connection', 'close');
      if (req.path !== '/healthz' && req.path !== '/metrics') {
        sendError(res, 503, t('web.api.shutting_down', req));
        return;
      }
    }
    next();
  });

  // One JSON parser for every mount. The raw bytes are kept on req.rawBody: Slack's signature is computed over
  // them (bolt's receivers read req.rawBody when a parser already consumed the stream).
  app.use(
    express.json({
      limit: options.bodyLimit ?? '1mb',
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buf) => {
        (req as RawBodyRequest).rawBody = buf;
      },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const r = options.draining() || options.leaving?.() ? { ok: false, checks: { draining: false } } : await options.ready();
    res.status(r.ok ? 200 : 503).json({ status: r.ok ? 'ready' : 'not_ready', checks: r.checks });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  for (const m of options.mounts) {
    m.mount(app);
    logger.debug({ mount: m.name }, 'mounted');
  }

  app.use((req: Request, res: Response) => {
    sendError(res, 404, t('web.api.not_found', req));
  });

  // Express 5 routes rejected promises here too, so an async handler that throws never crashes the process.
  app.use((err: BodyParserError, req: Request, res: Response, _next: NextFunction) => {
    let status = 500;
    let key = 'web.api.internal';
    if (err.type === 'entity.parse.failed') [status, key] = [400, 'web.api.malformed_json'];
    else if (err.type === 'entity.too.large') [status, key] = [413, 'web.api.too_large'];
    else if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') [status, key] = [415, 'web.api.unsupported_encoding'];
    else if (err.type === 'request.aborted' || err.type === 'request.size.invalid') [status, key] = [400, 'web.api.bad_request'];
    else {
      const s = err.status ?? err.statusCode;
      if (typeof s === 'number' && s >= 400 && s < 500) [status, key] = [s, 'web.api.bad_request'];
    }
    httpRejectsTotal.inc({ status: String(status) });
    if (status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    else logger.info({ status, kind: err.type ?? 'client_error', method: req.method, path: req.path }, 'request rejected');
    sendError(res, status, t(key, req));
  });

  return app;
}

/** Listens on `port` (0 = any free port) and resolves once bound. */
export function listen(app: Express, port: number, host?: string): Promise<Server> {
  const server = createServer(app);
  // Headers and keep-alive bounded so a slow client cannot hold a connection (and our shutdown) forever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The URL a listening server answers on (loopback for wildcard binds). */
export function serverUrl(server: Server): string {
  const addr = server.address() as AddressInfo;
  const host = addr.address === '::' || addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
}

/**
 * Stops accepting connections and resolves when the open ones are done, or after `graceMs` when the rest are
 * cut. Idle keep-alive sockets are closed at once: they carry no request.
 */
export function stopServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    // A keep-alive socket whose last response finishes during the drain becomes idle later: sweep until closed.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
