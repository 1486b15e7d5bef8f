import type { WebhookSettings } from '../../src/config';

/** Webhook settings for tests: loopback receivers allowed, tiny backoff, quick polling. */
export const testWebhooks = (overrides: Partial<WebhookSettings> = {}): WebhookSettings => ({
  enabled: true,
  allowPrivate: true,
  timeoutMs: 2_000,
  concurrency: 4,
  retryBaseMs: 50,
  retryMaxMs: 200,
  retryHours: 24,
  pollIntervalMs: 100,
  logRetentionHours: 72,
  ...overrides,
});
