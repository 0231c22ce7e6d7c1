/**
 * The links of one turn, in chain order (pipeline.ts assembles them; effects live in pipeline.ts):
 *   observe → answer failures → validate → dedupe → lock → take-over → load → understand → step → effects → save.
 * Each link reads what the links before it put on the TurnContext. A link answers by setting `ctx.outcome` and not
 * calling `next()`; a failure anywhere is thrown, and only `answerFailures` turns it into a reply.
 */
import { performance } from 'node:perf_hooks';
import {
  asCodedError,
  CodedError,
  ErrorCode,
  LOCALES,
  ENTITY_VALUES,
  SYMPTOM_INTENTS,
  type Entities,
  type IncidentFact,
  type Locale,
  type Logger,
  type Nlu,
  type Reply,
  type Turn,
} from '../core/index.js';
import { namesPassword, opensValue, redact, REDACTION_MARK, valueAlone } from '../core/redact.js';
import type { DialogTree } from '../data/schemas.js';
import { maskInTopic, passwordTopic } from '../dialog/secrets.js';
import { detectLocale } from '../nlu/locale.js';
import { STATE_SCHEMA, type ConversationState, type StepFn, type StepMeta } from '../dialog/types.js';
import type { I18n, LocaleKey } from '../i18n/index.js';
import type { ConversationStore, DeliveryStore } from '../state/types.js';
import type { HeldConversation, PipelineOutcome, Problem, TakeoverOptions, TurnContext, TurnErrorCode, TurnLink, TurnObserver, TurnRecord } from './types.js';

/** Longest conversation id accepted, characters (Teams ids run to ~200). */
const MAX_CONVERSATION_ID = 512;
/** Longest event id kept for de-duplication, characters. */
export const MAX_EVENT_ID = 256;
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

/** A reply rendered now, in `locale`. */
export type Say = (key: string, locale: Locale, params?: Record<string, string | number>) => Reply;

export function sayWith(i18n: I18n): Say {
  return (key, locale, params) => ({ key, text: i18n.t(key, params, locale) });
}

// ───────────────────────────── observe ─────────────────────────────

/** What observers learn of a finished turn. */
export function recordOf(ctx: TurnContext, outcome: PipelineOutcome): TurnRecord {
  const record: TurnRecord = {
    turn: ctx.turn,
    outcome,
    node: outcome.node,
    status: outcome.status,
    atMs: ctx.atMs,
    durationMs: performance.now() - ctx.startedAt,
  };
  if (ctx.nlu) record.nlu = ctx.nlu;
  if (ctx.stored) record.stepsTried = ctx.stored.stepsTried;
  if (ctx.stored?.intent && SYMPTOM_INTENTS.has(ctx.stored.intent)) record.symptom = ctx.stored.intent;
  const known = ctx.stored ? knownContext(ctx.stored.slots) : undefined;
  if (known) record.known = known;
  if (ctx.stepped?.reading) record.reading = { ...ctx.stepped.reading };
  if (ctx.stepped?.rule) record.rule = ctx.stepped.rule;
  if (ctx.error) record.error = { code: ctx.error.code, message: ctx.error.message };
  return record;
}

/** The conversation's carrier, service and device slots that hold one of the entity's values (domain.yaml). */
function knownContext(slots: Record<string, string>): TurnRecord['known'] {
  const known: Pick<Entities, 'carrier' | 'service' | 'device'> = {};
  for (const name of ['carrier', 'service', 'device'] as const) {
    const value = slots[name];
    if (value && (ENTITY_VALUES[name] as readonly string[]).includes(value)) (known as Record<string, string>)[name] = value;
  }
  return Object.keys(known).length ? known : undefined;
}

/**
 * Outermost of the turn's own links (botbuilder's TranscriptLoggerMiddleware is outermost too): every processed or
 * failed turn reaches the observers — a turn refused by validation or failing at its delivery claim included —
 * after the lock is released and the answer is known. Duplicates are not reported. Observers are not awaited; one
 * that throws or rejects is logged and never breaks the turn.
 */
export function observe(observers: readonly TurnObserver[], log: Logger): TurnLink {
  const failed = (record: TurnRecord, e: unknown) =>
    log.error({ conversation: record.turn.conversationId, err: asCodedError(e).message }, 'turn observer failed');
  return {
    name: 'observe',
    async run(ctx, next) {
      await next();
      if (ctx.duplicate || !ctx.outcome || observers.length === 0) return;
      const record = recordOf(ctx, ctx.outcome);
      for (const o of observers) {
        try {
          const r = o.onTurn(record);
          if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).catch((e: unknown) => failed(record, e));
        } catch (e) {
          failed(record, e);
        }
      }
    },
  };
}

