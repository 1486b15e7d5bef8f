import { CAMPAIGN_STATUSES, CHAT_AUTHORS, CHAT_STATUSES } from '../protocol';
import { DELIVERY_STATUSES, WEBHOOK_EVENTS } from '../schemas/webhook.schemas';

/**
 * The representations as OpenAPI schemas. They follow src/protocol's types (whose enums they
 * take); test/http/openapi.test.ts holds them to what the API really answers.
 */
export const uuid = { type: 'string', format: 'uuid' };
const ts = { type: 'string', format: 'date-time', readOnly: true };
const data = {
  type: 'object',
  properties: {
    id: uuid,
    context: { type: 'string' },
    image: { type: 'string' },
    chat: { ...uuid, nullable: true },
    campaign: { ...uuid, nullable: true },
  },
};
const chat = {
  type: 'object',
  properties: {
    id: uuid,
    campaign: uuid,
    author: { type: 'string', enum: CHAT_AUTHORS },
    message: { type: 'string', description: "A streaming chat's text so far." },
    status: {
      type: 'string',
      enum: CHAT_STATUSES,
      description: 'Set on create only (`streaming` opens a stream); then by finish and cancel.',
    },
    created_at: ts,
    datas: { type: 'array', items: { $ref: '#/components/schemas/Data' }, readOnly: true },
  },
};
const appendAck = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    length: { type: 'integer', description: "The message's length after the append, in JavaScript string units." },
  },
};
const campaign = {
  type: 'object',
  properties: {
    id: uuid,
    title: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string', enum: CAMPAIGN_STATUSES },
    created_at: ts,
    updated_at: ts,
    chats: { type: 'array', items: { $ref: '#/components/schemas/Chat' }, readOnly: true },
    datas: { type: 'array', items: { $ref: '#/components/schemas/Data' }, readOnly: true },
  },
};

const nullableTs = { ...ts, nullable: true };
const webhookEndpoint = {
  type: 'object',
  properties: {
    id: uuid,
    url: { type: 'string' },
    campaign: { ...uuid, nullable: true },
    events: { type: 'array', items: { type: 'string', enum: WEBHOOK_EVENTS } },
    active: { type: 'boolean' },
    secret: { type: 'string', readOnly: true, description: 'Only in the answers of create and rotate.' },
    created_at: ts,
    updated_at: ts,
    failing_since: nullableTs,
    deactivated_at: nullableTs,
    deactivated_reason: { type: 'string', nullable: true, readOnly: true },
  },
};
const webhookDelivery = {
  type: 'object',
  properties: {
    id: uuid,
    cursor: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: DELIVERY_STATUSES },
    created_at: ts,
    delivered_at: nullableTs,
    next_attempt_at: nullableTs,
    attempts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: ts,
          status_code: { type: 'integer', nullable: true },
          duration_ms: { type: 'integer' },
          error: { type: 'string', nullable: true },
          response: { type: 'string', nullable: true },
        },
      },
    },
    payload: { type: 'object', description: 'The body sent: {id, cursor, name, campaign, data, created_at}.' },
  },
};

export const COMPONENTS = {
  Campaign: campaign,
  Chat: chat,
  Data: data,
  AppendAck: appendAck,
  WebhookEndpoint: webhookEndpoint,
  WebhookDelivery: webhookDelivery,
};
