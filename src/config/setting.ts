import Joi from 'joi';

/** One environment variable: its name, its default (undefined: unset), its Joi rule and a line saying what it does. */
export interface Setting<T = unknown, HasDefault extends boolean = boolean> {
  readonly env: string;
  readonly default: HasDefault extends true ? T : undefined;
  readonly rule: Joi.AnySchema<T>;
  readonly doc: string;
}

/** Settings grouped as the typed config groups them: each leaf a setting, each branch a nested object. */
export interface SettingTable {
  readonly [key: string]: Setting | SettingTable;
}

/** A setting; its value type comes from the rule (`Joi.string<'a' | 'b'>()` narrows it). */
export function setting<T>(env: string, fallback: undefined, rule: Joi.AnySchema<T>, doc: string): Setting<T, false>;
export function setting<T>(env: string, fallback: T, rule: Joi.AnySchema<T>, doc: string): Setting<T, true>;
export function setting<T>(env: string, fallback: T | undefined, rule: Joi.AnySchema<T>, doc: string): Setting<T> {
  return Object.freeze({ env, default: fallback, rule, doc }) as Setting<T>;
}

type Unset = { readonly env: string; readonly default: undefined };
type ValueOf<E> = E extends Setting<infer T> ? T : Values<E>;
type Flat<T> = { [K in keyof T]: T[K] };

/** A table's values: each setting turned into its value type, optional where it has no default. */
export type Values<T> = Flat<
  { [K in keyof T as T[K] extends Unset ? never : K]: ValueOf<T[K]> } & {
    [K in keyof T as T[K] extends Unset ? K : never]?: ValueOf<T[K]>;
  }
>;

const isSetting = (entry: Setting | SettingTable): entry is Setting => typeof entry.env === 'string';

/** Every setting of a table, depth first in the order written: the order of validation, so of the error shown. */
export function settingsOf(table: SettingTable): Setting[] {
  return Object.values(table).flatMap((entry) => (isSetting(entry) ? [entry] : settingsOf(entry)));
}

/** One Joi object over the settings, keyed by environment name; variables it does not name pass untouched. */
export function schemaOf(settings: readonly Setting[]): Joi.ObjectSchema {
  const keys = settings.map((s) => [s.env, s.default === undefined ? s.rule : s.rule.default(s.default)]);
  return Joi.object(Object.fromEntries(keys)).unknown(true);
}

/** The table's shape with each setting replaced by its value in `validated` (keyed by environment name). */
export function valuesOf<T extends SettingTable>(table: T, validated: Record<string, unknown>): Values<T> {
  const entries = Object.entries(table).map(([key, entry]) => [
    key,
    isSetting(entry) ? validated[entry.env] : valuesOf(entry, validated),
  ]);
  return Object.fromEntries(entries) as Values<T>;
}
