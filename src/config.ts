import Joi from 'joi';

export interface Config {
  port: number;
  host: string;
  /** Unset: main starts an embedded Postgres and fills this in. */
  databaseUrl?: string;
  /** A direct (session) connection for LISTEN; defaults to databaseUrl. */
  listenDatabaseUrl?: string;
  embeddedPgDir: string;
  embeddedPgPort: number;
  migrateOnStart: boolean;
  dbPoolMax: number;
  bodyLimit: string;
  trustProxy: boolean | number | string;
  shutdownTimeoutMs: number;
  eventRetentionHours: number;
  listenerCheckIntervalMs: number;
  socketMaxBufferBytes: number;
  logLevel: string;
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
  LISTENER_CHECK_INTERVAL_MS: Joi.number().integer().min(100).default(10000),
  SOCKET_MAX_BUFFER_BYTES: Joi.number().integer().min(1024).default(1_000_000),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
}).unknown(true);

export class ConfigError extends Error {}

/** Reads and validates every setting; a bad value throws one line naming it. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const { value, error } = schema.validate(env, { abortEarly: true, convert: true });
  if (error) {
    throw new ConfigError(`Invalid setting: ${error.details[0].message}`);
  }
  return {
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
    listenerCheckIntervalMs: value.LISTENER_CHECK_INTERVAL_MS,
    socketMaxBufferBytes: value.SOCKET_MAX_BUFFER_BYTES,
    logLevel: value.LOG_LEVEL,
  };
}
