/** The web and terminal strings exist in both languages with the same keys, and the page renders none blank. */
import { describe, expect, it } from 'vitest';
import { loadLocales } from '../../../src/data/load.js';
import { createI18n } from '../../../src/i18n/index.js';
import { PAGE_KEYS, renderPage } from '../../../src/channels/web/page.js';

const { messages } = loadLocales();
const ours = (locale: 'ja' | 'en') =>
  [...messages[locale].keys()].filter((k) => k.startsWith('web.') || k.startsWith('terminal.')).sort();

describe('web.yaml', () => {
  it('has the same keys in ja and en', () => {
    expect(ours('ja').length).toBeGreaterThan(30);
    expect(ours('en')).toEqual(ours('ja'));
  });

  it('defines every key the page uses, in both languages', () => {
    for (const key of PAGE_KEYS) {
      expect(messages.ja.get(key), `ja ${key}`).toMatch(/\S/);
      expect(messages.en.get(key), `en ${key}`).toMatch(/\S/);
    }
  });

  it('renders a page with no raw keys and with the script data escaped', () => {
    const i18n = createI18n(messages);
    for (const locale of ['ja', 'en'] as const) {
      const html = renderPage(i18n, locale, 'n0nce');
      expect(html).not.toMatch(/>web\.page\./);
      expect(html.match(/<\/script>/g)).toHaveLength(1);
      expect(html).toContain('<script nonce="n0nce">');
    }
  });
});
