import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import bytes from 'bytes';
import pino, { type Logger } from 'pino';
import { createVerifier, type Verifier } from './auth/verifier';
import type { Config } from './config';
import { createHttpApp } from './http/server';
import { createMetrics, type Metrics } from './metrics/metrics';
import { EVENTS_CHANNEL, PRESENCE_CHANNEL } from './postgres/channels';
import { createDatabase, type Database } from './postgres/database';
import { migrate } from './postgres/migrate';
import { Presence } from './presence/presence';
import { createPresenceStore } from './presence/presence.store';
import { TYPING_EXPIRY_MS, TYPING_INTERVAL_MS } from './protocol';
import { createReaderStore } from './pubsub/event.readers';
import { eventsLogStats } from './pubsub/event.stats';
import { createEventStore } from './pubsub/event.store';
import { Feed } from './pubsub/feed';
import { Listener } from './pubsub/listener';
import { roomCampaign } from './realtime/room.names';
import { createRealtimeServer, type RealtimeServer } from './realtime/socket.server';
import { createServices, type Services } from './services';
import { createWebhookService } from './webhooks/endpoint.service';
import { ENDPOINT_ACTIVATED } from './webhooks/dispatcher';
import { Webhooks } from './webhooks/webhooks';

export interface App {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** http://127.0.0.1:port of the running server (valid after start). */
  readonly url: string;
  readonly services: Services;
  readonly database: Database;
  readonly httpServer: Server;
  readonly io: RealtimeServer;
  readonly listener: Listener;
  /** Undefined when METRICS=false. */
  readonly metrics?: Metrics;
  readonly feed: Feed;
  readonly presence: Presence;
  /** Undefined when WEBHOOKS=false. */
  readonly webhooks?: Webhooks;
}

type OnError = (err: unknown, context: string) => void;

/**
 * Wires one instance, each part after what it needs (ARCHITECTURE.md): the database, metrics,
 * presence, the domain's services, the feed, webhooks, the listener, then the edges. No I/O
 * happens until start(); tests create several per process.
 */
export function createApp(config: Config, logger: Logger = pino({ level: config.logLevel })): App {
  if (!config.databaseUrl) throw new Error('createApp needs config.databaseUrl');
  const onError: OnError = (err, context) => logger.warn({ err }, context);
  const db = createDatabase(config.databaseUrl, {
    poolMax: config.dbPoolMax,
    statementTimeoutMs: config.statementTimeoutMs,
    feedStatementTimeoutMs: config.feedStatementTimeoutMs,
    poolMode: config.databasePoolMode,
  });
  const metrics = config.metrics.enabled
    ? createMetrics({ pools: () => db.poolStats(), eventsLog: () => eventsLogStats(db.feedSql) })
    : undefined;
  const presence = createPresence(config, db, metrics, onError);
  // a streamed message holds as much as a chat created whole can (the body limit)
  const services = createServices(db, { ...config.streams, maxLength: bytes.parse(config.bodyLimit) ?? 0 }, presence);
  const feed = createFeed(config, db, metrics, onError);
  const webhooks = createWebhooks(config, feed, presence, logger, onError);
  const listener = createListener(config, { feed, webhooks, presence, metrics, onError });
  const verify = config.auth && createVerifier(config.auth);
  const httpServer = createHttpServer(config, { db, services, feed, listener, verify, metrics, logger });
  const io = createRealtimeServer({
    httpServer,
    services,
    feed,
    presence,
    forRequest: db.forRequest,
    logger,
    maxHttpBufferSize: config.socketMaxBufferBytes,
    verify,
    limits: config.rateLimits,
    corsOrigins: config.corsOrigins,
    trustProxy: Boolean(config.trustProxy),
  });
  metrics?.observeSockets({
    sockets: () => io.engine.clientsCount,
    rooms: () => [...io.of('/').adapter.rooms.keys()].filter((room) => roomCampaign(room)).length,
  });
  const parts = { services, database: db, httpServer, io, listener, metrics, feed, presence, webhooks };
  return {
    ...parts,
    ...lifecycle(config, parts, logger),
    get url() {
      const { port } = httpServer.address() as AddressInfo;
      return `http://127.0.0.1:${port}`;
    },
  };
}

/** LISTEN and migrations need a session of their own, never a transaction pooler's. */
const directUrl = (config: Config): string => (config.listenDatabaseUrl ?? config.databaseUrl) as string;

function createPresence(config: Config, db: Database, metrics: Metrics | undefined, onError: OnError): Presence {
  return new Presence({
    store: createPresenceStore(db.presenceSql),
    heartbeatMs: config.presence.heartbeatMs,
    timeoutMs: config.presence.timeoutMs,
    typingExpiryMs: TYPING_EXPIRY_MS,
    typingIntervalMs: TYPING_INTERVAL_MS,
    onError,
    observer: metrics && {
      sent: (n) => metrics.presenceNotifications.inc({ direction: 'sent' }, n),
      received: () => metrics.presenceNotifications.inc({ direction: 'received' }),
    },
  });
}

function createFeed(config: Config, db: Database, metrics: Metrics | undefined, onError: OnError): Feed {
  return new Feed({
    store: createEventStore(db.feedSql),
    replayStore: createEventStore(db.replaySql),
    readers: createReaderStore(db.feedSql),
    onError,
    retentionHours: config.eventRetentionHours,
    pruneIntervalMs: config.eventPruneIntervalMs,
    // with the job runner, pruning is one of its scheduled chores: once a minute for the cluster
    pruneOnTimer: !config.webhooks.enabled,
    reachTimeoutMs: config.resumeWaitMs,
    replayConcurrency: config.replayConcurrency,
    observer: metrics && {
      delivered: (events) => {
        metrics.eventsDelivered.inc(events.length);
        const now = Date.now();
        for (const e of events) metrics.deliveryLag.observe(Math.max(0, now - e.committedAt) / 1000);
      },
      replayed: (n) => metrics.replays.observe(n),
      expired: (reason) => metrics.cursorExpired.inc({ reason }),
    },
  });
}

