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
  /** Runs `fn` for no request in particular (a batch serving many): only the deadline applies. */
  outsideRequest<T>(fn: () => T): T;
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

interface PoolSpec {
  max: number;
  name: string;
  /** The statements' deadline, which the wait for a free connection counts against too. */
  timeoutMs: number;
  session: boolean;
}

function newPool(url: string, { max, name, timeoutMs, session }: PoolSpec): Pool {
  const pool = new Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: timeoutMs,
    keepAlive: true,
    application_name: name,
    // Postgres enforces the deadline itself where a session can take the setting; the
    // runner's cancel is the deadline everywhere, and the only one behind a transaction pooler
    ...(session && { statement_timeout: timeoutMs + 1_000 }),
  });
  // an idle client losing its server (restart, terminate) must not crash the process
  pool.on('error', () => undefined);
  return pool;
}

/** Builds the pools; connects lazily (no I/O here). */
export function createDatabase(url: string, opts: DatabaseOptions): Database {
  const session = opts.poolMode === 'session';
  const background = { max: 2, timeoutMs: opts.feedStatementTimeoutMs, session };
  const pools = {
    api: newPool(url, { max: opts.poolMax, name: 'chat-api', timeoutMs: opts.statementTimeoutMs, session }),
    feed: newPool(url, { ...background, name: 'chat-feed' }),
    replay: newPool(url, { ...background, name: 'chat-replay' }),
    presence: newPool(url, { ...background, name: 'chat-presence' }),
  };
  const requests = new AsyncLocalStorage<AbortSignal | undefined>();
  const observers = new Set<() => void>();
  const onStatement = () => observers.forEach((o) => o());
  const signal = () => requests.getStore();
  const { statementTimeoutMs, poolMax } = opts;
  // the background pools serve every socket of the instance: no one request's signal applies
  const unscoped = (pool: Pool) =>
    statementRunner(pool, { timeoutMs: opts.feedStatementTimeoutMs, prepare: session, signal: () => undefined });
  const sequelize = createOrm(url, { poolMax, statementTimeoutMs, session, signal, onStatement });
  return {
    sequelize,
    sql: statementRunner(pools.api, { timeoutMs: statementTimeoutMs, prepare: session, signal, onStatement }),
    pool: pools.api,
    feedSql: unscoped(pools.feed),
    replaySql: unscoped(pools.replay),
    presenceSql: unscoped(pools.presence),
    forRequest: (signal, fn) => requests.run(signal, fn),
    outsideRequest: (fn) => requests.run(undefined, fn),
    poolStats: () =>
      Object.fromEntries(
        Object.entries(pools).map(([name, p]) => [
          name,
          { total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount },
        ]),
      ),
    observe(listener) {
      observers.add(listener);
      return () => observers.delete(listener);
    },
    async close() {
      await Promise.all([sequelize.close(), ...Object.values(pools).map((p) => p.end())]);
    },
  };
}
