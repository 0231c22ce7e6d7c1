/**
 * Turns a chat platform will not deliver again (lose-33). Slack and Teams are told "received" (HTTP 200) before the
 * turn runs, so neither redelivers a message whose turn failed because Redis was down or slow (the save timed out:
 * `store_unavailable`) or the conversation was busy on another replica (`busy`). Before, the person got "try again
 * shortly" and their message was gone unless they retyped it. Now the channel keeps the failed turn (in this
 * process) and runs it again itself, with its eventId, until it goes through:
 *
 * - the apology says so — the answer will come here, no need to resend (`pipeline.store_unavailable_later`,
 *   `pipeline.busy_later`);
 * - a retry that is processed, or a duplicate carrying the saved answer (the save reached Redis, its reply was lost:
 *   the pipeline's dedupe gives that turn's replies again), is posted in the same place — once;
 * - the person's next message in that conversation first runs the kept ones, in order; the same text sent again (a
 *   resend) or the platform's own redelivery (the same eventId) is not a second turn: the kept turn is run then, and
 *   answered once (a resend while the store is still down is told again that the answer will follow);
 * - a redelivery of a turn whose answer never went out (the process stopped between the save and the post; the
 *   pipeline's dedupe gives the saved answer) is answered once: the run that posts an answer marks it first where
 *   every replica sees it (`answered`, lose-36; taken back when the post fails), so no other run posts it again;
 * - with a spool, every turn is on disk (masked) from before it runs until its answer is posted (lose-37): a process
 *   that stops between the save and the post leaves it there, and the next start or another replica runs it again
 *   (the pipeline gives the saved answer) and posts it, once (`answered`);
 * - after `delaysMs` (≈ 5 minutes) without success the person is told plainly to send it again
 *   (`pipeline.recovery_gave_up`), and the turn is dropped.
 *
 * Kept in memory, and — with a spool (RECOVERY_SPOOL_DIR, spool.ts; lose-34) — on disk too, masked, with where the
 * answer goes: a replica that stops, restarts or crashes leaves them in the spool, and the next start (or another
 * replica, once the file is stale) takes them over and answers them, once. Without a spool shutdown logs how many
 * are forgotten.
 */
import { randomUUID } from 'node:crypto';
import { KeyedQueue } from '../core/delivery.js';
import type { Locale, Logger, Reply, Turn } from '../core/index.js';
import type { I18n, LocaleKey } from '../i18n/index.js';
import type { Pipeline, PipelineOutcome } from '../pipeline/types.js';
import { recoveryKeptTurns, recoveryTurnsTotal } from '../http/metrics.js';
import type { Spool, SpooledTurn } from './spool.js';

/** Locale keys the recovery says (ja and en). */
export const RECOVERY_KEYS = ['pipeline.store_unavailable_later', 'pipeline.busy_later', 'pipeline.recovery_gave_up'] as const satisfies readonly LocaleKey[];

/** Waits between tries of a kept turn, ms: about five minutes in all, past the delivery lease (60 s) of a run that died. */
export const DEFAULT_RECOVERY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000, 60_000, 60_000, 60_000];

/** The failures a later run of the same turn can get past, and what the person is told meanwhile. */
const LATER: Partial<Record<NonNullable<PipelineOutcome['error']>, { now: LocaleKey; later: LocaleKey }>> = {
  store_unavailable: { now: 'pipeline.store_unavailable', later: 'pipeline.store_unavailable_later' },
  busy: { now: 'pipeline.busy', later: 'pipeline.busy_later' },
};

/** Posts an outcome where the turn came from (the channel's thread / conversation); throws when it could not. */
export type Deliver = (outcome: PipelineOutcome) => Promise<void>;

interface Kept {
  /** The spool's id of it. */
  id: string;
  turn: Turn;
  deliver: Deliver;
  locale: Locale;
  /** What the person was told when it was kept (said again to a resend while it still cannot run). */
  later: LocaleKey;
  /** Tries made after the first run. */
  tries: number;
  /** Taken over from the spool of a process that stopped (its claim of the answer, if unfinished, is void). */
  adopted?: boolean;
  /**
   * The turn's answer, when the turn went through but its answer could not be posted (the platform down; lose-35):
   * posted again on the schedule, the turn not run again. Not spooled: a replica that takes the turn over runs it
   * again, and the pipeline answers that duplicate with the saved replies.
   */
  answer?: PipelineOutcome;
}

