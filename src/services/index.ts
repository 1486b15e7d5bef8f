import type { Database } from '../db/database';
import { createCampaignService } from './campaign.service';
import { createChatHistoryService } from './chat-history.service';
import { createChatService } from './chat.service';
import { createDataService } from './data.service';

export function createServices(db: Database) {
  return {
    campaigns: createCampaignService(db),
    chats: createChatService(db),
    datas: createDataService(db),
    chatHistory: createChatHistoryService(db.sql),
  };
}

export type Services = ReturnType<typeof createServices>;
