import { DataTypes, type CreationOptional, type Sequelize } from 'sequelize';
import { defineTable, type Row } from './table';

export interface Data extends Row<Data> {
  id: CreationOptional<string>;
  context: CreationOptional<string>;
  image: CreationOptional<string>;
  chat_id: CreationOptional<string | null>;
  campaign_id: CreationOptional<string | null>;
}

export const defineData = (sequelize: Sequelize) =>
  defineTable<Data>(sequelize, 'Data', 'datas', {
    context: { type: DataTypes.TEXT },
    image: { type: DataTypes.STRING(200) },
    chat_id: { type: DataTypes.UUID },
    campaign_id: { type: DataTypes.UUID },
  });
