import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import type { App } from '../../src/app';
import { ChatUiStream, type UiChunk } from '../../src/http/ui-message-stream';
import type { ChatRep } from '../../src/protocol';
import type { ChangeEvent } from '../../src/pubsub/event.store';
import { freshApp, startApp } from '../support/app';
import { api, createCampaign } from '../support/http';
import { eventually, sleep } from '../support/sockets';
import { bearer, jwtConfig, token } from '../support/tokens';

type Headers = Record<string, string>;

async function openStream(app: App, campaign: string, message = '', headers: Headers = {}) {
  const res = await api(app)
    .post('/api/chats/')
    .set(headers)
    .send({ campaign, author: 'ai', status: 'streaming', message })
    .expect(201);
  return res.body as ChatRep;
}

/** Appends in order over REST; each answers once committed. */
async function appendAll(app: App, id: string, pieces: string[], firstSeq = 1, headers: Headers = {}) {
  for (const [i, text] of pieces.entries()) {
    await api(app)
      .post(`/api/chats/${id}/append/`)
      .set(headers)
      .send({ seq: firstSeq + i, text })
      .expect(200);
  }
}

const finish = (app: App, id: string, status = 'complete') =>
  api(app).post(`/api/chats/${id}/finish/`).send({ status }).expect(200);

/** The AI SDK's own reconnect, as `useChat({ resume: true })` makes it. */
const reconnect = (base: string, chatId: string, headers: Headers = {}) =>
  new DefaultChatTransport({ api: base, headers }).reconnectToStream({ chatId });

/**
 * Reads a reconnected stream to its end: every chunk as it came, and the message the
 * package's own readUIMessageStream builds from it (with the errors it reported).
 */
async function readAll(stream: ReadableStream<UIMessageChunk>) {
  const [raw, forMessage] = stream.tee();
  const errors: string[] = [];
  const chunks: UIMessageChunk[] = [];
  let message: UIMessage | undefined;
  await Promise.all([
    (async () => {
      const reader = raw.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    })(),
    (async () => {
      const messages = readUIMessageStream({ stream: forMessage, onError: (e) => errors.push(String(e)) });
      for await (const m of messages) message = m;
    })(),
  ]);
  const text = message?.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
  return { chunks, message, text, errors, types: chunks.map((c) => c.type) };
}

