/**
 * Open incidents as facts of the turn (StepMeta.incidents, passed in by the pipeline from src/incidents): which
 * one, if any, this conversation is part of. Pure.
 */
import type { IncidentFact } from '../core/index.js';
import type { ConversationState } from './types.js';

/** The open incident that matches the conversation's symptom and carrier (or, without a carrier, service). */
export function matchingIncident(
  s: Pick<ConversationState, 'intent' | 'slots'>,
  incidents: readonly IncidentFact[] | undefined,
): IncidentFact | undefined {
  if (!incidents?.length || !s.intent) return undefined;
  return incidents.find(
    (i) => i.symptom === s.intent && (i.carrier ? s.slots.carrier === i.carrier : i.service !== undefined && s.slots.service === i.service),
  );
}
