import type { TokenSource } from './types';

/** The `exp` claim of a JWT in ms, or undefined (no claim, or not a JWT). The signature is the server's business. */
export function expiresAt(token: string): number | undefined {
  try {
    const part = token.split('.')[1]?.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part ?? '')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const MAX_LEAD_MS = 60_000;

/**
 * When to fetch the next token: halfway through the rest of this one's life, at most a
 * minute before it expires. Short tokens (tests, strict deployments) still leave half their
 * life for the token function and the `auth:refresh` round trip.
 */
export function refreshDelay(token: string, now = Date.now()): number | undefined {
  const exp = expiresAt(token);
  if (exp === undefined) return undefined;
  const left = exp - now;
  return Math.max(0, left - Math.min(MAX_LEAD_MS, left / 2));
}

/** The caller's token source: a fixed token, or a function asked again when the token runs out. */
export class Tokens {
  #latest?: string;

  constructor(private readonly source?: TokenSource) {}

  /** The token last obtained. */
  get current(): string | undefined {
    return this.#latest;
  }

  get refreshable(): boolean {
    return typeof this.source === 'function';
  }

  /** A token from the source now (the function is called), remembered as the current one. */
  async fresh(): Promise<string | undefined> {
    const source = this.source;
    this.#latest = typeof source === 'function' ? await source() : source;
    return this.#latest;
  }

  /** The current token while it has life left; otherwise a fresh one. */
  async valid(): Promise<string | undefined> {
    const current = this.#latest;
    if (current === undefined || (this.refreshable && refreshDelay(current) === 0)) return this.fresh();
    return current;
  }
}
