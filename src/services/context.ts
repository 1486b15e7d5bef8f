import type { Sequelize } from 'sequelize';
import type { Models } from '../models';
import type { Sql } from '../postgres/database';

/** What a service works with: statements, and the models with their transactions. */
export interface ServiceContext {
  sql: Sql;
  sequelize: Sequelize;
  models: Models;
}
