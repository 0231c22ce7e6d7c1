/**
 * Locale keys the code builds at run time, typed: each helper returns a template type over the core unions, and
 * the assertions below make a value, intent, step result or cause without its name in locales/ja a compile error
 * (naming the missing key). Keys written as literals are checked where they are passed (`KeyArg`).
 */
import { ENTITY_VALUES, type CauseAxis, type Carrier, type Device, type Intent, type Service, type StepResult } from '../core/index.js';
import type { LocaleKey } from './keys.generated.js';

export type ValueSlot = 'carrier' | 'service' | 'device' | 'account' | 'mail_app' | 'handset' | 'browser';

/**
 * The display name of an entity value (engine.value.<slot>.<value>); `account` is a carrier's or a service's mail,
 * `mail_app` the Android app it is read in (the Outlook app for Outlook, never "Gmail" for an Outlook user),
 * `handset` the device as a common noun ("the old iPad", "the old phone" on Android, "the old device" when unknown),
 * `browser` the device's browser (Chrome on Android, Safari on an iPhone, both named when the device is unknown).
 */
export type ValueKey =
  | `engine.value.carrier.${Carrier | 'none'}`
  | `engine.value.service.${Service | 'none'}`
  | `engine.value.device.${Device | 'none'}`
  | `engine.value.account.${Carrier | Service | 'none'}`
  | `engine.value.mail_app.${Carrier | Service | 'none'}`
  | `engine.value.handset.${Device | 'none'}`
  | `engine.value.browser.${Device | 'none'}`;
export type ResultKey = `ticket.result.${StepResult}`;
export type IntentKey = `ticket.intent.${Intent}`;
export type CauseKey = `ticket.cause.${CauseAxis}`;

/** Compile-time: `true` when every key of T exists, else the missing keys (so the error names them). */
type AllDefined<T extends string> = [Exclude<T, LocaleKey>] extends [never] ? true : Exclude<T, LocaleKey>;
const valuesNamed: AllDefined<ValueKey> = true;
const resultsNamed: AllDefined<ResultKey> = true;
const intentsNamed: AllDefined<IntentKey> = true;
const causesNamed: AllDefined<CauseKey> = true;
void [valuesNamed, resultsNamed, intentsNamed, causesNamed];

const known: Record<ValueSlot, ReadonlySet<string>> = {
  carrier: new Set(ENTITY_VALUES.carrier),
  service: new Set(ENTITY_VALUES.service),
  device: new Set(ENTITY_VALUES.device),
  account: new Set([...ENTITY_VALUES.carrier, ...ENTITY_VALUES.service]),
  mail_app: new Set([...ENTITY_VALUES.carrier, ...ENTITY_VALUES.service]),
  handset: new Set(ENTITY_VALUES.device),
  browser: new Set(ENTITY_VALUES.device),
};

/** The name key of a slot value; `.none` for an empty slot or a value the domain does not have. */
export function valueKey(slot: ValueSlot, value: string | undefined): ValueKey {
  return (value !== undefined && known[slot].has(value) ? `engine.value.${slot}.${value}` : `engine.value.${slot}.none`) as ValueKey;
}

/** The entity slots a conversation knows (a summary's carrier, service and device). */
export interface SlotValues {
  carrier?: string;
  service?: string;
  device?: string;
}

/**
 * The name keys of the slot placeholders the tree's texts use ({carrier_name}, {handset}, {mail_app} …) for one set of
 * slot values — the one place that says which slot each placeholder names: the engine's messages and the staff pages'
 * node names (admin/nodes.ts) both read it.
 */
export function slotNameKeys(s: SlotValues): Record<'carrier_name' | 'service_name' | 'device_name' | 'handset' | 'browser' | 'account_name' | 'mail_app', ValueKey> {
  const account = s.carrier ?? s.service;
  return {
    carrier_name: valueKey('carrier', s.carrier),
    service_name: valueKey('service', s.service),
    device_name: valueKey('device', s.device),
    handset: valueKey('handset', s.device),
    browser: valueKey('browser', s.device),
    account_name: valueKey('account', account),
    // The app is the service's (an Outlook account on a docomo phone is read in Outlook), carrier mail's own app else.
    mail_app: valueKey('mail_app', s.service && s.service !== 'carrier_mail' ? s.service : account),
  };
}

export const resultKey = (result: StepResult): ResultKey => `ticket.result.${result}`;
export const intentKey = (intent: Intent): IntentKey => `ticket.intent.${intent}`;
export const causeKey = (cause: CauseAxis): CauseKey => `ticket.cause.${cause}`;