export interface RecoveryOptions {
  pipeline: Pick<Pipeline, 'handle'>;
  i18n: I18n;
  logger: Logger;
  /**
   * The channel's own per-conversation queue, so a kept turn's answer never overtakes a later turn's (the channel runs
   * every turn through it). Default: a queue of the recovery's own.
   */
  queue?: KeyedQueue;
  /** Waits between tries (tests shorten them); undefined: DEFAULT_RECOVERY_DELAYS_MS. */
  delaysMs?: readonly number[] | undefined;
  /** The channel (metrics' label). */
  channel: 'slack' | 'teams';
  /**
   * Where kept turns are also written (masked) so they outlive this process; with it, the turns of replicas that
   * stopped are taken over at start and every `scanMs`.
   */
  spool?: Spool | undefined;
  /**
   * The way to post the answer of a turn taken over from the spool, from the `where` it was kept with; undefined when
   * that place cannot be reached any more (the turn is then dropped, logged).
   */
  revive?: (where: unknown) => Deliver | undefined;
  /** How often the spool is looked at for turns of replicas that stopped, ms. Default 60,000. */
  scanMs?: number;
  /**
   * Who posts a turn's answer, where every replica sees it (the channel's key-value store): `claim` is true for the
   * first run that claims the turn (it posts; the others do not), `release` takes a claim back when its post failed.
   * With it, the platform's redelivery of a turn whose answer never went out (the process stopped between the save
   * and the post: the pipeline gives the saved answer with the duplicate) is answered, once (lose-36). Without it,
   * such a redelivery gets nothing.
   */
  answered?: {
    claim(turn: Turn): Promise<boolean>;
    release(turn: Turn): Promise<unknown>;
    /** The claimed post went out (the claim now says so). */
    posted?(turn: Turn): Promise<unknown>;
    /**
     * Whether the turn's claim is held by a run that never said its post went out (`posted`). A turn taken over from
     * the spool of a process that stopped with such a claim was stopped mid-post: the taker posts it (lose-37).
     */
    unfinished?(turn: Turn): Promise<boolean>;
  };
  /**
   * A spooled turn kept longer ago than this is not run any more (the person has moved on, the conversation may have
   * expired): they are told plainly to send it again (`pipeline.recovery_gave_up`), ms. Default one hour.
   */
  maxAgeMs?: number;
}

export interface Recovery {
  /**
   * Runs one turn of the channel — call it in the conversation's order (`queue`): the conversation's kept turns
   * first, then this one unless it is one of them again (same eventId, or the same text); a failure the turn can be
   * retried past is kept and answered with "the answer will follow". `deliver` posts an outcome (a duplicate only
   * with its saved answer, when no other run claimed it: `answered`).
   */
  run(turn: Turn, deliver: Deliver, where?: unknown): Promise<void>;
  /** Takes over the spooled turns of replicas that stopped (done at start and every `scanMs`); how many. */
  resume(): Promise<number>;
  /** Turns kept now (all conversations). */
  kept(): number;
  /** Stops the timers (shutdown); kept turns are left in the spool (or, without one, logged and forgotten). */
  close(): Promise<void>;
}

const sameText = (a: Turn, b: Turn) =>
  a.userId === b.userId && typeof a.text === 'string' && typeof b.text === 'string' && a.text.trim() !== '' && a.text.trim() === b.text.trim();

