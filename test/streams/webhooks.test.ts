import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { api, createCampaign } from '../support/http';
import { startReceiver, type Receiver } from '../support/receiver';
import { eventually } from '../support/sockets';
import { testWebhooks } from '../support/webhooks';

jest.setTimeout(60_000);

describe('webhooks of a streamed chat', () => {
  let app: App;
  let receiver: Receiver;
  beforeAll(async () => {
    ({ app } = await freshApp({ webhooks: testWebhooks() }));
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('dispatch chat:created once, when the stream ends, with its final text and status; never a delta', async () => {
    const campaign = await createCampaign(app);
    await api(app)
      .post('/api/webhooks/')
      .send({ url: receiver.url, events: ['chat:created', 'chat:updated'] })
      .expect(201);
    const start = async () =>
      (
        await api(app)
          .post('/api/chats/')
          .send({ campaign: campaign.id, author: 'ai', status: 'streaming', message: 'Hi' })
          .expect(201)
      ).body as { id: string };
    const done = await start();
    const stopped = await start();
    for (const [id, text] of [
      [done.id, ' there'],
      [stopped.id, ' and'],
    ]) {
      await api(app).post(`/api/chats/${id}/append/`).send({ seq: 1, text }).expect(200);
    }
    await api(app).post(`/api/chats/${done.id}/finish/`).send({}).expect(200);
    await api(app).post(`/api/chats/${stopped.id}/cancel/`).expect(200);
    // a chat written whole after both: once it is delivered, both streams' deliveries were decided
    const { body: sentinel } = await api(app)
      .post('/api/chats/')
      .send({ campaign: campaign.id, author: 'human', message: 'after' })
      .expect(201);
    await eventually(() => receiver.hits.some((h) => h.body.data.id === sentinel.id), 30_000, 'the sentinel', 50);
    const streamed = receiver.hits.filter((h) => h.body.data.id !== sentinel.id).map((h) => h.body);
    // deliveries run side by side: their order of arrival is not the log's
    const seen = streamed.map((d) => [d.name, d.data.id, d.data.message, (d.data as { status?: string }).status]);
    expect(seen.sort((x, y) => String(x[2]).localeCompare(String(y[2])))).toEqual([
      ['chat:created', stopped.id, 'Hi and', 'cancelled'],
      ['chat:created', done.id, 'Hi there', 'complete'],
    ]);
  });
});
