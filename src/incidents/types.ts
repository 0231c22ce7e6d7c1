/**
 * Incidents: many conversations reporting the same symptom on the same carrier or service in a short window (five
 * docomo 「IMAPサーバーが応答しません」 in 15 minutes) — likely an outage, not five broken phones. Detected from the
 * transcripts (shared by every replica on Redis), shown on /admin, announced to the help desk, and told to new
 * people with that symptom before the usual steps (StepMeta.incidents).
 */
import type { IncidentFact, Intent } from '../core/index.js';

export const INCIDENT_STATUSES = ['open', 'confirmed', 'dismissed', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** Statuses in which new people hear of the incident and tickets carry its id. */
export const ACTIVE_STATUSES: ReadonlySet<IncidentStatus> = new Set(['open', 'confirmed']);
/** What staff can do: confirm (it is an outage), dismiss (it is not), close (it is over). */
export const INCIDENT_ACTIONS = ['confirm', 'dismiss', 'close'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

export interface Incident extends IncidentFact {
  /** `<symptom>|carrier:<c>` or `<symptom>|service:<s>`: what makes reports "the same". */
  signature: string;
  status: IncidentStatus;
  openedAtMs: number;
  /** Last activity of a matching conversation. With no new report for INCIDENT_QUIET_MINUTES it closes by itself. */
  lastSeenAtMs: number;
  /** Matching conversations seen since it opened (the most recent 200 ids). */
  conversations: string[];
  /** How many matching conversations were seen. */
  count: number;
  /** When staff (or the quiet time) changed the status last, and who (free text; the token names nobody). */
  changedAtMs?: number;
  by?: string;
}

/** Where incidents live: memory (one process) or Redis (every replica). */
export interface IncidentStore {
  /** Opens `incident` unless its signature is already held (one incident per signature across replicas). */
  open(incident: Incident, holdMs: number): Promise<boolean>;
  /** The incident id holding a signature, if any. */
  holder(signature: string): Promise<string | undefined>;
  /** Saves an incident; `holdMs` (when given) keeps its signature held that much longer from now. */
  save(incident: Incident, holdMs?: number): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  /** Every incident kept, most recent first. */
  list(): Promise<Incident[]>;
}
