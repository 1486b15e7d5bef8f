import { Sequelize, type ModelStatic } from 'sequelize';
import { defineCampaign, type Campaign } from '../models/campaign.model';
import { defineChat, type Chat } from '../models/chat.model';
import { defineData, type Data } from '../models/data.model';

export interface Models {
  Campaign: ModelStatic<Campaign>;
  Chat: ModelStatic<Chat>;
  Data: ModelStatic<Data>;
}

export interface Database {
  sequelize: Sequelize;
  models: Models;
}

/** Builds a Sequelize instance and its models; connects lazily (no I/O here). */
export function createDatabase(url: string, opts: { poolMax: number }): Database {
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    pool: { max: opts.poolMax, min: 0, idle: 10_000, acquire: 30_000 },
    // the API renders timestamps itself; keep pg from re-parsing them into local time
    timezone: '+00:00',
  });
  return {
    sequelize,
    models: { Campaign: defineCampaign(sequelize), Chat: defineChat(sequelize), Data: defineData(sequelize) },
  };
}
