import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import { startReceiver, type Receiver } from '../support/receiver';
import { eventually } from '../support/sockets';
import { testWebhooks } from '../support/webhooks';

jest.setTimeout(60_000);

describe('dispatch with no endpoint active', () => {
  let a: App, b: App;
  let url: string;
  let receiver: Receiver;
  beforeAll(async () => {
    url = await createTestDatabase();
    [a, b] = await Promise.all([0, 1].map(() => startApp(url, { webhooks: testWebhooks() })));
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await receiver.close();
  });

  const position = async () => (await sql<{ p: string }>(url, 'SELECT position::text AS p FROM webhook_dispatch'))[0].p;

  it('runs no pass, and the first endpoint gets what follows it, never the backlog from before', async () => {
    const campaign = await createCampaign(a);
    for (let i = 0; i < 10; i++) await createChat(b, campaign.id, { message: `before ${i}` });
    const stood = await position();

    // switched on through one instance; the other's dispatcher believed none was active
    await api(a)
      .post('/api/webhooks/')
      .send({ url: receiver.url, events: ['chat:created'] })
      .expect(201);
    const [{ head }] = await sql<{ head: string }>(url, 'SELECT max(id)::text AS head FROM events');
    expect(BigInt(await position())).toBeGreaterThanOrEqual(BigInt(head));
    expect(BigInt(head)).toBeGreaterThan(BigInt(stood));
    await createChat(b, campaign.id, { message: 'after' });

    // the log is dispatched in order: once 'after' arrived, nothing from before can follow
    await eventually(() => receiver.hits.length > 0, 10_000, 'the first delivery');
    expect(receiver.hits.map((h) => h.body.data.message)).toEqual(['after']);
  });
});
