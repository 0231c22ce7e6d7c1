import { describe, expect, it } from 'vitest';
import { parseFieldFacts } from '../../src/nlu/fields.js';
import { maskSecrets } from '../../src/dialog/secrets.js';

describe('parseFieldFacts()', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['iPhone 15、iOS 18.1、今朝9時から毎回です', { model: 'iPhone 15', os: 'iOS 18.1', occurredAt: '今朝9時から', frequency: '毎回' }],
    ['昨日の夜から時々', { occurredAt: '昨日の夜から', frequency: '時々' }],
    ['3日前から1日に数回', { occurredAt: '3日前から', frequency: '1日に数回' }],
    ['３日前から', { occurredAt: '3日前から' }],
    ['先週から たまに', { occurredAt: '先週から', frequency: 'たまに' }],
    ['機種変更してから ずっと', { occurredAt: '機種変更してから', frequency: 'ずっと' }],
    ['2025/11/11 10:12、送受信時に毎回', { occurredAt: '2025/11/11 10:12', frequency: '毎回' }],
    ['11月11日の朝から', { occurredAt: '11月11日の朝から' }],
    ['since this morning, always', { occurredAt: 'since this morning', frequency: 'always' }],
    ['3 days ago, occasionally', { occurredAt: '3 days ago', frequency: 'occasionally' }],
    // Round 19 (conv-19 finding): the sloppier forms people type in the hand-off form.
    ['先週あたりから まいかい', { occurredAt: '先週あたりから', frequency: 'まいかい' }],
    ['きのうから毎度です', { occurredAt: 'きのうから', frequency: '毎度' }],
    ['since last week, every single time', { occurredAt: 'since last week', frequency: 'every single time' }],
    ['Pixel 8 Android 14, started yesterday evening, sometimes', { model: 'Pixel 8', os: 'Android 14', occurredAt: 'started yesterday evening', frequency: 'sometimes' }],
    ['iPhone 15で、18.1です', { model: 'iPhone 15', os: 'iOS 18.1' }],
    // The generation stays: the desk needs it (the first iPhone SE cannot run iOS 17).
    ['iPhone SE (第3世代)、iOS 17.5', { model: 'iPhone SE (第3世代)', os: 'iOS 17.5' }],
    ['iPhone SE 第2世代です', { model: 'iPhone SE 第2世代' }],
    ['iPhone SE (2nd generation), iOS 18', { model: 'iPhone SE (2nd generation)', os: 'iOS 18' }],
    ['「IMAPアカウントのパスワードが正しくありません」と出ます', { quotedError: 'IMAPアカウントのパスワードが正しくありません' }],
    // Round 29: the screen's words without quotes, before 「と表示される」「って出る」 — not the whole line.
    ['アクオスのセンス8、アンドロイド14、auメール、メール取得できませんって出る、おとといからずっと', { model: 'アクオスのセンス8', occurredAt: 'おとといから', frequency: 'ずっと', quotedError: 'メール取得できません' }],
    ['パスワードが違いますって何回も出る', { quotedError: 'パスワードが違います' }],
    ['サーバーに接続できませんというエラーが出ます', { quotedError: 'サーバーに接続できません' }],
    // Someone else's words, a time clause, a thing shown: no error text.
    ['メールが送信できないよ!って言われた', {}],
    ['送れないとき出る画面', {}],
    ['引っ張らないと新着が表示されない', {}],
    ['iphone 13, ios 17, gmail, it says Cannot Get Mail, since monday every time', { model: 'iPhone 13', os: 'ios 17', occurredAt: 'since monday', frequency: 'every time', quotedError: 'Cannot Get Mail' }],
    ['it shows no error', {}],
    ['it says nothing', {}],
    ['なし', { noError: true }],
    // One part of a longer form answer: the ticket's エラー表示 gets those words, not the whole line; a bare 「なし」 there counts not.
    ['iPhone 15、iOS 18.1、Gmail、エラー表示はなし、今朝9時から毎回です', { model: 'iPhone 15', os: 'iOS 18.1', occurredAt: '今朝9時から', frequency: '毎回', noError: true, noErrorText: 'エラー表示はなし' }],
    ['iPhone 15, iOS 18.1, gmail, no error, since this morning, every time', { model: 'iPhone 15', os: 'iOS 18.1', occurredAt: 'since this morning', frequency: 'every time', noError: true, noErrorText: 'no error' }],
    ['iPhone 15、なし、今朝', { model: 'iPhone 15' }],
    ['わからない', { dontKnow: true }],
    // Round 22 (handoff-22): the phone in shop words, the day in words.
    ['アイフォン15、先週の金曜から毎回', { model: 'iPhone 15', occurredAt: '先週の金曜から', frequency: '毎回' }],
    ['あいふぉん14プロです', { model: 'iPhone 14 Pro' }],
    ['iPhone15プロ', { model: 'iPhone 15 Pro' }],
    ['AQUOSのsense8で火曜の朝から', { model: 'AQUOS sense8', occurredAt: '火曜の朝から' }],
    ['Pixelのメールアプリ', { model: 'Pixel' }],
    ['ギャラクシーS23', { model: 'ギャラクシーS23' }],
    ['Galaxy S23, since Tuesday morning', { model: 'Galaxy S23', occurredAt: 'since Tuesday morning' }],
    ['it started on Monday', { occurredAt: 'started on Monday' }],
    ['since last weekend', { occurredAt: 'since last weekend' }],
    ['いつも届いていたはずのiCloudメールが受信できない…', {}],
    ['いつもは見られるのに', {}],
    ['いつも受信できない', { frequency: 'いつも' }],
    ['it always worked before', {}],
    ['it always fails', { frequency: 'always' }],
    ['For several days now my webmail cannot send emails.', { occurredAt: 'For several days now' }],
    ['over the last week, sometimes', { occurredAt: 'over the last week', frequency: 'sometimes' }],
    ['I waited for hours', {}],
    ['ここ数日ずっと', { occurredAt: 'ここ数日', frequency: 'ずっと' }],
    // How long it has been failing, said with the failure (round 28): a start, not a wait.
    ['3日以上届かない', { occurredAt: '3日以上' }],
    ['1週間くらい受信できない', { occurredAt: '1週間くらい' }],
    ['2日間メールが来ない', { occurredAt: '2日間' }],
    ['3日以上前から', { occurredAt: '3日以上前から' }],
    ['3時間以上かかる', {}],
    ['2時間待った', {}],
    ["my mail hasn't come in for over a week", { occurredAt: 'for over a week' }],
    ['more than 3 days now', { occurredAt: 'more than 3 days now' }],
    ['受信サーバ imap.mail.me.com ポート 993 SSL オン、送信 smtp.mail.me.com 587', { incoming: { host: 'imap.mail.me.com', port: 993, ssl: true }, outgoing: { host: 'smtp.mail.me.com', port: 587, ssl: true } }],
  ];
  for (const [text, want] of cases) {
    it(`reads ${text}`, () => expect(parseFieldFacts(text)).toEqual(want));
  }
  it('finds nothing in a plain complaint', () => expect(parseFieldFacts('メールが見られなくて困っています')).toEqual({}));
});

describe('maskSecrets()', () => {
  it('masks passwords, app passwords and codes', () => {
    for (const s of ['パスワードは abc123xyz です', 'pw: hunter22', 'password=Tr0ub4dor', 'abcd-efgh-ijkl-mnop', '認証コード 123456', 'xoxb-123456789012-abcdefghij']) {
      const r = maskSecrets(s);
      expect(r.redacted, s).toBe(true);
      expect(r.text).not.toMatch(/abc123xyz|hunter22|Tr0ub4dor|abcd-efgh|123456|xoxb-1/);
    }
  });
  it('keeps error texts, versions, ports and hosts', () => {
    for (const s of ['IMAPアカウントのパスワードが正しくありません', 'password is incorrect', 'iOS 18.1 で imap.mail.me.com ポート 993', '今朝9時から毎回', 'when will this mail come back']) {
      expect(maskSecrets(s), s).toEqual({ text: s, redacted: false });
    }
  });
});
