/**
 * The last gate before a ticket is stored in the outbox or sent anywhere: every user-derived string is
 * redacted. Identifiers and links (id, conversation, transcriptUrl, permalink) are left as they are — they are
 * ours, and masking a long conversation id would break the transcript link.
 */
import { redact } from '../core/redact.js';
import type { MailServerSettings, Ticket, TicketFollowUp } from '../core/index.js';

/** A masking function for one ticket or follow-up, remembering whether it masked anything. */
function masker(locale: Ticket['locale']): { r: (s: string) => string; redacted: () => boolean } {
  let redacted = false;
  const r = (s: string): string => {
    const out = redact(s, { locale });
    if (out.redacted) redacted = true;
    return out.text;
  };
  return { r, redacted: () => redacted };
}

export function redactTicket(ticket: Ticket): { ticket: Ticket; redacted: boolean } {
  const { r, redacted } = masker(ticket.locale);
  const opt = (s: string | undefined) => (s === undefined ? undefined : r(s));
  const settings = (s: MailServerSettings): MailServerSettings => ({ ...s, host: opt(s.host), auth: opt(s.auth) });
  const strip = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

  const f = ticket.fields;
  const out: Ticket = {
    ...ticket,
    requester: strip({ ...ticket.requester, name: opt(ticket.requester.name) }),
    summary: r(ticket.summary),
    body: r(ticket.body),
    fields: strip({
      ...f,
      os: opt(f.os),
      errorMessage: opt(f.errorMessage),
      occurredAt: opt(f.occurredAt),
      frequency: opt(f.frequency),
      stepsTried: f.stepsTried.map((s) => ({ ...s, step: r(s.step) })),
      settings: { incoming: strip(settings(f.settings.incoming)), outgoing: strip(settings(f.settings.outgoing)) },
    }),
  };
  return { ticket: out, redacted: redacted() };
}

/** The same gate for a follow-up: what the person wrote, the facts read from it, and the comment body. */
export function redactFollowUp(followUp: TicketFollowUp): { followUp: TicketFollowUp; redacted: boolean } {
  const { r, redacted } = masker(followUp.locale);
  const fields = Object.fromEntries(Object.entries(followUp.fields).map(([k, v]) => [k, typeof v === 'string' ? r(v) : v]));
  const out: TicketFollowUp = {
    ...followUp,
    ...(followUp.text === undefined ? {} : { text: r(followUp.text) }),
    fields,
    body: r(followUp.body),
  };
  return { followUp: out, redacted: redacted() };
}
