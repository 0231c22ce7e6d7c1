/**
 * Typed locale keys: a key written in code must be a key of locales/ja. The compile-time half is checked by
 * `npm run typecheck` (tsc over test/): each @ts-expect-error below fails the typecheck if the mistake stops being one.
 */
import { describe, expect, it } from 'vitest';
import { loadLocales } from '../../src/data/load.js';
import { createI18n } from '../../src/i18n/index.js';
import { causeKey, intentKey, resultKey, valueKey } from '../../src/i18n/keys.js';

const i18n = createI18n(loadLocales().messages);

describe('LocaleKey', () => {
  it('makes a mistyped key a compile error, while keys from content stay plain strings', () => {
    // @ts-expect-error — 'resolvd' is not a key of locales/ja.
    expect(i18n.t('engine.button.resolvd', undefined, 'en')).toBe('engine.button.resolvd');
    expect(i18n.t('engine.button.resolved', undefined, 'en')).toBe('Fixed');
    const fromTree: string = 'tree.net_airplane.title';
    expect(i18n.t(fromTree, undefined, 'ja')).not.toBe(fromTree);
  });

  it('builds run-time keys through helpers whose every result exists in ja and en', () => {
    const { messages } = loadLocales();
    const keys = [valueKey('carrier', 'docomo'), valueKey('account', 'gmail'), valueKey('device', undefined), resultKey('skipped'), intentKey('error_push'), causeKey('network')];
    expect(keys).toEqual(['engine.value.carrier.docomo', 'engine.value.account.gmail', 'engine.value.device.none', 'ticket.result.skipped', 'ticket.intent.error_push', 'ticket.cause.network']);
    for (const k of keys) for (const l of ['ja', 'en'] as const) expect(messages[l].has(k), `${l} ${k}`).toBe(true);
    // A value the domain does not have renders as "none", never as a raw key.
    expect(valueKey('carrier', 'vodafone')).toBe('engine.value.carrier.none');
  });
});
