import type { Sql } from '../postgres/database';

/** The events log's size and the age of its oldest event (what pruning keeps). */
export async function eventsLogStats(sql: Sql): Promise<{ rows: number; oldestAgeSeconds: number }> {
  const [row] = await sql<{ rows: number; age: number }>(
    `SELECT count(*)::int AS rows, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age FROM events`,
  );
  return { rows: row.rows, oldestAgeSeconds: row.age };
}