// ───────────────────────────── the one error handler ─────────────────────────────

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

/**
 * The single place a failed turn is answered (botbuilder's onTurnError): logs it with the conversation id (a
 * fault — code internal — at error, an outage or a busy conversation at warn), records the error on the turn (the
 * observers: the transcript's error, `mailmedic_turn_errors_total`), and answers politely from the error's code in
 * the turn's language, with the conversation as it is stored.
 */
export function failTurn(ctx: TurnContext, e: unknown, deps: { log: Logger; say: Say; defaultLocale: Locale }): void {
  const err = asCodedError(e);
  const { turn } = ctx;
  const level = err.code === ErrorCode.Internal ? 'error' : 'warn';
  deps.log[level]({ conversation: turn.conversationId, channel: turn.channel, code: err.code, err: err.message }, 'turn failed');
  const stored = ctx.stored;
  const locale = ctx.locale ?? stored?.locale ?? turn.locale ?? deps.defaultLocale;
  ctx.error = err;
  ctx.outcome = {
    conversation: turn.conversationId,
    intent: ctx.nlu?.intent ?? null,
    node: stored?.node ?? '',
    status: stored?.status ?? 'active',
    replies: [deps.say(errorKey(err.code), locale)],
    error: turnErrorCode(err.code),
  };
}

/** The machine-readable reason of a failed turn (/api/chat `error`). */
export function turnErrorCode(code: ErrorCode): TurnErrorCode {
  switch (code) {
    case ErrorCode.StoreUnavailable:
      return 'store_unavailable';
    case ErrorCode.LockTimeout:
      return 'busy';
    case ErrorCode.TicketDelivery:
      return 'ticket_delivery';
    case ErrorCode.InputInvalid:
    case ErrorCode.InputTooLarge:
      return 'input_invalid';
    default:
      return 'internal';
  }
}

/** Catches whatever the links inside throw and hands it to failTurn. A chain that answered nothing is a fault too. */
export function answerFailures(deps: { log: Logger; say: Say; defaultLocale: Locale }): TurnLink {
  return {
    name: 'answer failures',
    async run(ctx, next) {
      try {
        await next();
        if (!ctx.outcome) throw new CodedError(ErrorCode.Internal, 'the turn ended without an answer');
      } catch (e) {
        failTurn(ctx, e, deps);
      }
    },
  };
}

// ───────────────────────────── validate ─────────────────────────────

function prepare(raw: Turn, maxTextChars: number): { turn: Turn; problem?: Problem; truncated: boolean } {
  const turn: Turn = { ...raw };
  // Channels type their turns, but /api/chat and --jsonl carry user JSON: an unknown locale is dropped, not trusted.
  if (turn.locale !== undefined && !(LOCALES as readonly string[]).includes(turn.locale)) delete turn.locale;
  if (typeof turn.action === 'string' && turn.action !== '') {
    // A click: the text (if any) is ignored, the value must look like one of our choice values.
    delete turn.text;
    return { turn, truncated: false, problem: ACTION_PATTERN.test(turn.action) ? undefined : 'bad_action' };
  }
  delete turn.action;
  const text = cleanText(typeof turn.text === 'string' ? turn.text : '');
  if (text === '') {
    turn.text = '';
    // A screenshot of the error with no words: say that only text is read, rather than "your message was empty".
    const attachments = typeof turn.attachments === 'number' && turn.attachments > 0;
    return { turn, truncated: false, problem: attachments ? 'attachment_only' : 'empty' };
  }
  turn.text = cutText(text, maxTextChars);
  return { turn, truncated: turn.text.length < text.length };
}

function invalidIdentity(turn: Turn): string | undefined {
  if (typeof turn.conversationId !== 'string' || turn.conversationId.trim() === '') return 'conversationId is empty';
  if (turn.conversationId.length > MAX_CONVERSATION_ID) return `conversationId longer than ${MAX_CONVERSATION_ID}`;
  if (typeof turn.userId !== 'string' || turn.userId === '') return 'userId is empty';
  return undefined;
}

