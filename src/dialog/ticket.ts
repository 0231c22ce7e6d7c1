/**
 * The hand-off ticket (design.md § The ticket object): structured `fields` for the ticket system and `body`,
 * the guide's 連絡テンプレ filled in the conversation's language for the person who reads it. In two pure parts:
 * the engine files a draft (`ticketDraft`: fields with step title keys, no id, no text); the pipeline assigns the
 * id (MM-YYYYMMDD-NNNN) and renders the ticket (`renderTicket`) once, at the end of the turn.
 * Text the user typed is masked for secrets once more here, so no password reaches a ticket.
 */
import { z } from 'zod';
import {
  CHANNELS,
  ENTITY_VALUES,
  INTENTS,
  LOCALES,
  MAIL_SCOPES,
  type FollowUpDraft,
  type FollowUpFields,
  type Locale,
  type MailServerSettings,
  type MessageParams,
  type Ticket,
  type TicketDraft,
  type TicketFollowUp,
} from '../core/index.js';
import type { I18n, KeyArg } from '../i18n/index.js';
import { causeKey, intentKey, resultKey, valueKey } from '../i18n/keys.js';
import { parseFieldFacts } from '../nlu/fields.js';
import { renderMessage } from './render.js';
import { maskSecrets } from './secrets.js';
import type { ConversationState } from './types.js';

const settingsSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  ssl: z.boolean().optional(),
  auth: z.string().min(1).optional(),
});

/** zod schema of a Ticket; the hand-off outbox validates every ticket with it before delivery. */
export const ticketSchema = z.strictObject({
  /** MM-YYYYMMDD-NNNN, assigned by the pipeline. */
  id: z.string().regex(/^MM-\d{8}-\d{4,}$/),
  conversation: z.string().min(1),
  channel: z.enum(CHANNELS),
  createdAt: z.iso.datetime(),
  requester: z.strictObject({ id: z.string(), name: z.string().optional() }),
  locale: z.enum(LOCALES),
  intent: z.enum(INTENTS),
  cause: z.enum(['auth', 'network', 'server', 'unknown']),
  fields: z.strictObject({
    device: z.enum(ENTITY_VALUES.device).optional(),
    model: z.string().optional(),
    os: z.string().optional(),
    service: z.enum(ENTITY_VALUES.service).optional(),
    carrier: z.enum(ENTITY_VALUES.carrier).optional(),
    errorMessage: z.string().optional(),
    occurredAt: z.string().optional(),
    frequency: z.string().optional(),
    stepsTried: z.array(z.strictObject({ step: z.string(), result: z.enum(['resolved', 'not_resolved', 'skipped', 'rerouted', 'unknown']) })),
    settings: z.strictObject({ incoming: settingsSchema, outgoing: settingsSchema }),
  }),
  summary: z.string().min(1).max(300),
  body: z.string().min(1),
  transcriptUrl: z.url(),
  permalink: z.string().optional(),
  incident: z.string().regex(/^INC-\d{8}-[0-9a-f]+$/).optional(),
});

/** Compile-time check that the schema and the Ticket interface agree. */
type _SchemaMatches = z.infer<typeof ticketSchema> extends Ticket ? (Ticket extends z.infer<typeof ticketSchema> ? true : never) : never;
const _schemaMatches: _SchemaMatches = true;
void _schemaMatches;

const isOneOf = <T extends string>(values: readonly T[], v: string | undefined): v is T => v !== undefined && (values as readonly string[]).includes(v);
const clean = (text: string | undefined) => (text === undefined ? undefined : maskSecrets(text).text);

/** Mail server settings the user typed (collected as `settings.<side>.<key>`). */
function settingsOf(s: ConversationState, side: 'incoming' | 'outgoing'): MailServerSettings {
  const get = (k: string) => s.collected[`settings.${side}.${k}`];
  const out: MailServerSettings = {};
  const host = get('host');
  const port = Number(get('port'));
  const ssl = get('ssl');
  const auth = get('auth');
  if (host) out.host = host;
  if (Number.isInteger(port) && port > 0 && port < 65536) out.port = port;
  if (ssl === 'true' || ssl === 'false') out.ssl = ssl === 'true';
  if (auth) out.auth = clean(auth)!;
  return out;
}

