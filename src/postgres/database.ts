import { AsyncLocalStorage } from 'node:async_hooks';
import { Pool } from 'pg';
import type { Sequelize } from 'sequelize';
import { createOrm } from './orm';
import { statementRunner, type Sql } from './statement';

export type { Sql } from './statement';

export interface DatabaseOptions {
  poolMax: number;
  /** Deadline of an API statement (REST and socket handlers). */
  statementTimeoutMs: number;
  /** Deadline of a statement of the event feed (live delivery and replays). */
  feedStatementTimeoutMs: number;
  /**
   * 'transaction' behind a transaction-mode pooler (PgBouncer before 1.21): no named
   * prepared statements and no session settings in the startup packet, which such a
   * pooler can neither keep nor accept.
   */
  poolMode: 'session' | 'transaction';
}

export interface Database {
  /** Sequelize, for the models (src/models) and their transactions: writes that check before they change. */
  sequelize: Sequelize;
  /**
   * The hot paths (reads, single-statement writes): node-postgres directly, with each
   * statement prepared once per connection, which spares Postgres re-planning the nested
   * representation queries and Node the ORM's per-query overhead.
   */
  sql: Sql;
  pool: Pool;
  /**
   * The event feed's own two connections, so live delivery never queues behind API
   * requests in the pool (nor API requests behind it). Not observed.
   */
  feedSql: Sql;
  /** Connections of each pool now, for metrics. */
  poolStats(): Record<string, { total: number; idle: number; waiting: number }>;
  /** Runs `fn` for a request: statements it sends are cancelled when `signal` aborts. */
  forRequest<T>(signal: AbortSignal, fn: () => T): T;
  /**
   * Two more for replaying rooms to resuming clients: a flood of old cursors waits for
   * these, never for the connections live delivery reads on. Not observed.
   */
  replaySql: Sql;
  /**
   * Two for presence and typing (their writes and notifications, heartbeats, room
   * readings): ephemeral traffic never waits for, nor delays, the API or the feed.
   */
  presenceSql: Sql;
  /** Calls `listener` for every statement an API path sends (diagnostics, query-count tests). */
  observe(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Builds the pools; connects lazily (no I/O here). */
export function createDatabase(url: string, opts: DatabaseOptions): Database {
  const session = opts.poolMode === 'session';
  // Postgres enforces the deadline itself where it can take the setting; the runner's
  // cancel is the deadline everywhere, and the only one behind a transaction pooler
  const serverTimeout = (ms: number) => (session ? { statement_timeout: ms + 1_000 } : {});
  const newPool = (max: number, name: string, timeoutMs: number) => {
    const pool = new Pool({
      connectionString: url,
      max,
      idleTimeoutMillis: 10_000,
      // waiting for a free connection counts against the same deadline
      connectionTimeoutMillis: timeoutMs,
      keepAlive: true,
      application_name: name,
      ...serverTimeout(timeoutMs),
    });
    // an idle client losing its server (restart, terminate) must not crash the process
    pool.on('error', () => undefined);
    return pool;
  };
  const pool = newPool(opts.poolMax, 'chat-api', opts.statementTimeoutMs);
  const feedPool = newPool(2, 'chat-feed', opts.feedStatementTimeoutMs);
  const replayPool = newPool(2, 'chat-replay', opts.feedStatementTimeoutMs);
  const presencePool = newPool(2, 'chat-presence', opts.feedStatementTimeoutMs);

  const requests = new AsyncLocalStorage<AbortSignal>();
  const observers = new Set<() => void>();
  const onStatement = () => observers.forEach((o) => o());
  const signal = () => requests.getStore();
  const sequelize = createOrm(url, {
    poolMax: opts.poolMax,
    statementTimeoutMs: opts.statementTimeoutMs,
    session,
    signal,
    onStatement,
  });
  const prepare = session;

  return {
    sequelize,
    sql: statementRunner(pool, {
      timeoutMs: opts.statementTimeoutMs,
      prepare,
      signal,
      onStatement,
    }),
    pool,
    // the feed serves every socket of the instance: no one request's signal applies
    feedSql: statementRunner(feedPool, { timeoutMs: opts.feedStatementTimeoutMs, prepare, signal: () => undefined }),
    replaySql: statementRunner(replayPool, {
      timeoutMs: opts.feedStatementTimeoutMs,
      prepare,
      signal: () => undefined,
    }),
    presenceSql: statementRunner(presencePool, {
      timeoutMs: opts.feedStatementTimeoutMs,
      prepare,
      signal: () => undefined,
    }),
    forRequest: (signal, fn) => requests.run(signal, fn),
    poolStats: () =>
      Object.fromEntries(
        Object.entries({ api: pool, feed: feedPool, replay: replayPool, presence: presencePool }).map(([name, p]) => [
          name,
          { total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount },
        ]),
      ),
    observe(listener) {
      observers.add(listener);
      return () => observers.delete(listener);
    },
    async close() {
      await Promise.all([sequelize.close(), pool.end(), feedPool.end(), replayPool.end(), presencePool.end()]);
    },
  };
}
