import { SETTINGS, type AuthConfig, type Settings } from './settings';

/** What the table cannot say alone: a rule across settings returns the line to print, or undefined. */
type Rule = (settings: Settings) => string | undefined;

const KEY_SETTINGS = ['secret', 'publicKey', 'jwksUrl'] as const;

/** The key settings given (JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL), by environment name. */
function keySettings({ auth }: Settings): string[] {
  return KEY_SETTINGS.filter((key) => auth[key] !== undefined).map((key) => SETTINGS.auth[key].env);
}

/** The API runs open: on purpose (AUTH=none), or because no key setting was given. */
const isOpen = (s: Settings) => s.authMode === 'none' || keySettings(s).length === 0;

/** Open only because no key setting was given: main warns, and production refuses. */
export const isOpenByDefault = (s: Settings) => isOpen(s) && s.authMode !== 'none';

const oneKeySetting: Rule = (s) => {
  const given = keySettings(s);
  if (given.length > 1) {
    return `set only one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL (got ${given.join(', ')})`;
  }
};

const jwtNeedsAKey: Rule = (s) => {
  if (s.authMode === 'jwt' && keySettings(s).length === 0) {
    return 'AUTH=jwt needs JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL';
  }
};

const productionIsNotOpenByDefault: Rule = (s) => {
  if (isOpenByDefault(s) && s.nodeEnv === 'production') {
    return 'NODE_ENV=production needs JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL (or AUTH=none to run open on purpose)';
  }
};

const presenceOutlastsTwoHeartbeats: Rule = ({ presence }) => {
  if (presence.timeoutMs < 2 * presence.heartbeatMs) {
    return 'PRESENCE_TIMEOUT_MS must be at least twice PRESENCE_HEARTBEAT_MS, or a slow heartbeat sweeps a live instance';
  }
};

const transactionPoolNeedsListenUrl: Rule = (s) => {
  if (s.databasePoolMode === 'transaction' && !s.listenDatabaseUrl) {
    return 'DATABASE_POOL_MODE=transaction needs LISTEN_DATABASE_URL, a direct connection for LISTEN and migrations';
  }
};

const streamsEndBeforeTheirEventsArePruned: Rule = ({ streams, eventRetentionHours }) => {
  if (streams.maxDurationMs >= eventRetentionHours * 3_600_000) {
    return "STREAM_MAX_DURATION_MS must be shorter than EVENT_RETENTION_HOURS: an open stream's deltas must outlive it";
  }
};

/** Checked in this order; the first one broken is the one reported. */
const RULES: readonly Rule[] = [
  oneKeySetting,
  jwtNeedsAKey,
  productionIsNotOpenByDefault,
  presenceOutlastsTwoHeartbeats,
  transactionPoolNeedsListenUrl,
  streamsEndBeforeTheirEventsArePruned,
];

/** The first rule the settings break, as the line to print; undefined when all hold. */
export function brokenRule(settings: Settings): string | undefined {
  for (const rule of RULES) {
    const broken = rule(settings);
    if (broken) return broken;
  }
  return undefined;
}

/** A PEM's newlines do not survive most env files, so `\n` escapes stand for them. */
const unescapeNewlines = (pem: string | undefined) => pem?.replace(/\\n/g, '\n');

/** Token verification, or undefined when the API is open. */
export function authOf(s: Settings): AuthConfig | undefined {
  if (isOpen(s)) return undefined;
  return { ...s.auth, publicKey: unescapeNewlines(s.auth.publicKey) };
}

/** CORS_ORIGINS, comma-separated, as a list without blanks. */
export const splitList = (list: string): string[] =>
  list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
