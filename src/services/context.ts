import type { Sequelize } from 'sequelize';
import type { Models } from '../models';
import type { Sql } from '../postgres/database';

/** Who is typing where (presence, built before the services): writing a chat ends its author's typing. */
export interface TypingPort {
  typing(campaign: string, member: string, typing: boolean): void;
}

/** What a service works with: statements, the models with their transactions, and typing. */
export interface ServiceContext {
  sql: Sql;
  sequelize: Sequelize;
  models: Models;
  /** Runs statements that serve many requests at once (a batch): no one client's leaving cancels them. */
  outsideRequest<T>(fn: () => T): T;
  typing?: TypingPort;
}
