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
import type { CampaignStatus } from '../protocol';

export interface Campaign extends Model<InferAttributes<Campaign>, InferCreationAttributes<Campaign>> {
  id: CreationOptional<string>;
  title: string;
  description: CreationOptional<string>;
  status: CreationOptional<CampaignStatus>;
  created_at: CreationOptional<Date>;
  updated_at: CreationOptional<Date>;
}

/** Defined per Sequelize instance (never a shared class), so app instances stay independent. */
export function defineCampaign(sequelize: Sequelize): ModelStatic<Campaign> {
  // ids, timestamps and defaults live in the database (db/migrations), not here
  return sequelize.define<Campaign>(
    'Campaign',
    {
      // DEFAULT lets Postgres generate the id, the one source of defaults
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: literal('DEFAULT') },
      title: { type: DataTypes.TEXT, allowNull: false },
      description: { type: DataTypes.TEXT },
      status: { type: DataTypes.STRING(20) },
      created_at: { type: DataTypes.DATE },
      updated_at: { type: DataTypes.DATE },
    },
    { tableName: 'campaigns', timestamps: false },
  );
}
