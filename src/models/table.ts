import {
  DataTypes,
  literal,
  type InferAttributes,
  type InferCreationAttributes,
  type Model,
  type ModelAttributes,
  type ModelStatic,
  type Sequelize,
} from 'sequelize';

/** A model instance whose attributes are its own declared fields. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row<M extends Model<any, any>> = Model<InferAttributes<M>, InferCreationAttributes<M>>;

/**
 * Defines a model on one Sequelize instance (never a shared class, so app instances stay
 * independent). Ids, timestamps and defaults live in the database (db/migrations), not here:
 * DEFAULT lets Postgres generate the id, the one source of defaults.
 */
export function defineTable<M extends Model>(
  sequelize: Sequelize,
  name: string,
  tableName: string,
  attributes: Omit<ModelAttributes<M>, 'id'>,
): ModelStatic<M> {
  const id = { type: DataTypes.UUID, primaryKey: true, defaultValue: literal('DEFAULT') };
  return sequelize.define<M>(name, { id, ...attributes } as ModelAttributes<M>, { tableName, timestamps: false });
}
