import { Router, type Request, type Response } from 'express';
import { readable } from '../../auth/principal';
import { NotFoundError } from '../../errors';
import type { ChatRep } from '../../protocol';
import type { Feed } from '../../pubsub/feed';
import type { CampaignService } from '../../services/campaign.service';
import type { ChatService } from '../../services/chat.service';
import { methodNotAllowed } from '../errors';
import { checkIdParam } from '../resource.router';
import { ChatUiStream, sseResponse } from '../ui-message-stream';

export interface UiStreamOptions {
  feed: Feed;
  /** Idle time after which a stream gets a keep-alive comment. */
  keepAliveMs: number;
}

/**
 * Under /api, the paths of these streams: they last as long as their chat, so the in-flight
 * cap leaves them out (they hold no database connection while they wait).
 */
export const isUiStream = (req: Request): boolean =>
  req.method === 'GET' && /^\/(campaigns|chats)\/[^/]+\/stream\/?$/.test(req.path);

/**
 * GET /api/campaigns/{id}/stream and /api/chats/{id}/stream: a chat as the AI SDK's UI message
 * stream, the URL its `DefaultChatTransport.reconnectToStream` reads. The chat is followed
 * through the feed from a consistent position (its text then, every delta after it), never
 * polled; the campaign's answers its newest streaming chat, or 204 when none streams.
 */
export function uiStreamRouter(
  services: { campaigns: CampaignService; chats: ChatService },
  { feed, keepAliveMs }: UiStreamOptions,
): Router {
  const router = Router();
  checkIdParam(router);
  const id = (req: Request) => req.params.id as string;
  const readChat = async (req: Request, chatId: string) =>
    JSON.parse(await services.chats.get(chatId, req.principal)) as ChatRep;

  /**
   * Follows the room, then asks `choose` which chat to stream from the snapshots of its open
   * streams (undefined: 204). The follower joins before anything is read, so whatever `choose`
   * reads afterwards is continued exactly by the events delivered after the join.
   */
  async function streamFrom(
    res: Response,
    campaignId: string,
    choose: (open: ChatRep[]) => Promise<ChatRep | undefined>,
  ): Promise<void> {
    const view = new ChatUiStream();
    const following = await feed.follow(campaignId, view);
    // the follower goes with the response, however it ends (the client may be gone already)
    if (res.destroyed) following.stop();
    else res.once('close', following.stop);
    try {
      const chat = await choose(following.events.map((e) => e.data as ChatRep));
      if (chat) view.begin(chat, sseResponse(res, keepAliveMs));
      else res.status(204).end();
    } catch (err) {
      following.stop();
      throw err;
    }
  }

  router
    .route('/campaigns/:id/stream')
    .get(async (req, res) => {
      readable(req.principal);
      if (!(await services.campaigns.visible(id(req), req.principal))) throw new NotFoundError();
      // the snapshots come oldest first (created_at, id); none, while this instance has yet to
      // read a new stream's creation: then the chat is read after the join, as for one chat
      await streamFrom(res, id(req), async (open) => {
        if (open.length) return open.at(-1);
        const newest = await services.chats.newestStreaming(id(req));
        return newest === undefined ? undefined : readChat(req, newest);
      });
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/chats/:id/stream')
    .get(async (req, res) => {
      const chat = await readChat(req, id(req));
      if (chat.status !== 'streaming') return new ChatUiStream().begin(chat, sseResponse(res, keepAliveMs));
      // not among the snapshots: it ended since it was read (or this instance has yet to read
      // its creation); read after the join, its text is a prefix the events continue
      await streamFrom(
        res,
        chat.campaign,
        async (open) => open.find((c) => c.id === chat.id) ?? readChat(req, chat.id),
      );
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