/**
 * Cleans the text (control characters, undecodable bytes, cut to `maxTextChars`), drops an unknown locale, notes
 * an empty text or a click that is not one of our tokens (answered politely after load), and refuses a turn
 * without a conversation or a user (InputInvalid).
 */
export function validate(maxTextChars: number, log: Logger): TurnLink {
  return {
    name: 'validate',
    async run(ctx, next) {
      const prepared = prepare(ctx.received, maxTextChars);
      ctx.turn = prepared.turn;
      const invalid = invalidIdentity(ctx.turn);
      if (invalid) throw new CodedError(ErrorCode.InputInvalid, invalid);
      if (prepared.problem) ctx.problem = prepared.problem;
      if (prepared.truncated) log.debug({ conversation: ctx.turn.conversationId, limit: maxTextChars }, 'long text cut for the NLU');
      await next();
    },
  };
}

// ───────────────────────────── dedupe ─────────────────────────────

/**
 * At-least-once turns, at-most-once effects (issue 13): a turn with an eventId claims its delivery for the run.
 * A delivery processed already, or being processed by another run, is a duplicate: nothing is rendered. When the
 * rest of the chain fails the claim is released, so the client's retry is processed; it becomes `done` with the
 * saved state (save), or here for a turn that saved nothing (a polite "empty message", a turn relayed to staff).
 * Redis cost: one SET NX per turn (as before); done rides on the save script; one more call only on failure (the
 * release) or for a turn that saved nothing.
 */
export function dedupe(
  deliveries: DeliveryStore,
  o: { leaseSeconds: number; doneTtlSeconds: number; log: Logger; store?: Pick<ConversationStore, 'get'> },
): TurnLink {
  return {
    name: 'dedupe',
    async run(ctx, next) {
      const { turn } = ctx;
      if (typeof turn.eventId !== 'string' || turn.eventId === '') return next();
      const key = { conversationId: turn.conversationId, channel: turn.channel, eventId: turn.eventId.slice(0, MAX_EVENT_ID) };
      const claim = await deliveries.claim(key, o.leaseSeconds);
      if (!claim) {
        o.log.debug({ conversation: turn.conversationId, channel: turn.channel }, 'duplicate delivery ignored');
        ctx.duplicate = true;
        ctx.outcome = { conversation: turn.conversationId, intent: null, node: '', status: 'active', replies: [], duplicate: true };
        // The conversation's last answered delivery: its answer may never have reached the person (the save was
        // applied but its reply lost, so they were told to retry) — give it again, still marked duplicate.
        const saved = o.store ? await o.store.get(turn.conversationId).catch(() => undefined) : undefined;
        if (saved?.answered && saved.answered.eventId === key.eventId) {
          ctx.outcome = { ...ctx.outcome, node: saved.node ?? '', status: saved.status, replies: saved.answered.replies };
          // Its buttons carry the offer again (as save's outcome did), so a click on them is not refused as stale.
          if (saved.offer !== undefined && saved.answered.replies.some((r) => r.choices?.length)) ctx.outcome.offer = String(saved.offer);
        }
        return;
      }
      ctx.delivery = claim;
      try {
        await next();
      } catch (e) {
        // If the release fails too (Redis down), the lease runs out by itself and a later retry is processed.
        await deliveries.release(claim).catch((r: unknown) =>
          o.log.warn({ conversation: turn.conversationId, err: asCodedError(r).message }, 'delivery claim not released; it expires with its lease'),
        );
        throw e;
      }
      if (ctx.deliveryDone) return;
      // The answer stands whatever happens here: at worst a retry after the lease is processed again.
      await deliveries.done(claim, o.doneTtlSeconds).catch((r: unknown) =>
        o.log.warn({ conversation: turn.conversationId, err: asCodedError(r).message }, 'delivery not marked done'),
      );
    },
  };
}

// ───────────────────────────── lock ─────────────────────────────

/** Runs the rest of the turn under the conversation's lock (one turn at a time per conversation, across replicas). */
export function lock(store: ConversationStore): TurnLink {
  return {
    name: 'lock',
    run: (ctx, next) => store.withLock(ctx.turn.conversationId, next),
  };
}

// ───────────────────────────── take-over ─────────────────────────────

/** The language a hold records (help-desk holds carry the conversation's), else Japanese. */
const localeOf = (hold: HeldConversation): Locale => ('locale' in hold && hold.locale === 'en' ? 'en' : 'ja');

