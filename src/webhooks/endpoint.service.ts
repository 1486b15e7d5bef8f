import { requireScope, type Principal } from '../auth/principal';
import type { Sql } from '../postgres/database';
import { AppError, invalidPk, NotFoundError, ValidationError } from '../errors';
import type { WebhookInput } from '../schemas/webhook.schemas';
import { refusalOf } from '../webhooks/address.guard';
import { ADD_DELIVER_JOB, jobKeySql } from '../webhooks/queue';
import { EVENTS_CHANNEL } from '../postgres/channels';
import { ENDPOINT_ACTIVATED } from './dispatcher';
import { newSecret } from '../webhooks/signature';
import { getOne, listPage, type ListParams, type ListSpec } from '../services/list';
import { isoUtc } from '../services/representation.sql';

/** An endpoint as the API shows it: never its secret (that is shown once, by create and rotate). */
const endpointJson = (w: string) =>
  `(SELECT row_to_json(r) FROM (SELECT ${w}.id, ${w}.url, ${w}.campaign_id AS campaign, ${w}.events, ${w}.active,
     ${isoUtc(`${w}.created_at`)} AS created_at, ${isoUtc(`${w}.updated_at`)} AS updated_at,
     ${isoUtc(`${w}.failing_since`)} AS failing_since, ${isoUtc(`${w}.deactivated_at`)} AS deactivated_at,
     ${w}.deactivated_reason) r)`;

const attemptsJson = (d: string) =>
  `(SELECT coalesce(json_agg(row_to_json(a) ORDER BY a.id), '[]') FROM (
     SELECT x.id, ${isoUtc('x.at')} AS at, x.status_code, x.duration_ms, x.error, x.response
     FROM webhook_attempts x WHERE x.delivery_id = ${d}.id) a)`;

const deliveryJson = (d: string) =>
  `(SELECT row_to_json(r) FROM (SELECT ${d}.id, ${d}.event_id::text AS cursor, ${d}.name, ${d}.status,
     ${isoUtc(`${d}.created_at`)} AS created_at, ${isoUtc(`${d}.delivered_at`)} AS delivered_at,
     ${isoUtc(`${d}.next_attempt_at`)} AS next_attempt_at, ${attemptsJson(d)} AS attempts, ${d}.body::json AS payload) r)`;

export const WEBHOOK_LIST: ListSpec = {
  table: 'webhook_endpoints',
  alias: 'w',
  json: endpointJson,
  searchColumns: ['w.url'],
  orderingColumns: { created_at: 'w.created_at', url: 'w.url' },
  defaultOrdering: '-created_at',
  filterColumns: { active: 'w.active', campaign: 'w.campaign_id' },
  campaignOf: 'w.campaign_id',
};

export const DELIVERY_LIST: ListSpec = {
  table: 'webhook_deliveries',
  alias: 'd',
  json: deliveryJson,
  searchColumns: [],
  orderingColumns: { created_at: 'd.created_at' },
  defaultOrdering: '-created_at',
  filterColumns: { endpoint: 'd.endpoint_id', status: 'd.status' },
  campaignOf: 'NULL',
};

/**
 * An endpoint may receive events of every campaign, so managing endpoints takes the admin
 * scope over all campaigns (`"*"`); an admin of some campaigns gets 403.
 */
function requireWebhookAdmin(p: Principal): void {
  requireScope(p, 'admin');
  if (p.campaigns !== '*') throw new AppError('forbidden', 'Webhooks need an admin token for all campaigns.');
}

const withSecret = (json: string, secret: string) => JSON.stringify({ ...JSON.parse(json), secret });

export type WebhookService = ReturnType<typeof createWebhookService>;

