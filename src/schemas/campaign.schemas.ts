import Joi from 'joi';
import { CAMPAIGN_STATUSES } from '../protocol';
import { listQuery, text } from './common';

/** Tailored per operation: 'create' and 'replace' (PUT) require title; 'update' (PATCH) requires nothing. */
export const campaignBody = Joi.object({
  title: text()
    .min(1)
    .alter({ create: (s) => s.required(), replace: (s) => s.required() }),
  description: text().allow(''),
  status: Joi.string().valid(...CAMPAIGN_STATUSES),
});

export const campaignCreate = campaignBody.tailor('create') as Joi.ObjectSchema;
export const campaignReplace = campaignBody.tailor('replace') as Joi.ObjectSchema;
export const campaignUpdate = campaignBody.tailor('update') as Joi.ObjectSchema;

/** `?nested=false` leaves a campaign's chats and datas out: a campaign may have 100,000 chats. */
const nested = Joi.boolean().truthy('1').falsy('0');

export const campaignListQuery = Joi.object({
  ...listQuery,
  status: Joi.string().valid(...CAMPAIGN_STATUSES),
  nested,
});

export const campaignDetailQuery = Joi.object({ nested });

export interface CampaignInput {
  title?: string;
  description?: string;
  status?: (typeof CAMPAIGN_STATUSES)[number];
}
