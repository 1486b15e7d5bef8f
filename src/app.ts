import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { createVerifier } from './auth/verifier';
import type { Config } from './config';
import { createDatabase, type Database } from './postgres/database';
import { migrate } from './postgres/migrate';
import { createHttpApp } from './http/server';
import { createReaderStore } from './pubsub/event.readers';
import { createEventStore } from './pubsub/event.store';
import { Feed } from './pubsub/feed';
import { Listener } from './pubsub/listener';
import { deliverTo, expireRooms } from './realtime/rooms';
import { createRealtimeServer, type RealtimeServer } from './realtime/socket.server';
import { createServices, type Services } from './services';
import { createMetrics, type Metrics } from './metrics/metrics';
import { eventsLogStats } from './pubsub/event.stats';
import { TYPING_EXPIRY_MS, TYPING_INTERVAL_MS } from './protocol';
import { roomCampaign } from './realtime/room.names';
import { Presence } from './presence/presence';
import { createPresenceStore, PRESENCE_CHANNEL } from './presence/presence.store';
import { roomEmitter } from './realtime/presence.hooks';
import { Webhooks } from './webhooks/webhooks';
import { createWebhookService } from './webhooks/endpoint.service';

export const EVENTS_CHANNEL = 'chat_events';

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

/** Wires one instance. No I/O happens until start(); tests create several per process. */
export function createApp(config: Config, logger: Logger = pino({ level: config.logLevel })): App {
  if (!config.databaseUrl) throw new Error('createApp needs config.databaseUrl');
  const databaseUrl = config.databaseUrl;
  // LISTEN and migrations need a session of their own, never a transaction pooler's
  const directUrl = config.listenDatabaseUrl ?? databaseUrl;
  const db = createDatabase(databaseUrl, {
    poolMax: config.dbPoolMax,
    statementTimeoutMs: config.statementTimeoutMs,
    feedStatementTimeoutMs: config.feedStatementTimeoutMs,
    poolMode: config.databasePoolMode,
  });
  const services = createServices(db);
  const webhookService = createWebhookService(db.sql, { allowPrivate: config.webhooks.allowPrivate });
  const onError = (err: unknown, context: string) => logger.warn({ err }, context);
  const verify = config.auth ? createVerifier(config.auth) : undefined;

  const databaseReachable = () =>
    db.sql('SELECT 1').then(
      () => true,
      () => false,
    );
  const metrics = config.metrics.enabled
    ? createMetrics({
        sockets: () => io.engine.clientsCount,
        rooms: () => [...io.of('/').adapter.rooms.keys()].filter((room) => roomCampaign(room)).length,
        pools: () => db.poolStats(),
        eventsLog: () => eventsLogStats(db.feedSql),
      })
    : undefined;
  // a chat created through REST ends its author's typing: with a token the author is its
  // sub, and behind the sticky balancer its typing socket is on this very instance
  const restServices = {
    ...services,
    webhooks: webhookService,
    chats: {
      ...services.chats,
      create: async (
        input: Parameters<Services['chats']['create']>[0],
        p: Parameters<Services['chats']['create']>[1],
      ) => {
        const chat = await services.chats.create(input, p);
        if (config.auth) presence.typing(input.campaign as string, p.sub, false);
        return chat;
      },
    },
  };
  const httpApp = createHttpApp(restServices, {
    metrics: metrics && { ...metrics, token: config.metrics.token },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    logger,
    verify,
    rateLimits: config.rateLimits,
    maxInflightPerClient: config.maxInflightPerClient,
    forRequest: db.forRequest,
    corsOrigins: config.corsOrigins,
    readiness: async () => {
      const checks = { database: await databaseReachable(), listener: listener.connected };
      return { ready: Object.values(checks).every(Boolean), checks };
    },
  });
  const httpServer = createServer(
    {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      // how often those two are enforced (Node's default is 30 s)
      connectionsCheckingInterval: Math.min(1_000, config.http.headersTimeoutMs),
    },
    httpApp,
  );
  httpServer.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  const io = createRealtimeServer({
    httpServer,
    services,
    feed: () => feed,
    presence: () => presence,
    logger,
    maxHttpBufferSize: config.socketMaxBufferBytes,
    verify,
    limits: config.rateLimits,
    corsOrigins: config.corsOrigins,
    trustProxy: Boolean(config.trustProxy),
  });
  // deliveries run on connections of their own, so a slow receiver holds back no room
  const webhooks = config.webhooks.enabled
    ? new Webhooks({
        url: directUrl,
        settings: config.webhooks,
        statementTimeoutMs: config.feedStatementTimeoutMs,
        logger,
        onError,
        pruneEvents: () => feed.prune(),
      })
    : undefined;
  const feed: Feed = new Feed({
    store: createEventStore(db.feedSql),
    replayStore: createEventStore(db.replaySql),
    readers: createReaderStore(db.feedSql),
    deliver: (events) => {
      deliverTo(io)(events);
      if (!metrics) return;
      metrics.eventsDelivered.inc(events.length);
      const now = Date.now();
      for (const e of events) metrics.deliveryLag.observe(Math.max(0, now - e.committedAt) / 1000);
    },
    observer: metrics && {
      replayed: (n) => metrics.replays.observe(n),
      expired: (reason) => metrics.cursorExpired.inc({ reason }),
    },
    expireRooms: expireRooms(io),
    onError,
    retentionHours: config.eventRetentionHours,
    pruneIntervalMs: config.eventPruneIntervalMs,
    // with the job runner, pruning is one of its scheduled chores: once a minute for the cluster
    pruneOnTimer: !webhooks,
    reachTimeoutMs: config.resumeWaitMs,
    replayConcurrency: config.replayConcurrency,
  });
  const presence = new Presence({
    store: createPresenceStore(db.presenceSql),
    emit: roomEmitter(io),
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
  let connects = 0;
  const listener = new Listener({
    url: directUrl,
    // presence is handled as it arrives, apart from the feed's queue: it never waits for chats
    channels: {
      [EVENTS_CHANNEL]: () => {
        feed.poke();
        webhooks?.poke();
      },
      [PRESENCE_CHANNEL]: (payload) => presence.receive(payload),
    },
    checkIntervalMs: config.listenerCheckIntervalMs,
    onCheck: () => {
      feed.poke();
      webhooks?.poke();
    },
    onConnect: () => {
      if (connects++) metrics?.listenerReconnects.inc();
      feed.poke(); // catch up on what was committed while away
      webhooks?.poke();
      presence.resync(); // and on who came and went
    },
    onError,
  });

  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  async function closeHttp(): Promise<void> {
    const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    // keep-alive sockets with no request in flight would hold close() open
    httpServer.closeIdleConnections();
    const timer = setTimeout(() => httpServer.closeAllConnections(), config.shutdownTimeoutMs);
    await io.close(); // disconnects sockets (and long-polls) too
    await closed;
    clearTimeout(timer);
  }

  async function start(): Promise<void> {
    if (config.migrateOnStart) {
      const applied = await migrate(directUrl, { lockTimeoutMs: config.migrationLockTimeoutMs });
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
    await db.sequelize.authenticate();
    // LISTEN before reading the log head, so nothing committed in between is missed
    await listener.start();
    await feed.start();
    await presence.start();
    await webhooks?.start();
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  }

  return {
    services,
    database: db,
    httpServer,
    io,
    listener,
    metrics,
    feed,
    presence,
    webhooks,
    get url() {
      const { port } = httpServer.address() as AddressInfo;
      return `http://127.0.0.1:${port}`;
    },
    // both safe to call twice: a second caller awaits the first
    start: () => (starting ??= start()),
    stop: () =>
      (stopping ??= (async () => {
        await starting?.catch(() => undefined);
        if (httpServer.listening) await closeHttp();
        else await io.close().catch(() => undefined);
        await webhooks?.stop();
        await listener.stop();
        await presence.stop();
        await feed.stop();
        await db.close();
      })()),
  };
}
