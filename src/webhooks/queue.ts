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

/**
 * The webhook side's own connections, on the direct (session) URL: the job runner keeps one
 * for its LISTEN, the rest serve job bookkeeping, dispatch and delivery records, so webhook
 * work never waits for (or holds) API or feed connections.
 */
export function createWebhookPool(url: string, concurrency: number): Pool {
  const pool = new Pool({
    connectionString: url,
    max: concurrency + 3,
    idleTimeoutMillis: 10_000,
    keepAlive: true,
    application_name: 'chat-webhooks',
  });
  // an idle client losing its server must not crash the process (the runner checks for both)
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

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
