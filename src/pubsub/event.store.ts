import type { Sql } from '../postgres/database';
import { campaignFieldsJson, chatJson, dataCampaign, dataJson } from '../services/representation.sql';

export type Entity = 'campaign' | 'chat' | 'data';
export type Op = 'created' | 'updated' | 'deleted';

/** A row of the events log (db/migrations/…-create-events.js). */
export interface EventRow {
  id: string;
  campaign_id: string;
  entity: Entity;
  op: Op;
  entity_id: string;
  keys: Record<string, string | null>;
  /** When the change committed, epoch milliseconds. */
  at: number;
}

/** What a room receives: `${entity}:${op}` with {cursor, campaign, data}. */
/** Campaigns have no created event: nobody can be in a room before it exists. */
export type EventName = Exclude<`${Entity}:${Op}`, 'campaign:created'>;

export interface ChangeEvent {
  name: EventName;
  cursor: string;
  campaign: string;
  /** The REST representation; for a delete, the id and foreign keys. */
  data: unknown;
  /** When the change committed, epoch milliseconds (for the delivery-lag metric; not sent). */
  committedAt: number;
}

/** Where each kind's rows live, how they render, and which room a row is in now. */
const TABLES: Record<Entity, { table: string; json: (alias: string) => string; room: string }> = {
  // a campaign's own fields only: with its chats, one event of a big campaign would be megabytes
  campaign: { table: 'campaigns', json: campaignFieldsJson, room: 't.id' },
  chat: { table: 'chats', json: chatJson, room: 't.campaign_id' },
  data: { table: 'datas', json: dataJson, room: dataCampaign('t') },
};

// ids travel as text (bigint exceeds a JS number); order by e.id, never by this text alias
const EVENT_COLUMNS =
  'e.id::text AS id, e.campaign_id, e.entity, e.op, e.entity_id, e.keys, (extract(epoch FROM e.created_at) * 1000)::float8 AS at';

/** Rows of the log, read in one statement with how far pruning had gone at that moment. */
export interface LogRead {
  prunedUpto: bigint;
  rows: EventRow[];
}

/**
 * Wraps a query of events so the same snapshot also reads events_pruned: pruning deletes
 * a prefix of the log and moves `upto` in one statement, so a read that finds `upto` at
 * or below where it started has lost nothing.
 */
const withPruned = (events: string) =>
  `SELECT p.upto::text AS pruned_upto, e.* FROM events_pruned p
   LEFT JOIN LATERAL (${events}) e ON true ORDER BY e.seq`;

function logRead(rows: (EventRow & { pruned_upto: string; seq: string | null })[]): LogRead {
  const events = rows.filter((r) => r.seq !== null).map(({ pruned_upto: _, seq: __, ...row }) => row);
  return { prunedUpto: BigInt(rows[0]?.pruned_upto ?? 0), rows: events };
}

export type EventStore = ReturnType<typeof createEventStore>;

export function createEventStore(sql: Sql) {
  /** Current representations of the rows the events name, one query per entity kind. */
  async function load(rows: EventRow[]): Promise<Map<string, { room: string; j: unknown }>> {
    const wanted = new Map<Entity, Set<string>>();
    for (const r of rows) {
      if (r.op !== 'deleted') (wanted.get(r.entity) ?? wanted.set(r.entity, new Set()).get(r.entity))!.add(r.entity_id);
    }
    const found = new Map<string, { room: string; j: unknown }>();
    for (const [entity, ids] of wanted) {
      const { table, json, room } = TABLES[entity];
      const loaded = await sql<{ id: string; room: string; j: unknown }>(
        `SELECT t.id, ${room} AS room, ${json('t')} AS j FROM ${table} t WHERE t.id = ANY($1::uuid[])`,
        [[...ids]],
      );
      for (const { id, room: now, j } of loaded) found.set(`${entity}:${id}`, { room: now, j });
    }
    return found;
  }

  /**
   * Events rendered for delivery, in log order. A created/updated row that is gone by now,
   * or has moved to another room, is skipped: the log holds its deleted event for this
   * room, and the row's current state belongs to the room it is in now, never this one.
   */
  async function render(rows: EventRow[]): Promise<ChangeEvent[]> {
    const current = await load(rows);
    const events: ChangeEvent[] = [];
    for (const r of rows) {
      const row = current.get(`${r.entity}:${r.entity_id}`);
      if (r.op !== 'deleted' && row?.room !== r.campaign_id) continue;
      const data = r.op === 'deleted' ? r.keys : row?.j;
      const name = `${r.entity}:${r.op}` as EventName;
      events.push({ name, cursor: r.id, campaign: r.campaign_id, data, committedAt: r.at });
    }
    return events;
  }

  return {
    render,

    /** The newest committed event id (or where pruning emptied the log): where a fresh feed starts. */
    async head(): Promise<bigint> {
      const [row] = await sql<{ id: string }>(
        'SELECT greatest((SELECT max(id) FROM events), (SELECT upto FROM events_pruned), 0)::text AS id',
      );
      return BigInt(row.id);
    },

    /** The next events of the whole log, and whether pruning has overtaken `lastId`. */
    async after(lastId: bigint, limit: number): Promise<LogRead> {
      const rows = await sql<EventRow & { pruned_upto: string; seq: string | null }>(
        withPruned(`SELECT ${EVENT_COLUMNS}, e.id AS seq FROM events e WHERE e.id > $1 ORDER BY e.id LIMIT $2`),
        [lastId.toString(), limit],
      );
      return logRead(rows);
    },

    /** A room's events in (sinceId, uptoId], oldest first. */
    async roomBetween(campaignId: string, sinceId: bigint, uptoId: bigint, limit: number): Promise<LogRead> {
      const rows = await sql<EventRow & { pruned_upto: string; seq: string | null }>(
        withPruned(
          `SELECT ${EVENT_COLUMNS}, e.id AS seq FROM events e
           WHERE e.campaign_id = $1 AND e.id > $2 AND e.id <= $3 ORDER BY e.id LIMIT $4`,
        ),
        [campaignId, sinceId.toString(), uptoId.toString(), limit],
      );
      return logRead(rows);
    },

    /** How many events the room has in (sinceId, uptoId], counting no further than `cap`. */
    async countRoomBetween(campaignId: string, sinceId: bigint, uptoId: bigint, cap: number) {
      const [row] = await sql<{ n: number; pruned_upto: string }>(
        `SELECT p.upto::text AS pruned_upto, (SELECT count(*)::int FROM (SELECT FROM events e
           WHERE e.campaign_id = $1 AND e.id > $2 AND e.id <= $3 LIMIT $4) x) AS n
         FROM events_pruned p`,
        [campaignId, sinceId.toString(), uptoId.toString(), cap],
      );
      return { prunedUpto: BigInt(row.pruned_upto), count: row.n };
    },

    /** Events at or below this id may have been pruned. */
    async prunedUpto(): Promise<bigint> {
      const [row] = await sql<{ upto: string }>('SELECT upto::text AS upto FROM events_pruned');
      return BigInt(row.upto);
    },

    /** The last id handed out (committed or not): no valid cursor is above it. */
    async allocatedUpto(): Promise<bigint> {
      const [row] = await sql<{ v: string }>(
        'SELECT CASE WHEN is_called THEN last_value ELSE 0 END::text AS v FROM events_id_seq',
      );
      return BigInt(row.v);
    },
  };
}
