import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { asksValue, besideSecrets, opensValue, REDACTION_MARK, redact, redactDeep, valueAlone, type RedactionKind } from '../../src/core/redact.js';

/** One row of test/core/redact-cases.yaml (see the file's header). */
interface Case {
  text: string;
  kind?: RedactionKind | RedactionKind[];
  masked?: Array<string | number>;
  keep?: Array<string | number>;
  /** Read as the conversation does after a password change was said (RedactOptions.passwordTopic, sec-26). */
  topic?: boolean;
  /** The page the shape was seen on, or "team" (sec-26). */
  source?: string;
}

const optionsOf = (c: Case) => (c.topic ? { passwordTopic: true } : {});

const KINDS: RedactionKind[] = ['password', 'app_password', 'card', 'otp', 'token', 'private_key'];
const table = parse(readFileSync(new URL('./redact-cases.yaml', import.meta.url), 'utf8')) as { leaks: Case[]; keeps: Case[] };
const leaks = table.leaks;
const keeps = table.keeps;
const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/;
const lang = (c: Case) => (JAPANESE.test(c.text) ? 'ja' : 'en');
const kindsOf = (c: Case): RedactionKind[] => (Array.isArray(c.kind) ? c.kind : c.kind ? [c.kind] : []);

describe('the redaction table', () => {
  it('is well formed: every leak names its kind and what must disappear', () => {
    for (const c of leaks) {
      expect(c.text, JSON.stringify(c)).toEqual(expect.any(String));
      expect(kindsOf(c).length, c.text).toBeGreaterThan(0);
      for (const k of kindsOf(c)) expect(KINDS, c.text).toContain(k);
      expect(c.masked?.length, c.text).toBeGreaterThan(0);
    }
    for (const c of keeps) expect(c.text, JSON.stringify(c)).toEqual(expect.any(String));
  });

  it('has at least 200 cases, with leaks and must-keeps in both Japanese and English', () => {
    expect(leaks.length + keeps.length).toBeGreaterThanOrEqual(200);
    for (const l of ['ja', 'en']) {
      expect(leaks.filter((c) => lang(c) === l).length, `${l} leaks`).toBeGreaterThanOrEqual(40);
      expect(keeps.filter((c) => lang(c) === l).length, `${l} keeps`).toBeGreaterThanOrEqual(30);
    }
  });
});

