import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Histogram, Registry } from 'prom-client';
import { routeOf } from '../http/request-log';

/** Observes every request's duration under its route template (never its raw path: unbounded labels). */
export function measureRequests(histogram: Histogram<'method' | 'route' | 'status'>): RequestHandler {
  return (req, res, next) => {
    const end = histogram.startTimer();
    res.once('finish', () => end({ method: req.method, route: routeOf(req) ?? 'unmatched', status: res.statusCode }));
    next();
  };
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The Prometheus text exposition; with a token, only for `Authorization: Bearer <token>`. */
export function metricsEndpoint(registry: Registry, token?: string): RequestHandler {
  return async (req, res) => {
    if (token && !same(req.headers.authorization ?? '', `Bearer ${token}`)) {
      res
        .set('WWW-Authenticate', 'Bearer realm="metrics"')
        .status(401)
        .json({ detail: 'A metrics token is required.' });
      return;
    }
    res.type(registry.contentType).send(await registry.metrics());
  };
}
