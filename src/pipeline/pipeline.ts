/**
 * One turn, one pipeline (after botbuilder-core's BotAdapter.runMiddleware + onTurnError):
 *   validate → dedupe → lock → load → NLU → step → effects (ticket id, hand-off) → save → unlock → observers.
 * Every failure ends in `turnError()`, which answers politely from the error's code; `handle` never throws.
 */
import { performance } from 'node:perf_hooks';
import {
  asCodedError,
  CodedError,
  ErrorCode,
  LOCALES,
  silentLogger,
  type Locale,
  type NluResult,
  type Reply,
  type Ticket,
  type Turn,
} from '../core/index.js';
import { step as engineStep } from '../dialog/engine.js';
import { render } from '../dialog/render.js';
import { renderTicket } from '../dialog/ticket.js';
import type { ConversationState, StepInput, StepMeta } from '../dialog/types.js';
import { seenClaimKey } from '../state/keys.js';
import type { Pipeline, PipelineOptions, PipelineOutcome, TurnRecord } from './types.js';

export { createStores, type CreateStoresOptions } from '../state/stores.js';

/** Longest conversation id accepted, characters (Teams ids run to ~200). */
const MAX_CONVERSATION_ID = 512;
/** Longest event id kept for de-duplication, characters. */
const MAX_EVENT_ID = 256;
/** A choice value is a short token; anything else was not produced by one of our buttons. */
const ACTION_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

// C0/C1 controls except tab and newline, lone surrogates (binary read as UTF-16), U+FFFD (undecodable bytes),
// and the BOM / non-characters: none carries meaning for the NLU and some break JSON or terminals downstream.
// eslint-disable-next-line no-control-regex -- stripping control characters is the point of this pattern.
const JUNK = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFEFF\uFFFD\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes control and undecodable characters, folds CR/CRLF to LF, trims. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(JUNK, '').trim();
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** Every locale key the pipeline renders (for lint: each must exist in ja and en). */
export const PIPELINE_KEYS = [
  'pipeline.empty_text',
  'pipeline.bad_action',
  'pipeline.bad_input',
  'pipeline.store_unavailable',
  'pipeline.busy',
  'pipeline.internal_error',
  'pipeline.ticket_created',
  'pipeline.ticket_failed',
] as const;

type Problem = 'empty' | 'bad_action';

interface Prepared {
  turn: Turn;
  problem?: Problem;
  truncated: boolean;
}

function prepare(raw: Turn, maxTextChars: number): Prepared {
  const turn: Turn = { ...raw };
  let truncated = false;
  // Channels type their turns, but /api/chat and --jsonl carry user JSON: an unknown locale is dropped, not trusted.
  if (turn.locale !== undefined && !(LOCALES as readonly string[]).includes(turn.locale)) delete turn.locale;
  if (typeof turn.action === 'string' && turn.action !== '') {
    // A click: the text (if any) is ignored, the value must look like one of our choice values.
    delete turn.text;
    return { turn, truncated, problem: ACTION_PATTERN.test(turn.action) ? undefined : 'bad_action' };
  }
  delete turn.action;
  const text = cleanText(typeof turn.text === 'string' ? turn.text : '');
  if (text === '') {
    turn.text = '';
    return { turn, truncated, problem: 'empty' };
  }
  turn.text = cutText(text, maxTextChars);
  truncated = turn.text.length < text.length;
  return { turn, truncated };
}

function validIdentity(turn: Turn): string | undefined {
  if (typeof turn.conversationId !== 'string' || turn.conversationId.trim() === '') return 'conversationId is empty';
  if (turn.conversationId.length > MAX_CONVERSATION_ID) return `conversationId longer than ${MAX_CONVERSATION_ID}`;
  if (typeof turn.userId !== 'string' || turn.userId === '') return 'userId is empty';
  return undefined;
}

/** Problem → locale key of the reply. */
const PROBLEM_KEYS: Record<Problem, string> = {
  empty: 'pipeline.empty_text',
  bad_action: 'pipeline.bad_action',
};

