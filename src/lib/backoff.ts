/**
 * Exponential backoff with jitter: base·2^(n-1), capped, then a random 50–100 % of it, so
 * instances retrying the same failure don't stampede. `attempt` counts from 1.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(ceiling * (0.5 + random() / 2));
}
