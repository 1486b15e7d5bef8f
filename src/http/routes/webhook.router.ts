import { Router, type Request } from 'express';
import { NotFoundError } from '../../errors';
import { UUID_RE } from '../../protocol';
import {
  deliveryListQuery,
  webhookCreate,
  webhookListQuery,
  webhookReplace,
  webhookUpdate,
} from '../../schemas/webhook.schemas';
import { parsePage } from '../../services/list';
import type { WebhookService } from '../../webhooks/endpoint.service';
import { methodNotAllowed } from '../errors';
import { sendJson, sendPage } from '../pagination';
import { checkIdParam, resourceRouter } from '../resource.router';
import { validate } from '../validate';

/** /api/webhooks/: the endpoints (CRUD), their secret's rotation, and their delivery log. */
export function webhookRouter(service: WebhookService): Router {
  const router = Router();
  checkIdParam(router);
  router.param('delivery', (_req, _res, next, id: string) => {
    if (!UUID_RE.test(id)) throw new NotFoundError();
    next();
  });
  const id = (req: Request) => req.params.id as string;
  const delivery = (req: Request) => req.params.delivery as string;

  router
    .route('/:id/rotate')
    .post(async (req, res) => sendJson(res, 200, await service.rotate(id(req), req.principal)))
    .all(methodNotAllowed(['POST']));
  router
    .route('/:id/deliveries')
    .get(validate({ query: deliveryListQuery }), async (req, res) => {
      const { page, page_size, status } = req.query as Record<string, unknown>;
      const params = { filters: { status }, page: parsePage(page), pageSize: (page_size as number) ?? 20 };
      sendPage(req, res, await service.deliveries(id(req), params, req.principal));
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/:id/deliveries/:delivery')
    .get(async (req, res) => sendJson(res, 200, await service.delivery(id(req), delivery(req), req.principal)))
    .all(methodNotAllowed(['GET']));
  router
    .route('/:id/deliveries/:delivery/redeliver')
    .post(async (req, res) => sendJson(res, 202, await service.redeliver(id(req), delivery(req), req.principal)))
    .all(methodNotAllowed(['POST']));
  router.use(
    resourceRouter(service, {
      create: webhookCreate,
      replace: webhookReplace,
      update: webhookUpdate,
      listQuery: webhookListQuery,
    }),
  );
  return router;
}
