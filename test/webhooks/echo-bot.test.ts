import type { App } from '../../src/app';
import { createEchoBot, type EchoBot } from '../../src/cli/echo-bot';
import { freshApp } from '../support/app';
import { api, createCampaign } from '../support/http';
import { closeSockets, eventually, open, subscribe } from '../support/sockets';
import { testWebhooks } from '../support/webhooks';

afterEach(closeSockets);

jest.setTimeout(60_000);

describe('the echo bot', () => {
  let app: App;
  let bot: EchoBot;
  beforeAll(async () => {
    ({ app } = await freshApp({ webhooks: testWebhooks() }));
    bot = createEchoBot({ apiUrl: app.url });
    await bot.start();
  });
  afterAll(async () => {
    await bot.stop();
    await app.stop();
  });

  it('answers a human chat posted through REST, and the answer reaches a room subscriber', async () => {
    const campaign = await createCampaign(app);
    const { socket, received } = await open(app);
    await subscribe(socket, campaign.id);
    await api(app)
      .post('/api/chats/')
      .send({ campaign: campaign.id, author: 'human', message: 'hello bot' })
      .expect(201);

    await eventually(() => received.length === 2, 30_000, 'the chat and its answer in the room');
    expect(received.map((r) => [r.name, (r.event.data as { author?: string }).author, r.event.data.message])).toEqual([
      ['chat:created', 'human', 'hello bot'],
      ['chat:created', 'ai', 'echo: hello bot'],
    ]);
  });

  it('refuses a delivery whose signature does not verify', async () => {
    const res = await fetch(bot.url, {
      method: 'POST',
      headers: { 'Webhook-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
      body: JSON.stringify({ name: 'chat:created' }),
    });
    expect(res.status).toBe(401);
  });

  it('removes its endpoint when it stops', async () => {
    const other = createEchoBot({ apiUrl: app.url });
    await other.start();
    await api(app).get(`/api/webhooks/${other.endpoint}/`).expect(200);
    await other.stop();
    await api(app).get(`/api/webhooks/${other.endpoint}/`).expect(404);
  });
});
