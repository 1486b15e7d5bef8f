import Joi from 'joi';
import { listQuery, text, uuid } from './common';

export const dataBody = Joi.object({
  context: text().allow(''),
  image: Joi.string()
    .trim()
    .max(200)
    .uri({ scheme: ['http', 'https', 'ftp', 'ftps'] })
    .allow(''),
  chat: uuid().allow(null),
  campaign: uuid().allow(null),
});

// Data has no required field, so create, replace and update share one schema.
export const dataCreate = dataBody;
export const dataReplace = dataBody;
export const dataUpdate = dataBody;

export const dataListQuery = Joi.object({
  ...listQuery,
  campaign: uuid(),
  chat: uuid(),
});

export interface DataInput {
  context?: string;
  image?: string;
  chat?: string | null;
  campaign?: string | null;
}
