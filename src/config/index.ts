import Joi from 'joi';

/** Token verification (src/auth/verifier.ts). */
export interface AuthConfig {
  secret?: string;
  publicKey?: string;
  jwksUrl?: string;
  /** Least time between two JWKS fetches (an unknown kid triggers one). */
  jwksCooldownMs?: number;
  issuer?: string;
  audience?: string;
}

export interface Config {
  port: number;
  host: string;
  /** Unset: main starts an embedded Postgres and fills this in. */
  databaseUrl?: string;
  /** A direct (session) connection for LISTEN and migrations; defaults to databaseUrl. */
  listenDatabaseUrl?: string;
  embeddedPgDir: string;
  embeddedPgPort: number;
  migrateOnStart: boolean;
  dbPoolMax: number;
  bodyLimit: string;
  trustProxy: boolean | number | string;
  shutdownTimeoutMs: number;
  eventRetentionHours: number;
  /** How often each instance records how far it has read the events log, and prunes it. */
  eventPruneIntervalMs: number;
  listenerCheckIntervalMs: number;
  socketMaxBufferBytes: number;
  resumeWaitMs: number;
  /** Deadlines of API statements, of the event feed's, and the lock wait of a migration. */
  statementTimeoutMs: number;
  feedStatementTimeoutMs: number;
  migrationLockTimeoutMs: number;
  /** 'transaction' behind a transaction-mode pooler such as PgBouncer. */
  databasePoolMode: 'session' | 'transaction';
  /** REST requests one client (token subject, or IP) may have in flight at once; 0 disables. */
  maxInflightPerClient: number;
  http: HttpTimeouts;
  /** GET /metrics (Prometheus); with a token, only for that bearer token. */
  metrics: { enabled: boolean; token?: string };
  /** Room replays reading the events log at once on this instance. */
  replayConcurrency: number;
  /** Presence: heartbeat (and sweep) period, and how long an unseen instance keeps its members. */
  presence: { heartbeatMs: number; timeoutMs: number };
  logLevel: string;
  /** undefined: the API is open (development, or AUTH=none). */
  auth?: AuthConfig;
  /** True when the API is open because no token settings were given outside production. */
  authOpenByDefault: boolean;
  rateLimits: RateLimits;
  corsOrigins: string[];
  webhooks: WebhookSettings;
}

/** Outbound webhooks (src/webhooks/). */
export interface WebhookSettings {
  /** Run the job runner (deliveries, dispatch, chores) in this instance. */
  enabled: boolean;
  /** Allow receivers on loopback, private and link-local addresses (development, tests). */
  allowPrivate: boolean;
  /** Deadline of one delivery attempt, connect to last byte. */
  timeoutMs: number;
  /** Deliveries in flight at once on this instance. */
  concurrency: number;
  /** First retry delay, doubled per attempt up to `retryMaxMs`, with jitter. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Retries stop, and an endpoint failing this long without a success is deactivated. */
  retryHours: number;
  /** How often the runner looks for retries that came due. */
  pollIntervalMs: number;
  /** Finished deliveries (and their attempts) older than this are removed. */
  logRetentionHours: number;
}

/** Node's HTTP server limits against slow clients (slowloris). */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export interface RateLimits {
  /** REST requests per minute per token subject (or IP without a token); 0 disables. */
  readsPerMinute: number;
  writesPerMinute: number;
  /** Socket events per second per connection. */
  socketEventsPerSecond: number;
  /** Rejected socket events within 10 s before the connection is dropped. */
  socketStrikes: number;
  socketConnectionsPerIp: number;
}

