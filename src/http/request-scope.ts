import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors';
import { RefCounts } from '../lib/ref-counts';

/** Whose budget a request spends: its token subject, or its address without a token. */
export const clientKey = (req: Request): string =>
  req.principal.sub !== 'anonymous' ? `sub:${req.principal.sub}` : `ip:${req.ip}`;

/**
 * Runs the rest of the request inside `forRequest`, with a signal that aborts when the
 * client goes away before its answer: the database then cancels the request's statement
 * instead of computing an answer nobody will read.
 */
export function cancelOnClose(forRequest: <T>(signal: AbortSignal, fn: () => T) => T): RequestHandler {
  return (_req, res, next) => {
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    forRequest(controller.signal, next);
  };
}

/**
 * At most `max` requests of one client in flight at once on this instance, so one client
 * with slow requests cannot hold every pool connection; the next one is refused at once
 * (429) rather than queued. 0 disables.
 */
export function inflightLimit(max: number): RequestHandler {
  const inflight = new RefCounts();
  return (req, res, next) => {
    if (max <= 0) return next();
    const key = clientKey(req);
    if (inflight.get(key) >= max) {
      res.set('Retry-After', '1');
      throw new AppError('too_many_inflight', `Too many requests in flight (at most ${max} at once).`);
    }
    inflight.add(key);
    res.once('close', () => inflight.release(key));
    next();
  };
}
