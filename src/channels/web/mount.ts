/**
 * The web channel: GET / (the chat page), POST /api/chat (one turn as JSON) and POST|GET /api/chat/messages (the
 * messages sent after the turn, from the mailbox). It only translates — request body → Turn → pipeline →
 * TurnOutcome → response JSON — and never touches state or NLU.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { LOCALES, type Locale, type Logger } from '../../core/index.js';
import type { I18n } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';
import type { HttpMount } from '../../http/types.js';
import { sendError } from '../../http/server.js';
import { parseChatInput, parsePollInput, toChatJson } from './contract.js';
import { parseCursor, type WebMailbox } from './mailbox.js';
import { renderPage } from './page.js';

export interface WebChannelOptions {
  pipeline: Pipeline;
  i18n: I18n;
  /** Page language when ?lang= is absent (DEFAULT_LOCALE). */
  defaultLocale: Locale;
  logger: Logger;
  /** Clock for Turn.receivedAtMs (ms since epoch). */
  now?: () => number;
  /**
   * Where messages sent after the turn wait for the page (see mailbox.ts). Without it /api/chat/messages is not
   * mounted (404): nothing could ever be in it.
   */
  mailbox?: WebMailbox;
}

const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

/** The web chat page and the REST turn endpoint, as one mount of the HTTP server. */
export function webMount(options: WebChannelOptions): HttpMount {
  const { pipeline, i18n, defaultLocale, logger } = options;
  const now = options.now ?? Date.now;

  const pageLocale = (req: Request): Locale => (isLocale(req.query.lang) ? req.query.lang : defaultLocale);

  async function chat(req: Request, res: Response): Promise<void> {
    const body: unknown = req.body;
    const bodyLocale = (body as { locale?: unknown } | undefined)?.locale;
    const locale = isLocale(bodyLocale) ? bodyLocale : pageLocale(req);
    if (body === undefined) {
      // express.json() leaves the body undefined for any other content type.
      sendError(res, 415, i18n.t('web.api.json_required', undefined, locale));
      return;
    }
    const parsed = parseChatInput(body, 'web', now());
    if (!parsed.ok) {
      logger.info({ channel: 'web', reason: parsed.error.key }, 'chat request refused');
      sendError(res, 400, i18n.t(parsed.error.key, parsed.error.params, locale));
      return;
    }
    const outcome = await pipeline.handle(parsed.turn);
    res.setHeader('Cache-Control', 'no-store');
    res.json(toChatJson(outcome));
  }

  /** A poll: JSON body for POST (the page: nothing in the URL), the query for GET. */
  async function messages(req: Request, res: Response, mailbox: WebMailbox): Promise<void> {
    const input: unknown = req.method === 'GET' ? req.query : req.body;
    const bodyLocale = (input as { locale?: unknown } | undefined)?.locale;
    const locale = isLocale(bodyLocale) ? bodyLocale : pageLocale(req);
    if (input === undefined) {
      sendError(res, 415, i18n.t('web.api.json_required', undefined, locale));
      return;
    }
    const parsed = parsePollInput(input, parseCursor);
    if (!parsed.ok) {
      logger.info({ channel: 'web', reason: parsed.error.key }, 'poll refused');
      sendError(res, 400, i18n.t(parsed.error.key, parsed.error.params, locale));
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    try {
      res.json(await mailbox.read(parsed.conversation, parsed.after));
    } catch (e) {
      // Redis down: the page keeps its cursor and asks again later, so nothing is lost.
      logger.warn({ channel: 'web', err: e instanceof Error ? e.name : 'error' }, 'web mailbox read failed');
      sendError(res, 503, i18n.t('web.api.try_again', undefined, locale));
    }
  }

  return {
    name: 'web',
    mount(app) {
      app.get('/', (req, res) => {
        const nonce = randomBytes(16).toString('base64');
        res.setHeader(
          'Content-Security-Policy',
          `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; ` +
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        );
        res.setHeader('Referrer-Policy', 'no-referrer');
        res.setHeader('Cache-Control', 'no-store');
        res.type('html').send(renderPage(i18n, pageLocale(req), nonce));
      });
      app.post('/api/chat', chat);
      const { mailbox } = options;
      if (mailbox) {
        app.post('/api/chat/messages', (req, res) => messages(req, res, mailbox));
        app.get('/api/chat/messages', (req, res) => messages(req, res, mailbox));
      }
    },
  };
}