const schema = Joi.object({
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  HOST: Joi.string().default('0.0.0.0'),
  DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }),
  LISTEN_DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }),
  EMBEDDED_PG_DIR: Joi.string().default('.data/postgres'),
  EMBEDDED_PG_PORT: Joi.number().integer().min(1).max(65535).default(54329),
  MIGRATE_ON_START: Joi.boolean().default(true),
  DB_POOL_MAX: Joi.number().integer().min(1).max(1000).default(10),
  BODY_LIMIT: Joi.string()
    .pattern(/^\d+(\.\d+)?\s*(b|kb|mb|gb)$/i)
    .default('1mb'),
  TRUST_PROXY: Joi.alternatives(Joi.boolean(), Joi.number().integer().min(0), Joi.string()).default(false),
  SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(0).default(10000),
  EVENT_RETENTION_HOURS: Joi.number().positive().default(24),
  EVENT_PRUNE_INTERVAL_MS: Joi.number().integer().min(100).default(60_000),
  LISTENER_CHECK_INTERVAL_MS: Joi.number().integer().min(100).default(10000),
  SOCKET_MAX_BUFFER_BYTES: Joi.number().integer().min(1024).default(1_000_000),
  RESUME_WAIT_MS: Joi.number().integer().min(0).default(10_000),
  STATEMENT_TIMEOUT_MS: Joi.number().integer().min(100).default(5_000),
  FEED_STATEMENT_TIMEOUT_MS: Joi.number().integer().min(100).default(30_000),
  MIGRATION_LOCK_TIMEOUT_MS: Joi.number().integer().min(0).default(10_000),
  DATABASE_POOL_MODE: Joi.string().valid('session', 'transaction').default('session'),
  MAX_INFLIGHT_PER_CLIENT: Joi.number().integer().min(0).default(5),
  HTTP_HEADERS_TIMEOUT_MS: Joi.number().integer().min(1_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: Joi.number().integer().min(1_000).default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: Joi.number().integer().min(1_000).default(5_000),
  METRICS: Joi.boolean().default(true),
  METRICS_TOKEN: Joi.string().min(16),
  REPLAY_CONCURRENCY: Joi.number().integer().min(1).max(64).default(2),
  PRESENCE_HEARTBEAT_MS: Joi.number().integer().min(100).default(5_000),
  PRESENCE_TIMEOUT_MS: Joi.number().integer().min(200).default(20_000),
  NODE_ENV: Joi.string().default('development'),
  AUTH: Joi.string().valid('jwt', 'none'),
  JWT_SECRET: Joi.string().min(32),
  JWT_PUBLIC_KEY: Joi.string().pattern(/-----BEGIN PUBLIC KEY-----/, 'PEM public key'),
  JWT_JWKS_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  JWT_JWKS_COOLDOWN_MS: Joi.number().integer().min(0).default(30_000),
  JWT_ISSUER: Joi.string(),
  JWT_AUDIENCE: Joi.string(),
  RATE_LIMIT_READS_PER_MINUTE: Joi.number().integer().min(0).default(600),
  RATE_LIMIT_WRITES_PER_MINUTE: Joi.number().integer().min(0).default(120),
  SOCKET_EVENTS_PER_SECOND: Joi.number().integer().min(1).default(20),
  SOCKET_STRIKES: Joi.number().integer().min(1).default(20),
  SOCKET_CONNECTIONS_PER_IP: Joi.number().integer().min(1).default(100),
  CORS_ORIGINS: Joi.string().allow('').default(''),
  WEBHOOKS: Joi.boolean().default(true),
  WEBHOOK_ALLOW_PRIVATE: Joi.boolean().default(false),
  WEBHOOK_TIMEOUT_MS: Joi.number().integer().min(100).default(10_000),
  WEBHOOK_CONCURRENCY: Joi.number().integer().min(1).max(100).default(10),
  WEBHOOK_RETRY_BASE_MS: Joi.number().integer().min(1).default(10_000),
  WEBHOOK_RETRY_MAX_MS: Joi.number().integer().min(1).default(3_600_000),
  WEBHOOK_RETRY_HOURS: Joi.number().positive().default(24),
  WEBHOOK_POLL_INTERVAL_MS: Joi.number().integer().min(10).default(2_000),
  WEBHOOK_LOG_RETENTION_HOURS: Joi.number().positive().default(72),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
}).unknown(true);

/** Every setting's name, as the environment spells it. */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.describe().keys);

export class ConfigError extends Error {}

