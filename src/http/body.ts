import express, { type RequestHandler } from 'express';
import { AppError } from '../errors';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

const describe = (body: unknown): string => (Array.isArray(body) ? 'list' : body === null ? 'null' : typeof body);

/**
 * JSON (and form-encoded) bodies only; a body of any other type is 415, a body that is
 * not an object is 400. Parse and size errors reach the error handler from body-parser.
 */
export function bodyParsing(limit: string): RequestHandler[] {
  const requireObject: RequestHandler = (req, _res, next) => {
    if (!WITH_BODY.has(req.method)) return next();
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(['application/json', 'application/*+json', 'application/x-www-form-urlencoded'])) {
      throw new AppError(
        'unsupported_media_type',
        `Unsupported media type "${req.headers['content-type'] ?? ''}" in request.`,
      );
    }
    if (req.body === undefined) req.body = {};
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new AppError('invalid', `Invalid data. Expected a dictionary, but got ${describe(req.body)}.`, {
        non_field_errors: [`Invalid data. Expected a dictionary, but got ${describe(req.body)}.`],
      });
    }
    next();
  };
  return [
    express.json({ limit, strict: false, type: ['application/json', 'application/*+json'] }),
    express.urlencoded({ limit, extended: false }),
    requireObject,
  ];
}
