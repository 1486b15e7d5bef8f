import type { RequestHandler } from 'express';
import type Joi from 'joi';
import { ValidationError } from '../errors';
import { toFieldErrors, VALIDATE_OPTIONS } from '../schemas/common';

/** Validates query and body once, at the edge, replacing them with the validated values. */
export function validate(schemas: { query?: Joi.ObjectSchema; body?: Joi.ObjectSchema }): RequestHandler {
  return (req, _res, next) => {
    if (schemas.query) {
      const { value, error } = schemas.query.validate(req.query, VALIDATE_OPTIONS);
      if (error) throw new ValidationError(toFieldErrors(error));
      // Express 5 exposes req.query as a getter; shadow it with the validated copy
      Object.defineProperty(req, 'query', { value, configurable: true, enumerable: true });
    }
    if (schemas.body) {
      const { value, error } = schemas.body.validate(req.body ?? {}, VALIDATE_OPTIONS);
      if (error) throw new ValidationError(toFieldErrors(error));
      req.body = value;
    }
    next();
  };
}
