/**
 * Locale keys the code builds at run time, typed: each helper returns a template type over the core unions, and
 * the assertions below make a value, intent, step result or cause without its name in locales/ja a compile error
 * (naming the missing key). Keys written as literals are checked where they are passed (`KeyArg`).
 */
import { ENTITY_VALUES, type CauseAxis, type Carrier, type Device, type Intent, type Service, type StepResult } from '../core/index.js';
import type { LocaleKey } from './keys.generated.js';

export type ValueSlot = 'carrier' | 'service' | 'device' | 'account' | 'mail_app' | 'handset';

/**
 * The display name of an entity value (engine.value.<slot>.<value>); `account` is a carrier's or a service's mail,
 * `mail_app` the Android app it is read in (the Outlook app for Outlook, never "Gmail" for an Outlook user),
 * `handset` the device as a common noun ("the old iPad", "the old phone" on Android, "the old device" when unknown).
 */
export type ValueKey =
  | `engine.value.carrier.${Carrier | 'none'}`
  | `engine.value.service.${Service | 'none'}`
  | `engine.value.device.${Device | 'none'}`
  | `engine.value.account.${Carrier | Service | 'none'}`
  | `engine.value.mail_app.${Carrier | Service | 'none'}`
  | `engine.value.handset.${Device | 'none'}`;
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
};

/** The name key of a slot value; `.none` for an empty slot or a value the domain does not have. */
export function valueKey(slot: ValueSlot, value: string | undefined): ValueKey {
  return (value !== undefined && known[slot].has(value) ? `engine.value.${slot}.${value}` : `engine.value.${slot}.none`) as ValueKey;
}

export const resultKey = (result: StepResult): ResultKey => `ticket.result.${result}`;
export const intentKey = (intent: Intent): IntentKey => `ticket.intent.${intent}`;
export const causeKey = (cause: CauseAxis): CauseKey => `ticket.cause.${cause}`;
