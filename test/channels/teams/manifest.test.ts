/** docs/teams: the Teams app package a Teams admin uploads is complete and consistent with what the bot understands. */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContent, type Content } from '../../pipeline/setup.js';

const dir = new URL('../../../docs/teams/', import.meta.url);
const json = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
const manifest = json('manifest.json');
const ja = json('ja-jp.json');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(name: string): [number, number] {
  const b = readFileSync(new URL(name, dir));
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

describe('docs/teams/manifest.json', () => {
  it('declares one bot in personal, team and group chat scopes with the placeholder ids the README replaces', () => {
    expect(manifest.manifestVersion).toBe('1.17');
    expect(manifest.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots[0].botId).toBe('00000000-0000-0000-0000-000000000000');
    expect(manifest.bots[0].scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(manifest.validDomains).toEqual(['bot.example.com']);
    for (const url of Object.values(manifest.developer).filter((v) => String(v).startsWith('http'))) {
      expect(String(url)).toMatch(/^https:\/\/bot\.example\.com\//);
    }
  });

  it('keeps the store limits (short name 30, short description 80, full 4000, command title 32)', () => {
    for (const m of [manifest, { name: { short: ja['name.short'] }, description: { short: ja['description.short'], full: ja['description.full'] } }]) {
      expect(m.name.short.length).toBeLessThanOrEqual(30);
      expect(m.description.short.length).toBeLessThanOrEqual(80);
      expect(m.description.full.length).toBeLessThanOrEqual(4000);
    }
    const titles = [
      ...manifest.bots[0].commandLists[0].commands.map((c: { title: string }) => c.title),
      ...Object.entries(ja).filter(([k]) => k.endsWith('.title')).map(([, v]) => v as string),
    ];
    for (const t of titles) expect(t.length).toBeLessThanOrEqual(32);
  });

  it('ships icons of the required sizes (color 192×192, outline 32×32)', () => {
    expect(pngSize(manifest.icons.color)).toEqual([192, 192]);
    expect(pngSize(manifest.icons.outline)).toEqual([32, 32]);
  });

  it('localises every command into Japanese', () => {
    expect(manifest.localizationInfo.additionalLanguages).toEqual([{ languageTag: 'ja-jp', file: 'ja-jp.json' }]);
    manifest.bots[0].commandLists[0].commands.forEach((_: unknown, i: number) => {
      expect(ja[`bots[0].commandLists[0].commands[${i}].title`]).toMatch(/\S/);
      expect(ja[`bots[0].commandLists[0].commands[${i}].description`]).toMatch(/\S/);
    });
  });

  describe('command menu', () => {
    let content: Content;
    beforeAll(async () => {
      content = await loadContent();
    });
    // A command is sent as its title: the NLU must read each one as the intent it stands for.
    const expected: Array<RegExp> = [/^(mail_not_arriving|error_cannot_fetch)$/, /^error_send$/, /^request_human$/, /^restart$/];

    it('sends titles the NLU understands, in both languages', () => {
      manifest.bots[0].commandLists[0].commands.forEach((c: { title: string }, i: number) => {
        expect(content.nlu.analyse(c.title, 'en').intent, c.title).toMatch(expected[i]!);
        const title = ja[`bots[0].commandLists[0].commands[${i}].title`] as string;
        expect(content.nlu.analyse(title, 'ja').intent, title).toMatch(expected[i]!);
      });
    });
  });
});
