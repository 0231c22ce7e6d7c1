/**
 * t(key, params, locale) over locales/. Pure once constructed. A missing key is a lint error; at run time it
 * falls back to the other locale, then to the key itself, so a person never sees a blank message.
 */
import type { Locale } from '../core/index.js';
import type { Messages } from '../data/load.js';

export type Params = Record<string, string | number | undefined>;

export interface I18n {
  t(key: string, params: Params | undefined, locale: Locale): string;
  has(key: string, locale: Locale): boolean;
}

/** Replaces `{name}` placeholders; unknown placeholders are left as written. */
export function interpolate(template: string, params: Params | undefined): string {
  if (!params) return template;
  return template.replace(/\{([a-zA-Z0-9_]+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

export function createI18n(messages: Messages): I18n {
  return {
    t(key, params, locale) {
      const other: Locale = locale === 'ja' ? 'en' : 'ja';
      const template = messages[locale].get(key) ?? messages[other].get(key) ?? key;
      return interpolate(template, params);
    },
    has(key, locale) {
      return messages[locale].has(key);
    },
  };
}
