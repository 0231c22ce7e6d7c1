/**
 * Incident detection and the staff actions on incidents. Detection reads the transcript summaries (every replica
 * writes them to the same Redis), groups conversations active in the window by symptom and carrier (or service),
 * and opens an incident for a group of at least INCIDENT_THRESHOLD; the signature hold (SET NX) makes it one
 * incident whichever replica sees the burst first, and only that replica announces it to the help desk.
 *
 * A check runs shortly after any turn that names a symptom, a carrier or a service (after the transcript queue is
 * written), and once a minute. An open incident with no new report for INCIDENT_QUIET_MINUTES closes by itself;
 * a dismissed or closed one keeps its signature held while reports continue, so the same burst does not re-open it.
 */
import { randomBytes } from 'node:crypto';
import { SYMPTOM_INTENTS, type IncidentFact, type Intent, type Locale, type Logger } from '../core/index.js';
import type { I18n } from '../i18n/index.js';
import type { TurnObserver } from '../pipeline/types.js';
import type { ConversationSummary, TranscriptStore } from '../transcripts/types.js';
import { ACTIVE_STATUSES, type Incident, type IncidentAction, type IncidentStore } from './types.js';

export interface IncidentSettings {
  /** INCIDENT_THRESHOLD; 0 = off. */
  threshold: number;
  windowMs: number;
  quietMs: number;
}

export interface IncidentServiceOptions extends IncidentSettings {
  store: IncidentStore;
  transcripts: TranscriptStore;
  i18n: I18n;
  /** The help desk's language. */
  locale: Locale;
  logger?: Logger;
  /** Posts a line to the help-desk channel(s) (Slack / Teams). */
  announce?: (text: string, fields: Record<string, unknown>) => Promise<void>;
  /** Waits until queued transcript writes are done (the transcript observer's flush). */
  flushTranscripts?: () => Promise<unknown>;
  /** Where the incident links to (PUBLIC_URL). */
  publicUrl?: string;
  clock?: () => number;
  /** Delay between a turn and the check it triggers, ms (turns in a burst share one check). Default 200. */
  debounceMs?: number;
  /** Period of the background check, ms (0 = none). Default 60,000. */
  sweepMs?: number;
}

