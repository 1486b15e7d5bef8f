import Joi from 'joi';
import { LIVE_EVENT_NAMES } from '../protocol';
import { listQuery, uuid } from './common';

/** What an endpoint may subscribe to: the names rooms receive. */
export const WEBHOOK_EVENTS = LIVE_EVENT_NAMES;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;

const required = { create: (s: Joi.Schema) => s.required(), replace: (s: Joi.Schema) => s.required() };

export const webhookBody = Joi.object({
  url: Joi.string()
    .trim()
    .max(2000)
    .uri({ scheme: ['http', 'https'] })
    .alter(required),
  campaign: uuid().allow(null),
  events: Joi.array()
    .items(Joi.string().valid(...WEBHOOK_EVENTS))
    .min(1)
    .unique()
    .alter(required),
  active: Joi.boolean(),
});

export const webhookCreate = webhookBody.tailor('create') as Joi.ObjectSchema;
export const webhookReplace = webhookBody.tailor('replace') as Joi.ObjectSchema;
export const webhookUpdate = webhookBody.tailor('update') as Joi.ObjectSchema;

export const webhookListQuery = Joi.object({ ...listQuery, active: Joi.boolean(), campaign: uuid() });

export const deliveryListQuery = Joi.object({
  page: listQuery.page,
  page_size: listQuery.page_size,
  status: Joi.string().valid(...DELIVERY_STATUSES),
});

export interface WebhookInput {
  url?: string;
  campaign?: string | null;
  events?: string[];
  active?: boolean;
}
