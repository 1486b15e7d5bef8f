import { ConfigError, SETTING_NAMES, corsOrigin, loadConfig } from '../../src/config';

function errorFor(env: Record<string, string>): unknown {
  try {
    loadConfig(env);
  } catch (err) {
    return err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('reads settings from their text form and ignores unrelated variables', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://app:secret@db.internal:5432/chat',
      MIGRATE_ON_START: 'false',
      DB_POOL_MAX: '25',
      BODY_LIMIT: '512kb',
      LOG_LEVEL: 'debug',
      PATH: '/usr/bin',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://app:secret@db.internal:5432/chat',
      migrateOnStart: false,
      dbPoolMax: 25,
      bodyLimit: '512kb',
      logLevel: 'debug',
    });
    expect(config).not.toHaveProperty('PATH');
  });

  it.each([
    ['true', true],
    ['2', 2],
    ['loopback', 'loopback'],
  ])('TRUST_PROXY=%s is read as %j', (raw, expected) => {
    expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toBe(expected);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DB_POOL_MAX', '0'],
    ['BODY_LIMIT', 'huge'],
    ['DATABASE_URL', 'mysql://db/chat'],
    ['MIGRATE_ON_START', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['STATEMENT_TIMEOUT_MS', '10'],
    ['DATABASE_POOL_MODE', 'statement'],
    ['MAX_INFLIGHT_PER_CLIENT', '-1'],
    ['HTTP_HEADERS_TIMEOUT_MS', 'soon'],
  ])('%s=%s throws a ConfigError of one line naming the setting', (setting, value) => {
    const err = errorFor({ [setting]: value });
    expect(err).toBeInstanceOf(ConfigError);
    const { message } = err as ConfigError;
    expect(message).toContain(setting);
    expect(message).not.toContain('\n');
  });

  it('names a bad DATABASE_URL without echoing its password', () => {
    const err = errorFor({ DATABASE_URL: 'mysql://app:s3cret@db.internal/chat' }) as ConfigError;
    expect(err.message).toContain('DATABASE_URL');
    expect(err.message).not.toContain('s3cret');
  });

  it('a transaction-mode pooler needs a direct LISTEN_DATABASE_URL', () => {
    const err = errorFor({ DATABASE_POOL_MODE: 'transaction', DATABASE_URL: 'postgres://db:6432/chat' });
    expect((err as ConfigError).message).toContain('LISTEN_DATABASE_URL');
    const config = loadConfig({
      DATABASE_POOL_MODE: 'transaction',
      DATABASE_URL: 'postgres://pooler:6432/chat',
      LISTEN_DATABASE_URL: 'postgres://db:5432/chat',
    });
    expect(config).toMatchObject({ databasePoolMode: 'transaction', listenDatabaseUrl: 'postgres://db:5432/chat' });
  });
});

