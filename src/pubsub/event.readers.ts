import type { Sql } from '../postgres/database';

/** Events deleted per statement: short locks, small WAL bursts, however much has aged. */
export const PRUNE_BATCH = 10_000;

export type ReaderStore = ReturnType<typeof createReaderStore>;

/** The readers table (db/migrations/…-create-event-readers.js) and pruning by it. */
export function createReaderStore(sql: Sql) {
  return {
    async heartbeat(instance: string, position: bigint): Promise<void> {
      await sql(
        `INSERT INTO event_readers (instance, position) VALUES ($1, $2)
         ON CONFLICT (instance) DO UPDATE SET position = excluded.position, seen_at = now()`,
        [instance, position.toString()],
      );
    },

    async forget(instance: string): Promise<void> {
      await sql('DELETE FROM event_readers WHERE instance = $1', [instance]);
    },

    /**
     * Sweeps readers not seen within `livenessMs` and returns the highest id pruning may
     * reach: the least position of the readers left, or the whole log when there are none;
     * never past the webhook dispatcher's position while an endpoint is active (it has no
     * liveness window: webhooks are at least once, so an event waits for it however long).
     */
    async floor(livenessMs: number): Promise<bigint> {
      await sql('DELETE FROM event_readers WHERE seen_at < now() - make_interval(secs => $1)', [livenessMs / 1000]);
      const [row] = await sql<{ floor: string }>(
        `SELECT least(
           coalesce((SELECT min(position) FROM event_readers), (SELECT max(id) FROM events), 0),
           (SELECT position FROM webhook_dispatch WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE active))
         )::text AS floor`,
      );
      return BigInt(row.floor);
    },

    /**
     * Deletes one batch of the oldest events: the longest run from the start of the log
     * that is older than the retention and at or below `floor`. Only ever a prefix, so
     * events_pruned.upto (moved in the same statement) means "everything up to here is
     * gone, nothing after it is". Returns how many it deleted.
     */
    async pruneBatch(retentionHours: number, floor: bigint): Promise<number> {
      const [row] = await sql<{ n: number }>(
        `WITH batch AS (
           SELECT id, created_at FROM events WHERE id <= $2 ORDER BY id LIMIT $3
         ), doomed AS (
           SELECT id FROM batch WHERE id < coalesce(
             (SELECT min(id) FROM batch WHERE created_at >= now() - make_interval(secs => $1)), $2 + 1)
         ), gone AS (
           DELETE FROM events e USING doomed d WHERE e.id = d.id RETURNING e.id
         ), moved AS (
           UPDATE events_pruned SET upto = greatest(upto, (SELECT max(id) FROM gone))
           WHERE EXISTS (SELECT 1 FROM gone) RETURNING upto
         )
         SELECT count(*)::int AS n FROM gone`,
        [retentionHours * 3600, floor.toString(), PRUNE_BATCH],
      );
      return row.n;
    },
  };
}
