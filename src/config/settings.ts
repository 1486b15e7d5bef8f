import Joi from 'joi';
import { setting, settingsOf, type Values } from './setting';

const int = (min: number, max?: number) => {
  const rule = Joi.number().integer().min(min);
  return max === undefined ? rule : rule.max(max);
};
const hours = Joi.number().positive();
const oneOf = <V extends string>(...values: V[]) => Joi.string<V>().valid(...values);
const poolMode = oneOf('session', 'transaction');
const postgresUrl = Joi.string().uri({ scheme: ['postgres', 'postgresql'] });
const byteSize = Joi.string().pattern(/^\d+(\.\d+)?\s*(b|kb|mb|gb)$/i);
const proxyHops = Joi.alternatives<boolean, number, string>(Joi.boolean(), int(0), Joi.string());
const pemPublicKey = Joi.string().pattern(/-----BEGIN PUBLIC KEY-----/, 'PEM public key');
const httpUrl = Joi.string().uri({ scheme: ['http', 'https'] });
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Every setting, once: `setting(environment name, default or undefined (unset), Joi rule, doc)`.
 * The typed config is derived from this table (see `Values`), and its order is the order of
 * validation: with several bad values, the first one here is the one reported.
 */
export const SETTINGS = {
  port: setting('PORT', 3000, int(0, 65535), 'HTTP and Socket.IO port'),
  host: setting('HOST', '0.0.0.0', Joi.string(), 'Interface to listen on'),
  databaseUrl: setting('DATABASE_URL', undefined, postgresUrl, 'Postgres URL; unset: an embedded one'),
  listenDatabaseUrl: setting('LISTEN_DATABASE_URL', undefined, postgresUrl, 'For LISTEN; unset: DATABASE_URL'),
  embeddedPgDir: setting('EMBEDDED_PG_DIR', '.data/postgres', Joi.string(), 'Data directory of the embedded Postgres'),
  embeddedPgPort: setting('EMBEDDED_PG_PORT', 54329, int(1, 65535), 'Port of the embedded Postgres (loopback)'),
  migrateOnStart: setting('MIGRATE_ON_START', true, Joi.boolean(), 'Apply pending migrations at start'),
  dbPoolMax: setting('DB_POOL_MAX', 8, int(1, 1000), 'Connections for API queries'),
  bodyLimit: setting('BODY_LIMIT', '1mb', byteSize, 'Largest request body'),
  trustProxy: setting('TRUST_PROXY', false, proxyHops, "Express's `trust proxy`"),
  shutdownTimeoutMs: setting('SHUTDOWN_TIMEOUT_MS', 10_000, int(0), 'How long SIGTERM waits for in-flight requests'),
  eventRetentionHours: setting('EVENT_RETENTION_HOURS', 24, hours, 'How long the events log keeps events'),
  eventPruneIntervalMs: setting('EVENT_PRUNE_INTERVAL_MS', 60_000, int(100), 'Read position record (and prune) period'),
  listenerCheckIntervalMs: setting('LISTENER_CHECK_INTERVAL_MS', 10_000, int(100), 'How often LISTEN is proven alive'),
  socketMaxBufferBytes: setting('SOCKET_MAX_BUFFER_BYTES', 1_000_000, int(1024), 'Largest Socket.IO message'),
  resumeWaitMs: setting('RESUME_WAIT_MS', 10_000, int(0), "How long a resume waits for another's cursor"),
  statementTimeoutMs: setting('STATEMENT_TIMEOUT_MS', 5_000, int(100), 'Deadline of an API statement'),
  feedStatementTimeoutMs: setting('FEED_STATEMENT_TIMEOUT_MS', 30_000, int(100), 'Deadline of a feed statement'),
  migrationLockTimeoutMs: setting('MIGRATION_LOCK_TIMEOUT_MS', 10_000, int(0), 'Lock wait of a migration; 0: forever'),
  databasePoolMode: setting('DATABASE_POOL_MODE', 'session', poolMode, 'transaction: behind a pooler (PgBouncer)'),
  maxInflightPerClient: setting('MAX_INFLIGHT_PER_CLIENT', 5, int(0), 'REST requests in flight per client; 0: off'),
  sseKeepAliveMs: setting('SSE_KEEPALIVE_MS', 15_000, int(10), 'An idle server-sent events stream gets a comment'),
  http: {
    headersTimeoutMs: setting('HTTP_HEADERS_TIMEOUT_MS', 10_000, int(1_000), 'Headers not complete by then: 408'),
    requestTimeoutMs: setting('HTTP_REQUEST_TIMEOUT_MS', 30_000, int(1_000), 'Whole request not complete by then: 408'),
    keepAliveTimeoutMs: setting('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, int(1_000), 'Idle keep-alive connection lifetime'),
  },
  metrics: {
    enabled: setting('METRICS', true, Joi.boolean(), 'GET /metrics (Prometheus)'),
    token: setting('METRICS_TOKEN', undefined, Joi.string().min(16), 'If set, /metrics is only for this bearer token'),
  },
  replayConcurrency: setting('REPLAY_CONCURRENCY', 2, int(1, 64), 'Room replays reading the events log at once'),
  presence: {
    heartbeatMs: setting('PRESENCE_HEARTBEAT_MS', 5_000, int(100), 'Presence heartbeat (and sweep) period'),
    timeoutMs: setting('PRESENCE_TIMEOUT_MS', 20_000, int(200), 'How long an unseen instance keeps its members'),
  },
  nodeEnv: setting('NODE_ENV', 'development', Joi.string(), 'production: refuses to run open unless AUTH=none'),
  authMode: setting('AUTH', undefined, oneOf('jwt', 'none'), 'none: open on purpose; jwt: needs a key setting'),
  auth: {
    secret: setting('JWT_SECRET', undefined, Joi.string().min(32), 'HS256 secret'),
    publicKey: setting('JWT_PUBLIC_KEY', undefined, pemPublicKey, 'PEM key for RS256/ES256; `\\n` escapes accepted'),
    jwksUrl: setting('JWT_JWKS_URL', undefined, httpUrl, 'JWKS for RS256/ES256'),
    jwksCooldownMs: setting('JWT_JWKS_COOLDOWN_MS', 30_000, int(0), 'Least time between two JWKS fetches'),
    issuer: setting('JWT_ISSUER', undefined, Joi.string(), 'Required `iss` of tokens'),
    audience: setting('JWT_AUDIENCE', undefined, Joi.string(), 'Required `aud` of tokens'),
  },
  rateLimits: {
    readsPerMinute: setting('RATE_LIMIT_READS_PER_MINUTE', 600, int(0), 'REST reads per token subject (or IP); 0: off'),
    writesPerMinute: setting('RATE_LIMIT_WRITES_PER_MINUTE', 120, int(0), 'REST writes, a separate budget; 0: off'),
    socketEventsPerSecond: setting('SOCKET_EVENTS_PER_SECOND', 20, int(1), 'Socket events per second per connection'),
    socketStrikes: setting('SOCKET_STRIKES', 20, int(1), 'Rejected socket events within 10 s before a disconnect'),
    socketAppendsPerSecond: setting(
      'SOCKET_APPENDS_PER_SECOND',
      100,
      int(1),
      'Stream appends per second per connection',
    ),
    socketConnectionsPerIp: setting('SOCKET_CONNECTIONS_PER_IP', 100, int(1), 'Socket.IO connections per IP'),
  },
  streams: {
    flushMs: setting('STREAM_FLUSH_MS', 50, int(0, 10_000), 'Appends wait this long at most to share a commit'),
    idleTimeoutMs: setting('STREAM_IDLE_TIMEOUT_MS', 30_000, int(100), 'A stream with no append this long fails'),
    maxDurationMs: setting('STREAM_MAX_DURATION_MS', 600_000, int(100), 'A stream open longer than this fails'),
    sweepIntervalMs: setting('STREAM_SWEEP_INTERVAL_MS', 5_000, int(50), 'How often expired streams are looked for'),
  },
  corsOrigins: setting('CORS_ORIGINS', '', Joi.string().allow(''), 'Comma-separated allow-list (or `*`)'),
  webhooks: {
    enabled: setting('WEBHOOKS', true, Joi.boolean(), 'Run the job runner (deliveries, dispatch, chores) here'),
    allowPrivate: setting('WEBHOOK_ALLOW_PRIVATE', false, Joi.boolean(), 'Allow receivers on private addresses'),
    timeoutMs: setting('WEBHOOK_TIMEOUT_MS', 10_000, int(100), 'Deadline of one delivery attempt'),
    concurrency: setting('WEBHOOK_CONCURRENCY', 10, int(1, 100), 'Deliveries in flight at once on this instance'),
    retryBaseMs: setting('WEBHOOK_RETRY_BASE_MS', 10_000, int(1), 'First retry delay, doubled per attempt'),
    retryMaxMs: setting('WEBHOOK_RETRY_MAX_MS', 3_600_000, int(1), 'Longest retry delay'),
    retryHours: setting('WEBHOOK_RETRY_HOURS', 24, hours, 'Retry this long, then deactivate the endpoint'),
    pollIntervalMs: setting('WEBHOOK_POLL_INTERVAL_MS', 2_000, int(10), 'How often due retries are looked for'),
    logRetentionHours: setting('WEBHOOK_LOG_RETENTION_HOURS', 72, hours, 'How long finished deliveries are kept'),
  },
  logLevel: setting('LOG_LEVEL', 'info', Joi.string().valid(...LOG_LEVELS), 'pino level'),
};

/** The validated values, shaped as the table. */
export type Settings = Values<typeof SETTINGS>;

/** Every setting, in table order. */
export const SETTING_LIST = settingsOf(SETTINGS);

/** Token verification (src/auth/verifier.ts). */
export type AuthConfig = Partial<Settings['auth']>;
/** Outbound webhooks (src/webhooks/). */
export type WebhookSettings = Settings['webhooks'];
/** Node's HTTP server limits against slow clients (slowloris). */
export type HttpTimeouts = Settings['http'];
export type RateLimits = Settings['rateLimits'];
/** Streamed chats (src/services/chat-stream.service.ts). */
export type StreamTimings = Settings['streams'];
