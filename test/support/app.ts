import pino from 'pino';
import { createApp, type App } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createTestDatabase } from './db';

export function testConfig(databaseUrl: string, overrides: Partial<Config> = {}): Config {
  return {
    // rate limits off unless a test turns them on: suites make many requests from one address
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_READS_PER_MINUTE: '0',
      RATE_LIMIT_WRITES_PER_MINUTE: '0',
      SOCKET_EVENTS_PER_SECOND: '100000',
      SOCKET_APPENDS_PER_SECOND: '100000',
      SOCKET_CONNECTIONS_PER_IP: '100000',
      MAX_INFLIGHT_PER_CLIENT: '0',
      // the job runner only where a test turns it on (test/support/webhooks.ts)
      WEBHOOKS: 'false',
    }),
    databaseUrl,
    migrateOnStart: false,
    shutdownTimeoutMs: 1000,
    ...overrides,
  };
}

/** Starts an instance on an ephemeral port; stop it in afterAll. */
export async function startApp(databaseUrl: string, overrides: Partial<Config> = {}): Promise<App> {
  const app = createApp(testConfig(databaseUrl, overrides), pino({ level: 'silent' }));
  await app.start();
  return app;
}

/** A fresh database with one instance on it: `({ app, url } = await freshApp())` in beforeAll. */
export async function freshApp(overrides: Partial<Config> = {}): Promise<{ app: App; url: string }> {
  const url = await createTestDatabase();
  return { app: await startApp(url, overrides), url };
}
