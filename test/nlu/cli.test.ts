import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTENTS } from '../../src/core/index.js';

// `npm test` runs `npm run build` first; the CLI is tested as users run it, from dist/.
const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'dist', 'cli', 'main.js');

function run(args: string[], input: string | Buffer) {
  return spawnSync(process.execPath, [main, ...args], { input, cwd: root, maxBuffer: 64 * 1024 * 1024 });
}

describe('mailmedic classify', () => {
  it('is built', () => {
    expect(existsSync(main)).toBe(true);
  });

  it('prints one JSON line per non-empty input line, and nothing else on stdout', () => {
    const lines = ['メールを取得できません', '', '   ', 'ドコモメールがiPhoneで来ない', 'hello', '😀😀', '\u0000\u0001\u0002\u00ff', 'あ'.repeat(100_000)];
    const r = run(['classify'], Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0xff, 0xfe, 0x00, 0x0a])]));
    expect(r.status).toBe(0);
    const out = r.stdout.toString('utf8').split('\n').filter((l) => l !== '');
    expect(out).toHaveLength(7);
    for (const line of out) {
      const j = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(j)).toEqual(['text', 'intent', 'confidence', 'entities']);
      expect(INTENTS).toContain(j.intent);
      expect(j.confidence).toBeGreaterThanOrEqual(0);
      expect(j.confidence).toBeLessThanOrEqual(1);
      expect(Object.values(j.entities as object).every((v) => typeof v === 'string')).toBe(true);
    }
    const first = JSON.parse(out[0]!);
    expect(first).toEqual({ text: 'メールを取得できません', intent: 'error_cannot_fetch', confidence: first.confidence, entities: { error_message: 'cannot_get_mail' } });
    expect(JSON.parse(out[1]!).entities).toEqual({ carrier: 'docomo', device: 'iphone', service: 'carrier_mail' });
    expect(JSON.parse(out[3]!).intent).toBe('out_of_scope');
    expect(JSON.parse(out[5]!).text).toHaveLength(100_000);
  });
});

describe('mailmedic intents export', () => {
  it('prints every training phrase as {locale, intent, text}', () => {
    const r = run(['intents', 'export'], '');
    expect(r.status).toBe(0);
    const rows = r.stdout.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.length).toBeGreaterThan(1000);
    for (const row of rows) expect(Object.keys(row)).toEqual(['locale', 'intent', 'text']);
    expect(new Set(rows.map((r) => r.intent))).toEqual(new Set(INTENTS));
    expect(new Set(rows.map((r) => r.locale))).toEqual(new Set(['ja', 'en']));
  });
});
