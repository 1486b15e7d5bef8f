/** Jittered exponential backoff (±50 %), as Socket.IO's manager does for its reconnects. */
export const backoff = (attempt: number, baseMs = 500, maxMs = 10_000): number =>
  Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20)) * (0.5 + Math.random());

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
