import { DataTypes, type CreationOptional, type Sequelize } from 'sequelize';
import type { CampaignStatus } from '../protocol';
import { defineTable, type Row } from './table';

export interface Campaign extends Row<Campaign> {
  id: CreationOptional<string>;
  title: string;
  description: CreationOptional<string>;
  status: CreationOptional<CampaignStatus>;
  created_at: CreationOptional<Date>;
  updated_at: CreationOptional<Date>;
}

export const defineCampaign = (sequelize: Sequelize) =>
  defineTable<Campaign>(sequelize, 'Campaign', 'campaigns', {
    title: { type: DataTypes.TEXT, allowNull: false },
    description: { type: DataTypes.TEXT },
    status: { type: DataTypes.STRING(20) },
    created_at: { type: DataTypes.DATE },
    updated_at: { type: DataTypes.DATE },
  });
