import { defineModels } from '../models';
import type { Database } from '../postgres/database';
import { createCampaignService } from './campaign.service';
import { createChatHistoryService } from './chat-history.service';
import { createChatService } from './chat.service';
import { createDataService } from './data.service';

export function createServices(db: Database) {
  const context = { sql: db.sql, sequelize: db.sequelize, models: defineModels(db.sequelize) };
  return {
    campaigns: createCampaignService(context),
    chats: createChatService(context),
    datas: createDataService(context),
    chatHistory: createChatHistoryService(db.sql),
  };
}

export type Services = ReturnType<typeof createServices>;
