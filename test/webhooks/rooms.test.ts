import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import { startReceiver, type Receiver } from '../support/receiver';
import { closeSockets, eventually, open, subscribe } from '../support/sockets';
import { testWebhooks } from '../support/webhooks';

afterEach(closeSockets);

jest.setTimeout(120_000);

describe('a receiver that never answers', () => {
  let app: App;
  let url: string;
  let receiver: Receiver;
  beforeAll(async () => {
    ({ app, url } = await freshApp({ webhooks: testWebhooks({ timeoutMs: 10_000, concurrency: 2 }) }));
    receiver = await startReceiver(() => 'hang');
  });
  afterAll(async () => {
    await receiver.close(); // the hanging attempts fail at once, so stopping need not wait for them
    await app.stop();
  });

  it('holds no room back: chats reach the room while their webhook attempts still wait on the 10 s timeout', async () => {
    const campaign = await createCampaign(app);
    await api(app)
      .post('/api/webhooks/')
      .send({ url: receiver.url, events: ['chat:created'] })
      .expect(201);
    const { socket, received } = await open(app);
    await subscribe(socket, campaign.id);

    for (let i = 0; i < 20; i++) await createChat(app, campaign.id, { message: `m${i}` });
    await eventually(() => received.length === 20, 15_000, 'the room');
    // the receiver was engaged, and not one attempt has ended yet: the room did not wait for them
    expect(receiver.hits.length).toBeGreaterThan(0);
    const [{ n }] = await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM webhook_attempts');
    expect(n).toBe(0);
    expect(received.map((r) => r.event.data.message)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });
});
