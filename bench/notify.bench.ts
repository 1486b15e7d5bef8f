/**
 * The cost of capturing changes: single-row chat inserts per second against one Postgres,
 * from CONNS concurrent connections for SECONDS each, in three shapes measured one after
 * the other in the same run:
 *   bare      no trigger at all (the ceiling)
 *   ours      the migration's deferred trigger: events-log row + commit-order lock + one
 *             NOTIFY per transaction
 *   per-row   a plain AFTER INSERT FOR EACH ROW trigger that only NOTIFYs (the common design)
 * Usage: npm run bench:notify            (CONNS=16 SECONDS=10; DATABASE_URL to use your own)
 * It starts an embedded Postgres in a temporary folder (fsync on, as in production).
 */
import { Client } from 'pg';
import { migrate } from '../src/postgres/migrate';
import { processGroup } from './support/processes';

const CONNS = Number(process.env.CONNS ?? 16);
const SECONDS = Number(process.env.SECONDS ?? 10);

async function sql(url: string, text: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query(text);
  await c.end();
}

/** CONNS writers inserting one chat per transaction, as fast as they can, for SECONDS. */
async function insertRate(url: string, campaign: string): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: CONNS }, async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const until = Date.now() + SECONDS * 1000;
  let count = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (Date.now() < until) {
        await c.query(`INSERT INTO chats (campaign_id, author, message) VALUES ($1, 'human', 'bench')`, [campaign]);
        count++;
      }
    }),
  );
  await Promise.all(clients.map((c) => c.end()));
  return count / SECONDS;
}

async function bench(url: string): Promise<void> {
  const listener = new Client({ connectionString: url });
  try {
    await migrate(url);
    await sql(
      url,
      `CREATE OR REPLACE FUNCTION bench_notify_row() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_notify('bench_rows', NEW.id::text); RETURN NULL; END $$`,
    );
    await listener.connect();
    await listener.query('LISTEN chat_events; LISTEN bench_rows');
    const c = new Client({ connectionString: url });
    await c.connect();
    const campaign = (await c.query(`INSERT INTO campaigns (title) VALUES ('bench') RETURNING id`)).rows[0]
      .id as string;
    await c.end();

    const shapes: [string, string][] = [
      ['bare', 'ALTER TABLE chats DISABLE TRIGGER chats_events'],
      ['ours', 'ALTER TABLE chats ENABLE TRIGGER chats_events'],
      [
        'per-row',
        `ALTER TABLE chats DISABLE TRIGGER chats_events;
         CREATE TRIGGER bench_notify AFTER INSERT ON chats FOR EACH ROW EXECUTE FUNCTION bench_notify_row()`,
      ],
    ];
    const rates: Record<string, number> = {};
    for (const [name, setup] of shapes) {
      await sql(url, setup);
      rates[name] = await insertRate(url, campaign);
      console.log(
        `${name.padEnd(8)} ${rates[name].toFixed(0).padStart(7)} inserts/s  (${CONNS} connections, ${SECONDS}s)`,
      );
    }
    console.log(
      `ours/bare ${(rates.ours / rates.bare).toFixed(2)}   per-row/bare ${(rates['per-row'] / rates.bare).toFixed(2)}   ours/per-row ${(rates.ours / rates['per-row']).toFixed(2)}`,
    );
  } finally {
    await listener.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const group = processGroup();
  try {
    await bench(process.env.DATABASE_URL || (await group.startPostgres('bench')));
  } finally {
    await group.stop();
  }
}

void main();
