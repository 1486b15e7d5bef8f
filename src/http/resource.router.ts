import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type Joi from 'joi';
import type { Principal } from '../auth/principal';
import { NotFoundError, ValidationError } from '../errors';
import { UUID_RE } from '../protocol';
import { parsePage, type ListParams, type Page } from '../services/list';
import type { Rendered } from '../services/rendered';
import { methodNotAllowed } from './errors';
import { sendJson, sendPage } from './pagination';
import { validate } from './validate';

/** What every resource service offers to REST and sockets alike: representations, built or rendered. */
export interface ResourceService<Input> {
  list(params: ListParams, p: Principal): Promise<Page>;
  get(id: string, p: Principal, opts?: { nested?: boolean }): Promise<Rendered<object>>;
  create(input: Input, p: Principal): Promise<object | Rendered<object>>;
  update(id: string, input: Input, p: Principal): Promise<object | Rendered<object>>;
  remove(id: string, p: Principal): Promise<void>;
}

export interface ResourceSchemas {
  create: Joi.ObjectSchema;
  replace: Joi.ObjectSchema;
  update: Joi.ObjectSchema;
  listQuery: Joi.ObjectSchema;
  /** Query parameters of GET /:id, where the resource has any (`nested`). */
  detailQuery?: Joi.ObjectSchema;
}

const DEFAULT_PAGE_SIZE = 20;

function listParams(req: Request): ListParams {
  const { search, ordering, page, page_size, nested, ...filters } = req.query as Record<string, unknown>;
  return {
    nested: nested as boolean | undefined,
    search: search as string | undefined,
    ordering: ordering as string | undefined,
    filters,
    page: parsePage(page),
    pageSize: (page_size as number | undefined) ?? DEFAULT_PAGE_SIZE,
  };
}

/** Malformed ids are simply ids that do not exist: 404, never 400 or 500. */
export function checkIdParam(router: Router): void {
  router.param('id', (_req, _res, next, id: string) => {
    if (!UUID_RE.test(id)) throw new NotFoundError();
    next();
  });
}

/**
 * DRF looks the object up before it validates: a PUT or PATCH to an unknown id is a 404
 * whatever the body. Runs only after validation failed, so valid requests pay no query.
 */
export function notFoundBeforeInvalid(lookup: (id: string, p: Principal) => Promise<unknown>): ErrorRequestHandler {
  return async (err, req, _res, next) => {
    if (err instanceof ValidationError) await lookup(req.params.id as string, req.principal);
    next(err);
  };
}

/** The DRF ModelViewSet surface: list/create on `/`, retrieve/replace/update/destroy on `/:id`. */
export function resourceRouter<Input>(service: ResourceService<Input>, schemas: ResourceSchemas): Router {
  const router = Router();
  checkIdParam(router);
  const id = (req: Request) => req.params.id as string;
  const mustExist = notFoundBeforeInvalid(service.get);

  router
    .route('/')
    .get(validate({ query: schemas.listQuery }), async (req, res) =>
      sendPage(req, res, await service.list(listParams(req), req.principal)),
    )
    .post(validate({ body: schemas.create }), async (req, res) =>
      sendJson(res, 201, await service.create(req.body, req.principal)),
    )
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:id')
    .get(validate({ query: schemas.detailQuery }), async (req, res) => {
      const { nested } = req.query as { nested?: boolean };
      sendJson(res, 200, await service.get(id(req), req.principal, { nested }));
    })
    .put(validate({ body: schemas.replace }), mustExist, async (req: Request, res: Response) =>
      sendJson(res, 200, await service.update(id(req), req.body, req.principal)),
    )
    .patch(validate({ body: schemas.update }), mustExist, async (req: Request, res: Response) =>
      sendJson(res, 200, await service.update(id(req), req.body, req.principal)),
    )
    .delete(async (req, res) => {
      await service.remove(id(req), req.principal);
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'PUT', 'PATCH', 'DELETE']));

  return router;
}
