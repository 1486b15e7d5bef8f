import { Router } from 'express';
import { chatCreate, chatListQuery, chatReplace, chatUpdate } from '../../schemas/chat.schemas';
import { dataCreate, dataListQuery, dataReplace, dataUpdate } from '../../schemas/data.schemas';
import type { Services } from '../../services';
import type { WebhookService } from '../../webhooks/endpoint.service';

/** What the REST API serves: the domain's services and the webhook endpoints. */
export type ApiServices = Services & { webhooks: WebhookService };
import { methodNotAllowed } from '../errors';
import { resourceRouter } from '../resource.router';
import { campaignRouter } from './campaign.router';
import { chatStreamRouter } from './chat-stream.router';
import { uiStreamRouter, type UiStreamOptions } from './ui-stream.router';
import { webhookRouter } from './webhook.router';
import { selfUrl } from '../pagination';

export function apiRouter(services: ApiServices, uiStreams: UiStreamOptions): Router {
  const router = Router();
  router
    .route('/')
    .get((req, res) => {
      const base = selfUrl(req, {}).replace(/\?.*$/, '').replace(/\/?$/, '/');
      res.json({ campaigns: `${base}campaigns/`, chats: `${base}chats/`, datas: `${base}datas/` });
    })
    .all(methodNotAllowed(['GET']));
  router.use(uiStreamRouter(services, uiStreams));
  router.use('/campaigns', campaignRouter(services.campaigns, services.chatHistory));
  router.use('/chats', chatStreamRouter(services.streams, services.chats.get));
  router.use(
    '/chats',
    resourceRouter(services.chats, {
      create: chatCreate,
      replace: chatReplace,
      update: chatUpdate,
      listQuery: chatListQuery,
    }),
  );
  router.use(
    '/datas',
    resourceRouter(services.datas, {
      create: dataCreate,
      replace: dataReplace,
      update: dataUpdate,
      listQuery: dataListQuery,
    }),
  );
  router.use('/webhooks', webhookRouter(services.webhooks));
  return router;
}
