import type { Sql } from '../postgres/database';
import { DELIVER_TASK } from './queue';

/** Rows deleted per statement, so a big backlog never holds long locks. */
const PRUNE_BATCH = 10_000;

export interface ChoreOptions {
  /** A delivery job locked longer than this was taken by an instance that died. */
  staleLockMs: number;
  logRetentionHours: number;
}

/**
 * The cluster's periodic chores, run as one scheduled job (whichever instance takes it):
 * - jobs locked by a worker that crashed mid-delivery would otherwise wait the queue's
 *   four-hour lock expiry; a delivery attempt never takes longer than its timeout, so a
 *   lock much older than that belongs to a dead worker and is released (its delivery is
 *   then attempted again, with the same cursor);
 * - finished deliveries older than the log retention are removed with their attempts.
 */
export function createChores(sql: Sql, opts: ChoreOptions) {
  return {
    async releaseStaleLocks(): Promise<number> {
      const [row] = await sql<{ n: number }>(
        `WITH dead AS (
           SELECT array_agg(DISTINCT locked_by) AS workers FROM graphile_worker.jobs
           WHERE task_identifier = $1 AND locked_at < now() - make_interval(secs => $2)
         )
         SELECT coalesce(array_length(workers, 1), 0) AS n,
                CASE WHEN workers IS NOT NULL THEN graphile_worker.force_unlock_workers(workers)::text END AS done
         FROM dead`,
        [DELIVER_TASK, opts.staleLockMs / 1000],
      );
      return row.n;
    },

    async pruneLog(): Promise<number> {
      let deleted = 0;
      for (;;) {
        const [row] = await sql<{ n: number }>(
          `WITH doomed AS (
             SELECT id FROM webhook_deliveries
             WHERE status <> 'pending' AND created_at < now() - make_interval(secs => $1) LIMIT $2
           ), gone AS (DELETE FROM webhook_deliveries d USING doomed WHERE d.id = doomed.id RETURNING 1)
           SELECT count(*)::int AS n FROM gone`,
          [opts.logRetentionHours * 3600, PRUNE_BATCH],
        );
        deleted += row.n;
        if (row.n < PRUNE_BATCH) return deleted;
      }
    },
  };
}

export type Chores = ReturnType<typeof createChores>;
