import { join } from 'node:path';
import { Client } from 'pg';
import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';

/** Arbitrary, fixed: every instance of this app serialises migrations on it. */
const MIGRATION_LOCK_KEY = 4_172_093_001;

export const MIGRATIONS_GLOB = join(__dirname, '..', '..', 'db', 'migrations', '*.js');

/**
 * Applies pending migrations from db/migrations with the same bookkeeping table as
 * sequelize-cli (SequelizeMeta). Instances starting together take turns on a session
 * advisory lock held by a dedicated connection, so each migration runs exactly once.
 */
export async function migrate(sequelize: Sequelize, databaseUrl: string, glob = MIGRATIONS_GLOB): Promise<string[]> {
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const umzug = new Umzug({
      migrations: {
        glob,
        resolve: ({ name, path, context }) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const migration = require(path as string);
          return {
            name,
            up: () => migration.up(context, sequelize.constructor),
            down: () => migration.down(context, sequelize.constructor),
          };
        },
      },
      context: sequelize.getQueryInterface(),
      storage: new SequelizeStorage({ sequelize }),
      logger: undefined,
    });
    const applied = await umzug.up();
    return applied.map((m) => m.name);
  } finally {
    // closing the session releases the advisory lock even if unlock is never reached
    await lock.end();
  }
}