/** The structured fields of the ticket from the conversation state (steps as title keys, rendered later). */
export function ticketFields(s: ConversationState): TicketDraft['fields'] {
  const fields: TicketDraft['fields'] = {
    stepsTried: s.stepsTried.map(({ title, step, result }) => (title !== undefined ? { title, result } : { step: step ?? '', result })),
    settings: { incoming: settingsOf(s, 'incoming'), outgoing: settingsOf(s, 'outgoing') },
  };
  if (isOneOf(ENTITY_VALUES.device, s.slots.device)) fields.device = s.slots.device;
  if (s.collected.model) fields.model = clean(s.collected.model);
  const os = s.slots.os_version ?? s.collected.os;
  if (os) fields.os = clean(os);
  if (isOneOf(ENTITY_VALUES.carrier, s.slots.carrier)) fields.carrier = s.slots.carrier;
  if (isOneOf(ENTITY_VALUES.service, s.slots.service)) fields.service = s.slots.service;
  else if (fields.carrier) fields.service = 'carrier_mail';
  const err = s.errorText ?? s.collected.errorMessage;
  if (err) fields.errorMessage = clean(err);
  if (s.collected.occurredAt) fields.occurredAt = clean(s.collected.occurredAt);
  if (s.collected.frequency) fields.frequency = clean(s.collected.frequency);
  return fields;
}