/** A response's server-sent events text as it arrives: `until(check)` reads on until `check` holds for all of it. */
function rawReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  return async (check: (text: string) => boolean): Promise<string> => {
    while (!check(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended; got ${JSON.stringify(text)}`);
      text += value;
    }
    return text;
  };
}

describe("the AI SDK's client reads a chat's stream (GET …/{id}/stream)", () => {
  let app: App;
  let url: string;
  let campaigns: string;
  let chats: string;
  beforeAll(async () => {
    ({ app, url } = await freshApp({
      sseKeepAliveMs: 150,
      // a stream outlives the whole-request timeout: that one is about receiving the request
      http: { headersTimeoutMs: 1_000, requestTimeoutMs: 1_000, keepAliveTimeoutMs: 5_000 },
      maxInflightPerClient: 2,
    }));
    campaigns = `${app.url}/api/campaigns`;
    chats = `${app.url}/api/chats`;
  });
  afterAll(() => app?.stop());

  it('joined at its start: the whole text as it is written, then finish', async () => {
    const campaign = await createCampaign(app);
    const chat = await openStream(app, campaign.id);
    const stream = await reconnect(campaigns, campaign.id);
    expect(stream).not.toBeNull();
    const reading = readAll(stream!);
    const pieces = ['Hello', ', ', 'world', ' 🎉\n', '  '];
    await appendAll(app, chat.id, pieces);
    const done = (await finish(app, chat.id)).body as ChatRep;
    const read = await reading;
    expect(done.message).toBe(pieces.join(''));
    expect(read.text).toBe(done.message);
    expect(read.message?.id).toBe(chat.id);
    expect(read.chunks[0]).toEqual({ type: 'start', messageId: chat.id });
    expect(read.types.slice(-2)).toEqual(['text-end', 'finish']);
    expect(read.types.filter((t) => t === 'text-start')).toHaveLength(1);
    expect(read.errors).toEqual([]);
  });

  it('joined mid-way: the text so far in its first delta, then the rest exactly', async () => {
    const campaign = await createCampaign(app);
    const chat = await openStream(app, campaign.id, 'lead: ');
    await appendAll(app, chat.id, ['one ', 'two ']);
    const reading = readAll((await reconnect(campaigns, campaign.id))!);
    await appendAll(app, chat.id, ['three ', 'four'], 3);
    const done = (await finish(app, chat.id)).body as ChatRep;
    const read = await reading;
    expect(read.text).toBe('lead: one two three four');
    expect(read.text).toBe(done.message);
    const deltas = read.chunks.filter((c) => c.type === 'text-delta');
    expect(deltas[0]).toMatchObject({ delta: 'lead: one two ' });
  });

  it('a campaign answers its newest streaming chat, and 204 (null) when nothing streams', async () => {
    const campaign = await createCampaign(app);
    expect(await reconnect(campaigns, campaign.id)).toBeNull();
    await api(app)
      .post('/api/chats/')
      .send({ campaign: campaign.id, author: 'human', message: 'not a stream' })
      .expect(201);
    expect(await reconnect(campaigns, campaign.id)).toBeNull();
    const older = await openStream(app, campaign.id, 'older');
    const newer = await openStream(app, campaign.id, 'newer');
    const reading = readAll((await reconnect(campaigns, campaign.id))!);
    await appendAll(app, older.id, [' ignored']);
    await appendAll(app, newer.id, [' one']);
    await finish(app, newer.id);
    const read = await reading;
    expect({ id: read.message?.id, text: read.text }).toEqual({ id: newer.id, text: 'newer one' });
    await finish(app, older.id);
    expect(await reconnect(campaigns, campaign.id)).toBeNull();
  });

  it('a finished chat answers its whole text and ends at once', async () => {
    const campaign = await createCampaign(app);
    const chat = await openStream(app, campaign.id, 'all ');
    await appendAll(app, chat.id, ['of ', 'it']);
    await finish(app, chat.id);
    const read = await readAll((await reconnect(chats, chat.id))!);
    expect(read.text).toBe('all of it');
    expect(read.types).toEqual(['start', 'text-start', 'text-delta', 'text-end', 'finish']);
  });

  it('a cancelled chat ends with abort and keeps its text so far; a failed one with error', async () => {
    const campaign = await createCampaign(app);
    const chat = await openStream(app, campaign.id);
    await appendAll(app, chat.id, ['partial ']);
    const reading = readAll((await reconnect(chats, chat.id))!);
    await appendAll(app, chat.id, ['answer'], 2);
    await api(app).post(`/api/chats/${chat.id}/cancel/`).expect(200);
    const read = await reading;
    expect(read.text).toBe('partial answer');
    expect(read.types.slice(-2)).toEqual(['text-end', 'abort']);
    // once ended, the same answer at once
    const again = await readAll((await reconnect(chats, chat.id))!);
    expect({ text: again.text, last: again.types.at(-1) }).toEqual({ text: 'partial answer', last: 'abort' });

    const failing = await openStream(app, campaign.id, 'half');
    const live = readAll((await reconnect(chats, failing.id))!);
    await finish(app, failing.id, 'failed');
    const failed = await live;
    expect(failed.text).toBe('half');
    expect(failed.chunks.at(-1)).toEqual({ type: 'error', errorText: expect.any(String) });
    expect(failed.errors).toHaveLength(1);
  });

  it('speaks server-sent events: the headers, one data: event per chunk, [DONE] last', async () => {
    const campaign = await createCampaign(app);
    const chat = await openStream(app, campaign.id, 'x');
    await finish(app, chat.id);
    const res = await fetch(`${chats}/${chat.id}/stream`);
    expect(res.status).toBe(200);
    expect({
      type: res.headers.get('content-type'),
      cache: res.headers.get('cache-control'),
      accel: res.headers.get('x-accel-buffering'),
      protocol: res.headers.get('x-vercel-ai-ui-message-stream'),
    }).toEqual({ type: 'text/event-stream', cache: 'no-cache, no-transform', accel: 'no', protocol: 'v1' });
    expect(await res.text()).toBe(
      [
        { type: 'start', messageId: chat.id },
        { type: 'text-start', id: 'text' },
        { type: 'text-delta', id: 'text', delta: 'x' },
        { type: 'text-end', id: 'text' },
        { type: 'finish', finishReason: 'stop' },
      ]
        .map((c) => `data: ${JSON.stringify(c)}\n\n`)
        .join('') + 'data: [DONE]\n\n',
    );
  });

  it('an idle stream gets keep-alive comments, outlives the request timeout, and still goes on live', async () => {
    const campaign = await createCampaign(app);
    const chat = await openStream(app, campaign.id, 'quiet');
    const until = rawReader(await fetch(`${campaigns}/${campaign.id}/stream`));
    const idle = await until((t) => t.split(': keep-alive\n\n').length > 3);
    expect(idle).toContain('"delta":"quiet"');
    await sleep(1_500); // past HTTP_REQUEST_TIMEOUT_MS (and its check interval)
    await appendAll(app, chat.id, [' then loud']);
    expect(await until((t) => t.includes('then loud'))).toContain('"delta":" then loud"');
    await finish(app, chat.id);
    expect(await until((t) => t.endsWith('data: [DONE]\n\n'))).toContain('"type":"finish"');
  });

  it("holds no in-flight slot: a client's open streams leave its REST requests served", async () => {
    const campaign = await createCampaign(app);
    const chat = await openStream(app, campaign.id);
    const aborts = [0, 1, 2].map(() => new AbortController());
    const streams = await Promise.all(
      aborts.map((a) => fetch(`${chats}/${chat.id}/stream`, { signal: a.signal }).then((r) => r.status)),
    );
    expect(streams).toEqual([200, 200, 200]);
    // MAX_INFLIGHT_PER_CLIENT is 2 here
    await api(app).get('/api/campaigns/').expect(200);
    for (const a of aborts) a.abort();
  });

  it('lets its follower go when the client disconnects', async () => {
    await eventually(() => app.feed.following === 0, 5_000, 'earlier streams released');
    const campaign = await createCampaign(app);
    const chat = await openStream(app, campaign.id);
    const abort = new AbortController();
    const res = await fetch(`${campaigns}/${campaign.id}/stream`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(app.feed.following).toBe(1);
    abort.abort();
    await eventually(() => app.feed.following === 0, 5_000, 'the follower to be released');
    // the chat goes on without it
    await appendAll(app, chat.id, ['still here']);
    await finish(app, chat.id);
  });

  it('404s for unknown or malformed ids, and 405s for other methods', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [`/api/campaigns/${unknown}/stream`, `/api/chats/${unknown}/stream`, '/api/chats/nope/stream'])
      await api(app).get(path).expect(404, { detail: 'Not found.' });
    await expect(reconnect(chats, unknown)).rejects.toThrow(/Not found/);
    const campaign = await createCampaign(app);
    await api(app).post(`/api/campaigns/${campaign.id}/stream`).expect(405);
  });

  it('a server stopping ends its streams with an error chunk, without waiting for the shutdown timeout', async () => {
    const other = await startApp(url, { shutdownTimeoutMs: 20_000 });
    const campaign = await createCampaign(app);
    const chat = await openStream(app, campaign.id, 'interrupted');
    const reading = readAll((await reconnect(`${other.url}/api/chats`, chat.id))!);
    await eventually(() => other.feed.following === 1, 5_000, 'the follower');
    const started = Date.now();
    await other.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    const read = await reading;
    expect(read.text).toBe('interrupted');
    expect(read.chunks.at(-1)).toEqual({ type: 'error', errorText: expect.stringMatching(/shutting down/) });
    await finish(app, chat.id);
  });
});

describe('who may read a stream, with tokens', () => {
  let app: App;
  let campaign: string;
  let chat: string;
  const headers: Record<string, Headers> = {};
  beforeAll(async () => {
    ({ app } = await freshApp(jwtConfig()));
    headers.admin = bearer(await token({ sub: 'root', scope: 'admin' }));
    ({ id: campaign } = (
      await api(app).post('/api/campaigns/').set(headers.admin).send({ title: 'Tokens' }).expect(201)
    ).body);
    ({ id: chat } = await openStream(app, campaign, 'secret', headers.admin));
    headers.reader = bearer(await token({ sub: 'reader', campaigns: [campaign] }));
    headers.scopeless = bearer(await token({ sub: 'nobody', scope: 'none' }));
    headers.elsewhere = bearer(await token({ sub: 'other', campaigns: ['00000000-0000-4000-8000-000000000001'] }));
  });
  afterAll(() => app?.stop());

  it('401 without a token, 403 without the read scope, 404 outside the token set', async () => {
    for (const path of [`/api/campaigns/${campaign}/stream`, `/api/chats/${chat}/stream`]) {
      await api(app).get(path).expect(401);
      await api(app).get(path).set(headers.scopeless).expect(403);
      await api(app).get(path).set(headers.elsewhere).expect(404, { detail: 'Not found.' });
    }
  });

  it('a reader of the campaign follows it through the transport, its token in the headers', async () => {
    const reading = readAll((await reconnect(`${app.url}/api/campaigns`, campaign, headers.reader))!);
    await appendAll(app, chat, [' kept'], 1, headers.admin);
    await api(app).post(`/api/chats/${chat}/finish/`).set(headers.admin).send({}).expect(200);
    expect((await reading).text).toBe('secret kept');
  });
});

describe('a chat as UI message chunks (ChatUiStream)', () => {
  const chat = (message: string, status: ChatRep['status'] = 'streaming') =>
    ({ id: 'c1', campaign: 'k', author: 'ai', message, status, created_at: '', datas: [] }) as ChatRep;
  const delta = (offset: number, text: string, id = 'c1'): ChangeEvent => ({
    name: 'chat:delta',
    cursor: '1',
    campaign: 'k',
    data: { id, offset, text },
    committedAt: 0,
  });
  const updated = (c: ChatRep): ChangeEvent => ({
    name: 'chat:updated',
    cursor: '1',
    campaign: 'k',
    data: c,
    committedAt: 0,
  });
  function sink() {
    const chunks: (UiChunk | 'DONE')[] = [];
    return { chunks, send: (c: UiChunk) => chunks.push(c), end: () => chunks.push('DONE') };
  }
  const deltas = (chunks: (UiChunk | 'DONE')[]) =>
    chunks.flatMap((c) => (c !== 'DONE' && c.type === 'text-delta' ? [c.delta] : []));

  it('applies events that came before it began after the text it began with, skipping what it already sent', () => {
    const view = new ChatUiStream();
    const out = sink();
    view.deliver([delta(2, 'cd'), delta(0, 'abcd'), delta(4, 'e', 'other chat')]);
    view.begin(chat('ab'), out);
    view.deliver([delta(4, 'ef'), updated(chat('abcdefgh', 'complete')), delta(8, 'late')]);
    expect(deltas(out.chunks)).toEqual(['ab', 'cd', 'ef', 'gh']);
    expect(out.chunks.slice(-3)).toEqual([
      { type: 'text-end', id: 'text' },
      { type: 'finish', finishReason: 'stop' },
      'DONE',
    ]);
  });

  it('ends with an error when the room lost events (a gap), once', () => {
    const view = new ChatUiStream();
    const out = sink();
    view.begin(chat('ab'), out);
    view.end('gap');
    view.deliver([delta(2, 'c')]);
    expect(out.chunks.slice(-2)).toEqual([{ type: 'error', errorText: expect.stringMatching(/lost events/) }, 'DONE']);
    expect(deltas(out.chunks)).toEqual(['ab']);
  });
});
