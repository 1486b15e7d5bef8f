import {
  DataTypes,
  literal,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';
import type { ChatAuthor } from '../protocol';

export interface Chat extends Model<InferAttributes<Chat>, InferCreationAttributes<Chat>> {
  id: CreationOptional<string>;
  campaign_id: string;
  author: ChatAuthor;
  message: string;
  created_at: CreationOptional<Date>;
}

export function defineChat(sequelize: Sequelize): ModelStatic<Chat> {
  return sequelize.define<Chat>(
    'Chat',
    {
      // DEFAULT lets Postgres generate the id, the one source of defaults
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: literal('DEFAULT') },
      campaign_id: { type: DataTypes.UUID, allowNull: false },
      author: { type: DataTypes.STRING(10), allowNull: false },
      message: { type: DataTypes.TEXT, allowNull: false },
      created_at: { type: DataTypes.DATE },
    },
    { tableName: 'chats', timestamps: false },
  );
}
