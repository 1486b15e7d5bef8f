import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';

/** A streaming chat in a fresh campaign. */
async function startStream(app: App, body: Record<string, unknown> = {}) {
  const campaign = await createCampaign(app);
  const res = await api(app)
    .post('/api/chats/')
    .send({ campaign: campaign.id, author: 'ai', status: 'streaming', ...body })
    .expect(201);
  return res.body as { id: string; campaign: string; message: string; status: string };
}

const append = (app: App, id: string, seq: unknown, text: unknown) =>
  api(app).post(`/api/chats/${id}/append/`).send({ seq, text });

describe('streamed chats over REST', () => {
  let app: App;
  let url: string;
  beforeAll(async () => ({ app, url } = await freshApp({ bodyLimit: '1kb' })));
  afterAll(() => app?.stop());

  it('open with status streaming and an empty message, grow by appends, and finish complete', async () => {
    const chat = await startStream(app);
    expect(chat).toMatchObject({ message: '', status: 'streaming', author: 'ai' });
    expect((await append(app, chat.id, 1, 'Hello').expect(200)).body).toEqual({ seq: 1, length: 5 });
    expect((await append(app, chat.id, 2, ', world\n').expect(200)).body).toEqual({ seq: 2, length: 13 });
    // the text so far, in detail, in lists and nested in its campaign
    expect((await api(app).get(`/api/chats/${chat.id}/`).expect(200)).body).toMatchObject({
      message: 'Hello, world\n',
      status: 'streaming',
    });
    const campaign = (await api(app).get(`/api/campaigns/${chat.campaign}/`).expect(200)).body;
    expect(campaign.chats[0]).toMatchObject({ message: 'Hello, world\n', status: 'streaming' });
    const done = await api(app).post(`/api/chats/${chat.id}/finish/`).send({}).expect(200);
    expect(done.body).toMatchObject({ id: chat.id, message: 'Hello, world\n', status: 'complete' });
    // folded into the chat: nothing of the stream is left behind
    const left = await sql<{ n: number }>(
      url,
      `SELECT (SELECT count(*) FROM chat_pieces WHERE chat_id = $1) + (SELECT count(*) FROM chat_streams WHERE chat_id = $1) AS n`,
      [chat.id],
    );
    expect(Number(left[0].n)).toBe(0);
  });

  it('keep text exactly as sent, and count lengths in JavaScript string units', async () => {
    const chat = await startStream(app, { message: '  lead ' });
    expect((await append(app, chat.id, 1, ' 🎉\n\n ').expect(200)).body).toEqual({ seq: 1, length: 7 + 6 });
    const done = await api(app).post(`/api/chats/${chat.id}/finish/`).send({ status: 'complete' }).expect(200);
    expect(done.body.message).toBe('  lead  🎉\n\n ');
  });

  it('take a repeated seq with the same text as a no-op success, and refuse any other seq with the expected one', async () => {
    const chat = await startStream(app);
    await append(app, chat.id, 1, 'a').expect(200);
    await append(app, chat.id, 2, 'bc').expect(200);
    expect((await append(app, chat.id, 1, 'a').expect(200)).body).toEqual({ seq: 1, length: 1 });
    expect((await append(app, chat.id, 2, 'bc').expect(200)).body).toEqual({ seq: 2, length: 3 });
    for (const [seq, text] of [
      [4, 'd'],
      [2, 'other'],
    ] as const) {
      const res = await append(app, chat.id, seq, text).expect(409);
      expect(res.body).toMatchObject({ code: 'out_of_order', expected: 3 });
    }
    expect((await api(app).get(`/api/chats/${chat.id}/`)).body.message).toBe('abc');
  });

  it('refuse bad input with field errors, writing nothing', async () => {
    const chat = await startStream(app);
    const cases: [unknown, unknown, string][] = [
      [-1, 'x', 'seq'],
      [0, 'x', 'seq'],
      [1.5, 'x', 'seq'],
      [2 ** 31, 'x', 'seq'],
      ['one', 'x', 'seq'],
      [undefined, 'x', 'seq'],
      [1, 5, 'text'],
      [1, null, 'text'],
      [1, undefined, 'text'],
      [1, 'nul\u0000', 'text'],
    ];
    for (const [seq, text, field] of cases) {
      const res = await append(app, chat.id, seq, text).expect(400);
      expect(res.body[field]).toEqual([expect.any(String)]);
    }
    await api(app).post(`/api/chats/${chat.id}/finish/`).send({ status: 'streaming' }).expect(400);
    await api(app).post(`/api/chats/${chat.id}/finish/`).send({ status: 'cancelled' }).expect(400);
    await api(app).post('/api/chats/').send({ campaign: chat.campaign, author: 'ai', status: 'failed' }).expect(400);
    expect((await append(app, chat.id, 1, 'ok').expect(200)).body).toEqual({ seq: 1, length: 2 });
  });

  it('answer an unknown or malformed chat id with 404, whatever the body', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    await append(app, unknown, 1, 'x').expect(404);
    await append(app, unknown, 'bad', 5).expect(404);
    await append(app, 'not-a-uuid', 1, 'x').expect(404);
    await api(app).post(`/api/chats/${unknown}/finish/`).send({}).expect(404);
    await api(app).post(`/api/chats/${unknown}/cancel/`).send({}).expect(404);
    await api(app).get(`/api/chats/${unknown}/append/`).expect(405);
  });

  it('cap the whole message at what a chat created whole may hold (413), keeping what came before', async () => {
    const chat = await startStream(app);
    await append(app, chat.id, 1, 'x'.repeat(600)).expect(200);
    const res = await append(app, chat.id, 2, 'y'.repeat(500)).expect(413);
    expect(res.body.detail).toMatch(/at most 1024/);
    expect((await append(app, chat.id, 2, 'y'.repeat(424)).expect(200)).body).toEqual({ seq: 2, length: 1024 });
    await append(app, chat.id, 3, 'z').expect(413);
    expect((await api(app).get(`/api/chats/${chat.id}/`)).body.message).toHaveLength(1024);
  });

  it('close for good: an append after the end is 409 stream_closed with the status', async () => {
    const chat = await startStream(app);
    await append(app, chat.id, 1, 'partial').expect(200);
    const cancelled = await api(app).post(`/api/chats/${chat.id}/cancel/`).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', message: 'partial' });
    // cancelling again answers it again; finishing it, or appending, is refused
    expect((await api(app).post(`/api/chats/${chat.id}/cancel/`).expect(200)).body.status).toBe('cancelled');
    const res = await append(app, chat.id, 2, 'more').expect(409);
    expect(res.body).toMatchObject({ code: 'stream_closed', status: 'cancelled' });
    expect((await api(app).post(`/api/chats/${chat.id}/finish/`).send({}).expect(409)).body.status).toBe('cancelled');

    const failed = await startStream(app);
    expect((await api(app).post(`/api/chats/${failed.id}/finish/`).send({ status: 'failed' })).body.status).toBe(
      'failed',
    );
    await api(app).post(`/api/chats/${failed.id}/finish/`).send({ status: 'failed' }).expect(200);
    expect((await api(app).post(`/api/chats/${failed.id}/cancel/`).expect(409)).body.code).toBe('stream_closed');

    const whole = await createChat(app, chat.campaign);
    expect((await append(app, whole.id, 1, 'x').expect(409)).body).toMatchObject({ status: 'complete' });
  });

  it('refuse edits of a streaming chat (409 stream_open), and ignore status in edits', async () => {
    const chat = await startStream(app);
    const res = await api(app).patch(`/api/chats/${chat.id}/`).send({ message: 'edited' }).expect(409);
    expect(res.body.detail).toMatch(/streaming/);
    await api(app).post(`/api/chats/${chat.id}/finish/`).send({}).expect(200);
    const edited = await api(app).patch(`/api/chats/${chat.id}/`).send({ message: 'edited', status: 'streaming' });
    expect(edited.body).toMatchObject({ message: 'edited', status: 'complete' });
    // deleting a stream takes its pieces with it
    const other = await startStream(app);
    await append(app, other.id, 1, 'x').expect(200);
    await api(app).delete(`/api/chats/${other.id}/`).expect(204);
    await append(app, other.id, 2, 'y').expect(404);
  });

  it('filter lists by status', async () => {
    const chat = await startStream(app);
    await createChat(app, chat.campaign);
    const page = await api(app).get(`/api/chats/?campaign=${chat.campaign}&status=streaming`).expect(200);
    expect(page.body.results.map((c: { id: string }) => c.id)).toEqual([chat.id]);
    const bad = await api(app).get('/api/chats/?status=writing').expect(400);
    expect(bad.body.status).toEqual([expect.any(String)]);
  });
});