describe('redact', () => {
  it.each(leaks.map((c) => [c.text, c] as const))('masks the secret in %j', (_text, c) => {
    const r = redact(c.text, optionsOf(c));
    expect(r.redacted).toBe(true);
    for (const k of kindsOf(c)) expect(r.kinds).toContain(k);
    for (const m of c.masked ?? []) expect(r.text).not.toContain(String(m));
    for (const k of c.keep ?? []) expect(r.text).toContain(String(k));
    expect(r.text).toContain(REDACTION_MARK[lang(c)]);
  });

  it.each(leaks.filter((c) => c.topic).map((c) => [c.text, c] as const))('needs the conversation to see the secret in %j', (_text, c) => {
    // One message alone does not name a password: only the conversation's topic (passwordTopic) makes its value one.
    const r = redact(c.text);
    for (const m of c.masked ?? []) expect(r.text).toContain(String(m));
  });

  it.each(keeps.map((c) => [c.text, c] as const))('leaves %j alone', (_text, c) => {
    const r = redact(c.text, optionsOf(c));
    expect(r.text).toBe(c.text);
    expect(r.redacted).toBe(false);
    expect(r.kinds).toEqual([]);
  });

  it('masks an app password whole, not just the group after the label', () => {
    const r = redact('アプリ用パスワード: vbnm qwer tyui zxcv');
    expect(r.text).toBe(`アプリ用パスワード: ${REDACTION_MARK.ja}`);
    expect(r.kinds).toEqual(['app_password']);
  });

  it('says it masked something only when the text really changed, and then no secret is left', () => {
    for (const c of [...leaks, ...keeps]) {
      const r = redact(c.text, optionsOf(c));
      expect(r.redacted, c.text).toBe(r.text !== c.text);
      expect(r.redacted, c.text).toBe(r.kinds.length > 0);
    }
  });

  it('is idempotent: redacting redacted text changes nothing and reports nothing', () => {
    for (const c of [...leaks, ...keeps]) {
      const once = redact(c.text, optionsOf(c));
      const twice = redact(once.text, optionsOf(c));
      expect(twice.text, c.text).toBe(once.text);
      expect(twice.redacted, c.text).toBe(false);
    }
  });

  it('is idempotent on messages that join several cases with line breaks and sentence ends', () => {
    const texts = [...leaks, ...keeps].map((c) => c.text);
    for (let i = 0; i < texts.length; i++) {
      for (const glue of ['。', '\n', '. ', ' ']) {
        const joined = [texts[i], texts[(i * 7 + 3) % texts.length], texts[(i * 13 + 5) % texts.length]].join(glue);
        const once = redact(joined).text;
        expect(redact(once).text, joined).toBe(once);
      }
    }
  });

  it('uses the Japanese mark for Japanese text and the English mark otherwise', () => {
    expect(redact('パスワードは abc123 です').text).toBe(`パスワードは ${REDACTION_MARK.ja} です`);
    expect(redact('password: abc123').text).toBe(`password: ${REDACTION_MARK.en}`);
    expect(redact('password: abc123', { locale: 'ja' }).text).toBe(`password: ${REDACTION_MARK.ja}`);
    expect(redact('password: abc123', { mark: '***' }).text).toBe('password: ***');
  });

  it('does not mask a caller-chosen mark again', () => {
    const once = redact('password: abc123', { mark: '<secret>' }).text;
    expect(redact(once, { mark: '<secret>' })).toEqual({ text: once, redacted: false, kinds: [] });
  });

  it('keeps the words around the secret', () => {
    expect(redact('認証コード 123456 を入れたのにエラー').text).toBe(`認証コード ${REDACTION_MARK.ja} を入れたのにエラー`);
    expect(redact('https://x.example/cb?code=98765432&state=ok').text).toBe(
      `https://x.example/cb?code=${REDACTION_MARK.en}&state=ok`,
    );
    expect(redact('Pa55word!x って入れてるのにエラー').text).toBe(`${REDACTION_MARK.ja} って入れてるのにエラー`);
  });

  it('masks a password with the exclamation mark that ends it, but leaves a plain word its full stop', () => {
    expect(redact('I changed my password to Summer2024!').text).toBe(`I changed my password to ${REDACTION_MARK.en}`);
    expect(redact('password: letmein.').text).toBe(`password: ${REDACTION_MARK.en}.`);
  });

  it('names what it found', () => {
    expect(redact('認証コード 123456').kinds).toEqual(['otp']);
    expect(redact('wxyz-qrst-uvab-cdef').kinds).toEqual(['app_password']);
    expect(redact('xoxb-1234567890-abcdefghij').kinds).toEqual(['token']);
    expect(redact('pw: hunter22').kinds).toEqual(['password']);
    expect(redact('4111 1111 1111 1111').kinds).toEqual(['card']);
  });

  it('masks a card number only when its check digit is right', () => {
    expect(redact('4111 1111 1111 1111').redacted).toBe(true);
    expect(redact('4111 1111 1111 1112').redacted).toBe(false);
  });

  it('handles empty and huge input', () => {
    expect(redact('')).toEqual({ text: '', redacted: false, kinds: [] });
    const big = 'メールが届かない。'.repeat(10_000) + 'パスワードは abc123';
    const r = redact(big);
    expect(r.redacted).toBe(true);
    expect(r.text).not.toContain('abc123');
  });
});