/** Webhook work has connections of its own (a fixed few), so a slow receiver holds back no room. */
function createWebhooks(
  config: Config,
  feed: Feed,
  presence: Presence,
  logger: Logger,
  onError: OnError,
): Webhooks | undefined {
  if (!config.webhooks.enabled) return undefined;
  const webhooks = new Webhooks({
    url: config.databaseUrl as string,
    listenUrl: directUrl(config),
    session: config.databasePoolMode === 'session',
    settings: config.webhooks,
    statementTimeoutMs: config.feedStatementTimeoutMs,
    logger,
    onError,
    pruneEvents: () => feed.prune(),
    instance: presence.instance,
  });
  // an instance declared gone by presence releases its deliveries in flight here
  presence.whenGone((instances) =>
    webhooks.instancesGone(instances).catch((err) => onError(err, 'releasing the deliveries of gone instances')),
  );
  return webhooks;
}

interface Notified {
  feed: Feed;
  webhooks?: Webhooks;
  presence: Presence;
  metrics?: Metrics;
  onError: OnError;
}

/** One connection LISTENs for the cluster's events and presence, and pokes what reads them. */
function createListener(config: Config, { feed, webhooks, presence, metrics, onError }: Notified): Listener {
  const poll = () => {
    feed.poke();
    webhooks?.poke();
  };
  let connects = 0;
  return new Listener({
    url: directUrl(config),
    // presence is handled as it arrives, apart from the feed's queue: it never waits for chats
    channels: {
      [EVENTS_CHANNEL]: (payload) => (payload === ENDPOINT_ACTIVATED ? webhooks?.poke(true) : poll()),
      [PRESENCE_CHANNEL]: (payload) => presence.receive(payload),
    },
    checkIntervalMs: config.listenerCheckIntervalMs,
    onCheck: poll,
    onConnect: () => {
      if (connects++) metrics?.listenerReconnects.inc();
      poll(); // catch up on what was committed while away
      presence.resync(); // and on who came and went
    },
    onError,
  });
}

interface Served {
  db: Database;
  services: Services;
  feed: Feed;
  listener: Listener;
  verify?: Verifier;
  metrics?: Metrics;
  logger: Logger;
}

function createHttpServer(config: Config, { db, services, feed, listener, verify, metrics, logger }: Served): Server {
  const databaseReachable = () =>
    db.sql('SELECT 1').then(
      () => true,
      () => false,
    );
  const webhooks = createWebhookService(db.sql, { allowPrivate: config.webhooks.allowPrivate });
  const httpApp = createHttpApp(
    { ...services, webhooks },
    {
      metrics: metrics && { ...metrics, token: config.metrics.token },
      bodyLimit: config.bodyLimit,
      trustProxy: config.trustProxy,
      logger,
      verify,
      rateLimits: config.rateLimits,
      maxInflightPerClient: config.maxInflightPerClient,
      forRequest: db.forRequest,
      corsOrigins: config.corsOrigins,
      feed,
      sseKeepAliveMs: config.sseKeepAliveMs,
      readiness: async () => {
        const checks = { database: await databaseReachable(), listener: listener.connected };
        return { ready: Object.values(checks).every(Boolean), checks };
      },
    },
  );
  const server = createServer(
    {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      // how often those two are enforced (Node's default is 30 s)
      connectionsCheckingInterval: Math.min(1_000, config.http.headersTimeoutMs),
    },
    httpApp,
  );
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  return server;
}

type Parts = Omit<App, 'start' | 'stop' | 'url'>;

/** Starts in dependency order and stops in reverse; both safe to call twice (a second caller awaits the first). */
function lifecycle(config: Config, parts: Parts, logger: Logger): Pick<App, 'start' | 'stop'> {
  const { database: db, httpServer, io, listener, feed, presence, webhooks, services } = parts;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const sweep = new StreamSweep(
    () => services.streams.expire(),
    config.streams.sweepIntervalMs,
    (err) => logger.warn({ err }, 'stream sweep failed'),
  );

  async function start(): Promise<void> {
    if (config.migrateOnStart) {
      const applied = await migrate(directUrl(config), { lockTimeoutMs: config.migrationLockTimeoutMs });
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
    await db.sequelize.authenticate();
    // LISTEN before reading the log head, so nothing committed in between is missed
    await listener.start();
    await feed.start();
    await presence.start();
    await webhooks?.start();
    sweep.start();
    await listen(httpServer, config.port, config.host);
  }

  async function stop(): Promise<void> {
    await starting?.catch(() => undefined);
    // the AI SDK's streams follow the feed until their chat ends: close() would wait for them
    feed.closeFollowers();
    if (httpServer.listening) await closeHttp(httpServer, io, config.shutdownTimeoutMs);
    else await io.close().catch(() => undefined);
    await sweep.stop();
    await webhooks?.stop();
    await listener.stop();
    await presence.stop();
    await feed.stop();
    await db.close();
  }

  return {
    start: () => (starting ??= start()),
    stop: () => (stopping ??= stop()),
  };
}

/** Every instance fails the cluster's expired streams on a timer: one dies, the others still do. */
class StreamSweep {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly expire: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.expire()
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function closeHttp(server: Server, io: RealtimeServer, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // keep-alive sockets with no request in flight would hold close() open
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  await io.close(); // disconnects sockets (and long-polls) too
  await closed;
  clearTimeout(timer);
}
