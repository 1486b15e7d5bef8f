import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-express';
import type { Verifier } from '../auth/verifier';
import { corsOrigin, type RateLimits } from '../config';
import type { Feed } from '../pubsub/feed';
import { authenticate } from './auth.middleware';
import { rateLimit } from './rate-limit';
import { captureRoute, requestLog } from './request-log';
import { measureRequests, metricsEndpoint } from './metrics.middleware';
import type { Histogram, Registry } from 'prom-client';
import { cancelOnClose, inflightLimit } from './request-scope';
import { bodyParsing } from './body';
import { clientBundle } from './client-bundle';
import { consoleRouter } from './console';
import { errorHandler, methodNotAllowed, notFound } from './errors';
import { openApiDocument } from './openapi';
import { apiRouter, type ApiServices } from './routes/api.router';
import { isUiStream } from './routes/ui-stream.router';

export interface HttpOptions {
  bodyLimit: string;
  trustProxy: boolean | number | string;
  logger: Logger;
  /** Without one, the API is open (development). */
  verify?: Verifier;
  rateLimits: RateLimits;
  maxInflightPerClient: number;
  /** Runs a request's handlers with its cancel signal (the database's request scope). */
  forRequest: <T>(signal: AbortSignal, fn: () => T) => T;
  corsOrigins: string[];
  /** Prometheus metrics: observed requests and the /metrics endpoint (absent when disabled). */
  metrics?: { registry: Registry; httpDuration: Histogram<'method' | 'route' | 'status'>; token?: string };
  /** Resolves when the app can serve (database reachable, listener connected). */
  readiness: () => Promise<{ ready: boolean; checks: Record<string, boolean> }>;
  /** The built browser bundle served at /client.js (default: where `npm run build` puts it). */
  clientBundlePath?: string;
  /** The built web console served at / (default: where `npm run build` puts it). */
  consoleDir?: string;
  /** What the AI SDK's streams (GET …/{id}/stream) follow chats through. */
  feed: Feed;
  /** Idle time after which such a stream gets a keep-alive comment. */
  sseKeepAliveMs: number;
}

/** Builds the Express app; listening is the caller's business. */
export function createHttpApp(services: ApiServices, opts: HttpOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', opts.trustProxy);
  app.use(captureRoute, requestLog(opts.logger));
  if (opts.metrics) {
    app.use(measureRequests(opts.metrics.httpDuration));
    app.get('/metrics', metricsEndpoint(opts.metrics.registry, opts.metrics.token));
  }
  app.use(helmet());
  app.use(cors({ origin: corsOrigin(opts.corsOrigins) }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const { ready, checks } = await opts.readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  // same origin as the API, so helmet's CSP (script-src 'self') lets a page import it
  app
    .route('/client.js')
    .get(clientBundle(opts.clientBundlePath))
    .all(methodNotAllowed(['GET']));
  app.use(consoleRouter(opts.consoleDir));

  const openapi = openApiDocument();
  app
    .route('/api/openapi.json')
    .get((_req, res) => {
      res.json(openapi);
    })
    .all(methodNotAllowed(['GET']));
  app.use('/api/docs', swaggerUi.serve, swaggerUi.setup(openapi));

  const inflight = inflightLimit(opts.maxInflightPerClient);
  // a stream lasts as long as its chat: it would hold one of the client's slots for minutes
  const inflightUnlessStream: RequestHandler = (req, res, next) =>
    isUiStream(req) ? next() : inflight(req, res, next);
  app.use(
    '/api',
    authenticate(opts.verify),
    rateLimit(opts.rateLimits),
    inflightUnlessStream,
    bodyParsing(opts.bodyLimit),
    cancelOnClose(opts.forRequest),
    apiRouter(services, { feed: opts.feed, keepAliveMs: opts.sseKeepAliveMs }),
  );
  app.use(notFound);
  app.use(errorHandler(opts.logger));
  return app;
}
