import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import { startReceiver } from '../support/receiver';
import { eventually } from '../support/sockets';
import { testWebhooks } from '../support/webhooks';

jest.setTimeout(120_000);

describe('an instance stopping with a delivery in flight', () => {
  it('stops within seconds, counts nothing against the endpoint, and another instance delivers', async () => {
    const url = await createTestDatabase();
    const receiver = await startReceiver((_hit, hits) => (hits.length === 1 ? 'hang' : 200));
    const settings = testWebhooks({ timeoutMs: 60_000 });
    const first = await startApp(url, { webhooks: settings });
    try {
      const campaign = await createCampaign(first);
      const { body: endpoint } = await api(first)
        .post('/api/webhooks/')
        .send({ url: receiver.url, events: ['chat:created'] })
        .expect(201);
      await createChat(first, campaign.id);
      await eventually(() => receiver.hits.length === 1, 30_000, 'the attempt in flight');

      const stopping = Date.now();
      await first.stop();
      // the runner waits a few seconds for jobs, then aborts them: far less than the 60 s timeout
      expect(Date.now() - stopping).toBeLessThan(30_000);
      const [row] = await sql<{ attempts: number; failing_since: string | null }>(
        url,
        `SELECT (SELECT count(*)::int FROM webhook_attempts) AS attempts,
                (SELECT failing_since::text FROM webhook_endpoints WHERE id = $1) AS failing_since`,
        [endpoint.id],
      );
      expect(row).toEqual({ attempts: 0, failing_since: null });

      const second = await startApp(url, { webhooks: settings });
      try {
        await eventually(() => receiver.accepted.size === 1, 30_000, 'the delivery by the other instance');
        expect(receiver.hits[1].raw).toBe(receiver.hits[0].raw);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
      await receiver.close();
    }
  });
});