export function createRecovery(options: RecoveryOptions): Recovery {
  const { pipeline, i18n, spool, channel } = options;
  const log = options.logger.child({ component: 'recovery' });
  const delays = options.delaysMs ?? DEFAULT_RECOVERY_DELAYS_MS;
  const queue = options.queue ?? new KeyedQueue();
  /** Kept turns per conversation, oldest first. */
  const kept = new Map<string, Kept[]>();
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  const say = (key: LocaleKey, locale: Locale): Reply => ({ key, text: i18n.t(key, undefined, locale) });

  /** The apology's language: the turn's, else the one the pipeline's apology was said in. */
  function localeOf(turn: Turn, outcome: PipelineOutcome, key: LocaleKey): Locale {
    if (turn.locale) return turn.locale;
    return outcome.replies[0]?.text === i18n.t(key, undefined, 'en') ? 'en' : 'ja';
  }

  async function post(k: Kept, outcome: PipelineOutcome): Promise<void> {
    try {
      await k.deliver(outcome);
    } catch (e) {
      log.error({ conversation: k.turn.conversationId, err: e instanceof Error ? e.message.split('\n')[0] : String(e) }, 'recovered answer not delivered');
    }
  }

  function schedule(conversationId: string): void {
    if (closed || timers.has(conversationId)) return;
    const head = kept.get(conversationId)?.[0];
    if (!head) return;
    const delay = delays[Math.min(head.tries, delays.length - 1)] ?? 1_000;
    const timer = setTimeout(() => {
      timers.delete(conversationId);
      void queue.run(conversationId, () => flush(conversationId)).catch((e: unknown) =>
        log.error({ conversation: conversationId, err: e instanceof Error ? e.message : String(e) }, 'recovery try failed'),
      );
    }, delay);
    timer.unref();
    timers.set(conversationId, timer);
  }

  function add(k: Kept): void {
    const list = kept.get(k.turn.conversationId) ?? [];
    list.push(k);
    kept.set(k.turn.conversationId, list);
    recoveryKeptTurns.inc({ channel });
  }

  async function drop(conversationId: string, k: Kept): Promise<void> {
    const list = kept.get(conversationId);
    if (!list) return;
    const i = list.indexOf(k);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) kept.delete(conversationId);
    recoveryKeptTurns.dec({ channel });
    await spool?.done(k.id);
  }

  /**
   * Posts a turn's answer that went through: true when posted (or the answer is given up after the last try: logged
   * at error, counted, for staff), false when the platform still refuses it and it must wait (kept as `answer`).
   */
  async function answerOf(k: Kept, answer: PipelineOutcome): Promise<boolean> {
    try {
      await postOnce(k.turn, k.deliver, answer, k.adopted === true);
      delete k.answer;
      return true;
    } catch (e) {
      k.answer = answer;
      const err = e instanceof Error ? e.message.split('\n')[0] : String(e);
      if (k.tries >= delays.length) {
        log.error({ conversation: k.turn.conversationId, tries: k.tries, err }, 'answer never delivered: the platform refused it on every try');
        recoveryTurnsTotal.inc({ channel, outcome: 'gave_up' });
        return true;
      }
      log.warn({ conversation: k.turn.conversationId, tries: k.tries, err }, 'answer not delivered yet: kept, it will be posted again');
      return false;
    }
  }

  /**
   * Posts a turn's answer unless another run claimed it (`answered`; a claim that cannot be read counts as ours: at
   * least once). Claimed before the post, so a redelivery on another replica meanwhile does not post it too; taken
   * back when the post throws (rethrown), so a later try, a take-over or a redelivery can still post it.
   */
  async function postOnce(turn: Turn, deliver: Deliver, answer: PipelineOutcome, adopted = false): Promise<void> {
    const claims = turn.eventId !== undefined ? options.answered : undefined;
    if (claims && !(await claims.claim(turn).catch(() => true))) {
      // Claimed by the process this turn was taken over from, which stopped before its post was known to go out
      // (killed mid-post): posted here — at least once (lose-37).
      const void_ = adopted && claims.unfinished ? await claims.unfinished(turn).catch(() => false) : false;
      if (!void_) {
        log.info({ conversation: turn.conversationId }, 'answer posted by another run: not again');
        return;
      }
      log.warn({ conversation: turn.conversationId }, 'answer claimed by a process that stopped mid-post: posted by the one that took its turn over');
    }
    try {
      await deliver(answer);
    } catch (e) {
      await claims?.release(turn).catch(() => undefined);
      throw e;
    }
    await claims?.posted?.(turn).catch(() => undefined);
  }

  /** One try of a kept turn: true when it is settled (answered, or given up), false when it must wait. */
  async function attempt(k: Kept): Promise<boolean> {
    if (k.answer) {
      k.tries++;
      return answerOf(k, k.answer);
    }
    const outcome = await pipeline.handle(k.turn);
    k.tries++;
    const stillFailing = outcome.error !== undefined && LATER[outcome.error] !== undefined;
    // A duplicate without replies: the first run's claim is still leased (its release failed with Redis down), or
    // another replica is running it — a later try tells.
    const unknown = outcome.duplicate === true && outcome.replies.length === 0;
    if (!stillFailing && !unknown) {
      log.info({ conversation: k.turn.conversationId, tries: k.tries, duplicate: outcome.duplicate === true }, 'kept turn recovered');
      recoveryTurnsTotal.inc({ channel, outcome: 'recovered' });
      const { duplicate: _repeat, ...answer } = outcome;
      return answerOf(k, answer);
    }
    if (k.tries >= delays.length) {
      log.warn({ conversation: k.turn.conversationId, tries: k.tries }, 'kept turn given up: the person is asked to send it again');
      recoveryTurnsTotal.inc({ channel, outcome: 'gave_up' });
      await post(k, { conversation: k.turn.conversationId, intent: null, node: outcome.node, status: outcome.status, replies: [say('pipeline.recovery_gave_up', k.locale)] });
      return true;
    }
    return false;
  }

  /** Tries the conversation's kept turns in order, stopping at the first that must still wait. */
  async function flush(conversationId: string): Promise<void> {
    const timer = timers.get(conversationId);
    if (timer) {
      clearTimeout(timer);
      timers.delete(conversationId);
    }
    for (;;) {
      const head = kept.get(conversationId)?.[0];
      if (!head) return;
      if (!(await attempt(head))) break;
      await drop(conversationId, head);
    }
    schedule(conversationId);
  }

  /** Turns of replicas that stopped, from the spool: kept here and tried on the usual schedule. */
  async function resume(): Promise<number> {
    if (!spool || closed) return 0;
    let taken: SpooledTurn[];
    try {
      taken = await spool.adopt();
    } catch (e) {
      log.error({ err: e instanceof Error ? e.message : String(e) }, 'recovery spool not read');
      return 0;
    }
    let n = 0;
    for (const t of taken) {
      const deliver = options.revive?.(t.where);
      if (!deliver || closed) {
        log.warn({ conversation: t.turn.conversationId }, 'spooled turn dropped: its place cannot be reached');
        await spool.done(t.id);
        continue;
      }
      // The same turn already kept here (this replica kept it and its old spool file was taken back): once.
      if (kept.get(t.turn.conversationId)?.some((k) => k.id === t.id)) continue;
      if (Date.now() - t.keptAtMs > (options.maxAgeMs ?? 3_600_000)) {
        log.warn({ conversation: t.turn.conversationId, ageMs: Date.now() - t.keptAtMs }, 'spooled turn too old to run: the person is asked to send it again');
        recoveryTurnsTotal.inc({ channel, outcome: 'gave_up' });
        const k = { id: t.id, turn: t.turn, deliver, locale: t.locale, later: t.later as LocaleKey, tries: 0 };
        await post(k, { conversation: t.turn.conversationId, intent: null, node: '', status: 'active', replies: [say('pipeline.recovery_gave_up', t.locale)] });
        await spool.done(t.id);
        continue;
      }
      add({ id: t.id, turn: t.turn, deliver, locale: t.locale, later: t.later as LocaleKey, tries: 0, adopted: true });
      recoveryTurnsTotal.inc({ channel, outcome: 'taken_over' });
      n++;
    }
    if (n > 0) log.info({ turns: n }, 'kept turns taken over: they will be run again and answered');
    for (const conversationId of new Set(taken.map((t) => t.turn.conversationId))) schedule(conversationId);
    return n;
  }
  let resumed: Promise<number> = Promise.resolve(0);
  const scan = spool
    ? setInterval(() => {
        resumed = resumed.then(resume, resume);
      }, options.scanMs ?? 60_000)
    : undefined;
  scan?.unref();
  if (spool) resumed = resume();

  return {
    resume: () => (resumed = resumed.then(resume, resume)),
    async run(turn, deliver, where) {
      const conversationId = turn.conversationId;
      const list = kept.get(conversationId);
      // The platform's redelivery of a kept turn, or the person sending the same words again: that kept turn, not a new one.
      const again = list?.find((k) => (turn.eventId !== undefined && k.turn.eventId === turn.eventId) || sameText(k.turn, turn));
      // Its answer goes with the message the person just sent (a reply to it, where the platform threads replies).
      if (again) again.deliver = deliver;
      if (list) await flush(conversationId);
      if (again) {
        if (kept.get(conversationId)?.includes(again)) {
          log.info({ conversation: conversationId }, 'a kept turn sent again while it still cannot run: told the answer will follow');
          await post(again, { conversation: conversationId, intent: null, node: '', status: 'active', replies: [say(again.later, again.locale)] });
        }
        return;
      }
      // On disk (masked) while its answer is not posted (lose-37): a stop of this process between the save and the
      // post (a deploy, a crash, the OOM killer) leaves it in the spool, and the next start (or another replica) runs it
      // again — the pipeline gives the saved answer — and posts it once (`answered`). Slack never redelivers an acked
      // event, and Teams none it got its 200 for, so without this such an answer was lost.
      const id = randomUUID();
      const journal = spool && where !== undefined && turn.eventId !== undefined && !closed ? spool : undefined;
      if (journal) await journal.keep({ id, turn, where, locale: turn.locale ?? 'ja', later: 'pipeline.store_unavailable_later', keptAtMs: Date.now() });
      /** The spool line is the kept turn's now (it stays until that one is settled). */
      let handedOver = false;
      try {
        const handled = await pipeline.handle(turn);
        // A redelivery: nothing, unless it carries a saved answer no run posted (the process that ran it stopped first).
        if (handled.duplicate && (handled.replies.length === 0 || !options.answered)) return;
        const { duplicate: _repeat, ...outcome } = handled;
        const later = outcome.error !== undefined ? LATER[outcome.error] : undefined;
        if (!later || turn.eventId === undefined || closed) {
          try {
            // An answer is posted by one run only (a redelivery on another replica, after a restart too); an apology as is.
            if (outcome.error === undefined) await postOnce(turn, deliver, outcome);
            else await deliver(outcome);
          } catch (e) {
            if (turn.eventId === undefined || closed) {
              // Shutting down: the journaled line stays for the next start, which posts it.
              if (journal) handedOver = true;
              throw e;
            }
            // The turn went through, its answer did not reach the person (the platform down after the turn was taken):
            // kept, and posted when the platform answers again — not lost, and not run twice (lose-35).
            const k: Kept = { id, turn, deliver, locale: turn.locale ?? 'ja', later: 'pipeline.store_unavailable_later', tries: 0, answer: outcome };
            add(k);
            recoveryTurnsTotal.inc({ channel, outcome: 'kept' });
            if (journal) handedOver = true;
            else if (spool && where !== undefined) await spool.keep({ id: k.id, turn, where, locale: k.locale, later: k.later, keptAtMs: Date.now() });
            log.warn({ conversation: conversationId, err: e instanceof Error ? e.message.split('\n')[0] : String(e) }, 'answer not delivered: kept, it will be posted again');
            schedule(conversationId);
          }
          return;
        }
        const k: Kept = { id, turn, deliver, locale: localeOf(turn, outcome, later.now), later: later.later, tries: 0 };
        add(k);
        recoveryTurnsTotal.inc({ channel, outcome: 'kept' });
        // On disk (masked) before the person is told the answer will follow: a stop or crash of this replica keeps it.
        // (Journaled already: written again under the same id, with what the person is told; the later line counts.)
        if (journal) handedOver = true;
        if (spool && where !== undefined) await spool.keep({ id: k.id, turn, where, locale: k.locale, later: k.later, keptAtMs: Date.now() });
        log.warn({ conversation: conversationId, error: outcome.error }, 'turn kept: it will be run again and answered here');
        await post(k, { ...outcome, replies: [say(later.later, k.locale)] });
        schedule(conversationId);
      } finally {
        if (journal && !handedOver) await journal.done(id);
      }
    },
    kept: () => [...kept.values()].reduce((n, l) => n + l.length, 0),
    async close() {
      closed = true;
      if (scan) clearInterval(scan);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await resumed.catch(() => 0);
      const n = [...kept.values()].reduce((s, l) => s + l.length, 0);
      if (n > 0 && spool) log.warn({ kept: n, spool: spool.file }, 'shutting down with kept turns: left in the spool, the next start answers them');
      else if (n > 0) log.warn({ kept: n }, 'shutting down with kept turns: they will not be answered (no RECOVERY_SPOOL_DIR)');
      recoveryKeptTurns.dec({ channel }, n);
      kept.clear();
      await spool?.close();
    },
  };
}
