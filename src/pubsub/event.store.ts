import type { Sql } from '../postgres/database';
import { campaignFieldsJson, chatJson, chatMessage, dataCampaign, dataJson } from '../services/representation.sql';

export type Entity = 'campaign' | 'chat' | 'data';
/** `delta`: new text of a streaming chat (one per stream and commit). */
export type Op = 'created' | 'updated' | 'deleted' | 'delta';

/** A row of the events log (db/migrations/…-create-events.js). */
export interface EventRow {
  id: string;
  campaign_id: string;
  entity: Entity;
  op: Op;
  entity_id: string;
  /** Ids and foreign keys; a chat's also say when it streams (`streaming`) and when that ended (`ended`). */
  keys: Record<string, string | number | boolean | null>;
  /** When the change committed, epoch milliseconds. */
  at: number;
}

/** What a room receives: `${entity}:${op}` with {cursor, campaign, data}. */
/** Campaigns have no created event: nobody can be in a room before it exists. */
export type EventName = Exclude<`${Entity}:${Op}`, 'campaign:created' | 'campaign:delta' | 'data:delta'>;

export interface ChangeEvent {
  name: EventName;
  cursor: string;
  campaign: string;
  /** The REST representation; for a delete, the id and foreign keys; for a delta, {id, offset, text}. */
  data: unknown;
  /** When the change committed, epoch milliseconds (for the delivery-lag metric; not sent). */
  committedAt: number;
}

/**
 * The seq through which a stream's text had been delivered at log position `position` (SQL):
 * what its last delta at or before it carried. A streaming chat renders as of the position
 * of the batch it is delivered in, so the deltas after that position continue its text exactly.
 */
const streamedThrough = (c: string, position: string) =>
  `coalesce((SELECT (e.keys->>'hi')::int FROM events e WHERE e.op = 'delta' AND e.entity_id = ${c}.id ` +
  `AND e.id <= ${position} ORDER BY e.id DESC LIMIT 1), 0)`;

/** A chat as a batch ending at `$2` delivers it. */
const chatAsOf = (c: string) => chatJson(c, chatMessage(c, streamedThrough(c, '$2::bigint')));

/** Where each kind's rows live, how they render (as of `$2`, the batch's last id), and which room a row is in now. */
const TABLES: Record<Entity, { table: string; json: (alias: string) => string; room: string }> = {
  // a campaign's own fields only: with its chats, one event of a big campaign would be megabytes
  campaign: { table: 'campaigns', json: campaignFieldsJson, room: 't.id' },
  chat: { table: 'chats', json: chatAsOf, room: 't.campaign_id' },
  data: { table: 'datas', json: dataJson, room: dataCampaign('t') },
};

/** The text each delta carries: the pieces (lo, hi] of its stream, while the stream is open. */
const DELTA_TEXT = `
  SELECT d.n::int AS n, (SELECT string_agg(p.text, '' ORDER BY p.seq) FROM chat_pieces p
    WHERE p.chat_id = d.id AND p.seq > d.lo AND p.seq <= d.hi) AS text
  FROM unnest($1::uuid[], $2::int[], $3::int[]) WITH ORDINALITY AS d (id, lo, hi, n)
  JOIN chats c ON c.id = d.id AND c.status = 'streaming'`;

interface DeltaKeys {
  id: string;
  campaign: string;
  offset: number;
  lo: number;
  hi: number;
}

