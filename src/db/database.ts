import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { Sequelize, type ModelStatic } from 'sequelize';
import { defineCampaign, type Campaign } from '../models/campaign.model';
import { defineChat, type Chat } from '../models/chat.model';
import { defineData, type Data } from '../models/data.model';

export interface Models {
  Campaign: ModelStatic<Campaign>;
  Chat: ModelStatic<Chat>;
  Data: ModelStatic<Data>;
}

/** Runs one parameterised statement on the query pool and returns its rows. */
export type Sql = <T extends object>(text: string, values?: unknown[], opts?: { prepare?: boolean }) => Promise<T[]>;

export interface Database {
  /** Models and transactions (writes that check before they change). */
  sequelize: Sequelize;
  models: Models;
  /**
   * The hot paths (reads, single-statement writes): node-postgres directly, with each
   * statement prepared once per connection, which spares Postgres re-planning the nested
   * representation queries and Node the ORM's per-query overhead.
   */
  sql: Sql;
  pool: Pool;
  /**
   * The event feed's own two connections, so live delivery never queues behind API
   * requests in the pool (nor API requests behind it). Not observed.
   */
  feedSql: Sql;
  /**
   * Two more for replaying rooms to resuming clients: a flood of old cursors waits for
   * these, never for the connections live delivery reads on. Not observed.
   */
  replaySql: Sql;
  /** Calls `listener` for every statement an API path sends (diagnostics, query-count tests). */
  observe(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Builds the pools and models; connects lazily (no I/O here). */
export function createDatabase(url: string, opts: { poolMax: number }): Database {
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    pool: { max: Math.max(2, Math.ceil(opts.poolMax / 2)), min: 0, idle: 10_000, acquire: 30_000 },
    timezone: '+00:00',
  });
  const newPool = (max: number, name: string) => {
    const pool = new Pool({
      connectionString: url,
      max,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
      application_name: name,
    });
    // an idle client losing its server (restart, terminate) must not crash the process
    pool.on('error', () => undefined);
    return pool;
  };
  const pool = newPool(opts.poolMax, 'chat-api');
  const feedPool = newPool(2, 'chat-feed');
  const replayPool = newPool(2, 'chat-replay');

  const names = new Map<string, string>();
  const statementName = (text: string): string => {
    let name = names.get(text);
    if (!name) {
      name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return name;
  };

  const observers = new Set<() => void>();
  sequelize.addHook('beforeQuery', () => observers.forEach((o) => o()));

  const sqlOn =
    (target: Pool, onStatement = () => {}): Sql =>
    async (text, values = [], { prepare = true } = {}) => {
      onStatement();
      const result = await target.query({ text, values, ...(prepare && { name: statementName(text) }) });
      return result.rows;
    };

  return {
    sequelize,
    models: { Campaign: defineCampaign(sequelize), Chat: defineChat(sequelize), Data: defineData(sequelize) },
    sql: sqlOn(pool, () => observers.forEach((o) => o())),
    pool,
    feedSql: sqlOn(feedPool),
    replaySql: sqlOn(replayPool),
    observe(listener) {
      observers.add(listener);
      return () => observers.delete(listener);
    },
    async close() {
      await Promise.all([sequelize.close(), pool.end(), feedPool.end(), replayPool.end()]);
    },
  };
}
