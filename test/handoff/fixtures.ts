import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger, Ticket } from '../../src/core/index.js';

/** A ticket as the engine builds it; `secret` is typed by the user into the free-text fields. */
export function makeTicket(id: string, overrides: Partial<Ticket> = {}, secret?: string): Ticket {
  const s = secret ? ` パスワードは ${secret} です` : '';
  return {
    id,
    conversation: `conv-${id}`,
    channel: 'web',
    createdAt: '2026-11-28T09:00:00.000Z',
    requester: { id: 'U123', name: '田中' },
    locale: 'ja',
    intent: 'error_auth',
    cause: 'auth',
    fields: {
      device: 'iphone',
      os: 'iOS 18.1',
      service: 'carrier_mail',
      carrier: 'docomo',
      errorMessage: `IMAPアカウントのパスワードが正しくありません${s}`,
      occurredAt: '今朝9時から',
      frequency: '毎回',
      stepsTried: [
        { step: 'パスワードを手入力し直す', result: 'not_resolved' },
        { step: `dアカウント再ログイン${s}`, result: 'not_resolved' },
      ],
      settings: { incoming: { host: 'imap.spmode.ne.jp', port: 993, ssl: true }, outgoing: { host: 'smtp.spmode.ne.jp', port: 465, ssl: true } },
    },
    summary: `[mailmedic] 認証エラー：ドコモメール / iPhone${s}`,
    body: `端末/OS：iPhone / iOS 18.1\nエラー表示：IMAPアカウントのパスワードが正しくありません${s}\n会話記録：http://localhost:3978/admin/c/conv-${id}`,
    transcriptUrl: `http://localhost:3978/admin/c/conv-${id}`,
    ...overrides,
  };
}

/** A real pino logger whose lines are kept in memory, to prove what reaches the logs. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream) as unknown as Logger, lines };
}

export { uniquePrefix } from '../redis.js';
