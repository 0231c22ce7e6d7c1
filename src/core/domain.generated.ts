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

/** Reply act id → what it stands for (domain.yaml `acts`). */
export const ACT_DEFS = {
  fixed: { intent: 'resolved', anywhere: false },
  still_broken: { intent: 'not_resolved', anywhere: false },
  not_applicable: { intent: undefined, anywhere: false },
  not_yet: { intent: undefined, anywhere: false },
  already_tried: { intent: undefined, anywhere: false },
  did_no_result: { intent: undefined, anywhere: false },
  how_to: { intent: undefined, anywhere: false },
  how_long: { intent: undefined, anywhere: false },
  dont_know: { intent: undefined, anywhere: false },
  is_it_safe: { intent: undefined, anywhere: false },
  what_is: { intent: undefined, anywhere: false },
  affirm: { intent: 'affirm', anywhere: false },
  deny: { intent: 'deny', anywhere: false },
  give_up: { intent: undefined, anywhere: true },
  frustrated: { intent: undefined, anywhere: true },
  vague_problem: { intent: undefined, anywhere: true },
  correction: { intent: undefined, anywhere: true },
  wants_human: { intent: 'request_human', anywhere: true },
  thanks: { intent: 'thanks', anywhere: true },
  greeting: { intent: 'greeting', anywhere: true },
  goodbye: { intent: 'goodbye', anywhere: true },
  restart: { intent: 'restart', anywhere: true },
  other: { intent: undefined, anywhere: true },
} as const;

/** Entity values (domain.yaml `entities`), in the order they are tried. */
export const ENTITY_VALUES = {
  carrier: ['docomo', 'au', 'softbank', 'rakuten', 'ymobile', 'uq'],
  service: ['icloud', 'gmail', 'outlook', 'yahoo', 'carrier_mail', 'other'],
  device: ['iphone', 'ipad', 'android', 'mac', 'windows'],
  trigger: ['password_change', 'device_change', 'os_update', 'settings_change'],
  error_message: ['password_incorrect', 'auth_failed', 'smtp_no_response', 'imap_no_response', 'certificate', 'cannot_connect', 'account_error', 'cannot_get_mail'],
} as const;

/**
 * Device names spelled in Latin letters (domain.yaml `entities.device`: the value ids, plain synonyms and `{L}name`
 * patterns), lower case, longest first. src/core/redact.ts keeps a lone "MacBook2020" or "Redmi12C" as a model.
 */
export const DEVICE_NAMES = ['fairemail', 'fairphone', 'motorola', 'android', 'macbook', 'oneplus', 'samsung', 'windows', 'zenfone', 'galaxy', 'huawei', 'iphone', 'realme', 'xiaomi', 'xperia', 'aquos', 'basio', 'digno', 'nexus', 'nokia', 'pixel', 'redmi', 'imac', 'ipad', 'moto', 'oppo', 'htc', 'mac'] as const;

/**
 * Names in katakana among the entity values (domain.yaml `entities`, plain synonyms), longest first. src/core/redact.ts
 * keeps 「新しいのはアンドロイドです」: a name, not a password.
 */
export const KANA_NAMES = ['グーグルアカウント', 'ソフトバンクメール', 'アカウントエラー', 'エクスチェンジ', 'キャリアメール', 'グーグルメール', 'アイクラウド', 'アウトルック', 'アンドロイド', 'ウィンドウズ', 'ウインドウズ', 'エクスペリア', 'ギャラクシー', 'ソフトバンク', 'ドコモメール', 'ホットメール', 'マックブック', 'ワイモバイル', 'アイパッド', 'ジーメール', 'ユーキュー', 'ワンプラス', 'アイホン', 'アクオス', 'アローズ', 'エーユー', 'サムスン', 'ソフバン', 'ピクセル', 'ラインモ', 'ワイモバ', 'アハモ', 'ドコモ', 'ノキア', 'ポヴォ', 'ヤフー', 'ヤフメ'] as const;
