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

export interface Data extends Model<InferAttributes<Data>, InferCreationAttributes<Data>> {
  id: CreationOptional<string>;
  context: CreationOptional<string>;
  image: CreationOptional<string>;
  chat_id: CreationOptional<string | null>;
  campaign_id: CreationOptional<string | null>;
}

export function defineData(sequelize: Sequelize): ModelStatic<Data> {
  return sequelize.define<Data>(
    'Data',
    {
      // DEFAULT lets Postgres generate the id, the one source of defaults
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: literal('DEFAULT') },
      context: { type: DataTypes.TEXT },
      image: { type: DataTypes.STRING(200) },
      chat_id: { type: DataTypes.UUID },
      campaign_id: { type: DataTypes.UUID },
    },
    { tableName: 'datas', timestamps: false },
  );
}
