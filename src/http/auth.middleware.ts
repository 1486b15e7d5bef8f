import type { RequestHandler } from 'express';
import { OPEN_PRINCIPAL, type Principal } from '../auth/principal';
import { unauthorized, type Verifier } from '../auth/verifier';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by authenticate(): who is asking. */
      principal: Principal;
    }
  }
}

/** Bearer tokens on every /api request; without a verifier the API is open. */
export function authenticate(verify: Verifier | undefined): RequestHandler {
  if (!verify) {
    return (req, _res, next) => {
      req.principal = OPEN_PRINCIPAL;
      next();
    };
  }
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    if (!header) throw unauthorized('Authentication credentials were not provided.');
    const match = /^Bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.?[A-Za-z0-9\-_.+/=]*)$/.exec(header);
    if (!match) throw unauthorized('The Authorization header must be "Bearer <token>".');
    req.principal = await verify(match[1]);
    next();
  };
}
