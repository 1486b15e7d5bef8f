import Joi from 'joi';
import { CHAT_AUTHORS } from '../protocol';
import { listQuery, text, uuid } from './common';

const required = { create: (s: Joi.Schema) => s.required(), replace: (s: Joi.Schema) => s.required() };

export const chatBody = Joi.object({
  campaign: uuid().alter(required),
  author: Joi.string()
    .valid(...CHAT_AUTHORS)
    .alter(required),
  message: text().min(1).alter(required),
});

export const chatCreate = chatBody.tailor('create') as Joi.ObjectSchema;
export const chatReplace = chatBody.tailor('replace') as Joi.ObjectSchema;
export const chatUpdate = chatBody.tailor('update') as Joi.ObjectSchema;

export const chatListQuery = Joi.object({
  ...listQuery,
  campaign: uuid(),
  author: Joi.string().valid(...CHAT_AUTHORS),
});

/** History paging of one campaign: newest `limit`, then `before`/`after` a cursor. */
export const chatHistoryQuery = Joi.object({
  limit: Joi.number().integer().min(1).max(100),
  before: Joi.string().max(200),
  after: Joi.string().max(200),
  /** The caller follows the room live: the newest page holds every committed chat (see the service). */
  live: Joi.boolean().truthy('1').falsy('0'),
}).oxor('before', 'after');

export interface ChatInput {
  campaign?: string;
  author?: (typeof CHAT_AUTHORS)[number];
  message?: string;
}
