import { describe, expect, it } from 'vitest';
import type { Entities } from '../../src/core/index.js';
import { extractEntities } from '../../src/nlu/entities.js';

const cases: Array<[string, Entities]> = [
  ['ドコモのメールが見れない', { carrier: 'docomo', service: 'carrier_mail' }],
  ['docomoメールが届かない', { carrier: 'docomo', service: 'carrier_mail' }],
  ['DOCOMOの回線です', { carrier: 'docomo' }],
  ['ﾄﾞｺﾓﾒｰﾙ壊れた', { carrier: 'docomo', service: 'carrier_mail' }],
  ['dアカウントにログインし直した', { carrier: 'docomo' }],
  ['ソフトバンクです', { carrier: 'softbank' }],
  ['SoftBankのiPhone', { carrier: 'softbank', device: 'iphone' }],
  ['ソフバンのメール', { carrier: 'softbank', service: 'carrier_mail' }],
  ['auメールが受信できない', { carrier: 'au', service: 'carrier_mail' }],
  ['エーユーです', { carrier: 'au' }],
  ['because I use Australia roaming', {}],
  ['楽天モバイルに乗り換えた', { carrier: 'rakuten', trigger: 'device_change' }],
  ['ワイモバイルのスマホ', { carrier: 'ymobile' }],
  ['Y!mobileです', { carrier: 'ymobile' }],
  ['UQモバイル使ってます', { carrier: 'uq' }],
  ['iCloudのメール', { service: 'icloud' }],
  ['アイクラウドにサインインできない', { service: 'icloud' }],
  ['Gmailが同期しない', { service: 'gmail' }],
  ['gmial not syncing', { service: 'gmail' }],
  ['Outlookで受信できない', { service: 'outlook' }],
  ['hotmail account', { service: 'outlook' }],
  ['Yahooメールが届かない', { service: 'yahoo' }],
  ['ヤフーメール', { service: 'yahoo' }],
  ['キャリアメールの設定', { service: 'carrier_mail' }],
  ['アイフォンでメールが来ない', { device: 'iphone' }],
  ['アイホン', { device: 'iphone' }],
  ['iphnoe mail broken', { device: 'iphone' }],
  ['iPadのメール', { device: 'ipad' }],
  ['アンドロイドです', { device: 'android' }],
  ['Android 14 で', { device: 'android', os_version: 'Android 14' }],
  ['Macのメールアプリ', { device: 'mac' }],
  ['Windowsのメール', { device: 'windows' }],
  ['AndroidからiPhoneに機種変した', { device: 'iphone', trigger: 'device_change' }],
  ['機種変更したらメールが消えた', { trigger: 'device_change' }],
  ['機種変してから', { trigger: 'device_change' }],
  ['新しいiPhoneに変えた', { device: 'iphone', trigger: 'device_change' }],
  ['I just got a new phone', { trigger: 'device_change' }],
  ['iOS18にしてから受信できない', { trigger: 'os_update', os_version: 'iOS 18' }],
  ['iOS 18.1 です', { os_version: 'iOS 18.1' }],
  ['ios17.5', { os_version: 'iOS 17.5' }],
  ['アップデート後に送れない', { trigger: 'os_update' }],
  ['after the iOS update mail stopped', { trigger: 'os_update' }],
  ['パスワード変えたら送れない', { trigger: 'password_change' }],
  ['I changed my Gmail password', { service: 'gmail', trigger: 'password_change' }],
  ['設定を変更したら受信できない', { trigger: 'settings_change' }],
  ['メールを取得できません', { error_message: 'cannot_get_mail' }],
  ['アカウントエラー', { error_message: 'account_error' }],
  ['メールを取得できません アカウントエラー', { error_message: 'account_error' }],
  ['IMAPアカウントのパスワードが正しくありません', { error_message: 'password_incorrect' }],
  ['認証に失敗しました', { error_message: 'auth_failed' }],
  ['サーバーに接続できません', { error_message: 'cannot_connect' }],
  ['iCloudメールアカウントエラー サーバーに接続できません', { service: 'icloud', error_message: 'cannot_connect' }],
  ['IMAPサーバーが応答しません', { error_message: 'imap_no_response' }],
  ['ＩＭＡＰサーバが応答しません', { error_message: 'imap_no_response' }],
  ['SMTPサーバーが応答しません', { error_message: 'smtp_no_response' }],
  ['"The SMTP server is not responding"', { error_message: 'smtp_no_response' }],
  ['Cannot Get Mail', { error_message: 'cannot_get_mail' }],
  ['プリンターで印刷できない', {}],
  ['email me later', {}],
  ['', {}],
];

describe('entities', () => {
  it.each(cases)('%s', (text, expected) => {
    expect(extractEntities(text).entities).toEqual(expected);
  });

  it('has a table of at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });
});
