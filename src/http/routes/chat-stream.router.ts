import { Router, type Request, type Response } from 'express';
import type { Principal } from '../../auth/principal';
import { chatAppend, chatFinish } from '../../schemas/chat.schemas';
import type { ChatStreamService } from '../../services/chat-stream.service';
import { methodNotAllowed } from '../errors';
import { sendJson } from '../pagination';
import { checkIdParam, notFoundBeforeInvalid } from '../resource.router';
import { validate } from '../validate';

/** /api/chats/{id}/append|finish|cancel/: producing a streamed chat, and stopping one. */
export function chatStreamRouter(
  streams: ChatStreamService,
  lookup: (id: string, p: Principal) => Promise<unknown>,
): Router {
  const router = Router();
  checkIdParam(router);
  const id = (req: Request) => req.params.id as string;
  const mustExist = notFoundBeforeInvalid(lookup);

  router
    .route('/:id/append')
    .post(validate({ body: chatAppend }), mustExist, async (req: Request, res: Response) =>
      sendJson(res, 200, await streams.append(id(req), req.body, req.principal)),
    )
    .all(methodNotAllowed(['POST']));
  router
    .route('/:id/finish')
    .post(validate({ body: chatFinish }), mustExist, async (req: Request, res: Response) =>
      sendJson(res, 200, await streams.finish(id(req), req.body.status, req.principal)),
    )
    .all(methodNotAllowed(['POST']));
  router
    .route('/:id/cancel')
    .post(async (req, res) => sendJson(res, 200, await streams.cancel(id(req), req.principal)))
    .all(methodNotAllowed(['POST']));
  return router;
}