describe('redact on adversarial input', () => {
  // Each is ~100 KB built to make a backtracking pattern explode: repeated labels, long runs without spaces,
  // many digits, unclosed quotes. Nothing here measures time: a quadratic pattern turns these into minutes, and
  // the test fails on its time-out. The secret appended at the end proves the rules still ran to the end.
  const fill = (unit: string) => unit.repeat(Math.ceil(100_000 / unit.length)).slice(0, 100_000);
  const inputs: Record<string, string> = {
    'a label repeated': fill('パスワード'),
    'a label and particle repeated': fill('パスワードは'),
    'an English label repeated': fill('password: '),
    'labels glued without spaces': fill('pw:'),
    'a secret label repeated': fill('token:'),
    'a label and an unclosed quote': fill('パスワードは「'),
    'one long run of letters': fill('a'),
    'letters and dots': fill('a.'),
    'letters and hyphens': fill('a-'),
    'every character class in one run': fill('aB3!'),
    'digits': fill('1'),
    'digits and spaces': fill('1 '),
    'card-like groups': fill('4111-'),
    'code words and digits': fill('code 123 456 '),
    'four-letter groups': fill('abcd '),
    'e-mail-like': fill('a@b'),
    'URL schemes': fill('http://'),
    'private key openings': fill('-----BEGIN RSA PRIVATE KEY-----'),
    'kana and digits': fill('ねこ1'),
    'sentences with a password each': fill('パスワード変えた。Pa55word!x '),
    'spaces after a label': `password${' '.repeat(100_000)}`,
    'spaces after a card security-code label': `cvv${' '.repeat(100_000)}`,
    'a URL query of separators': `http://a.example/?${'?'.repeat(100_000)}`,
    'token prefixes glued by hyphens': fill('eyJ-'),
    'a label on every line': fill('パスワード\n'),
    'exclamation marks': fill('a!'),
  };
  it.each(Object.entries(inputs))('finishes on %s', (_name, text) => {
    const r = redact(`${text}\nパスワードは Abc12345`);
    expect(r.text).not.toContain('Abc12345');
  });
});

describe('redactDeep', () => {
  it('redacts every string inside an object, keeping keys and other values', () => {
    const { value, redacted } = redactDeep({ a: 'pw: hunter22', b: [1, 'パスワードは abc123'], c: { port: 993 } });
    expect(redacted).toBe(true);
    expect(JSON.stringify(value)).not.toMatch(/hunter22|abc123/);
    expect(value.c.port).toBe(993);
  });

  it('reaches secrets nested in a ticket-shaped object and keeps what staff need', () => {
    const ticket = {
      id: 'MM-20261128-0001',
      summary: 'Pa55word!x って入れてるのにエラー',
      body: '端末/OS：iPhone 15 Pro / iOS 17.6.1\nエラー表示：IMAPアカウントのパスワードが正しくありません\nパスワード変えた。新しいのは Pa55word!x',
      fields: {
        errorMessage: 'The password for “taro@icloud.com” is incorrect. I changed my password to Summer2024!',
        stepsTried: [{ step: 'アプリ用パスワード: vbnm qwer tyui zxcv を入れた', result: 'not_resolved' }],
        settings: { incoming: { host: 'imap.mail.me.com', port: 993, ssl: true } },
        notes: [['カード 4111 1111 1111 1111'], { deeper: { still: 'パスワードはねこ123です' } }],
      },
    };
    const { value, redacted } = redactDeep(ticket);
    const json = JSON.stringify(value);
    expect(redacted).toBe(true);
    expect(json).not.toMatch(/Pa55word|Summer2024|vbnm|qwer|tyui|zxcv|4111|ねこ123/);
    for (const k of ['MM-20261128-0001', 'iPhone 15 Pro', 'iOS 17.6.1', 'IMAPアカウントのパスワードが正しくありません', 'taro@icloud.com', 'imap.mail.me.com']) {
      expect(json).toContain(k);
    }
    expect(value.fields.settings.incoming.port).toBe(993);
    expect(redactDeep(value)).toEqual({ value, redacted: false });
  });
});

