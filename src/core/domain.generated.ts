/**
 * GENERATED from domain.yaml by scripts/gen-types.mjs (`npm run build`) — do not edit; edit domain.yaml.
 * test/data/domain.test.ts fails when this file is out of date with domain.yaml.
 */

/** Intent id → role (domain.yaml `intents`). */
export const INTENT_ROLE = {
  error_auth: 'error',
  error_connect: 'error',
  error_server_timeout: 'error',
  error_cannot_fetch: 'error',
  error_send: 'error',
  error_intermittent: 'error',
  error_push: 'error',
  mail_not_arriving: 'error',
  howto_app_password: 'topic',
  howto_carrier_setup: 'topic',
  howto_network_reset: 'topic',
  howto_backup: 'topic',
  howto_prevention: 'topic',
  migration_device_change: 'topic',
  check_outage: 'topic',
  greeting: 'small_talk',
  thanks: 'small_talk',
  goodbye: 'small_talk',
  affirm: 'answer',
  deny: 'answer',
  resolved: 'answer',
  not_resolved: 'answer',
  request_human: 'control',
  restart: 'control',
  out_of_scope: 'out_of_scope',
} as const;

/** Entity values (domain.yaml `entities`), in the order they are tried. */
export const ENTITY_VALUES = {
  carrier: ['docomo', 'au', 'softbank', 'rakuten', 'ymobile', 'uq'],
  service: ['icloud', 'gmail', 'outlook', 'yahoo', 'carrier_mail'],
  device: ['iphone', 'ipad', 'android', 'mac', 'windows'],
  trigger: ['password_change', 'device_change', 'os_update', 'settings_change'],
  error_message: ['password_incorrect', 'auth_failed', 'smtp_no_response', 'imap_no_response', 'cannot_connect', 'account_error', 'cannot_get_mail'],
} as const;
