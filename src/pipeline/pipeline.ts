/**
 * One turn, one chain (after botbuilder-core's BotAdapter.use() + onTurnError and hono's compose):
 *
 *   [outer links: in-flight count …] → observe → answer failures → validate → dedupe → lock → [take-over] →
 *   load → understand → step → effects → save
 *
 * Every link is in links.ts except `effects` (below). A failure anywhere — the store, the lock, the engine, the
 * ticket handler — is thrown and reaches the one error handler (`answer failures`), which answers politely from
 * the error's code; `handle` never throws. Staff take-over is a link like the others: a held conversation's turn
 * is relayed and answered quietly, marked `heldBy`, and observed like any other turn.
 */
import { performance } from 'node:perf_hooks';
import { asCodedError, CodedError, ErrorCode, silentLogger, type Locale, type Logger, type Ticket, type TicketFollowUp, type Turn } from '../core/index.js';
import { step as engineStep } from '../dialog/engine.js';
import { render } from '../dialog/render.js';
import { renderFollowUp, renderTicket } from '../dialog/ticket.js';
import type { I18n, LocaleKey } from '../i18n/index.js';
import { compose } from './compose.js';
import {
  answerFailures,
  dedupe,
  failTurn,
  load,
  lock,
  observe,
  save,
  sayWith,
  step,
  takeover,
  understand,
  validate,
  type Say,
} from './links.js';
import type { TicketIds } from '../state/types.js';
import type { Pipeline, PipelineOptions, TicketHandler, TurnContext, TurnLink } from './types.js';

export { cleanText, cutText } from './links.js';
export { createStores, type CreateStoresOptions } from '../state/stores.js';

/** Every locale key the pipeline renders (for lint: each must exist in ja and en). */
export const PIPELINE_KEYS = [
  'pipeline.empty_text',
  'pipeline.attachment_only',
  'pipeline.bad_action',
  'pipeline.bad_input',
  'pipeline.store_unavailable',
  'pipeline.busy',
  'pipeline.internal_error',
  'pipeline.ticket_created',
  'pipeline.ticket_failed',
] as const satisfies readonly LocaleKey[];

/**
 * The turn's effects, in one place: a ticket effect gets the next id of the day (only then: turns that file
 * nothing never consume a number), the ticket and the replies are rendered once, in the conversation's language,
 * with that id; the person is told the number if no reply says it, and the ticket is handed to the ticket handler
 * (the outbox: idempotent on the id). A refused ticket fails the turn (TicketDelivery): the state is not saved, so
 * asking again files anew.
 */