/** Deltas of a chat after its own created/updated event in the batch are already in that rendering. */
function uncoveredDeltas(rows: EventRow[]): EventRow[] {
  const rendered = new Set<string>();
  const deltas: EventRow[] = [];
  for (const r of rows) {
    if (r.op === 'delta') {
      if (!rendered.has(r.entity_id)) deltas.push(r);
    } else if (r.entity === 'chat') rendered.add(r.entity_id);
  }
  return deltas;
}

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
  async function load(rows: EventRow[], upto: string): Promise<Map<string, { room: string; j: unknown }>> {
    const wanted = new Map<Entity, Set<string>>();
    for (const r of rows) {
      if (r.op === 'created' || r.op === 'updated') {
        (wanted.get(r.entity) ?? wanted.set(r.entity, new Set()).get(r.entity))!.add(r.entity_id);
      }
    }
    const found = new Map<string, { room: string; j: unknown }>();
    for (const [entity, ids] of wanted) {
      const { table, json, room } = TABLES[entity];
      const asOf = entity === 'chat';
      const loaded = await sql<{ id: string; room: string; j: unknown }>(
        `SELECT t.id, ${room} AS room, ${json('t')} AS j FROM ${table} t WHERE t.id = ANY($1::uuid[])`,
        asOf ? [[...ids], upto] : [[...ids]],
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
    const upto = rows.length ? rows[rows.length - 1].id : '0';
    const current = await load(rows, upto);
    const texts = await deltaTexts(uncoveredDeltas(rows));
    const events: ChangeEvent[] = [];
    for (const r of rows) {
      if (r.op === 'delta') {
        const text = texts.get(r);
        // no text: a chat:updated later in the log has ended the stream (or the chat is gone)
        if (text === undefined) continue;
        const { id, offset } = r.keys as unknown as DeltaKeys;
        events.push({
          name: 'chat:delta',
          cursor: r.id,
          campaign: r.campaign_id,
          data: { id, offset, text },
          committedAt: r.at,
        });
        continue;
      }
      const row = current.get(`${r.entity}:${r.entity_id}`);
      if (r.op !== 'deleted' && row?.room !== r.campaign_id) continue;
      const data = r.op === 'deleted' ? r.keys : row?.j;
      const name = `${r.entity}:${r.op}` as EventName;
      events.push({ name, cursor: r.id, campaign: r.campaign_id, data, committedAt: r.at });
    }
    return events;
  }

  /** The text of each delta whose stream is still open. */
  async function deltaTexts(deltas: EventRow[]): Promise<Map<EventRow, string>> {
    const texts = new Map<EventRow, string>();
    if (!deltas.length) return texts;
    const keys = deltas.map((r) => r.keys as unknown as DeltaKeys);
    const rows = await sql<{ n: number; text: string | null }>(DELTA_TEXT, [
      keys.map((k) => k.id),
      keys.map((k) => k.lo),
      keys.map((k) => k.hi),
    ]);
    for (const { n, text } of rows) texts.set(deltas[n - 1], text ?? '');
    return texts;
  }

  return {
    render,

    /**
     * The room's chats streaming now, each as a `chat:updated` with its text as of `position`
     * (the subscription's cursor): what a subscriber holds before the deltas after it.
     */
    async snapshots(campaignId: string, position: bigint): Promise<ChangeEvent[]> {
      const rows = await sql<{ j: unknown }>(
        `SELECT ${chatAsOf('t')} AS j FROM chats t WHERE t.campaign_id = $1 AND t.status = 'streaming'
         ORDER BY t.created_at, t.id`,
        [campaignId, position.toString()],
      );
      const cursor = position.toString();
      return rows.map(({ j }) => ({
        name: 'chat:updated',
        cursor,
        campaign: campaignId,
        data: j,
        committedAt: Date.now(),
      }));
    },

    /** Every open stream of the cluster, by room: where a fresh feed starts tracking them. */
    async openStreams(): Promise<{ campaign_id: string; id: string }[]> {
      return sql(`SELECT campaign_id, id FROM chats WHERE status = 'streaming'`);
    },

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

    /**
     * A room's events in (sinceId, uptoId], oldest first, without deltas: a resuming socket
     * gets each open stream's text in one snapshot instead, whatever it missed.
     */
    async roomBetween(campaignId: string, sinceId: bigint, uptoId: bigint, limit: number): Promise<LogRead> {
      const rows = await sql<EventRow & { pruned_upto: string; seq: string | null }>(
        withPruned(
          `SELECT ${EVENT_COLUMNS}, e.id AS seq FROM events e
           WHERE e.campaign_id = $1 AND e.id > $2 AND e.id <= $3 AND e.op <> 'delta' ORDER BY e.id LIMIT $4`,
        ),
        [campaignId, sinceId.toString(), uptoId.toString(), limit],
      );
      return logRead(rows);
    },

    /** How many events the room has in (sinceId, uptoId], counting no further than `cap`. */
    async countRoomBetween(campaignId: string, sinceId: bigint, uptoId: bigint, cap: number) {
      const [row] = await sql<{ n: number; pruned_upto: string }>(
        `SELECT p.upto::text AS pruned_upto, (SELECT count(*)::int FROM (SELECT FROM events e
           WHERE e.campaign_id = $1 AND e.id > $2 AND e.id <= $3 AND e.op <> 'delta' LIMIT $4) x) AS n
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
