import { ConfigError, loadConfig } from '../../src/config';

function errorFor(env: Record<string, string>): unknown {
  try {
    loadConfig(env);
  } catch (err) {
    return err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('needs no setting at all: every one has a default', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      listenDatabaseUrl: undefined,
      embeddedPgDir: '.data/postgres',
      embeddedPgPort: 54329,
      migrateOnStart: true,
      dbPoolMax: 10,
      bodyLimit: '1mb',
      trustProxy: false,
      shutdownTimeoutMs: 10000,
      eventRetentionHours: 24,
      eventPruneIntervalMs: 60000,
      replayConcurrency: 2,
      listenerCheckIntervalMs: 10000,
      logLevel: 'info',
    });
  });

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

  it('bounds every request by default: statement deadlines, in-flight cap, HTTP timeouts', () => {
    expect(loadConfig({})).toMatchObject({
      statementTimeoutMs: 5000,
      feedStatementTimeoutMs: 30000,
      migrationLockTimeoutMs: 10000,
      databasePoolMode: 'session',
      maxInflightPerClient: 5,
      http: { headersTimeoutMs: 10000, requestTimeoutMs: 30000, keepAliveTimeoutMs: 5000 },
    });
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
