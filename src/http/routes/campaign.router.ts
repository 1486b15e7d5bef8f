import { Router, type Request, type Response } from 'express';
import {
  campaignCreate,
  campaignDetailQuery,
  campaignListQuery,
  campaignReplace,
  campaignUpdate,
} from '../../schemas/campaign.schemas';
import { chatHistoryQuery } from '../../schemas/chat.schemas';
import type { CampaignService } from '../../services/campaign.service';
import type { ChatHistoryService, HistoryParams } from '../../services/chat-history.service';
import { checkIdParam, notFoundBeforeInvalid, resourceRouter } from '../resource.router';
import { methodNotAllowed } from '../errors';
import { selfUrl, sendJson } from '../pagination';
import { validate } from '../validate';

export function campaignRouter(campaigns: CampaignService, history: ChatHistoryService): Router {
  const router = Router();
  checkIdParam(router);
  const campaignExists = notFoundBeforeInvalid(campaigns.get);
  router
    .route('/:id/chats')
    .get(validate({ query: chatHistoryQuery }), campaignExists, async (req: Request, res: Response) => {
      const id = req.params.id as string;
      const params = req.query as HistoryParams;
      if (params.limit === undefined && params.before === undefined && params.after === undefined) {
        sendJson(res, 200, await history.all(id, req.principal));
        return;
      }
      const page = await history.page(id, params, req.principal);
      const link = (key: 'before' | 'after', cursor?: string) =>
        cursor ? selfUrl(req, { before: undefined, after: undefined, [key]: cursor }) : null;
      res
        .type('application/json')
        .send(
          `{"previous":${JSON.stringify(link('before', page.previous))},"next":${JSON.stringify(link('after', page.next))},` +
            `"results":[${page.results.join(',')}]}`,
        );
    })
    .all(methodNotAllowed(['GET']));
  router.use(
    resourceRouter(campaigns, {
      create: campaignCreate,
      replace: campaignReplace,
      update: campaignUpdate,
      listQuery: campaignListQuery,
      detailQuery: campaignDetailQuery,
    }),
  );
  return router;
}
