import type { App } from '../../src/app';
import type { ChatDelta, ChatRep, Room } from '../../src/client';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { createCampaign } from '../support/http';
import { portOf, startProxy, type TcpProxy } from '../support/proxy';
import { eventually, sleep } from '../support/sockets';
import { chatClient, closeClients } from './support';

jest.setTimeout(60_000);

let url: string;
let a: App;
let b: App;
let proxy: TcpProxy;
beforeAll(async () => {
  url = await createTestDatabase();
  [a, b] = await Promise.all([startApp(url), startApp(url)]);
  proxy = await startProxy(portOf(a.url));
});
afterEach(closeClients);
afterAll(async () => {
  await proxy?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

const live = (room: Room) => eventually(() => room.state === 'live', 10_000, 'the room to be live');
const chatIn = (room: Room, id: string) => room.chats.find((c) => c.id === id);
const committed = async (id: string) =>
  (await sql<{ message: string; status: string }>(url, 'SELECT message, status FROM chats WHERE id = $1', [id]))[0];

/** Words at about `perSecond`, as a model would send tokens. */
async function* words(n: number, perSecond = 200, onStop?: () => void) {
  try {
    for (let i = 0; i < n; i++) {
      yield i % 9 === 4 ? `w${i}\n` : `w${i} `;
      await sleep(1000 / perSecond);
    }
  } finally {
    onStop?.();
  }
}
const text = (n: number) => Array.from({ length: n }, (_, i) => (i % 9 === 4 ? `w${i}\n` : `w${i} `)).join('');

describe('streamed chats in the client library', () => {
  it("a consumer's room.chats grows with each delta, exactly, and ends with the final status", async () => {
    const campaign = await createCampaign(a);
    const consumer = chatClient({ url: b.url }).room(campaign.id);
    await live(consumer);
    const deltas: ChatDelta[] = [];
    const grown: string[] = [];
    consumer.on('chat:delta', (chat, delta) => (deltas.push(delta), grown.push(chat.message)));
    const producer = chatClient({ url: a.url }).room(campaign.id);
    await live(producer);
    const final = await producer.streamText(words(60), { author: 'ai' });
    expect(final).toMatchObject({ message: text(60), status: 'complete' });
    await eventually(() => chatIn(consumer, final.id)?.status === 'complete', 10_000, 'the end');
    expect(chatIn(consumer, final.id)?.message).toBe(text(60));
    expect(deltas.length).toBeGreaterThan(1);
    // each delta grew the message, never repeated or skipped text
    for (const message of grown) expect(message).toBe(text(60).slice(0, message.length));
    expect(new Set(grown).size).toBe(grown.length);
  });

  it('startStream: write() never waits, end() resolves once every piece is committed', async () => {
    const campaign = await createCampaign(a);
    const room = chatClient({ url: a.url }).room(campaign.id);
    await live(room);
    const stream = await room.startStream({ author: 'ai', message: '> ' });
    const pieces = Array.from({ length: 200 }, (_, i) => `${i},`);
    for (const piece of pieces) stream.write(piece);
    const final = await stream.end();
    expect(final).toMatchObject({ id: stream.id, message: '> ' + pieces.join(''), status: 'complete' });
    expect(await committed(stream.id)).toEqual({ message: '> ' + pieces.join(''), status: 'complete' });
    // waiting text goes as one append: far fewer appends than writes
    const [{ seq }] = await sql<{ seq: number }>(
      url,
      `SELECT max((keys->>'hi')::int) AS seq FROM events WHERE op = 'delta' AND entity_id = $1`,
      [stream.id],
    );
    expect(seq).toBeLessThan(50);
  });

  it('a cancel from another member stops the producer: signal aborts, the source is no longer pulled, cancelled', async () => {
    const campaign = await createCampaign(a);
    const producer = chatClient({ url: a.url }).room(campaign.id);
    const consumer = chatClient({ url: b.url }).room(campaign.id);
    await Promise.all([live(producer), live(consumer)]);
    let stoppedPulling = false;
    const done = producer.streamText(
      words(10_000, 50, () => (stoppedPulling = true)),
      { author: 'ai' },
    );
    await eventually(
      () => consumer.chats.some((c) => c.status === 'streaming' && c.message.length > 10),
      10_000,
      'text',
    );
    const streaming = consumer.chats.find((c) => c.status === 'streaming') as ChatRep;
    const cancelled = await consumer.cancel(streaming.id);
    expect(cancelled.status).toBe('cancelled');
    const final = await done;
    expect(final).toMatchObject({ id: streaming.id, status: 'cancelled' });
    expect(final.message.length).toBeGreaterThan(10);
    await eventually(() => stoppedPulling, 5_000, 'the source to be released');
    expect(await committed(streaming.id)).toEqual({ message: final.message, status: 'cancelled' });
    await eventually(() => chatIn(consumer, streaming.id)?.status === 'cancelled', 10_000, 'the consumer');
    expect(chatIn(consumer, streaming.id)?.message).toBe(final.message);
  });

  it('client.chats.cancel stops a stream over REST; a source that throws fails the chat', async () => {
    const campaign = await createCampaign(a);
    const client = chatClient({ url: a.url });
    const room = client.room(campaign.id);
    await live(room);
    const stream = await room.startStream({ author: 'ai' });
    stream.write('some');
    const aborted = new Promise((resolve) =>
      stream.signal.addEventListener('abort', () => resolve(stream.signal.reason)),
    );
    expect((await client.chats.cancel(stream.id)).status).toBe('cancelled');
    expect(await aborted).toMatchObject({ code: 'stream_closed', details: { status: 'cancelled' } });
    expect((await stream.end()).status).toBe('cancelled');

    async function* broken() {
      yield 'partial ';
      throw new Error('the model failed');
    }
    await expect(room.streamText(broken(), { author: 'ai' })).rejects.toThrow('the model failed');
    await eventually(
      () => room.chats.some((c) => c.message === 'partial ' && c.status === 'failed'),
      10_000,
      'the failed chat',
    );
  });

  it('the producer and a consumer move between instances mid-stream: the text stays exact for both', async () => {
    const campaign = await createCampaign(a);
    const producer = chatClient({ url: proxy.url }).room(campaign.id);
    const consumer = chatClient({ url: proxy.url }).room(campaign.id);
    const steady = chatClient({ url: b.url }).room(campaign.id);
    await Promise.all([live(producer), live(consumer), live(steady)]);
    let moves = 0;
    const moving = (async () => {
      for (const target of [b, a, b]) {
        await sleep(300);
        proxy.point(portOf(target.url));
        proxy.cut(); // every connection through the balancer drops mid-stream
        moves++;
      }
    })();
    const final = await producer.streamText(words(150, 100), { author: 'ai' });
    await moving;
    expect(moves).toBe(3);
    expect(final).toMatchObject({ message: text(150), status: 'complete' });
    for (const room of [consumer, steady]) {
      await eventually(() => chatIn(room, final.id)?.status === 'complete', 15_000, 'the end');
      expect(chatIn(room, final.id)?.message).toBe(text(150));
    }
  });

  it('a room subscribing mid-stream, and one whose cursor expired, hold the text so far and follow it', async () => {
    const campaign = await createCampaign(a);
    const producer = chatClient({ url: a.url }).room(campaign.id);
    await live(producer);
    const stream = await producer.startStream({ author: 'ai' });
    stream.write('first half, ');
    await eventually(async () => (await committed(stream.id)).status === 'streaming', 5_000, 'the stream');
    await sleep(100);
    const late = chatClient({ url: b.url }).room(campaign.id);
    await live(late);
    await eventually(() => chatIn(late, stream.id)?.message === 'first half, ', 10_000, 'the text so far');
    late.expire(); // as when the server says the cursor is too old: a fresh subscribe and a reload
    stream.write('second half');
    const final = await stream.end();
    await eventually(() => chatIn(late, stream.id)?.status === 'complete', 10_000, 'the end');
    expect(chatIn(late, stream.id)?.message).toBe(final.message);
    expect(final.message).toBe('first half, second half');
  });
});

describe('a stream whose room closes', () => {
  it('stops: its signal aborts with `closed`, end() rejects, and nothing keeps retrying', async () => {
    const campaign = await createCampaign(a);
    const room = chatClient({ url: a.url }).room(campaign.id);
    await live(room);
    const stream = await room.startStream({ author: 'ai' });
    stream.write('before ');
    room.close();
    stream.write('after');
    expect(stream.signal.reason).toMatchObject({ code: 'closed' });
    await expect(stream.end()).rejects.toMatchObject({ code: 'closed' });
  });
});