/**
 * While help-desk staff hold the conversation its turns go to them instead of the NLU and the engine: the turn is
 * relayed to the desk that holds it, the hold renewed, and the outcome marked `heldBy` (no replies). A relay that
 * fails is logged and the person still gets the quiet answer (their channel has no way to show a desk's trouble).
 */
export function takeover(options: TakeoverOptions, log: Logger, store: Pick<ConversationStore, 'get'>): TurnLink {
  return {
    name: 'take-over',
    async run(ctx, next) {
      const { turn } = ctx;
      if (!options.active()) return next();
      const hold = await options.holds.get(turn.conversationId);
      const desk = hold ? options.relayFor(hold) : undefined;
      if (!hold || !desk) return next();
      // 「パスワードは」 relayed, then the value alone: staff and the transcript get the mark, never the value (as the engine does).
      // The label may have been sent to the bot just before staff took over (「パスワードは」 → 「担当者と話したい」): until
      // the hold has decided (its valueNext true or false), the conversation's state tells.
      const text = turn.text;
      const state = text !== undefined ? await store.get(turn.conversationId) : undefined;
      const fromState = hold.valueNext === undefined && state?.valueNext === true;
      const pending = hold.valueNext === true || fromState;
      // After a password change was said to the bot (the state's topic), 「新しいのはホシゾラ」 reaches staff masked too (sec-26);
      // and after a password was talked about while held (hold.passwordTalk: the state is not saved then, sec-27).
      const stateTopic = state?.schema === STATE_SCHEMA ? state : undefined;
      const topic = hold.passwordTalk === true ? { slots: stateTopic?.slots ?? {}, passwordTalk: true as const } : stateTopic;
      const inTopic = text !== undefined ? maskInTopic(text, topic) : undefined;
      const secret = pending && text !== undefined && valueAlone(text) ? REDACTION_MARK[turn.locale ?? localeOf(hold)] : inTopic;
      try {
        await desk.relay(secret !== undefined ? { ...turn, text: secret } : turn, hold);
        const { valueNext: was, ...rest } = hold;
        const renewed = hold.passwordTalk !== true && text !== undefined && namesPassword(text) ? { ...rest, passwordTalk: true as const } : rest;
        const opens = secret === undefined && text !== undefined && opensValue(text);
        // Once the state's label was read, the hold says false so that it is not read again (the state is not saved while held).
        await options.holds.renew(opens ? { ...renewed, valueNext: true } : was !== undefined || fromState ? { ...renewed, valueNext: false } : renewed);
      } catch (e) {
        log.error({ conversation: turn.conversationId, err: asCodedError(e).message }, 'relaying a held conversation failed');
      }
      ctx.outcome = { conversation: turn.conversationId, intent: null, node: '', status: 'escalated', replies: [], heldBy: hold.staff };
      if (secret !== undefined) ctx.outcome.secret = secret;
    },
  };
}

// ───────────────────────────── load, understand, step ─────────────────────────────

/** Loads the conversation's state (undefined for a new one). */
export function load(store: ConversationStore): TurnLink {
  return {
    name: 'load',
    async run(ctx, next) {
      ctx.stored = await store.get(ctx.turn.conversationId);
      ctx.loaded = true;
      if (ctx.stored) ctx.locale = ctx.stored.locale;
      await next();
    },
  };
}

/** Problem → locale key of the reply. */
const PROBLEM_KEYS: Record<Problem, LocaleKey> = {
  empty: 'pipeline.empty_text',
  attachment_only: 'pipeline.attachment_only',
  bad_action: 'pipeline.bad_action',
};

/**
 * A click becomes the engine's action input; a text goes through the NLU (in the conversation's language when it
 * has one). A turn with nothing to understand is answered here, and the state is left as it is (not even its TTL
 * needs touching).
 */
export function understand(nlu: Nlu, o: { say: Say; defaultLocale: Locale }): TurnLink {
  return {
    name: 'understand',
    async run(ctx, next) {
      const { turn, stored } = ctx;
      if (ctx.problem) {
        const locale = stored?.locale ?? turn.locale ?? o.defaultLocale;
        ctx.outcome = {
          conversation: turn.conversationId,
          intent: null,
          node: stored?.node ?? '',
          status: stored?.status ?? 'active',
          replies: [o.say(PROBLEM_KEYS[ctx.problem], locale)],
        };
        return;
      }
      if (turn.action !== undefined) ctx.input = { kind: 'action', value: turn.action, nonce: turn.nonce };
      else {
        const text = turn.text ?? '';
        // A first message has no language in use yet: its own language (else the channel's) is the hint, as the engine reads
        // it; later ones keep the conversation's unless they are a sentence of the other language (src/nlu/locale.ts).
        ctx.nlu = nlu.analyse(readable(text, stored), stored?.locale ?? detectLocale(text, undefined, turn.locale ?? 'ja'));
        ctx.locale = ctx.nlu.locale;
        ctx.input = { kind: 'text', text, nlu: ctx.nlu };
      }
      await next();
    },
  };
}