/** Error code → locale key of the polite reply. */
function errorKey(code: ErrorCode): string {
  switch (code) {
    case ErrorCode.StoreUnavailable:
      return 'pipeline.store_unavailable';
    case ErrorCode.LockTimeout:
      return 'pipeline.busy';
    case ErrorCode.TicketDelivery:
      return 'pipeline.ticket_failed';
    case ErrorCode.InputInvalid:
    case ErrorCode.InputTooLarge:
      return 'pipeline.bad_input';
    default:
      return 'pipeline.internal_error';
  }
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const log = (options.logger ?? silentLogger).child({ component: 'pipeline' });
  const clock = options.clock ?? Date.now;
  const publicUrl = options.publicUrl ?? 'http://localhost:3978';
  const defaultLocale: Locale = options.defaultLocale ?? 'ja';
  const stateTtlSeconds = options.stateTtlSeconds ?? 86_400;
  const dedupeTtlSeconds = options.dedupeTtlSeconds ?? 86_400;
  const maxTextChars = options.maxTextChars ?? 4_000;
  const observers = options.observers ?? [];
  const { store, dedupe, ticketIds, i18n } = options;
  const step = options.step ?? engineStep;

  const say = (key: string, locale: Locale, params?: Record<string, string | number>): Reply => ({
    key,
    text: i18n.t(key, params, locale),
  });

  const notify = (record: TurnRecord) => {
    for (const o of observers) {
      // Called without awaiting: an observer never delays the reply; its failure is logged, not propagated.
      try {
        const r = o.onTurn(record);
        if (r && typeof (r as Promise<void>).then === 'function') {
          (r as Promise<void>).catch((e: unknown) =>
            log.error({ conversation: record.turn.conversationId, err: asCodedError(e).message }, 'turn observer failed'),
          );
        }
      } catch (e) {
        log.error({ conversation: record.turn.conversationId, err: asCodedError(e).message }, 'turn observer failed');
      }
    }
  };

  /** Everything the turn learnt so far, for the observers and the error reply. */
  interface Progress {
    state?: ConversationState;
    nlu?: NluResult;
    locale?: Locale;
  }

  /** The single place a failed turn is answered (botbuilder's onTurnError). */
  const turnError = (turn: Turn, e: unknown, progress: Progress): { outcome: PipelineOutcome; error: CodedError } => {
    const err = asCodedError(e);
    const level = err.code === ErrorCode.Internal ? 'error' : 'warn';
    log[level]({ conversation: turn.conversationId, channel: turn.channel, code: err.code, err: err.message }, 'turn failed');
    const locale = progress.locale ?? progress.state?.locale ?? turn.locale ?? defaultLocale;
    return {
      error: err,
      outcome: {
        conversation: turn.conversationId,
        intent: progress.nlu?.intent ?? null,
        node: progress.state?.node ?? '',
        status: progress.state?.status ?? 'active',
        replies: [say(errorKey(err.code), locale)],
      },
    };
  };

  async function runTurn(turn: Turn, problem: Problem | undefined, atMs: number, progress: Progress): Promise<PipelineOutcome> {
    return store.withLock(turn.conversationId, async () => {
      const previous = await store.get(turn.conversationId);
      progress.state = previous;
      if (problem) {
        // Nothing to understand: answer, keep the state as it is (not even its TTL needs touching).
        const locale = previous?.locale ?? turn.locale ?? defaultLocale;
        return {
          conversation: turn.conversationId,
          intent: null,
          node: previous?.node ?? '',
          status: previous?.status ?? 'active',
          replies: [say(PROBLEM_KEYS[problem], locale)],
        };
      }

      let input: StepInput;
      if (turn.action !== undefined) {
        input = { kind: 'action', value: turn.action, nonce: turn.nonce };
      } else {
        const text = turn.text ?? '';
        const nlu = options.nlu.analyse(text, previous?.locale ?? turn.locale);
        progress.nlu = nlu;
        progress.locale = nlu.locale;
        input = { kind: 'text', text, nlu };
      }
      const meta: StepMeta = {
        conversationId: turn.conversationId,
        channel: turn.channel,
        userId: turn.userId,
        userName: turn.userName,
        permalink: turn.permalink,
        locale: turn.locale ?? previous?.locale ?? defaultLocale,
        nowMs: atMs,
      };
      const out = step(previous, input, meta, { tree: options.tree, i18n });
      let state = out.state;
      progress.locale = state.locale;

      // Effects: a ticket gets its id, then the ticket and the replies are rendered once, in the conversation's language.
      let ticket: Ticket | undefined;
      for (const effect of out.effects) {
        if (effect.type === 'status') {
          log.debug({ conversation: turn.conversationId, status: effect.status, node: effect.node }, 'status changed');
          continue;
        }
        if (ticket) {
          // The engine files at most one ticket per turn; a second would be a tree bug, never a second ticket.
          log.error({ conversation: turn.conversationId }, 'more than one ticket effect in one turn; extra ignored');
          continue;
        }
        const id = await ticketIds.next(atMs);
        ticket = renderTicket(effect.draft, { id, i18n, publicUrl });
        state = { ...state, ticketId: id };
        if (options.tickets) {
          try {
            await options.tickets.submit(ticket);
          } catch (e) {
            // State is not saved after this: the conversation stays before hand-off, so asking again files anew.
            throw new CodedError(ErrorCode.TicketDelivery, `ticket ${id} not accepted: ${asCodedError(e).message}`, { cause: e });
          }
        } else log.warn({ conversation: turn.conversationId, ticket: id }, 'ticket created but no ticket handler is configured');
        log.info({ conversation: turn.conversationId, ticket: id }, 'ticket created');
      }
      // A message that refers to the ticket id without a ticket is an engine bug: render() throws CodedError(Internal).
      let replies = render(out.replies, { i18n, locale: state.locale, ticketId: ticket?.id ?? state.ticketId });
      if (ticket && !replies.some((r) => r.text.includes(ticket!.id))) replies = [...replies, say('pipeline.ticket_created', state.locale, { id: ticket.id })];

      await store.set(turn.conversationId, state, stateTtlSeconds, { expectedTurn: previous ? previous.turn : -1 });
      // Only now is the new state the conversation's: a failed save reports (and answers from) the stored one.
      progress.state = state;
      const outcome: PipelineOutcome = {
        conversation: turn.conversationId,
        intent: out.intent,
        node: state.node ?? '',
        status: state.status,
        replies,
      };
      if (ticket) outcome.ticket = ticket;
      // Channels that can carry data on a button (Teams cards, Slack block_id) echo this back as Turn.nonce.
      if (state.offer !== undefined && replies.some((r) => r.choices?.length)) outcome.offer = String(state.offer);
      return outcome;
    });
  }

  return {
    async handle(raw: Turn): Promise<PipelineOutcome> {
      const atMs = clock();
      const t0 = performance.now();
      const progress: Progress = {};
      let turn: Turn = raw;
      let outcome: PipelineOutcome;
      let error: CodedError | undefined;
      try {
        const prepared = prepare(raw, maxTextChars);
        turn = prepared.turn;
        const identity = validIdentity(turn);
        if (identity) throw new CodedError(ErrorCode.InputInvalid, identity);
        if (prepared.truncated) log.debug({ conversation: turn.conversationId, limit: maxTextChars }, 'long text cut for the NLU');

        if (typeof turn.eventId === 'string' && turn.eventId !== '') {
          const eventId = turn.eventId.slice(0, MAX_EVENT_ID);
          const first = await dedupe.claim(seenClaimKey(turn.conversationId, turn.channel, eventId), dedupeTtlSeconds);
          if (!first) {
            log.debug({ conversation: turn.conversationId, channel: turn.channel }, 'duplicate delivery ignored');
            return { conversation: turn.conversationId, intent: null, node: '', status: 'active', replies: [], duplicate: true };
          }
        }
        outcome = await runTurn(turn, prepared.problem, atMs, progress);
      } catch (e) {
        ({ outcome, error } = turnError(turn, e, progress));
      }
      const state = progress.state;
      const record: TurnRecord = {
        turn,
        outcome,
        node: outcome.node,
        status: outcome.status,
        atMs,
        durationMs: performance.now() - t0,
      };
      if (progress.nlu) record.nlu = progress.nlu;
      if (state) record.stepsTried = state.stepsTried;
      if (error) record.error = { code: error.code, message: error.message };
      notify(record);
      return outcome;
    },
  };
}
