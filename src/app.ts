import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { createDatabase, type Database } from './db/database';
import { migrate } from './db/migrate';
import { createHttpApp } from './http/server';
import { createServices, type Services } from './services';

export interface App {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** http://host:port of the running server (valid after start). */
  readonly url: string;
  readonly services: Services;
  readonly database: Database;
  readonly httpServer: Server;
}

/** Wires one instance. No I/O happens until start(); tests create several per process. */
export function createApp(config: Config, logger: Logger = pino({ level: config.logLevel })): App {
  if (!config.databaseUrl) throw new Error('createApp needs config.databaseUrl');
  const databaseUrl = config.databaseUrl;
  const db = createDatabase(databaseUrl, { poolMax: config.dbPoolMax });
  const services = createServices(db);

  const databaseReachable = () =>
    db.sequelize.query('SELECT 1').then(
      () => true,
      () => false,
    );
  const httpApp = createHttpApp(services, {
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    logger,
    readiness: async () => {
      const checks = { database: await databaseReachable() };
      return { ready: Object.values(checks).every(Boolean), checks };
    },
  });
  const httpServer = createServer(httpApp);

  let state: 'idle' | 'starting' | 'started' | 'stopping' | 'stopped' = 'idle';
  let stopping: Promise<void> | undefined;

  async function closeHttp(): Promise<void> {
    if (!httpServer.listening) return;
    const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    // keep-alive sockets with no request in flight would hold close() open
    httpServer.closeIdleConnections();
    const timer = setTimeout(() => httpServer.closeAllConnections(), config.shutdownTimeoutMs);
    await closed;
    clearTimeout(timer);
  }

  return {
    services,
    database: db,
    httpServer,
    get url() {
      const { port } = httpServer.address() as AddressInfo;
      return `http://127.0.0.1:${port}`;
    },

    async start() {
      if (state !== 'idle') return;
      state = 'starting';
      if (config.migrateOnStart) {
        const applied = await migrate(db.sequelize, databaseUrl);
        if (applied.length) logger.info({ applied }, 'migrations applied');
      }
      await db.sequelize.authenticate();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      state = 'started';
    },

    stop() {
      // safe to call twice: the second caller awaits the first shutdown
      stopping ??= (async () => {
        state = 'stopping';
        await closeHttp();
        await db.sequelize.close();
        state = 'stopped';
      })();
      return stopping;
    },
  };
}