export function effects(o: { ticketIds: TicketIds; tickets?: TicketHandler; say: Say; log: Logger; i18n: I18n; publicUrl: string }): TurnLink {
  return {
    name: 'effects',
    async run(ctx, next) {
      const { turn } = ctx;
      const out = ctx.stepped!;
      let state = out.state;
      let ticket: Ticket | undefined;
      let followUp: TicketFollowUp | undefined;
      for (const effect of out.effects) {
        if (effect.type === 'status') {
          o.log.debug({ conversation: turn.conversationId, status: effect.status, node: effect.node }, 'status changed');
          continue;
        }
        if (effect.type === 'follow_up') {
          // The engine adds a follow-up only to a ticket it knows the id of; one per turn.
          if (!state.ticketId || followUp) {
            o.log.error({ conversation: turn.conversationId }, 'follow-up without a ticket, or a second one in one turn; ignored');
            continue;
          }
          followUp = renderFollowUp(effect.draft, {
            ticket: state.ticketId,
            conversation: turn.conversationId,
            locale: state.locale,
            createdAtMs: ctx.atMs,
            i18n: o.i18n,
            publicUrl: o.publicUrl,
          });
          if (o.tickets?.followUp) {
            try {
              // Held by the outbox (idempotent on the follow-up id) before the person hears it was added.
              await o.tickets.followUp(followUp);
            } catch (e) {
              // State is not saved: the follow-up keeps its number, and saying it again adds it then.
              throw new CodedError(ErrorCode.TicketDelivery, `follow-up ${followUp.id} not accepted: ${asCodedError(e).message}`, { cause: e });
            }
          } else o.log.warn({ conversation: turn.conversationId, followUp: followUp.id }, 'follow-up created but the ticket handler takes none');
          o.log.info({ conversation: turn.conversationId, ticket: state.ticketId, followUp: followUp.id, kind: followUp.kind }, 'follow-up added');
          continue;
        }
        if (ticket) {
          // The engine files at most one ticket per turn; a second would be a tree bug, never a second ticket.
          o.log.error({ conversation: turn.conversationId }, 'more than one ticket effect in one turn; extra ignored');
          continue;
        }
        let id = await o.ticketIds.next(ctx.atMs);
        ticket = renderTicket(effect.draft, { id, i18n: o.i18n, publicUrl: o.publicUrl });
        if (o.tickets) {
          try {
            // Resolves once the ticket is durably held (by the ticket system, or else the outbox): only then is
            // the person told its number — the one it was finally filed under.
            const accepted = await o.tickets.submit(ticket);
            if (accepted && accepted.id !== id) {
              id = accepted.id;
              ticket = renderTicket(effect.draft, { id, i18n: o.i18n, publicUrl: o.publicUrl });
            }
          } catch (e) {
            // State is not saved after this: the conversation stays before hand-off, so asking again files anew.
            throw new CodedError(ErrorCode.TicketDelivery, `ticket ${id} not accepted: ${asCodedError(e).message}`, { cause: e });
          }
        } else o.log.warn({ conversation: turn.conversationId, ticket: id }, 'ticket created but no ticket handler is configured');
        state = { ...state, ticketId: id };
        o.log.info({ conversation: turn.conversationId, ticket: id }, 'ticket created');
      }
      // A message that refers to the ticket id without a ticket is an engine bug: render() throws CodedError(Internal).
      let replies = render(out.replies, { i18n: o.i18n, locale: state.locale, ticketId: ticket?.id ?? state.ticketId });
      if (ticket && !replies.some((r) => r.text.includes(ticket!.id))) replies = [...replies, o.say('pipeline.ticket_created', state.locale, { id: ticket.id })];
      ctx.state = state;
      ctx.replies = replies;
      if (ticket) ctx.ticket = ticket;
      if (followUp) ctx.followUp = followUp;
      await next();
    },
  };
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const log = (options.logger ?? silentLogger).child({ component: 'pipeline' });
  const clock = options.clock ?? Date.now;
  const defaultLocale: Locale = options.defaultLocale ?? 'ja';
  const stateTtlSeconds = options.stateTtlSeconds ?? 86_400;
  const doneTtlSeconds = options.dedupeTtlSeconds ?? 86_400;
  const leaseSeconds = options.deliveryLeaseSeconds ?? 60;
  const maxTextChars = options.maxTextChars ?? 4_000;
  const { store, deliveries, ticketIds, i18n, tree } = options;
  const say = sayWith(i18n);
  const handler = { log, say, defaultLocale };

  const links: TurnLink[] = [
    ...(options.outer ?? []),
    observe(options.observers ?? [], log),
    answerFailures(handler),
    validate(maxTextChars, log),
    dedupe(deliveries, { leaseSeconds, doneTtlSeconds, log, store }),
    lock(store),
    ...(options.takeover ? [takeover(options.takeover, log, store)] : []),
    load(store),
    understand(options.nlu, { say, defaultLocale }),
    step(options.step ?? engineStep, { tree, i18n, defaultLocale, incidents: options.incidents }),
    effects({ ticketIds, tickets: options.tickets, say, log, i18n, publicUrl: options.publicUrl ?? 'http://localhost:3978' }),
    save(store, { stateTtlSeconds, doneTtlSeconds }),
  ];
  const run = compose(links);

  return {
    links: links.map((l) => l.name),
    async handle(received: Turn) {
      const ctx: TurnContext = { received, turn: received, atMs: clock(), startedAt: performance.now() };
      try {
        await run(ctx);
      } catch (e) {
        // Only a fault of an outer link (observe, in-flight …) gets here: the turn's own are answered inside.
        failTurn(ctx, e, handler);
      }
      return ctx.outcome!;
    },
  };
}
