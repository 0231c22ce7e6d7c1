import { describe, expect, it } from 'vitest';
import { contrast, DONE_BEFORE, WORKS_NET, WORKS_RECV, WORKS_SEND } from '../../src/nlu/contrast.js';
import { extractEntities, isFactOnly } from '../../src/nlu/entities.js';
import { normalize } from '../../src/nlu/normalize.js';

const c = (text: string) => contrast(normalize(text));

describe('contrast: "one direction works" clauses', () => {
  it.each([
    ['送信のほうは問題ないです', WORKS_SEND, ''],
    ['受信も一応できてますが', WORKS_RECV, ''],
    ['受信できるけど送信できない', WORKS_RECV, '送信できない'],
    ['outgoing mail is ok but the inbox is empty', WORKS_SEND, 'but the inbox is empty'],
    ['i can receive, replies bounce', WORKS_RECV, ', replies bounce'],
    ['Wi-Fiは繋がっているのに受信できない', WORKS_NET, '受信できない'],
    ['ネットには接続できてるけどメールが来ない', WORKS_NET, 'メールが来ない'],
    ['wifi is connected but no mail comes in', WORKS_NET, 'but no mail comes in'],
    ["i'm connected to the internet, but mail won't load", WORKS_NET, ", but mail won't load"],
    ['wi‐fi is connected but no mail comes in', WORKS_NET, 'but no mail comes in'],
    ["can't send this email now although it receives fine", WORKS_RECV, "can't send this email now although"],
  ])('cuts %s and tags it', (text, tag, rest) => {
    const r = c(text);
    expect(r.tags).toContain(tag);
    expect(r.text).toBe(rest);
  });

  it.each(['受信できるようになった', '送信できない', 'sending works again', "sending isn't working", '受信はできません', 'wi-fi繋がってる', 'works on 4g but not on wi-fi'])('leaves %s alone', (text) => {
    expect(c(text)).toEqual({ text: normalize(text), tags: [] });
  });
});

describe('contrast: typed passwords and "already did that"', () => {
  it('drops a typed password clause but keeps the symptom after it', () => {
    expect(c('PW: Xy7#pq12 です。auメールが受信できない').text).toBe('auメールが受信できない');
  });

  it('keeps the guide error strings that talk about passwords', () => {
    expect(c('IMAPアカウントのパスワードが正しくありません').text).toBe(normalize('IMAPアカウントのパスワードが正しくありません'));
  });

  it.each(['再起動は前にもうやってます', 'tried that earlier', 'already did'])('tags %s as done before', (text) => {
    expect(c(text).tags).toContain(DONE_BEFORE);
  });

  it.each(['やってみます', 'まだ試してない', 'did it help?'])('does not tag %s', (text) => {
    expect(c(text).tags).not.toContain(DONE_BEFORE);
  });
});

describe('Android versions', () => {
  it.each([
    ['Android OS 13', 'Android 13'],
    ['アンドロイドバージョン12です', 'Android 12'],
    ['Xperia、Android 15', 'Android 15'],
  ])('reads %s as os_version %s', (text, v) => {
    expect(extractEntities(text).entities.os_version).toBe(v);
  });

  it('does not take a phone model number for an OS version', () => {
    expect(extractEntities('Android、Pixel 8a').entities).toEqual({ device: 'android' });
    expect(extractEntities('Galaxy S24です').entities).toEqual({ device: 'android' });
  });

  it('treats a model code after the brand as part of a bare fact', () => {
    expect(isFactOnly(extractEntities('Galaxy A54、Android 14'))).toBe(true);
    expect(isFactOnly(extractEntities('Galaxy A54が壊れた'))).toBe(false);
  });

  it('reads a mail domain said without the address as the account, a bare fact (trial-ja-33)', () => {
    expect(extractEntities('i.softbank.jpです').entities).toEqual({ carrier: 'softbank', service: 'carrier_mail' });
    expect(isFactOnly(extractEntities('i.softbank.jpです'))).toBe(true);
    expect(isFactOnly(extractEntities("it's a docomo.ne.jp address"))).toBe(true);
    expect(isFactOnly(extractEntities('imap.gmail.comが応答しません'))).toBe(false);
  });
});
