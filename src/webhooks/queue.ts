import { Pool, type PoolClient } from 'pg';
import type { Sql } from '../postgres/database';

/** graphile-worker task names. */
export const DELIVER_TASK = 'webhook:deliver';
export const CHORES_TASK = 'webhooks:chores';

/** One job per endpoint and event: N dispatchers, retries and redelivers all name the same one. */
export const jobKeySql = (endpoint: string, eventId: string) => `'webhook:' || ${endpoint} || ':' || ${eventId}`;

/** Enqueues (or moves) the delivery's job; `$runAt` null means now. */
export const ADD_DELIVER_JOB = (delivery: string, key: string, runAt = 'NULL') =>
  `graphile_worker.add_job('${DELIVER_TASK}', json_build_object('delivery', ${delivery}), ` +
  `run_at => ${runAt}, max_attempts => 25, job_key => ${key})`;

/** The same jobs for every row of `rows` (a query with id, endpoint_id, event_id), in one call. */
export const ADD_DELIVER_JOBS = (rows: string) =>
  `graphile_worker.add_jobs(ARRAY(SELECT ROW('${DELIVER_TASK}'::text, json_build_object('delivery', r.id), NULL::text,
     NULL::timestamptz, 25::smallint, ${jobKeySql('r.endpoint_id::text', 'r.event_id::text')}, NULL::smallint, NULL::text[]
   )::graphile_worker.job_spec FROM ${rows} r))`;

/** Connections webhook work shares (dispatch, job bookkeeping, delivery records), whatever the concurrency. */
export const WEBHOOK_POOL_MAX = 2;

export interface WebhookPoolOptions {
  /** The database URL (a transaction pooler's, when behind one). */
  url: string;
  /** A direct (session) URL, for the job runner's LISTEN. */
  listenUrl: string;
  /** Deadline of a statement, set on the session where the URL is direct. */
  statementTimeoutMs: number;
  session: boolean;
}

const quiet = (pool: Pool) => {
  // an idle client losing its server must not crash the process (the runner checks for both)
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
};

export interface WebhookPools {
  /** WEBHOOK_POOL_MAX connections on the database URL, for everything but the runner's LISTEN. */
  work: Pool;
  /** The pool the job runner is given: `work`, but its LISTEN goes to a direct session of its own. */
  runner: Pool;
  close(): Promise<void>;
}

/**
 * The webhook side's connections. A delivery holds none while it waits on its receiver, so
 * the connections an instance opens do not grow with WEBHOOK_CONCURRENCY: webhook work
 * shares WEBHOOK_POOL_MAX of them, on a transaction pooler when there is one. graphile-worker
 * takes one pool, and connects with a callback for one thing only, the session it LISTENs on
 * (pg-pool's own `query` connects that way too, which is why the runner gets a view of the
 * pool rather than a subclass): that one goes to a direct connection, which a pooler could
 * not keep.
 */
export function createWebhookPools({ url, listenUrl, statementTimeoutMs, session }: WebhookPoolOptions): WebhookPools {
  const work = quiet(
    new Pool({
      connectionString: url,
      max: WEBHOOK_POOL_MAX,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
      application_name: 'chat-webhooks',
      ...(session && { statement_timeout: statementTimeoutMs + 1_000 }),
    }),
  );
  const listen = quiet(
    new Pool({ connectionString: listenUrl, max: 1, keepAlive: true, application_name: 'chat-webhooks-listen' }),
  );
  const connect = (callback?: ConnectCallback) => (callback ? listen.connect(callback) : work.connect());
  const runner = new Proxy(work, {
    get(target, prop) {
      if (prop === 'connect') return connect;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    work,
    runner,
    close: async () => void (await Promise.all([work.end(), listen.end()])),
  };
}

type ConnectCallback = (
  err: Error | undefined,
  client: PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

const sqlOf =
  (client: PoolClient): Sql =>
  async (text, values = []) =>
    (await client.query({ text, values })).rows;

/** Runs `fn` in a transaction whose statements have a deadline; rolls back on any error. */
export async function transaction<T>(pool: Pool, timeoutMs: number, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
    const result = await fn(sqlOf(client));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Single statements on the pool (their own transaction each). */
export const poolSql =
  (pool: Pool): Sql =>
  async (text, values = []) =>
    (await pool.query({ text, values })).rows;
