import { createPublicKey, createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type KeyLike } from 'jose';
import type { AuthConfig } from '../config';
import { AppError } from '../errors';
import { UUID_RE } from '../protocol';
import { SCOPES, type Principal, type Scope } from './principal';

export const unauthorized = (message: string) => new AppError('unauthorized', message);

export type Verifier = (token: string) => Promise<Principal>;

/** HS256 with a secret, RS256/ES256 with a public key, or whatever a JWKS publishes (cached by jose, refetched on an unknown kid). */
function keySource(config: AuthConfig): { key: KeyLike | Uint8Array | JWTVerifyGetKey; algorithms: string[] } {
  if (config.jwksUrl) {
    const jwks = createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: config.jwksCooldownMs });
    return { key: jwks, algorithms: ['RS256', 'ES256'] };
  }
  if (config.publicKey) return { key: createPublicKey(config.publicKey), algorithms: ['RS256', 'ES256'] };
  if (config.secret) return { key: createSecretKey(Buffer.from(config.secret)), algorithms: ['HS256'] };
  throw new Error('no token settings');
}

/** The claims this API understands: sub, scope (space-separated), campaigns (ids or "*"). */
export function principalFrom(payload: JWTPayload): Principal {
  if (typeof payload.sub !== 'string' || !payload.sub) throw unauthorized('The token has no subject.');
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  const claim = payload.campaigns;
  const campaigns =
    claim === '*'
      ? '*'
      : new Set(
          Array.isArray(claim) ? claim.filter((id): id is string => typeof id === 'string' && UUID_RE.test(id)) : [],
        );
  return {
    sub: payload.sub,
    scopes: new Set(scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s))),
    campaigns: campaigns === '*' ? '*' : new Set([...campaigns].map((id) => id.toLowerCase())),
    expiresAt: payload.exp,
  };
}

function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The token has expired.';
  if (err instanceof errors.JWTClaimValidationFailed) return `The token's ${err.claim} claim is not accepted.`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid.';
  if (err instanceof errors.JWKSNoMatchingKey) return 'The token was signed with an unknown key.';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The token algorithm is not accepted.';
  if (err instanceof AppError) return err.message;
  return 'The token is malformed.';
}

export function createVerifier(config: AuthConfig): Verifier {
  const { key, algorithms } = keySource(config);
  const options = { algorithms, issuer: config.issuer, audience: config.audience };
  return async (token) => {
    try {
      const { payload } =
        typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
      return principalFrom(payload);
    } catch (err) {
      throw unauthorized(reason(err));
    }
  };
}
