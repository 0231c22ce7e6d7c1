/**
 * Render once, at the edge: the engine's messages (`{key, params, choices}`) become text at the end of the turn,
 * in the conversation's language, after the pipeline assigned any ticket id. Nothing is patched afterwards.
 */
import { CodedError, ErrorCode, type Locale, type Message, type MessageParam, type Reply, type ReplyMessage } from '../core/index.js';
import type { I18n } from '../i18n/index.js';

/** What rendering needs: the texts, the language, and what only the end of the turn knows. */
export interface RenderContext {
  i18n: I18n;
  locale: Locale;
  /** The conversation's ticket id, once assigned; a message referring to it without one is a bug. */
  ticketId?: string;
}

function param(p: MessageParam, ctx: RenderContext): string | number {
  if (typeof p === 'string' || typeof p === 'number') return p;
  if ('key' in p) return renderMessage(p, ctx);
  if ('join' in p) return p.join.map((x) => param(x, ctx)).join(String(param(p.separator, ctx)));
  if (ctx.ticketId === undefined) throw new CodedError(ErrorCode.Internal, 'render: a message refers to the ticket id but no ticket was filed');
  return ctx.ticketId;
}

/** One message as text. Only the parameters its template names are rendered. */
export function renderMessage(m: Message, ctx: RenderContext): string {
  const params = m.params;
  if (!params) return ctx.i18n.t(m.key, undefined, ctx.locale);
  return ctx.i18n.format(m.key, (name) => {
    const p = params[name];
    return p === undefined ? undefined : param(p, ctx);
  }, ctx.locale);
}

/** The engine's replies as channels show them and `/api/chat` returns them: `{key, text, choices: [{label, value}]}`. */
export function render(replies: readonly ReplyMessage[], ctx: RenderContext): Reply[] {
  return replies.map((r) => {
    const out: Reply = { key: r.key, text: renderMessage(r, ctx) };
    if (r.choices?.length) out.choices = r.choices.map((c) => ({ label: renderMessage(c, ctx), value: c.value }));
    return out;
  });
}
