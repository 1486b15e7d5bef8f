import type { Client } from 'pg';
import { Sequelize } from 'sequelize';
import { watchStatement, type Watch } from './deadline';

export interface OrmOptions {
  poolMax: number;
  /** The API's deadline: of each statement, and of the wait for a connection. */
  statementTimeoutMs: number;
  /** Session settings are possible (no transaction pooler in between). */
  session: boolean;
  /** The signal of the request being served, if any. */
  signal: () => AbortSignal | undefined;
  onStatement: () => void;
}

/** What Sequelize's hooks see of a query: the pg client it runs on. */
interface OrmQuery {
  connection: Client & { _invalid?: boolean };
}

/**
 * Sequelize for the models and their transactions, under the same deadline and
 * cancel-on-disconnect as every other API statement (src/postgres/deadline.ts). Its
 * BEGIN, COMMIT and ROLLBACK go through the same hooks, so a transaction's every statement
 * is watched, directly or behind a transaction pooler.
 */
export function createOrm(url: string, opts: OrmOptions): Sequelize {
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    // the wait for a connection counts against the deadline, as the statement runner's does
    pool: { max: Math.max(2, Math.ceil(opts.poolMax / 2)), min: 0, idle: 10_000, acquire: opts.statementTimeoutMs },
    timezone: '+00:00',
    // Postgres's own deadline, a second later, where a session can carry the setting
    dialectOptions: {
      application_name: 'chat-orm',
      ...(opts.session && { statement_timeout: opts.statementTimeoutMs + 1_000 }),
    },
  });
  const watches = new WeakMap<object, Watch>();
  sequelize.addHook('beforeQuery', (_options, query) => {
    opts.onStatement();
    const { connection } = query as unknown as OrmQuery;
    watches.set(query, watchStatement(connection, Date.now() + opts.statementTimeoutMs, opts.signal()));
  });
  sequelize.addHook('afterQuery', (_options, query) => {
    const watch = watches.get(query);
    watch?.end();
    // a cancel may still be on its way: Sequelize's pool drops a connection marked invalid
    // (its own flag, the one it sets on a connection error) instead of reusing it
    if (watch?.cause) (query as unknown as OrmQuery).connection._invalid = true;
  });
  return sequelize;
}
