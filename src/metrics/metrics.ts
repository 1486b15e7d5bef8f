import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric of this server starts with this. */
export const PREFIX = 'chat_';

/** What the metrics read when scraped (gauges): the database's parts, built before the metrics. */
export interface MetricSources {
  pools(): Record<string, { total: number; idle: number; waiting: number }>;
  /** Rows in the events log and the age of the oldest, in seconds (a query). */
  eventsLog(): Promise<{ rows: number; oldestAgeSeconds: number }>;
}

/**
 * One registry per app instance: several instances share a process in the tests, and a
 * second registration of a name in one registry throws.
 */
export function createMetrics(sources: MetricSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  const httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'REST request duration by route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  new Gauge({
    name: `${PREFIX}db_pool_connections`,
    help: 'Database pool connections by pool and state (in_use, idle, waiting: requests queued for one)',
    labelNames: ['pool', 'state'],
    registers,
    collect() {
      for (const [pool, { total, idle, waiting }] of Object.entries(sources.pools())) {
        this.set({ pool, state: 'in_use' }, total - idle);
        this.set({ pool, state: 'idle' }, idle);
        this.set({ pool, state: 'waiting' }, waiting);
      }
    },
  });
  // one query serves both gauges: the first one's collect (scraped first) reads it
  let oldestAgeSeconds = 0;
  new Gauge({
    name: `${PREFIX}events_log_rows`,
    help: 'Rows in the events log',
    registers,
    async collect() {
      const log = await sources.eventsLog();
      oldestAgeSeconds = log.oldestAgeSeconds;
      this.set(log.rows);
    },
  });
  new Gauge({
    name: `${PREFIX}events_log_oldest_age_seconds`,
    help: 'Age of the oldest event kept for resuming clients',
    registers,
    collect() {
      this.set(oldestAgeSeconds);
    },
  });

  return {
    registry,
    httpDuration,
    /** The Socket.IO server's gauges, registered once it is built (after the metrics). */
    observeSockets(live: { sockets(): number; rooms(): number }): void {
      new Gauge({
        name: `${PREFIX}socket_connections`,
        help: 'Connected Socket.IO clients on this instance',
        registers,
        collect() {
          this.set(live.sockets());
        },
      });
      new Gauge({
        name: `${PREFIX}rooms`,
        help: 'Campaign rooms with at least one subscriber on this instance',
        registers,
        collect() {
          this.set(live.rooms());
        },
      });
    },
    eventsDelivered: new Counter({
      name: `${PREFIX}events_delivered_total`,
      help: 'Events emitted to this instance’s rooms',
      registers,
    }),
    deliveryLag: new Histogram({
      name: `${PREFIX}event_delivery_lag_seconds`,
      help: 'From the commit of a change to its emit on this instance',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    listenerReconnects: new Counter({
      name: `${PREFIX}listener_reconnects_total`,
      help: 'Times the LISTEN connection was re-established',
      registers,
    }),
    replays: new Histogram({
      name: `${PREFIX}replay_events`,
      help: 'Events replayed to a resuming subscriber (count is the number of replays)',
      buckets: [0, 1, 10, 100, 1_000, 10_000],
      registers,
    }),
    presenceNotifications: new Counter({
      name: `${PREFIX}presence_notifications_total`,
      help: 'Presence and typing notifications sent by this instance, and received (its own included)',
      labelNames: ['direction'],
      registers,
    }),
    cursorExpired: new Counter({
      name: `${PREFIX}cursor_expired_total`,
      help: 'Subscribers told to reload: a cursor older than the log, or this instance fell behind pruning',
      labelNames: ['reason'],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
