import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Server, Socket } from 'socket.io';
import { OPEN_PRINCIPAL, sees, type Principal } from '../auth/principal';
import type { Verifier } from '../auth/verifier';
import { AppError } from '../errors';
import type { RateLimits } from '../config';
import { RefCounts } from '../lib/ref-counts';
import { MAX_NAME_LENGTH } from '../protocol';

export interface SocketData {
  principal: Principal;
  /** Who this connection is in presence and typing: the token's sub, or the open mode's name. */
  member: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyServer = Server<any, any, any, SocketData>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySocket = Socket<any, any, any, SocketData>;

const MAX_TIMER_MS = 2 ** 31 - 1;

const tokenOf = (socket: AnySocket): unknown => (socket.handshake.auth as { token?: unknown } | undefined)?.token;

/**
 * The open mode's member: the handshake's `auth.name`, trimmed, or `anonymous-<short id>`.
 * A name over the limit is refused rather than cut, so two long names never become one.
 */
export function openMember(auth: unknown): string {
  const name = (auth as { name?: unknown } | undefined)?.name;
  if (name !== undefined && name !== null && typeof name !== 'string') throw new Error('The name must be a string.');
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if ([...trimmed].length > MAX_NAME_LENGTH) {
    throw new Error(`The name must be at most ${MAX_NAME_LENGTH} characters.`);
  }
  return trimmed || `anonymous-${randomUUID().slice(0, 8)}`;
}

/** The client's address; behind a trusted proxy, the first X-Forwarded-For hop. */
export function clientAddress(socket: AnySocket, trustProxy: boolean): string {
  const forwarded = socket.handshake.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return trustProxy && first ? first : socket.handshake.address;
}

/**
 * Verifies the handshake token (`auth: {token}`), then caps connections per IP. Only a
 * connection that is let in counts, and it stops counting when its transport closes,
 * so refused handshakes can never use up an address's allowance.
 */
export function guardConnections(
  io: AnyServer,
  verify: Verifier | undefined,
  limits: RateLimits,
  trustProxy: boolean,
): void {
  io.use(async (socket, next) => {
    if (!verify) {
      try {
        socket.data.member = openMember(socket.handshake.auth);
      } catch (err) {
        return next(err as Error);
      }
      socket.data.principal = OPEN_PRINCIPAL;
      return next();
    }
    const token = tokenOf(socket);
    if (typeof token !== 'string' || !token) return next(new Error('Authentication credentials were not provided.'));
    try {
      socket.data.principal = await verify(token);
      socket.data.member = socket.data.principal.sub;
      next();
    } catch (err) {
      next(new Error(err instanceof AppError ? err.message : 'Invalid token.'));
    }
  });
  const perIp = new RefCounts();
  io.use((socket, next) => {
    const ip = clientAddress(socket, trustProxy);
    if (perIp.get(ip) >= limits.socketConnectionsPerIp)
      return next(new Error('Too many connections from this address.'));
    perIp.add(ip);
    socket.conn.once('close', () => perIp.release(ip));
    next();
  });
}

/**
 * Disconnects the socket when its token expires, after telling it (`auth:expired`),
 * unless `auth:refresh` brings a fresh token for the same subject first.
 */
export function enforceExpiry(socket: AnySocket, verify: Verifier | undefined, leaveHidden: (p: Principal) => void) {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    const exp = socket.data.principal.expiresAt;
    if (exp === undefined) return;
    const left = exp * 1000 - Date.now();
    // setTimeout fires at once for delays over 2^31-1 ms (~24.8 days): re-arm instead
    if (left > MAX_TIMER_MS) {
      timer = setTimeout(schedule, MAX_TIMER_MS);
      return;
    }
    timer = setTimeout(
      () => {
        socket.emit('auth:expired', { message: 'The token has expired.' });
        socket.disconnect(true);
      },
      Math.max(0, left),
    );
  };
  schedule();
  socket.once('disconnect', () => clearTimeout(timer));
  return async (payload: unknown) => {
    if (!verify) return {};
    const token = (payload as { token?: unknown } | null)?.token;
    if (typeof token !== 'string') throw new AppError('invalid', 'token is required.');
    const next = await verify(token);
    if (next.sub !== socket.data.principal.sub) throw new AppError('forbidden', 'The token is for another subject.');
    socket.data.principal = next;
    leaveHidden(next);
    schedule();
    return {};
  };
}

/** Rooms the principal may no longer see are left (after a refresh with fewer campaigns). */
export function leaveHiddenRooms(socket: AnySocket, roomCampaign: (room: string) => string | undefined) {
  return (p: Principal) => {
    for (const room of socket.rooms) {
      const campaign = roomCampaign(room);
      if (campaign && !sees(p, campaign)) void socket.leave(room);
    }
  };
}

/**
 * Per-connection event budget: an event over it gets a `rate_limited` acknowledgement;
 * a connection that keeps hammering after that is disconnected.
 */
export function limitEvents(socket: AnySocket, limits: RateLimits, logger: Logger): void {
  const events = new RateLimiterMemory({ points: limits.socketEventsPerSecond, duration: 1 });
  // a stream's appends come at the pace of its tokens: a budget of their own
  const appends = new RateLimiterMemory({ points: limits.socketAppendsPerSecond, duration: 1 });
  const strikes = new RateLimiterMemory({ points: limits.socketStrikes, duration: 10 });
  socket.use((packet, next) => {
    (packet[0] === 'chat:append' ? appends : events).consume(socket.id).then(
      () => next(),
      () => {
        const ack = packet[packet.length - 1];
        if (typeof ack === 'function') {
          ack({ ok: false, error: { code: 'rate_limited', message: 'Too many events; slow down.' } });
        }
        strikes.consume(socket.id).catch(() => {
          logger.warn({ ip: socket.handshake.address }, 'socket disconnected for sustained abuse');
          socket.disconnect(true);
        });
      },
    );
  });
}