/** Reads and validates every setting; a bad value throws one line naming it. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // an empty variable (`FOO=`) means unset, as in most shells' .env conventions
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const { value, error } = schema.validate(set, { abortEarly: true, convert: true });
  if (error) {
    throw new ConfigError(`Invalid setting: ${error.details[0].message}`);
  }
  const tokenSettings = ['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL'].filter((k) => value[k] !== undefined);
  if (tokenSettings.length > 1) {
    throw new ConfigError(
      `Invalid setting: set only one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL (got ${tokenSettings.join(', ')})`,
    );
  }
  const open = value.AUTH === 'none' || tokenSettings.length === 0;
  if (value.AUTH === 'jwt' && tokenSettings.length === 0) {
    throw new ConfigError('Invalid setting: AUTH=jwt needs JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL');
  }
  if (open && value.AUTH !== 'none' && value.NODE_ENV === 'production') {
    throw new ConfigError(
      'Invalid setting: NODE_ENV=production needs JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL (or AUTH=none to run open on purpose)',
    );
  }
  if (value.PRESENCE_TIMEOUT_MS < 2 * value.PRESENCE_HEARTBEAT_MS) {
    throw new ConfigError(
      'Invalid setting: PRESENCE_TIMEOUT_MS must be at least twice PRESENCE_HEARTBEAT_MS, or a slow heartbeat sweeps a live instance',
    );
  }
  if (value.DATABASE_POOL_MODE === 'transaction' && !value.LISTEN_DATABASE_URL) {
    throw new ConfigError(
      'Invalid setting: DATABASE_POOL_MODE=transaction needs LISTEN_DATABASE_URL, a direct connection for LISTEN and migrations',
    );
  }
  return {
    auth: open
      ? undefined
      : {
          secret: value.JWT_SECRET,
          publicKey: value.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
          jwksUrl: value.JWT_JWKS_URL,
          jwksCooldownMs: value.JWT_JWKS_COOLDOWN_MS,
          issuer: value.JWT_ISSUER,
          audience: value.JWT_AUDIENCE,
        },
    authOpenByDefault: open && value.AUTH !== 'none',
    rateLimits: {
      readsPerMinute: value.RATE_LIMIT_READS_PER_MINUTE,
      writesPerMinute: value.RATE_LIMIT_WRITES_PER_MINUTE,
      socketEventsPerSecond: value.SOCKET_EVENTS_PER_SECOND,
      socketStrikes: value.SOCKET_STRIKES,
      socketConnectionsPerIp: value.SOCKET_CONNECTIONS_PER_IP,
    },
    corsOrigins: (value.CORS_ORIGINS as string)
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    port: value.PORT,
    host: value.HOST,
    databaseUrl: value.DATABASE_URL,
    listenDatabaseUrl: value.LISTEN_DATABASE_URL,
    embeddedPgDir: value.EMBEDDED_PG_DIR,
    embeddedPgPort: value.EMBEDDED_PG_PORT,
    migrateOnStart: value.MIGRATE_ON_START,
    dbPoolMax: value.DB_POOL_MAX,
    bodyLimit: value.BODY_LIMIT,
    trustProxy: value.TRUST_PROXY,
    shutdownTimeoutMs: value.SHUTDOWN_TIMEOUT_MS,
    eventRetentionHours: value.EVENT_RETENTION_HOURS,
    eventPruneIntervalMs: value.EVENT_PRUNE_INTERVAL_MS,
    listenerCheckIntervalMs: value.LISTENER_CHECK_INTERVAL_MS,
    socketMaxBufferBytes: value.SOCKET_MAX_BUFFER_BYTES,
    resumeWaitMs: value.RESUME_WAIT_MS,
    statementTimeoutMs: value.STATEMENT_TIMEOUT_MS,
    feedStatementTimeoutMs: value.FEED_STATEMENT_TIMEOUT_MS,
    migrationLockTimeoutMs: value.MIGRATION_LOCK_TIMEOUT_MS,
    databasePoolMode: value.DATABASE_POOL_MODE,
    maxInflightPerClient: value.MAX_INFLIGHT_PER_CLIENT,
    http: {
      headersTimeoutMs: value.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: value.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: value.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    metrics: { enabled: value.METRICS, token: value.METRICS_TOKEN },
    replayConcurrency: value.REPLAY_CONCURRENCY,
    presence: { heartbeatMs: value.PRESENCE_HEARTBEAT_MS, timeoutMs: value.PRESENCE_TIMEOUT_MS },
    webhooks: {
      enabled: value.WEBHOOKS,
      allowPrivate: value.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: value.WEBHOOK_TIMEOUT_MS,
      concurrency: value.WEBHOOK_CONCURRENCY,
      retryBaseMs: value.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: value.WEBHOOK_RETRY_MAX_MS,
      retryHours: value.WEBHOOK_RETRY_HOURS,
      pollIntervalMs: value.WEBHOOK_POLL_INTERVAL_MS,
      logRetentionHours: value.WEBHOOK_LOG_RETENTION_HOURS,
    },
    logLevel: value.LOG_LEVEL,
  };
}

/** CORS_ORIGINS as both Express (cors) and Socket.IO take it: one allow-list for both. */
export function corsOrigin(origins: string[]): boolean | string | string[] {
  if (origins.includes('*')) return '*';
  return origins.length ? origins : false;
}
