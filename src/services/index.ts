import type { Database } from '../db/database';
import { createCampaignService } from './campaign.service';
import { createChatHistoryService } from './chat-history.service';
import { createChatService } from './chat.service';
import { createDataService } from './data.service';
import { createWebhookService } from './webhook.service';

export function createServices(db: Database, opts: { webhooks: { allowPrivate: boolean } }) {
  return {
    campaigns: createCampaignService(db),
    chats: createChatService(db),
    datas: createDataService(db),
    chatHistory: createChatHistoryService(db.sql),
    webhooks: createWebhookService(db.sql, opts.webhooks),
  };
}

export type Services = ReturnType<typeof createServices>;
