import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** An incoming X-Request-Id is kept when it is a sane token; anything else gets a fresh id. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

const ROUTE = Symbol('route template');

/** The route template that served a request (`/api/chats/:id`), or undefined when none matched (404). */
export const routeOf = (req: IncomingMessage): string | undefined => (req as { [ROUTE]?: string })[ROUTE];

/**
 * Keeps the template of the route that matches. Express sets `req.route` while the route
 * runs and restores `req.baseUrl` when leaving a router, so by the time the response has
 * finished (or an error reached the app's handler) neither says which route it was.
 */
export const captureRoute: RequestHandler = (req, _res, next) => {
  let route: Request['route'];
  Object.defineProperty(req, 'route', {
    configurable: true,
    get: () => route,
    set(value: Request['route']) {
      route = value;
      if (value) (req as { [ROUTE]?: string })[ROUTE] = `${req.baseUrl}${String(value.path)}`;
    },
  });
  next();
};

/** The path without its query, where no route matched: never the query, which may carry search terms. */
const pathOf = (req: IncomingMessage) => (req as Request).originalUrl?.split('?')[0] ?? req.url;

/**
 * One log line per request: id, method, route template, status, duration and the client's
 * address (through TRUST_PROXY). Headers are never logged, so neither is a token.
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    // a 503 (deadline passed, database unreachable) is an expected answer under load, not a bug
    customLogLevel: (_req, res, err) =>
      res.statusCode === 503 ? 'warn' : err || res.statusCode >= 500 ? 'error' : 'info',
    // bound when the request starts, so the route is added when it ends (below)
    serializers: {
      req: (req: { id: string; method: string; raw: IncomingMessage }) => ({
        id: req.id,
        method: req.method,
        ip: (req.raw as Request).ip,
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customSuccessObject: (req, _res, val: object) => ({ ...val, route: routeOf(req) ?? pathOf(req) }),
    customErrorObject: (req, _res, _err, val: object) => ({ ...val, route: routeOf(req) ?? pathOf(req) }),
    customSuccessMessage: (req, res, ms) => `${req.method} ${routeOf(req) ?? pathOf(req)} ${res.statusCode} ${ms}ms`,
  }) as unknown as RequestHandler;
}