/**
 * What the NLU reads of a text turn: the text with its secrets masked, as the transcript keeps it — a password that
 * reads like a reply (「パスワードはnaoritaです」) must not decide the intent staff see. A value sent alone right after
 * 「パスワードは」 is read as the mark itself, as the engine does (dialog/engine.ts).
 */
function readable(text: string, stored: ConversationState | undefined): string {
  if (stored?.valueNext === true && stored.schema === STATE_SCHEMA && valueAlone(text)) return REDACTION_MARK[stored.locale];
  // After a password change was said, 「新しいのはホシゾラ」 is read with its value masked too (dialog/secrets.ts maskInTopic).
  return redact(text, stored ? { locale: stored.locale, passwordTopic: stored.schema === STATE_SCHEMA && passwordTopic(stored) } : {}).text;
}

/**
 * The dialog engine's step. A fault inside it throws and reaches the error handler (logged, counted, recorded,
 * answered politely; the state is not saved).
 */
export function step(
  engine: StepFn,
  o: { tree: DialogTree; i18n: I18n; defaultLocale: Locale; incidents?: () => Promise<readonly IncidentFact[]> },
): TurnLink {
  return {
    name: 'step',
    async run(ctx, next) {
      const { turn, stored } = ctx;
      const incidents = o.incidents ? await o.incidents().catch(() => []) : [];
      const meta: StepMeta = {
        conversationId: turn.conversationId,
        channel: turn.channel,
        userId: turn.userId,
        userName: turn.userName,
        permalink: turn.permalink,
        locale: turn.locale ?? stored?.locale ?? o.defaultLocale,
        nowMs: ctx.atMs,
        ...(incidents.length ? { incidents } : {}),
      };
      const out = engine(stored, ctx.input!, meta, { tree: o.tree, i18n: o.i18n });
      ctx.stepped = out;
      ctx.state = out.state;
      ctx.locale = out.state.locale;
      await next();
    },
  };
}

// ───────────────────────────── save ─────────────────────────────

/**
 * Saves the new state — unless another turn saved since it was loaded — and, for a turn with a delivery, marks the
 * delivery done in the same step. Only then is the new state the conversation's, and the answer built from it.
 */
export function save(store: ConversationStore, o: { stateTtlSeconds: number; doneTtlSeconds: number }): TurnLink {
  return {
    name: 'save',
    async run(ctx, next) {
      const { turn, stored } = ctx;
      const replies = ctx.replies ?? [];
      // The answer rides on the same write as the done mark (dedupe replays it to a retry of this delivery).
      const { answered: _previous, ...rest } = ctx.state!;
      const state: ConversationState = ctx.delivery ? { ...rest, answered: { eventId: ctx.delivery.key.eventId, replies } } : rest;
      await store.set(turn.conversationId, state, o.stateTtlSeconds, {
        expectedTurn: stored ? stored.turn : -1,
        ...(ctx.delivery ? { delivery: { claim: ctx.delivery, doneTtlSeconds: o.doneTtlSeconds } } : {}),
      });
      if (ctx.delivery) ctx.deliveryDone = true;
      ctx.stored = state;
      const outcome: PipelineOutcome = {
        conversation: turn.conversationId,
        intent: ctx.stepped?.intent ?? null,
        node: state.node ?? '',
        status: state.status,
        replies,
      };
      if (ctx.ticket) outcome.ticket = ctx.ticket;
      if (ctx.followUp) outcome.followUp = ctx.followUp;
      if (ctx.stepped?.clarification) outcome.clarification = ctx.stepped.clarification;
      if (ctx.stepped?.secret !== undefined) outcome.secret = ctx.stepped.secret;
      // Channels that can carry data on a button (Teams cards, Slack block_id) echo this back as Turn.nonce.
      if (state.offer !== undefined && replies.some((r) => r.choices?.length)) outcome.offer = String(state.offer);
      ctx.outcome = outcome;
      await next();
    },
  };
}
