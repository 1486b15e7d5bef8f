import type Joi from 'joi';
import j2s from 'joi-to-swagger';
import { campaignCreate, campaignDetailQuery, campaignListQuery, campaignUpdate } from '../schemas/campaign.schemas';
import { chatCreate, chatHistoryQuery, chatListQuery, chatUpdate } from '../schemas/chat.schemas';
import { dataCreate, dataListQuery } from '../schemas/data.schemas';

type Json = Record<string, unknown>;

const schemaOf = (s: Joi.Schema): Json => j2s(s).swagger as Json;

const uuid = { type: 'string', format: 'uuid' };
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
    author: { type: 'string' },
    message: { type: 'string' },
    created_at: ts,
    datas: { type: 'array', items: { $ref: '#/components/schemas/Data' }, readOnly: true },
  },
};
const campaign = {
  type: 'object',
  properties: {
    id: uuid,
    title: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string' },
    created_at: ts,
    updated_at: ts,
    chats: { type: 'array', items: { $ref: '#/components/schemas/Chat' }, readOnly: true },
    datas: { type: 'array', items: { $ref: '#/components/schemas/Data' }, readOnly: true },
  },
};

/** Query parameters straight from the Joi list schemas that validate them. */
function queryParameters(schema: Joi.Schema): Json[] {
  const { properties = {} } = schemaOf(schema) as { properties?: Record<string, Json> };
  return Object.entries(properties).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
}

const body = (s: Joi.Schema) => ({ required: true, content: { 'application/json': { schema: schemaOf(s) } } });
const ok = (ref: string, status = '200') => ({
  [status]: { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } },
});
const errors = {
  '400': { description: 'Field-keyed validation errors: {"field": ["message"]}' },
  '404': { description: '{"detail": "Not found."}' },
};
const idParam = { name: 'id', in: 'path', required: true, schema: uuid };

function collection(
  name: string,
  ref: string,
  listQuery: Joi.Schema,
  create: Joi.Schema,
  update: Joi.Schema,
  detailQuery?: Joi.Schema,
): Record<string, Json> {
  const pageOf = {
    type: 'object',
    properties: {
      count: { type: 'integer' },
      next: { type: 'string', nullable: true },
      previous: { type: 'string', nullable: true },
      results: { type: 'array', items: { $ref: `#/components/schemas/${ref}` } },
    },
  };
  return {
    [`/api/${name}/`]: {
      get: {
        tags: [name],
        parameters: queryParameters(listQuery),
        responses: { '200': { description: 'A page', content: { 'application/json': { schema: pageOf } } }, ...errors },
      },
      post: { tags: [name], requestBody: body(create), responses: { ...ok(ref, '201'), ...errors } },
    },
    [`/api/${name}/{id}/`]: {
      parameters: [idParam],
      get: {
        tags: [name],
        ...(detailQuery && { parameters: queryParameters(detailQuery) }),
        responses: { ...ok(ref), ...errors },
      },
      put: { tags: [name], requestBody: body(create), responses: { ...ok(ref), ...errors } },
      patch: { tags: [name], requestBody: body(update), responses: { ...ok(ref), ...errors } },
      delete: { tags: [name], responses: { '204': { description: 'Deleted' }, ...errors } },
    },
  };
}

/** The OpenAPI 3 document, generated from the same Joi schemas that validate requests. */
export function openApiDocument(): Json {
  return {
    openapi: '3.0.3',
    info: { title: 'Campaign chat API', version: '0.1.0' },
    paths: {
      ...collection('campaigns', 'Campaign', campaignListQuery, campaignCreate, campaignUpdate, campaignDetailQuery),
      '/api/campaigns/{id}/chats/': {
        parameters: [idParam],
        get: {
          tags: ['campaigns'],
          description:
            'Without parameters: every chat, oldest first (bare array). With limit/before/after: a cursor page {previous, next, results}.',
          parameters: queryParameters(chatHistoryQuery),
          responses: { '200': { description: 'Chats' }, ...errors },
        },
      },
      ...collection('chats', 'Chat', chatListQuery, chatCreate, chatUpdate),
      ...collection('datas', 'Data', dataListQuery, dataCreate, dataCreate),
    },
    components: {
      schemas: { Campaign: campaign, Chat: chat, Data: data },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
  };
}
