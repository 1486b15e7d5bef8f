import type { ModelStatic, Sequelize } from 'sequelize';
import { defineCampaign, type Campaign } from './campaign.model';
import { defineChat, type Chat } from './chat.model';
import { defineData, type Data } from './data.model';

export interface Models {
  Campaign: ModelStatic<Campaign>;
  Chat: ModelStatic<Chat>;
  Data: ModelStatic<Data>;
}

/** The models of one Sequelize instance (never shared classes, so app instances stay independent). */
export const defineModels = (sequelize: Sequelize): Models => ({
  Campaign: defineCampaign(sequelize),
  Chat: defineChat(sequelize),
  Data: defineData(sequelize),
});
