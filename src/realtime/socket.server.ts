import type { Server as HttpServer } from 'node:http';
import Joi from 'joi';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { AppError, ValidationError } from '../errors';
import { fromDatabaseError } from '../postgres/errors';
import type { Feed } from '../pubsub/feed';
import { chatCreate, socketAppend, socketCancel, socketFinish } from '../schemas/chat.schemas';
import { toFieldErrors, uuid, VALIDATE_OPTIONS } from '../schemas/common';
import { dataCreate } from '../schemas/data.schemas';
import type { Verifier } from '../auth/verifier';
import { corsOrigin, type RateLimits } from '../config';
import { enforceExpiry, guardConnections, leaveHiddenRooms, limitEvents } from './socket.auth';
import type { Services } from '../services';
import {
  MAX_CURSOR_LENGTH,
  type Ack,
  type AckError,
  type AppendRequest,
  type FinishRequest,
  type SubscribeRequest,
  type TypingRequest,
} from '../protocol';
import { campaignRoom, roomCampaign } from './room.names';
import type { ChatSocket, RealtimeServer } from './socket.types';
import type { Presence } from '../presence/presence';
import { roomEmitter, trackPresence } from './presence.hooks';
import { deliverTo, expireRooms, roomSubscriber } from './rooms';

export type { ChatSocket, RealtimeServer } from './socket.types';

const KNOWN_EVENTS = new Set([
  'subscribe',
  'unsubscribe',
  'chat:create',
  'chat:append',
  'chat:finish',
  'chat:cancel',
  'data:create',
  'auth:refresh',
  'typing',
]);

const subscribeSchema = Joi.object({ campaignId: uuid().required(), since: Joi.string().max(MAX_CURSOR_LENGTH) });
const unsubscribeSchema = Joi.object({ campaignId: uuid().required() });
const typingSchema = Joi.object({ campaignId: uuid().required(), typing: Joi.boolean().strict().required() });

const notSubscribed = () =>
  new AppError('not_subscribed', 'Subscribe to the campaign before saying you are typing in it.');

function validated<T>(schema: Joi.ObjectSchema, payload: unknown): T {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AppError('invalid', 'The payload must be an object.');
  }
  const { value, error } = schema.validate(payload, VALIDATE_OPTIONS);
  if (error) throw new ValidationError(toFieldErrors(error));
  return value as T;
}

function ackError(err: unknown, logger: Logger): AckError {
  const known = err instanceof AppError ? err : fromDatabaseError(err);
  if (known) {
    return {
      code: known.code,
      message: known.message,
      ...(known.fields && { fields: known.fields }),
      ...known.details,
    };
  }
  logger.error({ err }, 'socket handler failed');
  return { code: 'internal', message: 'Internal server error.' };
}

/**
 * Wraps a handler: errors become acknowledgements, never crashes. A client that sent
 * no acknowledgement callback simply gets none.
 */
function handler<T extends object>(logger: Logger, fn: (payload: unknown) => Promise<T>) {
  return (payload: unknown, ack?: unknown) => {
    if (typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload];
    const reply = typeof ack === 'function' ? (ack as (res: Ack<T>) => void) : () => undefined;
    fn(payload).then(
      (result) => reply({ ok: true, ...result }),
      (err) => reply({ ok: false, error: ackError(err, logger) }),
    );
  };
}

export interface RealtimeOptions {
  httpServer: HttpServer;
  services: Services;
  feed: Feed;
  presence: Presence;
  /** Runs a handler with its cancel signal (the database's request scope). */
  forRequest: <T>(signal: AbortSignal, fn: () => T) => T;
  logger: Logger;
  maxHttpBufferSize: number;
  verify?: Verifier;
  limits: RateLimits;
  corsOrigins: string[];
  /** Behind a trusted proxy the client address comes from X-Forwarded-For. */
  trustProxy: boolean;
}

export function createRealtimeServer(opts: RealtimeOptions): RealtimeServer {
  const { services, logger } = opts;
  const io: RealtimeServer = new Server(opts.httpServer, {
    maxHttpBufferSize: opts.maxHttpBufferSize,
    serveClient: false,
    cors: { origin: corsOrigin(opts.corsOrigins) },
  });
  guardConnections(io, opts.verify, opts.limits, opts.trustProxy);
  trackPresence(io, opts.presence);
  // the feed and presence were built first: this server is where what they hand out goes
  opts.feed.attach({ deliver: deliverTo(io), expire: expireRooms(io) });
  opts.presence.attach(roomEmitter(io));

  io.on('connection', (socket: ChatSocket) => {
    // every statement a handler sends is cancelled when the connection goes, as a REST request's is
    const gone = new AbortController();
    socket.once('disconnect', () => gone.abort());
    const on = <T extends object>(fn: (payload: unknown) => Promise<T>) =>
      handler(logger, (payload) => opts.forRequest(gone.signal, () => fn(payload)));
    limitEvents(socket, opts.limits, logger);
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (!KNOWN_EVENTS.has(event) && typeof ack === 'function') {
        ack({ ok: false, error: { code: 'unknown_event', message: `Unknown event "${event}".` } });
      }
    });
    const leaveHidden = leaveHiddenRooms(socket, roomCampaign);
    socket.on('auth:refresh', on(enforceExpiry(socket, opts.verify, leaveHidden)));
    const rooms = roomSubscriber(socket, services, opts.feed, opts.presence);
    socket.on(
      'subscribe',
      on(async (payload) => rooms.subscribe(validated<SubscribeRequest>(subscribeSchema, payload))),
    );
    socket.on(
      'unsubscribe',
      on(async (payload) => {
        await rooms.unsubscribe(validated<{ campaignId: string }>(unsubscribeSchema, payload).campaignId);
        return {};
      }),
    );
    socket.on(
      'chat:create',
      on(async (payload) => {
        const { principal, member } = socket.data;
        return { data: await services.chats.create(validated(chatCreate, payload), principal, member) };
      }),
    );
    socket.on(
      'chat:append',
      on(async (payload) => {
        const { id, ...append } = validated<AppendRequest>(socketAppend, payload);
        return services.streams.append(id, append, socket.data.principal);
      }),
    );
    socket.on(
      'chat:finish',
      on(async (payload) => {
        const { id, status } = validated<Required<FinishRequest>>(socketFinish, payload);
        return { data: await services.streams.finish(id, status, socket.data.principal) };
      }),
    );
    socket.on(
      'chat:cancel',
      on(async (payload) => {
        const { id } = validated<{ id: string }>(socketCancel, payload);
        return { data: await services.streams.cancel(id, socket.data.principal) };
      }),
    );
    socket.on(
      'typing',
      on(async (payload) => {
        const { campaignId, typing } = validated<TypingRequest>(typingSchema, payload);
        if (!socket.rooms.has(campaignRoom(campaignId))) throw notSubscribed();
        opts.presence.typing(campaignId, socket.data.member, typing);
        return {};
      }),
    );
    socket.on(
      'data:create',
      on(async (payload) => ({
        data: await services.datas.create(validated(dataCreate, payload), socket.data.principal),
      })),
    );
  });
  return io;
}