/** Tells every instance's dispatcher, which may believe none is active (after the commit, so it finds this one). */
const wake = (sql: Sql) => sql('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, ENDPOINT_ACTIVATED]);

/**
 * With no active endpoint the dispatcher stands still (src/webhooks/dispatcher.ts); the
 * statement that activates the first one moves its position to the log's head, so an endpoint
 * gets what is committed after it, never a backlog from before it existed.
 */
const fromTheHead = (activates: string) => `head AS (
  UPDATE webhook_dispatch SET position = greatest(position, (SELECT coalesce(max(id), 0) FROM events))
  WHERE ${activates} AND NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE active)
)`;

export function createWebhookService(sql: Sql, opts: { allowPrivate: boolean }) {
  async function check(input: WebhookInput): Promise<void> {
    const fields: Record<string, string[]> = {};
    if (input.url !== undefined) {
      const refusal = await refusalOf(input.url, opts.allowPrivate);
      if (refusal) fields.url = [refusal];
    }
    if (input.campaign) {
      const [found] = await sql('SELECT 1 FROM campaigns WHERE id = $1', [input.campaign]);
      if (!found) fields.campaign = invalidPk('campaign', input.campaign).fields!.campaign;
    }
    if (Object.keys(fields).length) throw new ValidationError(fields);
  }

  async function delivery(id: string, deliveryId: string, p: Principal): Promise<string> {
    requireWebhookAdmin(p);
    const [row] = await sql<{ j: string }>(
      `SELECT ${deliveryJson('d')}::text AS j FROM webhook_deliveries d WHERE d.id = $1 AND d.endpoint_id = $2`,
      [deliveryId, id],
    );
    if (!row) throw new NotFoundError();
    return row.j;
  }

  const get = (id: string, p: Principal) => (requireWebhookAdmin(p), getOne(sql, WEBHOOK_LIST, id));

  return {
    list: (params: ListParams, p: Principal) => (requireWebhookAdmin(p), listPage(sql, WEBHOOK_LIST, params)),

    get,

    async create(input: WebhookInput, p: Principal): Promise<string> {
      requireWebhookAdmin(p);
      await check(input);
      const secret = newSecret();
      const [row] = await sql<{ j: string }>(
        `WITH ${fromTheHead('$4')}
         INSERT INTO webhook_endpoints AS w (url, campaign_id, events, active, secret) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${endpointJson('w')}::text AS j`,
        [input.url, input.campaign ?? null, input.events, input.active ?? true, secret],
      );
      if (input.active ?? true) await wake(sql);
      return withSecret(row.j, secret);
    },

    async update(id: string, input: WebhookInput, p: Principal): Promise<string> {
      requireWebhookAdmin(p);
      await check(input);
      const [row] = await sql<{ j: string }>(
        `WITH ${fromTheHead('coalesce($6, false)')}
         UPDATE webhook_endpoints w SET
           url = coalesce($2, w.url),
           campaign_id = CASE WHEN $3 THEN $4::uuid ELSE w.campaign_id END,
           events = coalesce($5, w.events),
           active = coalesce($6, w.active),
           -- switching an endpoint back on starts its failure clock afresh
           failing_since = CASE WHEN $6 AND NOT w.active THEN NULL ELSE w.failing_since END,
           deactivated_at = CASE WHEN $6 THEN NULL ELSE w.deactivated_at END,
           deactivated_reason = CASE WHEN $6 THEN NULL ELSE w.deactivated_reason END,
           updated_at = now()
         WHERE w.id = $1 RETURNING ${endpointJson('w')}::text AS j`,
        [
          id,
          input.url ?? null,
          input.campaign !== undefined,
          input.campaign ?? null,
          input.events ?? null,
          input.active ?? null,
        ],
      );
      if (!row) throw new NotFoundError();
      if (input.active) await wake(sql);
      return row.j;
    },

    async remove(id: string, p: Principal): Promise<void> {
      requireWebhookAdmin(p);
      const gone = await sql('DELETE FROM webhook_endpoints WHERE id = $1 RETURNING 1', [id]);
      if (!gone.length) throw new NotFoundError();
    },

    /** A new secret, effective for the next attempt; shown in this answer only. */
    async rotate(id: string, p: Principal): Promise<string> {
      requireWebhookAdmin(p);
      const secret = newSecret();
      const [row] = await sql<{ j: string }>(
        `UPDATE webhook_endpoints w SET secret = $2, updated_at = now() WHERE w.id = $1 RETURNING ${endpointJson('w')}::text AS j`,
        [id, secret],
      );
      if (!row) throw new NotFoundError();
      return withSecret(row.j, secret);
    },

    async deliveries(id: string, params: ListParams, p: Principal) {
      await get(id, p); // 404 for an unknown endpoint, not an empty page
      return listPage(sql, DELIVERY_LIST, { ...params, filters: { ...params.filters, endpoint: id } });
    },

    delivery,

    /** Sends a delivery again now, whatever its state (a pending retry is moved to now). */
    async redeliver(id: string, deliveryId: string, p: Principal): Promise<string> {
      requireWebhookAdmin(p);
      const [row] = await sql<{ active: boolean; queued: boolean }>(
        `WITH e AS (SELECT active FROM webhook_endpoints WHERE id = $2),
         d AS (
           UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), retry_from = now()
           WHERE d.id = $1 AND d.endpoint_id = $2 AND (SELECT active FROM e)
           RETURNING d.id, d.endpoint_id, d.event_id
         )
         SELECT (SELECT active FROM e) AS active,
                EXISTS (SELECT 1 FROM d, LATERAL ${ADD_DELIVER_JOB('d.id', jobKeySql('d.endpoint_id::text', 'd.event_id::text'))} j) AS queued`,
        [deliveryId, id],
      );
      if (row.active === false) {
        throw new AppError('inactive', 'The endpoint is inactive; activate it before redelivering.');
      }
      if (!row.queued) throw new NotFoundError();
      return delivery(id, deliveryId, p);
    },
  };
}