export interface IncidentService {
  readonly enabled: boolean;
  readonly settings: IncidentSettings;
  /** Open and confirmed incidents, as the engine sees them. */
  active(): Promise<IncidentFact[]>;
  /** Every incident kept (quiet ones shown closed), most recent first. */
  list(): Promise<Incident[]>;
  act(id: string, action: IncidentAction, by?: string): Promise<Incident | undefined>;
  /** Runs detection now; returns the incidents this call opened. */
  check(): Promise<Incident[]>;
  /** Schedules a check after turns that may matter. */
  readonly observer: TurnObserver;
  /** Waits for a scheduled or running check to finish (tests, shutdown). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** The signature of a conversation: its symptom with its carrier, or without one its (non-carrier) service. */
export function signatureOf(s: Pick<ConversationSummary, 'symptom' | 'ticketSymptom' | 'carrier' | 'service'>): { signature: string; fact: Omit<IncidentFact, 'id'> } | undefined {
  const symptom = s.symptom && SYMPTOM_INTENTS.has(s.symptom) ? s.symptom : s.ticketSymptom && SYMPTOM_INTENTS.has(s.ticketSymptom) ? s.ticketSymptom : undefined;
  if (!symptom) return undefined;
  if (s.carrier) return { signature: `${symptom}|carrier:${s.carrier}`, fact: { symptom, carrier: s.carrier } };
  if (s.service && s.service !== 'carrier_mail') return { signature: `${symptom}|service:${s.service}`, fact: { symptom, service: s.service } };
  return undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');
function newId(nowMs: number): string {
  const d = new Date(nowMs);
  return `INC-${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${randomBytes(3).toString('hex')}`;
}

const MAX_IDS = 200;

export function createIncidentService(o: IncidentServiceOptions): IncidentService {
  const log = o.logger?.child({ component: 'incidents' });
  const clock = o.clock ?? Date.now;
  const enabled = o.threshold > 0;
  const debounceMs = o.debounceMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let again = false;
  let closed = false;

  /** Quiet ones read as closed. */
  const view = (i: Incident, now: number): Incident =>
    ACTIVE_STATUSES.has(i.status) && now - i.lastSeenAtMs > o.quietMs ? { ...i, status: 'closed', changedAtMs: i.lastSeenAtMs + o.quietMs } : i;

  const label = (i: Pick<IncidentFact, 'carrier' | 'service' | 'symptom'>) => {
    const mail = i.carrier ? o.i18n.t(`engine.incident_mail.${i.carrier}`, undefined, o.locale) : o.i18n.t(`engine.value.service.${i.service}`, undefined, o.locale);
    return { mail, symptom: o.i18n.t(`ticket.intent.${i.symptom}`, undefined, o.locale) };
  };

  async function check(): Promise<Incident[]> {
    if (!enabled) return [];
    const now = clock();
    const since = now - o.windowMs;
    const summaries = await o.transcripts.summaries(since);
    const groups = new Map<string, { fact: Omit<IncidentFact, 'id'>; items: ConversationSummary[] }>();
    for (const s of summaries) {
      if (s.updatedAtMs < since) continue;
      const sig = signatureOf(s);
      if (!sig) continue;
      const g = groups.get(sig.signature) ?? { fact: sig.fact, items: [] };
      g.items.push(s);
      groups.set(sig.signature, g);
    }
    const opened: Incident[] = [];
    for (const [signature, g] of groups) {
      const lastSeen = Math.max(...g.items.map((s) => s.updatedAtMs));
      const holder = await o.store.holder(signature);
      const current = holder ? await o.store.get(holder) : undefined;
      if (current) {
        // Known: count the new reports and keep the signature held (open, confirmed, dismissed or closed alike).
        const ids = new Set(current.conversations);
        const fresh = g.items.filter((s) => !ids.has(s.id));
        if (fresh.length === 0 && lastSeen <= current.lastSeenAtMs) continue;
        const next: Incident = {
          ...view(current, now),
          conversations: [...current.conversations, ...fresh.map((s) => s.id)].slice(-MAX_IDS),
          count: current.count + fresh.length,
          lastSeenAtMs: Math.max(current.lastSeenAtMs, lastSeen),
        };
        await o.store.save(next, Math.max(1, next.lastSeenAtMs + o.quietMs - now));
        continue;
      }
      if (g.items.length < o.threshold) continue;
      const incident: Incident = {
        id: newId(now),
        signature,
        ...g.fact,
        status: 'open',
        openedAtMs: now,
        lastSeenAtMs: lastSeen,
        conversations: g.items.map((s) => s.id).slice(-MAX_IDS),
        count: g.items.length,
      };
      if (!(await o.store.open(incident, Math.max(1, lastSeen + o.quietMs - now)))) continue;
      opened.push(incident);
      log?.warn({ incident: incident.id, signature, count: incident.count }, 'incident opened');
      if (o.announce) {
        const l = label(incident);
        const text = o.i18n.t(
          'incident.notify.opened',
          { id: incident.id, mail: l.mail, symptom: l.symptom, count: incident.count, minutes: Math.round(o.windowMs / 60_000), url: `${o.publicUrl ?? ''}/admin` },
          o.locale,
        );
        await o.announce(text, { incident: incident.id }).catch((e: unknown) => log?.warn({ incident: incident.id, err: String(e) }, 'incident not announced'));
      }
    }
    return opened;
  }

  const runCheck = (): Promise<unknown> => {
    running = running.then(async () => {
      do {
        again = false;
        await o.flushTranscripts?.();
        await check().catch((e: unknown) => log?.warn({ err: e instanceof Error ? e.message : String(e) }, 'incident check failed'));
      } while (again && !closed);
    });
    return running;
  };

  const schedule = () => {
    if (!enabled || closed) return;
    if (timer) return;
    again = true;
    timer = setTimeout(() => {
      timer = undefined;
      void runCheck();
    }, debounceMs);
    timer.unref();
  };

  const sweepMs = o.sweepMs ?? 60_000;
  const sweep = enabled && sweepMs > 0 ? setInterval(() => void runCheck(), sweepMs) : undefined;
  sweep?.unref();

  return {
    enabled,
    settings: { threshold: o.threshold, windowMs: o.windowMs, quietMs: o.quietMs },
    async active() {
      if (!enabled) return [];
      const now = clock();
      return (await o.store.list())
        .map((i) => view(i, now))
        .filter((i) => ACTIVE_STATUSES.has(i.status))
        .map((i) => ({ id: i.id, symptom: i.symptom as Intent, ...(i.carrier ? { carrier: i.carrier } : {}), ...(i.service ? { service: i.service } : {}) }));
    },
    async list() {
      const now = clock();
      return (await o.store.list()).map((i) => view(i, now));
    },
    async act(id, action, by) {
      const current = await o.store.get(id);
      if (!current) return undefined;
      const status = action === 'confirm' ? 'confirmed' : action === 'dismiss' ? 'dismissed' : 'closed';
      const next: Incident = { ...current, status, changedAtMs: clock(), ...(by ? { by } : {}) };
      await o.store.save(next);
      log?.info({ incident: id, action }, 'incident changed by staff');
      return next;
    },
    check,
    observer: {
      onTurn(record) {
        const e = record.nlu?.entities;
        const intent = record.nlu?.intent ?? record.outcome.intent;
        if ((intent && SYMPTOM_INTENTS.has(intent)) || e?.carrier || e?.service) schedule();
      },
    },
    async settled() {
      while (timer || again) {
        if (timer) await new Promise((r) => setTimeout(r, debounceMs));
        await running;
        if (!timer) break;
      }
      await running;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (sweep) clearInterval(sweep);
      await running;
    },
  };
}
