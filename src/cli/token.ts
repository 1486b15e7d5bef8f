/**
 * Mints a development/test token signed with JWT_SECRET (HS256):
 *   npm run token -- --sub alice --campaigns <id>,<id>|'*' --scope read|write|admin --ttl 1h
 * A command-line entry point of its own, so it reads process like main.ts does.
 */
import 'dotenv/config';
import { createSecretKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { SCOPES } from '../auth/principal';

export interface TokenRequest {
  secret: string;
  sub: string;
  campaigns: '*' | string[];
  scope: string;
  ttl: string;
  issuer?: string;
  audience?: string;
}

export function mintToken(req: TokenRequest): Promise<string> {
  const jwt = new SignJWT({ scope: req.scope, campaigns: req.campaigns })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(req.sub)
    .setIssuedAt()
    .setExpirationTime(req.ttl);
  if (req.issuer) jwt.setIssuer(req.issuer);
  if (req.audience) jwt.setAudience(req.audience);
  return jwt.sign(createSecretKey(Buffer.from(req.secret)));
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      campaigns: { type: 'string', default: '' },
      scope: { type: 'string', default: 'read' },
      ttl: { type: 'string', default: '1h' },
    },
  });
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error('JWT_SECRET is not set');
  if (!values.sub) throw new Error('--sub is required');
  const scope = values.scope.split(/[\s,]+/).filter(Boolean);
  const unknown = scope.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown scope: ${unknown.join(', ')} (use ${SCOPES.join(', ')})`);
  const campaigns = values.campaigns === '*' ? '*' : values.campaigns.split(',').filter(Boolean);
  const token = await mintToken({
    secret,
    sub: values.sub,
    campaigns,
    scope: scope.join(' '),
    ttl: values.ttl,
    issuer: process.env.JWT_ISSUER,
    audience: process.env.JWT_AUDIENCE,
  });
  process.stdout.write(`${token}\n`);
}

if (require.main === module) {
  cli().catch((err: Error) => {
    process.stderr.write(`token: ${err.message}\n`);
    process.exit(2);
  });
}
