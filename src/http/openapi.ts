import type Joi from 'joi';
import j2s from 'joi-to-swagger';
import { campaignCreate, campaignDetailQuery, campaignListQuery, campaignUpdate } from '../schemas/campaign.schemas';
import {
  chatAppend,
  chatCreate,
  chatFinish,
  chatHistoryQuery,
  chatListQuery,
  chatUpdate,
} from '../schemas/chat.schemas';
import { dataCreate, dataListQuery } from '../schemas/data.schemas';
import { deliveryListQuery, webhookCreate, webhookListQuery, webhookUpdate } from '../schemas/webhook.schemas';
import { COMPONENTS, uuid } from './openapi.components';

type Json = Record<string, unknown>;

const schemaOf = (s: Joi.Schema): Json => j2s(s).swagger as Json;

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
      ...streamPaths(),
      ...collection('datas', 'Data', dataListQuery, dataCreate, dataCreate),
      ...webhookPaths(),
    },
    components: {
      schemas: COMPONENTS,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
  };
}

/** The AI SDK's UI message stream (v1) of a chat, as server-sent events. */
const uiStream = (what: string): Json => ({
  description:
    `${what} as the AI SDK's UI message stream (header x-vercel-ai-ui-message-stream: v1), the URL that ` +
    "DefaultChatTransport.reconnectToStream reads: a start chunk (messageId: the chat's id), one text part " +
    '(text-start, a text-delta with the text so far, then each new piece live, text-end), then finish ' +
    '(complete), abort (cancelled) or error (failed), then data: [DONE]. Comments (: keep-alive) while idle.',
  responses: {
    '200': {
      description: 'Server-sent events, one `data: {chunk}` per UI message chunk',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    },
    '403': { description: 'A token without the read scope' },
    '404': errors['404'],
  },
});

/** Producing a streamed chat, stopping one, and reading one as the AI SDK does. */
function streamPaths(): Record<string, Json> {
  const tags = ['chats'];
  const closed = {
    '409': { description: '{"detail", "code": "out_of_order" (with "expected") or "stream_closed" (with "status")}' },
  };
  const campaignStream = uiStream("The campaign's newest streaming chat");
  return {
    '/api/campaigns/{id}/stream': {
      parameters: [idParam],
      get: {
        tags: ['campaigns'],
        ...campaignStream,
        responses: { ...(campaignStream.responses as Json), '204': { description: 'Nothing streams in the campaign' } },
      },
    },
    '/api/chats/{id}/stream': {
      parameters: [idParam],
      get: {
        tags,
        ...uiStream('The chat (streaming: live to its end; ended: its whole text and ending at once)'),
      },
    },
    '/api/chats/{id}/append/': {
      parameters: [idParam],
      post: {
        tags,
        description:
          'Appends the next piece of a streaming chat (seq 1, 2, 3…), kept exactly as sent; answers once it is committed. ' +
          'The same seq again with the same text succeeds again. 413 past the longest message.',
        requestBody: body(chatAppend),
        responses: { ...ok('AppendAck'), ...errors, ...closed },
      },
    },
    '/api/chats/{id}/finish/': {
      parameters: [idParam],
      post: {
        tags,
        description: "Ends the producer's stream (complete, or failed). Idempotent for the same status.",
        requestBody: body(chatFinish),
        responses: { ...ok('Chat'), ...errors, ...closed },
      },
    },
    '/api/chats/{id}/cancel/': {
      parameters: [idParam],
      post: {
        tags,
        description: 'Stops a stream (any member who may write there): cancelled, its text so far kept.',
        responses: { ...ok('Chat'), ...errors, ...closed },
      },
    },
  };
}

/** /api/webhooks/ (admin scope over every campaign): endpoints, secret rotation, the delivery log. */
function webhookPaths(): Record<string, Json> {
  const tags = ['webhooks'];
  const deliveryParam = { name: 'delivery', in: 'path', required: true, schema: uuid };
  return {
    ...collection('webhooks', 'WebhookEndpoint', webhookListQuery, webhookCreate, webhookUpdate),
    '/api/webhooks/{id}/rotate/': {
      parameters: [idParam],
      post: {
        tags,
        description: 'A new secret, returned in this answer only.',
        responses: { ...ok('WebhookEndpoint'), ...errors },
      },
    },
    '/api/webhooks/{id}/deliveries/': {
      parameters: [idParam],
      get: {
        tags,
        description: 'Each event sent to the endpoint, newest first, with its attempts.',
        parameters: queryParameters(deliveryListQuery),
        responses: { '200': { description: 'A page of WebhookDelivery' }, ...errors },
      },
    },
    '/api/webhooks/{id}/deliveries/{delivery}/': {
      parameters: [idParam, deliveryParam],
      get: { tags, responses: { ...ok('WebhookDelivery'), ...errors } },
    },
    '/api/webhooks/{id}/deliveries/{delivery}/redeliver/': {
      parameters: [idParam, deliveryParam],
      post: {
        tags,
        description: 'Sends the delivery again now (same id and cursor); 409 while the endpoint is inactive.',
        responses: { ...ok('WebhookDelivery', '202'), ...errors },
      },
    },
  };
}
