import type { WebhookSettings } from '../../src/config';

/** The environment of a server process with the job runner on: loopback receivers, quick polling. */
export const webhookProcessEnv = (env: Record<string, string>): Record<string, string> => ({
  WEBHOOKS: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  ...env,
});

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
