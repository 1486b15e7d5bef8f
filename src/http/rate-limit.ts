import type { RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors';
import { clientKey } from './request-scope';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Per-instance budgets by design (counters in memory, no query per request): behind a
 * load balancer with N instances a client gets at most N× the budget, so set the
 * per-instance figures to the cluster budget divided by N. Keyed by token subject, or
 * by IP without a token. Reads and writes have separate budgets; 0 disables one.
 */
export function rateLimit(opts: { readsPerMinute: number; writesPerMinute: number }): RequestHandler {
  const limiter = (points: number) => (points > 0 ? new RateLimiterMemory({ points, duration: 60 }) : undefined);
  const reads = limiter(opts.readsPerMinute);
  const writes = limiter(opts.writesPerMinute);
  return async (req, res, next) => {
    const bucket = READS.has(req.method) ? reads : writes;
    if (!bucket) return next();
    try {
      await bucket.consume(clientKey(req));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      res.set('Retry-After', String(seconds));
      throw new AppError('rate_limited', `Request was throttled. Expected available in ${seconds} seconds.`);
    }
    next();
  };
}
