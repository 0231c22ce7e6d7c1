/**
 * t(key, params, locale) over locales/. Pure once constructed. A missing key is a lint error; at run time it
 * falls back to the other locale, then to the key itself, so a person never sees a blank message.
 */
import type { Locale } from '../core/index.js';
import type { Messages } from '../data/load.js';
import type { LocaleKey } from './keys.generated.js';

export type { LocaleKey };

export type Params = Record<string, string | number | undefined>;

/**
 * A locale key argument. A key written in the code (a literal, or a template over typed unions such as
 * `ticket.intent.${Intent}`) must be a key of locales/ja, else it is a compile error; a plain `string` is a key
 * that comes from content (dialogs/ nodes and options), which `mailmedic lint` checks instead. Use as `K & KeyArg<K>`.
 */
export type KeyArg<K extends string> = string extends K ? K : K extends LocaleKey ? K : LocaleKey;

export interface I18n {
  t<K extends string>(key: K & KeyArg<K>, params: Params | undefined, locale: Locale): string;
  /** Like t(), with each `{name}` the template names asked of `resolve` (so only the parameters used are computed). */
  format<K extends string>(key: K & KeyArg<K>, resolve: (name: string) => string | number | undefined, locale: Locale): string;
  has(key: string, locale: Locale): boolean;
}

const PLACEHOLDER = /\{([a-zA-Z0-9_]+)\}/g;

/** Replaces `{name}` placeholders; unknown placeholders are left as written. */
export function interpolate(template: string, params: Params | undefined): string {
  if (!params) return template;
  return substitute(template, (name) => params[name]);
}

function substitute(template: string, resolve: (name: string) => string | number | undefined): string {
  if (!template.includes('{')) return template;
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const v = resolve(name);
    return v === undefined ? whole : String(v);
  });
}

export function createI18n(messages: Messages): I18n {
  const template = (key: string, locale: Locale) => messages[locale].get(key) ?? messages[locale === 'ja' ? 'en' : 'ja'].get(key) ?? key;
  return {
    t(key: string, params: Params | undefined, locale: Locale) {
      return interpolate(template(key, locale), params);
    },
    format(key: string, resolve: (name: string) => string | number | undefined, locale: Locale) {
      return substitute(template(key, locale), resolve);
    },
    has(key, locale) {
      return messages[locale].has(key);
    },
  };
}
