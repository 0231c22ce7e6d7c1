import { describe, expect, it } from 'vitest';
import { REDACTION_MARK, redact, redactDeep } from '../../src/core/redact.js';

/** [input, the secret that must disappear] */
const SECRETS: Array<[string, string]> = [
  ['パスワードは abc123 です', 'abc123'],
  ['パスワードはabc123です', 'abc123'],
  ['パスワード：Hunter2!', 'Hunter2!'],
  ['パスワード: s3cr3t', 's3cr3t'],
  ['パス：qwerty99', 'qwerty99'],
  ['パスワードを p@ssw0rd に変えました', 'p@ssw0rd'],
  ['パスワードは「tanaka1980」です', 'tanaka1980'],
  ['パスワードは ａｂｃ１２３ です', 'ａｂｃ１２３'],
  ['暗証番号は 4321 です', '4321'],
  ['pw: xxx', 'xxx'],
  ['PW=letmein', 'letmein'],
  ['password=correct-horse-battery', 'correct-horse-battery'],
  ['my password is hunter2', 'hunter2'],
  ['Password: "Tr0ub4dor&3"', 'Tr0ub4dor&3'],
  ['{"password": "zxcvbn42"}', 'zxcvbn42'],
  ['passwd=abc.def.123', 'abc.def.123'],
  ['PIN 1234 を入れた', '1234'],
  ['アプリ用パスワードは abcd-efgh-ijkl-mnop です', 'abcd-efgh-ijkl-mnop'],
  ['これ使ってます wxyz-qrst-uvab-cdef', 'wxyz-qrst-uvab-cdef'],
  ['アプリパスワード abcd efgh ijkl mnop を入れた', 'abcd efgh ijkl mnop'],
  ['app password: qwer tyui opas dfgh', 'qwer tyui opas dfgh'],
  ['bcdf ghjk lmnp qrst', 'bcdf ghjk lmnp qrst'],
  ['Googleの16桁 abcdefghijklmnop を使った', 'abcdefghijklmnop'],
  ['xkcdqzrtplmnbvwy を入力', 'xkcdqzrtplmnbvwy'],
  ['認証コード 123456', '123456'],
  ['認証コードは123456でした', '123456'],
  ['確認コード：8345 1290'.replace(' ', ''), '83451290'],
  ['SMSで届いたコード 482913 を入れても', '482913'],
  ['verification code 7654321', '7654321'],
  ['my OTP is 246810', '246810'],
  ['Apple の 2FA コード 123 456 が来た', '123 456'],
  ['654321 が認証コードです', '654321'],
  ['token: xoxb-1234567890-abcdefghij', 'xoxb-1234567890-abcdefghij'],
  ['xoxp-11111-22222-abcdefabcdef', 'xoxp-11111-22222-abcdefabcdef'],
  ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijk', 'eyJhbGciOiJIUzI1NiJ9'],
  ['Bearer abcDEF123456ghiJKL', 'abcDEF123456ghiJKL'],
  ['AKIAIOSFODNN7EXAMPLE をキーに', 'AKIAIOSFODNN7EXAMPLE'],
  ['secret=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '9f86d081884c'],
  ['key: dGhpc0lzQVMzY3JldEtleTEyMzQ1Njc4OQ==', 'dGhpc0lzQVMzY3JldEtleTEyMzQ1Njc4OQ=='],
  ['これ送ります 9f86d081884c7d659a2feaa0c55ad015', '9f86d081884c7d659a2feaa0c55ad015'],
  ['api_key=AbC123xYz789QwE456', 'AbC123xYz789QwE456'],
  ['https://example.com/reset?token=ABCdef123456&lang=ja', 'ABCdef123456'],
  ['https://taro:Secr3tPw@mail.example.com/', 'Secr3tPw'],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', 'MIIEpAIBAAKCAQEA'],
  ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
];

/** Ordinary text that must come back unchanged. */
const ORDINARY: string[] = [
  'IMAPアカウントのパスワードが正しくありません',
  'メールを取得できません。パスワードを再入力しましたがダメでした',
  'パスワードを手入力し直してください',
  'パスワードは iCloud のものを入れました',
  'パスワードは IMAP と SMTP の両方で変えた',
  'パスワードが NG と言われます',
  'パスワードは8文字です',
  'パスワードを2回入れ直した',
  'The password is incorrect',
  'password reset did not help',
  'I changed my password yesterday',
  'ポートは 993 と 587 です',
  'IMAP 993 SSL, SMTP 587 STARTTLS',
  'iOS 18.1 にアップデートしてから',
  'iPhone 15 Pro、iOS 17.5',
  '機種は SH-51C と SC-52D です',
  '2026-11-28 09:00 から毎回',
  '今朝9時から、20分おきに出ます',
  '受信サーバは imap.mail.me.com、送信は smtp.mail.me.com',
  'imap.docomo.ne.jp と smtp.spmode.ne.jp',
  'taro.yamada1234567890abcdEFGH@example.co.jp に届かない',
  'エラーコード 0x800CCC0E が出ます',
  'エラーコード 12345678 と表示',
  'SMTP status code 535 5.7.8',
  '電話番号は 090-1234-5678 です',
  '郵便番号 100-0001',
  '容量は 1234567 KB です',
  'チケット MM-20261128-0007 の件',
  'パスポートの写真を送る',
  'when will this work again',
  'misunderstanding between us',
  'responsibilities of the desk',
  'Settings/Mail/Accounts を開いた',
  'https://support.apple.com/ja-jp/HT204397 を見ました',
  'https://mailmedic.example.com/admin/transcripts/C0123ABCD%3A1700000000.123456',
  'ソフトバンクの一括設定をやり直した',
  'auのプロファイルを入れ直したい',
  'dアカウントに再ログインしました',
  'Wi‑Fi を切ってモバイルデータで試した',
  'アプリ用パスワードはどこで作る？',
  'VPN off でも pass しない',
  '2段階認証のコードが届かない',
];

describe('redact', () => {
  it.each(SECRETS)('masks the secret in %j', (input, secret) => {
    const r = redact(input);
    expect(r.redacted).toBe(true);
    expect(r.kinds.length).toBeGreaterThan(0);
    expect(r.text).not.toContain(secret);
  });

  it.each(ORDINARY)('leaves %j alone', (input) => {
    const r = redact(input);
    expect(r.text).toBe(input);
    expect(r.redacted).toBe(false);
    expect(r.kinds).toEqual([]);
  });

  it('has at least 40 cases each way', () => {
    expect(SECRETS.length).toBeGreaterThanOrEqual(40);
    expect(ORDINARY.length).toBeGreaterThanOrEqual(40);
  });

  it('uses the Japanese mark for Japanese text and the English mark otherwise', () => {
    expect(redact('パスワードは abc123 です').text).toBe(`パスワードは ${REDACTION_MARK.ja} です`);
    expect(redact('password: abc123').text).toBe(`password: ${REDACTION_MARK.en}`);
    expect(redact('password: abc123', { locale: 'ja' }).text).toBe(`password: ${REDACTION_MARK.ja}`);
    expect(redact('password: abc123', { mark: '***' }).text).toBe('password: ***');
  });

  it('keeps the words around the secret', () => {
    expect(redact('認証コード 123456 を入れたのにエラー').text).toBe(`認証コード ${REDACTION_MARK.ja} を入れたのにエラー`);
    expect(redact('https://x.example/cb?code=98765432&state=ok').text).toBe(
      `https://x.example/cb?code=${REDACTION_MARK.en}&state=ok`,
    );
  });

  it('names what it found', () => {
    expect(redact('認証コード 123456').kinds).toEqual(['otp']);
    expect(redact('wxyz-qrst-uvab-cdef').kinds).toEqual(['app_password']);
    expect(redact('xoxb-1234567890-abcdefghij').kinds).toEqual(['token']);
    expect(redact('pw: hunter22').kinds).toEqual(['password']);
  });

  it('is idempotent', () => {
    for (const [input] of SECRETS) {
      const once = redact(input).text;
      expect(redact(once).text).toBe(once);
    }
  });

  it('handles empty and huge input', () => {
    expect(redact('')).toEqual({ text: '', redacted: false, kinds: [] });
    const big = 'メールが届かない。'.repeat(10_000) + 'パスワードは abc123';
    const r = redact(big);
    expect(r.redacted).toBe(true);
    expect(r.text).not.toContain('abc123');
  });

  it('redacts every string inside an object, keeping keys and other values', () => {
    const { value, redacted } = redactDeep({ a: 'pw: hunter22', b: [1, 'パスワードは abc123'], c: { port: 993 } });
    expect(redacted).toBe(true);
    expect(JSON.stringify(value)).not.toMatch(/hunter22|abc123/);
    expect(value.c.port).toBe(993);
  });
});
