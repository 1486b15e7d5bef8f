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

  it('with --stream, writes its answer word by word as a streamed chat, and stops when cancelled', async () => {
    const streaming = createEchoBot({ apiUrl: app.url, stream: true, pieceMs: 30 });
    await streaming.start();
    try {
      const campaign = await createCampaign(app);
      const watcher = await open(app);
      await subscribe(watcher.socket, campaign.id);
      const say = (message: string) =>
        api(app).post('/api/chats/').send({ campaign: campaign.id, author: 'human', message }).expect(201);
      const words = 'one two three four five six seven eight nine ten';
      await say(words);
      // the other bot answers whole; this one's answer is the chat with deltas
      const streamed = () => [...new Set(watcher.streams.deltas.map((d) => d.id))];
      await eventually(() => watcher.streams.statuses.get(streamed()[0]) === 'complete', 30_000, 'the streamed answer');
      const [id] = streamed();
      expect(watcher.streams.texts.get(id)).toBe(`echo: ${words}`);
      expect(watcher.streams.deltas.filter((d) => d.id === id).length).toBeGreaterThan(3);
      const ai = watcher.received.filter((r) => r.event.data.id === id).map((r) => r.name);
      expect(ai).toEqual(['chat:created', 'chat:updated']);

      // a long answer, stopped by a member: the bot stops writing it
      await say(Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '));
      const long = () => streamed()[1];
      await eventually(() => (watcher.streams.texts.get(long()) ?? '').length > 20, 30_000, 'the long answer');
      await api(app).post(`/api/chats/${long()}/cancel/`).expect(200);
      await eventually(() => watcher.streams.statuses.get(long() as string) === 'cancelled', 10_000, 'the cancel');
      const { body } = await api(app).get(`/api/chats/${long()}/`).expect(200);
      expect(body.status).toBe('cancelled');
      expect(body.message.length).toBeLessThan('echo: '.length + 200 * 4);
    } finally {
      await streaming.stop();
    }
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