describe('a password across two messages (rob-20)', () => {
  it('opensValue: a message that ends on a label waiting for its value', () => {
    for (const t of ['パスワードは', '新しいパスワードは、', 'パスワード変えた。新しいのは', 'ＰＷ：', 'my password is', 'pw:', 'PINは', '暗証番号は「'])
      expect(opensValue(t), t).toBe(true);
    for (const t of ['パスワードが違います', 'パスワードは合ってる', 'password is wrong', 'パスワードを変えました', 'パス'])
      expect(opensValue(t), t).toBe(false);
  });

  it('valueAlone: the next message is the value itself, not an answer or a name', () => {
    for (const t of ['hunter', 'ＡＢＣ１２３４５', 'P@ss w0rd', '「Abc12345」です', 'qwerty', 'すもももももも', 'あいうえおです'])
      expect(valueAlone(t), t).toBe(true);
    for (const t of ['わからない', 'そのまま', 'おしえません', 'ひみつです', 'iCloud', 'iOS 17.6.1', "I don't know", 'same as before', 'ok', 'SH-51C', 'taro@docomo.ne.jp'])
      expect(valueAlone(t), t).toBe(false);
  });

  it('valueAlone: two or three kana are the value too, short answers are not (sec-26)', () => {
    for (const t of ['ねこ', 'いぬです', 'うさぎ']) expect(valueAlone(t), t).toBe(true);
    for (const t of ['まだ', 'いえ', 'いいえ', 'はい', 'うん', 'なし', 'どこ？', 'えっと', 'これ', 'ない']) expect(valueAlone(t), t).toBe(false);
  });

  it('valueAlone: katakana and kanji alone are the value too, names of things and descriptions are not (sec-27)', () => {
    // Round 26 kept 「ホシゾラ」 alone after 「パスワードは」: it reached the transcript and the desk.
    for (const t of ['ホシゾラ', 'ネコ', '太郎', '鈴木です', '「富士山」']) expect(valueAlone(t), t).toBe(true);
    for (const t of ['メール', 'ドコモ', 'エラー', 'アイフォン', 'リセット', '不明', '忘れた', '未設定', '誕生日', '担当者', '解決']) expect(valueAlone(t), t).toBe(false);
  });

  it('valueAlone: half-width katakana alone is judged as its full-width form (sec-35)', () => {
    // 「ﾊﾟｽﾜｰﾄﾞは」 then 「ﾎｼｿﾞﾗ」 in the next message: the value reached the transcript as typed.
    for (const t of ['ﾎｼｿﾞﾗ', 'ﾈｺ', '「ﾎｼｿﾞﾗ」']) expect(valueAlone(t), t).toBe(true);
    for (const t of ['ﾒｰﾙ', 'ﾄﾞｺﾓ', 'ｴﾗｰ', 'ﾘｾｯﾄ', 'ｼﾝﾌﾟﾙ', 'ｱｲﾌｫﾝ']) expect(valueAlone(t), t).toBe(false);
  });

  it('asksValue: staff asking for a password, not warning against sending one, nor asking for a phone number (sec-27)', () => {
    for (const t of ['新しいパスワードは？', '新しいパスワードは何ですか？', 'パスワードを教えてください', '認証コードを教えてください', 'What is your new password?', "what's the verification code?", 'パスワードは'])
      expect(asksValue(t), t).toBe(true);
    for (const t of ['パスワードは送らないでください', "Please don't send your password", '電話番号を教えてください', 'エラーコードを教えてください', 'OSのバージョンを教えてください', 'パスワードを変更してみてください'])
      expect(asksValue(t), t).toBe(false);
  });
});

describe('besideSecrets: what a redacted message says beside its secrets', () => {
  it('takes out the marks and the password labels, and keeps the rest as typed', () => {
    const norm = (x: string) => x.replace(/\s+/g, ' ').trim();
    expect(norm(besideSecrets(redact('暗証番号 0000 を入れた').text))).toBe('を入れた');
    expect(norm(besideSecrets(redact('ネットワーク暗証番号は1234').text))).toBe('ネットワーク は');
    expect(norm(besideSecrets(redact('my PIN is 0000, I typed it').text))).toBe('my is , I typed it');
    expect(norm(besideSecrets(redact("my password is Xk29fj and mail won't come").text))).toBe("my is and mail won't come");
    expect(norm(besideSecrets(redact('パスワードは abc123 で、受信できない').text))).toBe('は で、受信できない');
    expect(norm(besideSecrets(REDACTION_MARK.en))).toBe('');
  });
});
