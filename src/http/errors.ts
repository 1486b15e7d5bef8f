import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, NotFoundError } from '../errors';
import { fromDatabaseError } from '../postgres/errors';

/** body-parser's errors carry a `type`; each maps to a clear 4xx. */
function fromBodyParserError(err: { type?: string; status?: number; message?: string }): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('parse_error', `JSON parse error - ${err.message}`);
    case 'entity.too.large':
      return new AppError('too_large', 'Request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', err.message ?? 'Unsupported encoding.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('bad_request', err.message ?? 'Bad request.');
  }
  if (err.status && err.status >= 400 && err.status < 500) {
    return new AppError('bad_request', err.message ?? 'Bad request.', undefined, err.status);
  }
  return undefined;
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  // a path segment that is not valid percent-encoding names nothing that exists
  if (err instanceof URIError) return new NotFoundError();
  return fromDatabaseError(err) ?? fromBodyParserError(err as { type?: string });
}

/**
 * The body a client sees for an error: DRF's shapes. Field errors are keyed by field;
 * everything else is {"detail": …}. A 400 about the whole body carries both.
 */
export function errorBody(err: AppError): Record<string, unknown> {
  if (err.details) return { detail: err.message, code: err.code, ...err.details };
  if (!err.fields) return { detail: err.message };
  if (err.fields.non_field_errors) return { detail: err.message, ...err.fields };
  return err.fields;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    if (!appError) {
      // never returned: the stack stays in the log
      logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
      res.status(500).json({ detail: 'Internal server error.' });
      return;
    }
    if (appError.status === 503) res.set('Retry-After', '1');
    if (appError.status === 401) res.set('WWW-Authenticate', 'Bearer realm="api"');
    res.status(appError.status).json(errorBody(appError));
  };
}

export const notFound: RequestHandler = () => {
  throw new NotFoundError();
};

/** 405 with the Allow header naming what the route does accept. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  const allow = [...allowed, 'HEAD', 'OPTIONS'].join(', ');
  return (req, res) => {
    res.set('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(200).json({});
      return;
    }
    res.status(405).json({ detail: `Method "${req.method}" not allowed.` });
  };
}