describe('the derived config', () => {
  it('is, with no setting at all, exactly these values', () => {
    expect(loadConfig({})).toStrictEqual({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      listenDatabaseUrl: undefined,
      embeddedPgDir: '.data/postgres',
      embeddedPgPort: 54329,
      migrateOnStart: true,
      dbPoolMax: 8,
      bodyLimit: '1mb',
      trustProxy: false,
      shutdownTimeoutMs: 10000,
      eventRetentionHours: 24,
      eventPruneIntervalMs: 60000,
      listenerCheckIntervalMs: 10000,
      socketMaxBufferBytes: 1000000,
      resumeWaitMs: 10000,
      statementTimeoutMs: 5000,
      feedStatementTimeoutMs: 30000,
      migrationLockTimeoutMs: 10000,
      databasePoolMode: 'session',
      maxInflightPerClient: 5,
      sseKeepAliveMs: 15000,
      http: { headersTimeoutMs: 10000, requestTimeoutMs: 30000, keepAliveTimeoutMs: 5000 },
      metrics: { enabled: true, token: undefined },
      replayConcurrency: 2,
      presence: { heartbeatMs: 5000, timeoutMs: 20000 },
      logLevel: 'info',
      auth: undefined,
      authOpenByDefault: true,
      rateLimits: {
        readsPerMinute: 600,
        writesPerMinute: 120,
        socketEventsPerSecond: 20,
        socketStrikes: 20,
        socketAppendsPerSecond: 100,
        socketConnectionsPerIp: 100,
      },
      streams: { flushMs: 50, idleTimeoutMs: 30000, maxDurationMs: 600000, sweepIntervalMs: 5000 },
      corsOrigins: [],
      webhooks: {
        enabled: true,
        allowPrivate: false,
        timeoutMs: 10000,
        concurrency: 10,
        retryBaseMs: 10000,
        retryMaxMs: 3600000,
        retryHours: 24,
        pollIntervalMs: 2000,
        logRetentionHours: 72,
      },
    });
  });

  it('gathers the token settings into auth, with the `\\n` escapes of a PEM key turned into newlines', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\\nMFkw\\n-----END PUBLIC KEY-----';
    const config = loadConfig({ JWT_PUBLIC_KEY: pem, JWT_ISSUER: 'https://issuer.test', JWT_AUDIENCE: 'chat' });
    expect(config.auth).toStrictEqual({
      secret: undefined,
      publicKey: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----',
      jwksUrl: undefined,
      jwksCooldownMs: 30000,
      issuer: 'https://issuer.test',
      audience: 'chat',
    });
    expect(config.authOpenByDefault).toBe(false);
  });

  it('is open without being open by default when AUTH=none, even with a key setting', () => {
    const config = loadConfig({ AUTH: 'none', JWT_SECRET: 'x'.repeat(32), NODE_ENV: 'production' });
    expect(config).toMatchObject({ auth: undefined, authOpenByDefault: false });
    expect(config).not.toHaveProperty('nodeEnv');
    expect(config).not.toHaveProperty('authMode');
  });

  it('splits CORS_ORIGINS on commas, trimming and dropping blanks', () => {
    expect(loadConfig({ CORS_ORIGINS: ' https://a.test, ,https://b.test,' }).corsOrigins).toEqual([
      'https://a.test',
      'https://b.test',
    ]);
    expect(corsOrigin(loadConfig({ CORS_ORIGINS: 'https://a.test,*' }).corsOrigins)).toBe('*');
    expect(corsOrigin(loadConfig({}).corsOrigins)).toBe(false);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', CORS_ORIGINS: '' })).toStrictEqual(loadConfig({}));
  });

  it('reports the first bad value in the order of the settings table', () => {
    expect((errorFor({ LOG_LEVEL: 'loud', PORT: 'abc' }) as ConfigError).message).toBe(
      'Invalid setting: "PORT" must be a number',
    );
  });

  it('names every setting once', () => {
    expect(new Set(SETTING_NAMES).size).toBe(SETTING_NAMES.length);
    expect(SETTING_NAMES).toEqual(expect.arrayContaining(['PORT', 'NODE_ENV', 'JWT_SECRET', 'WEBHOOK_RETRY_MAX_MS']));
  });
});

describe('rules across settings', () => {
  const secret = 'x'.repeat(32);
  it.each([
    [
      { JWT_SECRET: secret, JWT_JWKS_URL: 'https://keys.test/jwks' },
      'set only one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL (got JWT_SECRET, JWT_JWKS_URL)',
    ],
    [{ AUTH: 'jwt' }, 'AUTH=jwt needs JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL'],
    [{ AUTH: 'jwt', NODE_ENV: 'production' }, 'AUTH=jwt needs JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL'],
    [
      { NODE_ENV: 'production' },
      'NODE_ENV=production needs JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL (or AUTH=none to run open on purpose)',
    ],
    [
      { PRESENCE_HEARTBEAT_MS: '5000', PRESENCE_TIMEOUT_MS: '9999' },
      'PRESENCE_TIMEOUT_MS must be at least twice PRESENCE_HEARTBEAT_MS, or a slow heartbeat sweeps a live instance',
    ],
    [
      { DATABASE_POOL_MODE: 'transaction' },
      'DATABASE_POOL_MODE=transaction needs LISTEN_DATABASE_URL, a direct connection for LISTEN and migrations',
    ],
  ])('%j is refused: %s', (env, message) => {
    const err = errorFor(env);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`Invalid setting: ${message}`);
  });

  it('accepts a presence timeout of exactly two heartbeats', () => {
    const config = loadConfig({ PRESENCE_HEARTBEAT_MS: '5000', PRESENCE_TIMEOUT_MS: '10000' });
    expect(config.presence).toEqual({ heartbeatMs: 5000, timeoutMs: 10000 });
  });
});
