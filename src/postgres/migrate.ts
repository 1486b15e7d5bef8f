import { Client } from 'pg';
import { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { MIGRATIONS_GLOB } from '../config/paths';

/** Arbitrary, fixed: every instance of this app serialises migrations on it. */
const MIGRATION_LOCK_KEY = 4_172_093_001;

export interface MigrateOptions {
  /**
   * How long a migration may wait for a table lock before it gives up (0: forever). A DDL
   * lock request queued behind a long query would hold every query behind it in turn.
   */
  lockTimeoutMs?: number;
  glob?: string;
}

/**
 * Applies pending migrations from db/migrations with the same bookkeeping table as
 * sequelize-cli (SequelizeMeta). Instances starting together take turns on a session
 * advisory lock held by a dedicated connection, so each migration runs exactly once.
 * `databaseUrl` must be a direct (session) connection: the lock and the migrations' own
 * settings need one. Migrations have no statement timeout: an index build may take long.
 */
export async function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<string[]> {
  const lock = new Client({ connectionString: databaseUrl });
  const sequelize = new Sequelize(databaseUrl, {
    dialect: 'postgres',
    logging: false,
    pool: { max: 1, min: 0 },
    dialectOptions: { lock_timeout: opts.lockTimeoutMs ?? 0, application_name: 'chat-migrate' },
  });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const umzug = new Umzug({
      migrations: {
        glob: opts.glob ?? MIGRATIONS_GLOB,
        resolve: ({ name, path, context }) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const migration = require(path as string);
          return {
            name,
            up: () => migration.up(context, Sequelize),
            down: () => migration.down(context, Sequelize),
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
    await Promise.all([lock.end(), sequelize.close()]);
  }
}
