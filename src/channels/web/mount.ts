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
import { redact } from '../../core/redact.js';
import { clientAddress, type Limiter } from '../../http/rate-limit.js';
import { chatRateLimitedTotal } from '../../http/metrics.js';

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
  /** Per-conversation and per-client limits on /api/chat (429 + Retry-After). Absent: no limits. */
  rateLimit?: { conversation: Limiter; client: Limiter; trustProxy: number };
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
    res.setHeader('Cache-Control', 'no-store');
    const typed = parsed.turn.text;
    // What the page keeps of what the person typed: the server's redacted copy, never the raw text.
    const echo = typeof typed === 'string' && typed !== '' ? redact(typed).text : undefined;
    const limits = options.rateLimit;
    if (limits) {
      const client = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], limits.trustProxy);
      const waitConv = limits.conversation.take(parsed.turn.conversationId);
      const wait = waitConv ?? limits.client.take(client);
      if (wait !== undefined) {
        const scope = waitConv !== undefined ? 'conversation' : 'client';
        chatRateLimitedTotal.inc({ scope });
        logger.info({ channel: 'web', scope, retryAfter: wait }, 'chat request rate limited');
        res.setHeader('Retry-After', String(wait));
        res.status(429).json({
          conversation: parsed.turn.conversationId,
          replies: [{ text: i18n.t('web.api.rate_limited', { seconds: String(wait) }, locale), choices: [] }],
          error: 'rate_limited',
          ...(echo !== undefined ? { echo } : {}),
        });
        return;
      }
    }
    const outcome = await pipeline.handle(parsed.turn);
    const json = toChatJson(outcome);
    // A password sent in the message after its label (「パスワードは」 → 「hunter」): the engine's mark, not the text.
    if (echo !== undefined) json.echo = outcome.secret ?? echo;
    res.json(json);
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
