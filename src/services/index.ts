import { defineModels } from '../models';
import type { Database } from '../postgres/database';
import { createCampaignService } from './campaign.service';
import { createChatHistoryService } from './chat-history.service';
import { createChatService } from './chat.service';
import { createChatStreamService, type StreamSettings } from './chat-stream.service';
import type { TypingPort } from './context';
import { createDataService } from './data.service';

export function createServices(db: Database, streams: StreamSettings, typing?: TypingPort) {
  const { sql, sequelize, outsideRequest } = db;
  const context = { sql, sequelize, outsideRequest, models: defineModels(sequelize), typing };
  const streamService = createChatStreamService(context, streams);
  return {
    campaigns: createCampaignService(context),
    chats: createChatService(context, streamService.opened),
    streams: streamService,
    datas: createDataService(context),
    chatHistory: createChatHistoryService(db.sql),
  };
}

export type Services = ReturnType<typeof createServices>;
