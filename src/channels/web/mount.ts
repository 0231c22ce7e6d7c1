/**
 * The web channel: GET / (the chat page) and POST /api/chat (one turn as JSON). It only translates —
 * request body → Turn → pipeline → TurnOutcome → response JSON — and never touches state or NLU.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { LOCALES, type Locale, type Logger } from '../../core/index.js';
import type { I18n } from '../../i18n/index.js';
import type { Pipeline } from '../../pipeline/types.js';
import type { HttpMount } from '../../http/types.js';
import { sendError } from '../../http/server.js';
import { parseChatInput, toChatJson } from './contract.js';
import { renderPage } from './page.js';

export interface WebChannelOptions {
  pipeline: Pipeline;
  i18n: I18n;
  /** Page language when ?lang= is absent (DEFAULT_LOCALE). */
  defaultLocale: Locale;
  logger: Logger;
  /** Clock for Turn.receivedAtMs (ms since epoch). */
  now?: () => number;
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
    },
  };
}
