import { PRESENCE_CHANNEL } from '../postgres/channels';
import type { Sql } from '../postgres/database';

// presence and typing go on their own NOTIFY channel: ephemeral, never written to the events log

/** A connection of a member in a campaign room, on some instance. */
export interface ConnectionRow {
  instance: string;
  socket_id: string;
  campaign_id: string;
  member: string;
}

/** What one batch writes: connections added and removed, and the notifications telling of it. */
export interface PresenceBatch {
  added: Omit<ConnectionRow, 'instance'>[];
  removed: Omit<ConnectionRow, 'instance'>[];
  payloads: string[];
}

const WRITE = `
  WITH removed AS (
    DELETE FROM presence_connections c
    USING unnest($2::text[], $3::uuid[]) AS r (socket_id, campaign_id)
    WHERE c.instance = $1 AND c.socket_id = r.socket_id AND c.campaign_id = r.campaign_id
  ), added AS (
    INSERT INTO presence_connections (instance, socket_id, campaign_id, member)
    SELECT $1, a.socket_id, a.campaign_id, a.member FROM unnest($4::text[], $5::uuid[], $6::text[]) AS a (socket_id, campaign_id, member)
    ON CONFLICT DO NOTHING
  )
  SELECT count(pg_notify('${PRESENCE_CHANNEL}', p))::int AS sent FROM unnest($7::text[]) AS p`;

const NOTIFY = `SELECT count(pg_notify('${PRESENCE_CHANNEL}', p))::int AS sent FROM unnest($1::text[]) AS p`;

/**
 * Deletes the instances not seen within the timeout, and the connections of any instance
 * that has no row (theirs, and strays written after a sweep), and tells everyone whose
 * connections went: `{"gone": instance}`, one notification each. Concurrent sweepers
 * delete each row once, so each instance is announced once.
 */
const SWEEP = `
  WITH dead AS (
    DELETE FROM presence_instances WHERE seen_at < now() - make_interval(secs => $1) RETURNING instance
  ), gone AS (
    DELETE FROM presence_connections c
    WHERE c.instance IN (SELECT instance FROM dead)
       OR NOT EXISTS (SELECT 1 FROM presence_instances i WHERE i.instance = c.instance)
    RETURNING c.instance
  ), swept AS (
    SELECT instance FROM dead UNION SELECT instance FROM gone
  )
  SELECT instance::text, pg_notify('${PRESENCE_CHANNEL}', json_build_object('gone', instance)::text) IS NULL AS n
  FROM swept`;

/** Presence's statements, on connections of their own (never the API's pool). */
export function createPresenceStore(sql: Sql) {
  return {
    /** Writes a batch and sends its notifications in one statement (one commit). */
    async write(instance: string, batch: PresenceBatch): Promise<void> {
      const { added, removed, payloads } = batch;
      if (!added.length && !removed.length) {
        if (payloads.length) await sql(NOTIFY, [payloads]);
        return;
      }
      await sql(WRITE, [
        instance,
        removed.map((r) => r.socket_id),
        removed.map((r) => r.campaign_id),
        added.map((a) => a.socket_id),
        added.map((a) => a.campaign_id),
        added.map((a) => a.member),
        payloads,
      ]);
    },

    /** This instance is alive; true when its row was missing (first beat, or it was swept). */
    async heartbeat(instance: string): Promise<boolean> {
      const [row] = await sql<{ inserted: boolean }>(
        `INSERT INTO presence_instances (instance) VALUES ($1)
         ON CONFLICT (instance) DO UPDATE SET seen_at = now() RETURNING (xmax = 0) AS inserted`,
        [instance],
      );
      return row.inserted;
    },

    /** Sweeps instances not seen for `timeoutMs`; returns the instances whose connections went. */
    async sweep(timeoutMs: number): Promise<string[]> {
      return (await sql<{ instance: string }>(SWEEP, [timeoutMs / 1000])).map((r) => r.instance);
    },

    /** Everyone in these rooms now, on every instance but `except`. */
    async rooms(campaigns: string[], except: string): Promise<ConnectionRow[]> {
      return sql<ConnectionRow>(
        `SELECT instance::text, socket_id, campaign_id::text, member FROM presence_connections
         WHERE campaign_id = ANY($1::uuid[]) AND instance <> $2`,
        [campaigns, except],
      );
    },

    /** A clean stop: this instance and its connections go at once, and everyone is told. */
    async leave(instance: string): Promise<void> {
      await sql(
        `WITH c AS (DELETE FROM presence_connections WHERE instance = $1), i AS (
           DELETE FROM presence_instances WHERE instance = $1
         ) SELECT pg_notify('${PRESENCE_CHANNEL}', json_build_object('gone', $1::text)::text)`,
        [instance],
      );
    },
  };
}

export type PresenceStore = ReturnType<typeof createPresenceStore>;
