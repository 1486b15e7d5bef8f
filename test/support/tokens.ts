import { mintToken } from '../../src/cli/token';
import type { Config } from '../../src/config';

export const SECRET = 'test-secret-test-secret-test-secret-0123';

export const jwtConfig = (extra: Partial<NonNullable<Config['auth']>> = {}): Partial<Config> => ({
  auth: { secret: SECRET, ...extra },
  authOpenByDefault: false,
});

export const token = (opts: {
  sub?: string;
  campaigns?: '*' | string[];
  scope?: string;
  ttl?: string;
  secret?: string;
}) =>
  mintToken({
    secret: opts.secret ?? SECRET,
    sub: opts.sub ?? 'alice',
    campaigns: opts.campaigns ?? '*',
    scope: opts.scope ?? 'read',
    ttl: opts.ttl ?? '1h',
  });

export const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
