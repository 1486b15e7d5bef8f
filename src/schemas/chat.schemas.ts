import Joi from 'joi';
import { CHAT_AUTHORS, CHAT_STATUSES, STREAM_ENDINGS } from '../protocol';
import { listQuery, text, uuid } from './common';

const required = { create: (s: Joi.Schema) => s.required(), replace: (s: Joi.Schema) => s.required() };

/** A stream's text is kept exactly as sent: spaces and newlines at either end are content. */
const streamText = () =>
  Joi.string()
    .allow('')
    .pattern(/^[^\0]*$/, 'nul');

/** `status` is set on create only; a stream changes it through finish and cancel (elsewhere it is read-only, ignored). */
export const chatBody = Joi.object({
  campaign: uuid().alter(required),
  author: Joi.string()
    .valid(...CHAT_AUTHORS)
    .alter(required),
  message: text().min(1).alter(required),
  status: Joi.any().strip(),
});

/** `"status": "streaming"` opens a stream: its message is the text so far, empty by default. */
export const chatCreate = (chatBody.tailor('create') as Joi.ObjectSchema).keys({
  status: Joi.string().valid('streaming', 'complete').default('complete'),
  message: Joi.when('status', { is: 'streaming', then: streamText().default(''), otherwise: text().min(1).required() }),
});
export const chatReplace = chatBody.tailor('replace') as Joi.ObjectSchema;
export const chatUpdate = chatBody.tailor('update') as Joi.ObjectSchema;

/** The largest seq (a Postgres integer): a stream of one-character appends could not reach it. */
export const MAX_SEQ = 2_147_483_647;

export const chatAppend = Joi.object({
  seq: Joi.number().integer().min(1).max(MAX_SEQ).required(),
  text: streamText().required(),
});
export const chatFinish = Joi.object({
  status: Joi.string()
    .valid(...STREAM_ENDINGS)
    .default('complete'),
});
/** The same bodies over a socket, which names the chat in the payload. */
export const socketAppend = chatAppend.keys({ id: uuid().required() });
export const socketFinish = chatFinish.keys({ id: uuid().required() });
export const socketCancel = Joi.object({ id: uuid().required() });

export const chatListQuery = Joi.object({
  ...listQuery,
  campaign: uuid(),
  author: Joi.string().valid(...CHAT_AUTHORS),
  status: Joi.string().valid(...CHAT_STATUSES),
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
  /** On create only. */
  status?: 'streaming' | 'complete';
}

export interface AppendInput {
  seq: number;
  text: string;
}
