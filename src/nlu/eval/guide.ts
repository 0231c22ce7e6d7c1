/**
 * The error strings of the troubleshooting guide (shared/reference, § 表示文言で見極める and the symptom tables),
 * as people paste them, with the intent the guide's symptom table gives each. `npm run eval` and the tests
 * check that every one lands on its intent.
 */
import type { Intent } from '../../core/index.js';

export const GUIDE_ERROR_STRINGS: ReadonlyArray<{ text: string; intent: Intent }> = [
  { text: 'メールを取得できません', intent: 'error_cannot_fetch' },
  { text: '「メールを取得できません」', intent: 'error_cannot_fetch' },
  { text: 'アカウントエラー', intent: 'error_auth' },
  { text: 'メールを取得できません アカウントエラー', intent: 'error_auth' },
  { text: 'パスワードが正しくありません', intent: 'error_auth' },
  { text: 'IMAPアカウントのパスワードが正しくありません', intent: 'error_auth' },
  { text: '「IMAPアカウントのパスワードが正しくありません」と出る', intent: 'error_auth' },
  { text: 'IMAPアカウントのパスワードが正しくありません ソフトバンク', intent: 'error_auth' },
  { text: 'サーバーに接続できません', intent: 'error_connect' },
  { text: 'iCloudメールアカウントエラー サーバーに接続できません', intent: 'error_connect' },
  { text: 'IMAPサーバーが応答しません', intent: 'error_server_timeout' },
  { text: 'サーバーが応答しません', intent: 'error_server_timeout' },
  { text: 'Imapサーバーが応答しません iPhone au', intent: 'error_server_timeout' },
];
