/**
 * Every locale key the engine and the ticket builder render from code (tree keys are checked from dialogs/).
 * `mailmedic lint` checks each exists in both ja and en, so a renamed key fails lint, not a live conversation.
 */
import { ENTITY_VALUES, INTENTS } from '../core/index.js';

const STEP_RESULTS = ['resolved', 'not_resolved', 'skipped', 'unknown'] as const;
const CAUSES = ['auth', 'network', 'server', 'unknown'] as const;

const ENGINE_KEYS = [
  'engine.button.resolved',
  'engine.button.not_resolved',
  'engine.button.help',
  'engine.button.human',
  'engine.button.restart',
  'engine.button.skip',
  'engine.button.na',
  'engine.stale_choice',
  'engine.expired',
  'engine.tree_changed',
  'engine.restarted',
  'engine.clarify',
  'engine.clarify_human',
  'engine.ack',
  'engine.greet',
  'engine.noted',
  'engine.understood',
  'engine.step_already',
  'engine.step_did',
  'engine.step_again',
  'engine.step_skipped',
  'engine.same_topic',
  'engine.out_of_scope',
  'engine.escalated_already',
  'engine.escalated_already_no_id',
  'engine.welcome',
  'engine.welcome_escalated',
  'engine.no_password',
  'engine.handoff.line',
  'engine.handoff.ask',
  'engine.handoff.reask',
  'engine.handoff.filed',
  'engine.handoff.no_steps',
  'engine.handoff.step_separator',
  'engine.handoff.step_result',
  'engine.handoff.field.device_os',
  'engine.handoff.field.device',
  'engine.handoff.field.os',
  'engine.handoff.field.service',
  'engine.handoff.field.error_message',
  'engine.handoff.field.when_frequency',
  'engine.handoff.field.occurred_at',
  'engine.handoff.field.frequency',
  'engine.value.unknown',
  ...(['carrier', 'service', 'device'] as const).flatMap((slot) =>
    [...ENTITY_VALUES[slot], 'none'].map((v) => `engine.value.${slot}.${v}`),
  ),
  ...[...ENTITY_VALUES.carrier, ...ENTITY_VALUES.service, 'none'].map((v) => `engine.value.account.${v}`),
];

const TICKET_KEYS = [
  'ticket.unknown',
  'ticket.no_steps',
  'ticket.summary',
  'ticket.body',
  'ticket.settings.port',
  'ticket.settings.ssl_on',
  'ticket.settings.ssl_off',
  'ticket.settings.auth',
  ...STEP_RESULTS.map((r) => `ticket.result.${r}`),
  ...CAUSES.map((c) => `ticket.cause.${c}`),
  ...INTENTS.map((i) => `ticket.intent.${i}`),
];

/** Every locale key used from src/dialog (engine + ticket). */
export const REQUIRED_KEYS: string[] = [...ENGINE_KEYS, ...TICKET_KEYS];
