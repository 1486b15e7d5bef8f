import { DataTypes, type CreationOptional, type Sequelize } from 'sequelize';
import type { ChatAuthor, ChatStatus } from '../protocol';
import { defineTable, type Row } from './table';

export interface Chat extends Row<Chat> {
  id: CreationOptional<string>;
  campaign_id: string;
  author: ChatAuthor;
  message: string;
  status: CreationOptional<ChatStatus>;
  created_at: CreationOptional<Date>;
}

export const defineChat = (sequelize: Sequelize) =>
  defineTable<Chat>(sequelize, 'Chat', 'chats', {
    campaign_id: { type: DataTypes.UUID, allowNull: false },
    author: { type: DataTypes.STRING(10), allowNull: false },
    message: { type: DataTypes.TEXT, allowNull: false },
    status: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'complete' },
    created_at: { type: DataTypes.DATE },
  });