/** Link to the conversation on the review page. */
export function transcriptUrl(publicUrl: string, conversationId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/admin/conversations/${encodeURIComponent(conversationId)}`;
}

/**
 * The ticket of a conversation being handed off, as the engine files it. `params` are the tree messages'
 * parameters at filing time (carrier and device names …), for rendering step titles.
 */
export function ticketDraft(s: ConversationState, nowMs: number, params: MessageParams): TicketDraft {
  const draft: TicketDraft = {
    conversation: s.conversationId,
    channel: s.channel,
    createdAt: new Date(nowMs).toISOString(),
    requester: { id: s.userId, ...(s.userName ? { name: s.userName } : {}) },
    locale: s.locale,
    intent: s.intent ?? 'request_human',
    cause: s.cause ?? 'unknown',
    fields: ticketFields(s),
    params,
  };
  if (isOneOf(MAIL_SCOPES, s.slots.scope)) draft.scope = s.slots.scope;
  if (s.permalink) draft.permalink = s.permalink;
  if (s.stillBrokenAtForm?.length) draft.stillBroken = s.stillBrokenAtForm.map((x) => clean(x) ?? x);
  return draft;
}

/** What renderTicket needs besides the draft. */
export interface TicketRendering {
  /** The id the pipeline assigned (MM-YYYYMMDD-NNNN). */
  id: string;
  i18n: I18n;
  /** Base of the transcript link (PUBLIC_URL). */
  publicUrl: string;
}

/** The ticket as the ticket system and a person read it: the draft with its id, steps in words, summary and body in the draft's language. */
export function renderTicket(draft: TicketDraft, { id, i18n, publicUrl }: TicketRendering): Ticket {
  const locale = draft.locale;
  const tr = <K extends string>(key: K & KeyArg<K>, params?: Record<string, string | number | undefined>) => i18n.t<string>(key, params, locale);
  const { params, scope, stillBroken, fields: raw, ...rest } = draft;
  const fields: Ticket['fields'] = {
    ...raw,
    stepsTried: raw.stepsTried.map((x) => ({
      step: x.title !== undefined ? renderMessage({ key: x.title, params }, { i18n, locale }) : (x.step ?? ''),
      result: x.result,
    })),
  };
  const { intent, cause } = draft;
  const unknown = tr('ticket.unknown');
  const value = (slot: 'carrier' | 'service' | 'device', v: string | undefined) => (v ? tr(valueKey(slot, v)) : undefined);

  const deviceText = [fields.model ?? value('device', fields.device), fields.os].filter(Boolean).join(' / ') || unknown;
  const serviceText =
    [value('service', fields.service), value('carrier', fields.carrier)].filter(Boolean).join(' / ') || unknown;
  const errorText = fields.errorMessage ?? unknown;
  const whenText = `${fields.occurredAt ?? unknown} / ${fields.frequency ?? unknown}`;
  const stepsText = fields.stepsTried.length
    ? fields.stepsTried.map((x, i) => `  ${i + 1}. ${x.step} → ${tr(resultKey(x.result))}`).join('\n')
    : `  ${tr('ticket.no_steps')}`;
  const side = (st: MailServerSettings) => {
    const parts = [
      st.host,
      st.port !== undefined ? tr('ticket.settings.port', { port: st.port }) : undefined,
      st.ssl !== undefined ? tr(st.ssl ? 'ticket.settings.ssl_on' : 'ticket.settings.ssl_off') : undefined,
      st.auth ? tr('ticket.settings.auth', { auth: st.auth }) : undefined,
    ].filter(Boolean);
    return parts.length ? parts.join(', ') : unknown;
  };
  const url = transcriptUrl(publicUrl, draft.conversation);
  const requester = draft.requester.name ? `${draft.requester.name} (${draft.requester.id})` : draft.requester.id;

  const bodyMain = tr('ticket.body', {
    device_os: deviceText,
    service: serviceText,
    error: errorText,
    when: whenText,
    steps: stepsText,
    incoming: side(fields.settings.incoming),
    outgoing: side(fields.settings.outgoing),
    requester,
    channel: draft.channel,
    conversation: draft.conversation,
    cause: tr(causeKey(cause)),
    intent: scope ? tr('ticket.detected', { intent: tr(intentKey(intent)), scope: tr(`ticket.scope.${scope}`) }) : tr(intentKey(intent)),
    transcript: url,
  });
  // Filed while an incident was open for this symptom and carrier/service: say so, staff can answer them together.
  const withIncident = draft.incident ? `${bodyMain}\n${tr('ticket.incident', { id: draft.incident })}` : bodyMain;
  // 「まだ届きません」 said at the form (no field's answer): the problem persists, in the person's words.
  const body = stillBroken?.length ? `${withIncident}\n${tr('ticket.still_broken_at_form', { text: stillBroken.join(' / ') })}` : withIncident;
  const errShort = errorText.length > 60 ? `${errorText.slice(0, 59)}…` : errorText;
  // No error text on record, or the person said there is none (「エラー表示はなし」): the subject line quotes nothing rather
  // than 「不明」 or 「なし」 as if it were on the screen (the body's エラー表示 says which).
  const shown = fields.errorMessage !== undefined && !parseFieldFacts(fields.errorMessage).noError;
  const summary = tr(shown ? 'ticket.summary' : 'ticket.summary_no_error', { intent: tr(intentKey(intent)), service: serviceText, device: deviceText, error: errShort })
    .replace(/\s+/g, ' ')
    .slice(0, 300);

  const { permalink, ...head } = rest;
  const ticket: Ticket = { id, ...head, fields, summary, body, transcriptUrl: url };
  if (permalink) ticket.permalink = permalink;
  return ticket;
}

export interface FollowUpRendering {
  /** The ticket's id (what the person was told). */
  ticket: string;
  conversation: string;
  locale: Locale;
  createdAtMs: number;
  i18n: I18n;
  publicUrl: string;
}

/**
 * Renders a follow-up the engine emitted (a draft: kind, seq, masked text, facts) for the ticket system: its id
 * `<ticket id>-f<seq>` (the same when a turn is replayed, so the outbox sends it once) and the comment a person reads,
 * starting with `[<id>]` so a sink can find a comment it already added. The text is masked for secrets once more.
 */
export function renderFollowUp(draft: FollowUpDraft, o: FollowUpRendering): TicketFollowUp {
  const tr = <K extends string>(key: K & KeyArg<K>, params?: Record<string, string | number | undefined>) => i18n.t<string>(key, params, o.locale);
  const { i18n } = o;
  const id = `${o.ticket}-f${draft.seq}`;
  const text = draft.text === undefined ? undefined : maskSecrets(draft.text).text;
  const f = draft.fields;
  const value = (slot: 'carrier' | 'service' | 'device', v: string | undefined) => (v ? tr(valueKey(slot, v)) : undefined);
  const facts: Array<[string, string | undefined]> = [
    ['ticket.follow_up.field.device_os', [f.model ?? value('device', f.device), f.os].filter(Boolean).join(' / ') || undefined],
    ['ticket.follow_up.field.service', [value('service', f.service), value('carrier', f.carrier)].filter(Boolean).join(' / ') || undefined],
    ['ticket.follow_up.field.error', f.errorMessage === undefined ? undefined : maskSecrets(f.errorMessage).text],
    ['ticket.follow_up.field.when', [f.occurredAt, f.frequency].filter(Boolean).join(' / ') || undefined],
  ];
  const transcript = transcriptUrl(o.publicUrl, o.conversation);
  const lines = [
    `[${id}] ${tr(`ticket.follow_up.kind.${draft.kind}` as 'ticket.follow_up.kind.details', { ticket: o.ticket })}`,
    ...(text ? [tr('ticket.follow_up.said', { text })] : []),
    ...facts.filter(([, v]) => v).map(([k, v]) => tr(k as 'ticket.follow_up.field.error', { value: v })),
    tr('ticket.follow_up.transcript', { transcript }),
  ];
  const fields: FollowUpFields = { ...f, ...(f.errorMessage === undefined ? {} : { errorMessage: maskSecrets(f.errorMessage).text }) };
  return {
    id,
    ticket: o.ticket,
    conversation: o.conversation,
    createdAt: new Date(o.createdAtMs).toISOString(),
    locale: o.locale,
    kind: draft.kind,
    ...(text ? { text } : {}),
    fields,
    body: lines.join('\n'),
    transcriptUrl: transcript,
  };
}
