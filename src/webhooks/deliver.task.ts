import type { Pool } from 'pg';
import type { WebhookSettings } from '../config';
import { backoffMs } from '../lib/backoff';
import type { Sql } from '../postgres/database';
import { ADD_DELIVER_JOB, jobKeySql, poolSql, transaction } from './queue';
import { send, type SendResult } from './sender';
import { SIGNATURE_HEADER, signWebhook } from './signature';

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  body: string;
  status: string;
  attempts: number;
  url: string;
  secret: string;
  active: boolean;
}

const LOAD = `
  SELECT d.id, d.endpoint_id, d.event_id::text AS event_id, d.body, d.status, d.attempts, e.url, e.secret, e.active
  FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`;

const RECORD_ATTEMPT = `
  INSERT INTO webhook_attempts (delivery_id, status_code, duration_ms, error, response) VALUES ($1, $2, $3, $4, $5)`;

export interface DeliverOptions {
  pool: Pool;
  settings: WebhookSettings;
  /** Statement deadline of the bookkeeping. */
  statementTimeoutMs: number;
}

/**
 * One attempt of one delivery: POST it signed, record the attempt, then either mark it
 * delivered, or schedule the next attempt as a new job under the same key (the running
 * job completes; our backoff, not the queue's, decides when), or give up when the
 * endpoint has failed for the whole retry window (and deactivate it) or the delivery is
 * that old. A crash between the POST and the record repeats the POST: at least once.
 */
export function deliverTask(opts: DeliverOptions) {
  const sql = poolSql(opts.pool);
  return async (payload: unknown, signal?: AbortSignal): Promise<void> => {
    const { delivery } = payload as { delivery: string };
    const [row] = await sql<DeliveryRow>(LOAD, [delivery]);
    if (!row || row.status !== 'pending') return;
    if (!row.active) {
      await sql(`UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL WHERE id = $1`, [row.id]);
      return;
    }
    const result = await send(row.url, row.body, {
      timeoutMs: opts.settings.timeoutMs,
      allowPrivate: opts.settings.allowPrivate,
      signal,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'campaign-chat-webhooks/1',
        'Webhook-Id': row.id,
        'Webhook-Cursor': row.event_id,
        [SIGNATURE_HEADER]: signWebhook(row.secret, row.body),
      },
    });
    // cut short by this instance stopping: not the receiver's failure; the queue retries the job soon
    if (signal?.aborted && !succeeded(result)) throw new Error('delivery attempt aborted: the instance is stopping');
    if (succeeded(result)) await sql(RECORD_SUCCESS, [...attemptValues(row, result), row.endpoint_id]);
    else await transaction(opts.pool, opts.statementTimeoutMs, (tx) => recordFailure(tx, row, result, opts.settings));
  };
}

const attemptValues = (row: DeliveryRow, r: SendResult) => [
  row.id,
  r.statusCode ?? null,
  r.durationMs,
  r.error ?? null,
  r.excerpt ?? null,
];

/** The common case in one statement (one round trip, atomic without a transaction block). */
const RECORD_SUCCESS = `
  WITH a AS (${RECORD_ATTEMPT}),
  d AS (
    UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = now(),
      next_attempt_at = NULL WHERE id = $1
  )
  UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $6 AND failing_since IS NOT NULL`;

const succeeded = (r: SendResult) => r.statusCode !== undefined && r.statusCode >= 200 && r.statusCode < 300;

async function recordFailure(sql: Sql, row: DeliveryRow, result: SendResult, settings: WebhookSettings): Promise<void> {
  await sql(RECORD_ATTEMPT, attemptValues(row, result));
  const windowSecs = settings.retryHours * 3600;
  const [state] = await sql<{ endpoint_expired: boolean; delivery_expired: boolean }>(
    // the endpoint fails since this delivery was due, if nothing succeeded meanwhile: so a
    // lone delivery's window and its endpoint's end together, and the endpoint is deactivated
    `WITH d AS (SELECT retry_from FROM webhook_deliveries WHERE id = $2),
     e AS (
       UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, least(now(), (SELECT retry_from FROM d)))
       WHERE id = $1 RETURNING failing_since
     )
     SELECT (SELECT failing_since FROM e) <= now() - make_interval(secs => $3) AS endpoint_expired,
            (SELECT retry_from FROM d) <= now() - make_interval(secs => $3) AS delivery_expired`,
    [row.endpoint_id, row.id, windowSecs],
  );
  if (state.endpoint_expired) {
    await sql(
      `UPDATE webhook_endpoints SET active = false, deactivated_at = now(),
         deactivated_reason = 'Every attempt failed since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' (' || $2 || ' hours).'
       WHERE id = $1 AND active`,
      [row.endpoint_id, settings.retryHours],
    );
  }
  if (state.endpoint_expired || state.delivery_expired) {
    await sql(
      `UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, next_attempt_at = NULL WHERE id = $1`,
      [row.id],
    );
    return;
  }
  const delay = backoffMs(row.attempts + 1, settings.retryBaseMs, settings.retryMaxMs);
  await sql(
    `WITH d AS (
       UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
       WHERE id = $1 RETURNING id, endpoint_id, event_id, next_attempt_at
     )
     SELECT 1 FROM d, LATERAL ${ADD_DELIVER_JOB('d.id', jobKeySql('d.endpoint_id::text', 'd.event_id::text'), 'd.next_attempt_at')} j`,
    [row.id, delay / 1000],
  );
}
