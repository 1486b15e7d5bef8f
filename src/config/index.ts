import { authOf, brokenRule, isOpenByDefault, splitList } from './rules';
import { schemaOf, valuesOf } from './setting';
import { SETTINGS, SETTING_LIST, type AuthConfig, type Settings } from './settings';

export type { Setting } from './setting';
export { SETTING_LIST } from './settings';
export type { AuthConfig, HttpTimeouts, RateLimits, WebhookSettings } from './settings';

/** The settings as the rest of the server reads them: the table's values, and what follows from them. */
export type Config = Omit<Settings, 'nodeEnv' | 'authMode' | 'auth' | 'corsOrigins'> & {
  /** undefined: the API is open (development, or AUTH=none). */
  auth?: AuthConfig;
  /** True when the API is open because no token settings were given outside production. */
  authOpenByDefault: boolean;
  corsOrigins: string[];
};

/** Every setting's name, as the environment spells it. */
export const SETTING_NAMES: readonly string[] = SETTING_LIST.map((s) => s.env);

export class ConfigError extends Error {}

const SCHEMA = schemaOf(SETTING_LIST);

/** Reads and validates every setting; a bad value throws one line naming it. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // an empty variable (`FOO=`) means unset, as in most shells' .env conventions
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const { value, error } = SCHEMA.validate(set, { abortEarly: true, convert: true });
  if (error) throw new ConfigError(`Invalid setting: ${error.details[0].message}`);
  const settings = valuesOf(SETTINGS, value);
  const broken = brokenRule(settings);
  if (broken) throw new ConfigError(`Invalid setting: ${broken}`);
  return configOf(settings);
}

/** The typed config: the table's values, less what only the rules read, plus what follows from them. */
function configOf(settings: Settings): Config {
  // NODE_ENV and AUTH only decide `auth`; the rest of the server never reads them
  const { nodeEnv: _nodeEnv, authMode: _authMode, ...rest } = settings;
  return {
    ...rest,
    auth: authOf(settings),
    authOpenByDefault: isOpenByDefault(settings),
    corsOrigins: splitList(settings.corsOrigins),
  };
}

/** CORS_ORIGINS as both Express (cors) and Socket.IO take it: one allow-list for both. */
export function corsOrigin(origins: string[]): boolean | string | string[] {
  if (origins.includes('*')) return '*';
  return origins.length ? origins : false;
}
