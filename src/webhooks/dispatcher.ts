import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { EVENTS_CHANNEL } from '../postgres/channels';
import type { Sql } from '../postgres/database';
import { createEventStore, type ChangeEvent, type EventRow } from '../pubsub/event.store';
import { ADD_DELIVER_JOBS, transaction } from './queue';

interface EndpointFilter {
  id: string;
  campaign_id: string | null;
  events: string[];
}

const matches = (e: EndpointFilter, name: string, campaign: string) =>
  (e.campaign_id === null || e.campaign_id === campaign) && e.events.includes(name);

/**
 * The event a row is for receivers: a streamed chat is created, for them, when its stream
 * ends (final text and status), so a bot never sees half a message; deltas are never theirs.
 */
function webhookName(r: EventRow): string | undefined {
  if (r.op === 'delta' || (r.op === 'created' && r.keys.streaming)) return undefined;
  if (r.op === 'updated' && r.keys.ended) return 'chat:created';
  return `${r.entity}:${r.op}`;
}

/** What a receiver gets: the room's event, with the delivery's id and the commit time. */
export const deliveryBody = (id: string, e: ChangeEvent): string =>
  JSON.stringify({
    id,
    cursor: e.cursor,
    name: e.name,
    campaign: e.campaign,
    data: e.data,
    created_at: new Date(e.committedAt).toISOString(),
  });

const INSERT_DELIVERIES = `
  WITH d AS (
    INSERT INTO webhook_deliveries (id, endpoint_id, event_id, name, body, next_attempt_at)
    SELECT u.id, u.endpoint_id, u.event_id, u.name, u.body, now()
    FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[]) AS u (id, endpoint_id, event_id, name, body)
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    RETURNING id, endpoint_id, event_id
  )
  SELECT count(*)::int AS n FROM ${ADD_DELIVER_JOBS('d')} j`;

/** The events channel's payload that says an endpoint was switched on (endpoint.service.ts). */
export const ENDPOINT_ACTIVATED = 'endpoint activated';

/** How long "no endpoint is active" is believed before it is asked again (or an endpoint is switched on). */
const QUIET_RECHECK_MS = 1_000;

export interface DispatcherOptions {
  pool: Pool;
  timeoutMs: number;
  batchSize?: number;
  onError: (err: unknown, context: string) => void;
}

/**
 * Follows the events log for webhooks. Each pass runs in one transaction holding the
 * webhook_dispatch row: it reads the next events after the position, records a delivery
 * and enqueues its job for every active endpoint that wants the event, and moves the
 * position, so an event is enqueued once per endpoint whatever the instance count.
 * Every instance is poked by every commit, but one pass at a time serves the cluster: an
 * instance that finds the row held skips (SKIP LOCKED) instead of queueing behind it, since
 * the holder got the same notification and passes again for it. So a commit costs one
 * dispatch, not one per instance. A holder that stops with such a pass still owed hands it
 * on with a notification; one that crashes leaves it to the next commit or listener check.
 */
export class Dispatcher {
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private quietUntil = 0;
  private recheck?: NodeJS.Timeout;

  constructor(private readonly opts: DispatcherOptions) {}

  /**
   * New events may be committed: dispatch them (folded into at most one pass after the
   * current). `activated`: an endpoint was switched on, so "none is active" is no longer believed.
   */
  poke(activated = false): void {
    if (this.stopped) return;
    if (activated) this.quietUntil = 0;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop()
      .catch((err) => this.opts.onError(err, 'webhook dispatch failed'))
      .finally(() => (this.running = undefined));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.recheck);
    await this.running;
    if (this.again) {
      // the others skipped what this one was poked for meanwhile: wake them for it
      await this.opts.pool
        .query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, ''])
        .catch((err: unknown) => this.opts.onError(err, 'handing webhook dispatch over'));
    }
  }

  /** Dispatches until the log is read to its end, or another instance is at it. */
  private async drain(): Promise<void> {
    while ((await this.pass()) >= (this.opts.batchSize ?? 500));
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      if (await this.anyEndpoint()) await this.drain();
    } while (this.again && !this.stopped);
  }

  /**
   * Whether any endpoint is active: without one a pass has nothing to do, so none is run and
   * the position stays (the first endpoint moves it to the log's head: endpoint.service.ts).
   * "None" is believed for QUIET_RECHECK_MS or until an endpoint is switched on anywhere, so
   * a commit costs nothing here.
   */
  private async anyEndpoint(): Promise<boolean> {
    const wait = this.quietUntil - Date.now();
    if (wait > 0) {
      // poked meanwhile: look again once the belief expires, in case an endpoint came
      this.recheck ??= setTimeout(() => ((this.recheck = undefined), this.poke()), wait);
      return false;
    }
    const { rows } = await this.opts.pool.query<{ any: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE active) AS any',
    );
    if (!rows[0].any) this.quietUntil = Date.now() + QUIET_RECHECK_MS;
    return rows[0].any;
  }

  /** One batch; returns how many log rows it consumed (0 when another instance holds the row). */
  private pass(): Promise<number> {
    return transaction(this.opts.pool, this.opts.timeoutMs, async (sql) => {
      const [held] = await sql<{ position: string }>(
        'SELECT position::text AS position FROM webhook_dispatch FOR UPDATE SKIP LOCKED',
      );
      if (!held) return 0;
      const { position } = held;
      const store = createEventStore(sql);
      const { prunedUpto, rows } = await store.after(BigInt(position), this.opts.batchSize ?? 500);
      if (prunedUpto > BigInt(position)) {
        this.opts.onError(new Error(`events ${position}..${prunedUpto} were pruned unread`), 'webhook dispatch');
      }
      const last = rows.length ? rows[rows.length - 1].id : prunedUpto.toString();
      if (rows.length) await this.enqueue(sql, store.render, rows);
      if (last !== position && BigInt(last) > BigInt(position)) {
        await sql('UPDATE webhook_dispatch SET position = $1', [last]);
      }
      return rows.length;
    });
  }

  private async enqueue(sql: Sql, render: (rows: EventRow[]) => Promise<ChangeEvent[]>, rows: EventRow[]) {
    const endpoints = await sql<EndpointFilter>('SELECT id, campaign_id, events FROM webhook_endpoints WHERE active');
    // render only events someone wants: with no endpoints, a pass costs three small statements
    const names = new Map<string, string>();
    for (const r of rows) {
      const name = webhookName(r);
      if (name && endpoints.some((e) => matches(e, name, r.campaign_id))) names.set(r.id, name);
    }
    if (!names.size) return;
    const cols: [string[], string[], string[], string[], string[]] = [[], [], [], [], []];
    for (const rendered of await render(rows.filter((r) => names.has(r.id)))) {
      const event = { ...rendered, name: names.get(rendered.cursor) as ChangeEvent['name'] };
      for (const e of endpoints.filter((x) => matches(x, event.name, event.campaign))) {
        const id = randomUUID();
        [id, e.id, event.cursor, event.name, deliveryBody(id, event)].forEach((v, i) => cols[i].push(v));
      }
    }
    if (cols[0].length) await sql(INSERT_DELIVERIES, cols);
  }
}
