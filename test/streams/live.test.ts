import type { App } from '../../src/app';
import type { ChatDelta } from '../../src/protocol';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign } from '../support/http';
import { closeSockets, eventually, open, request, subscriber } from '../support/sockets';
import { appendAll, appendOver, expectExact, finishOver, openStream, pieces } from './support';

describe('a streamed chat, live in its room on every instance', () => {
  let a: App;
  let b: App;
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase();
    [a, b] = await Promise.all([startApp(url), startApp(url)]);
  });
  afterEach(closeSockets);
  afterAll(async () => Promise.all([a?.stop(), b?.stop()]));

  it('arrives as chat:created, deltas that rebuild it exactly, then chat:updated with the final row', async () => {
    const campaign = await createCampaign(a);
    const watchers = await Promise.all([subscriber(a, campaign.id), subscriber(b, campaign.id)]);
    const producer = await open(a);
    const chat = await openStream(producer.socket, campaign.id, 'Sure: ');
    const parts = pieces(60);
    const acks = await appendAll(producer.socket, chat.id, parts);
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const text = 'Sure: ' + parts.join('');
    expect(acks.map((ack) => ack.ok && ack.length)).toEqual(
      parts.map((_, i) => 6 + parts.slice(0, i + 1).join('').length),
    );
    const final = await finishOver(producer.socket, chat.id);
    expect(final).toMatchObject({ message: text, status: 'complete' });
    for (const w of watchers) {
      await eventually(() => w.streams.statuses.get(chat.id) === 'complete', 10_000, 'the end of the stream');
      expectExact(w, chat.id, text);
      const names = w.received.filter((r) => r.event.campaign === campaign.id).map((r) => r.name);
      expect(names).toEqual(['chat:created', 'chat:updated']);
      // shared commits: many appends to a delta, each carrying only new text
      expect(w.streams.deltas.length).toBeLessThan(parts.length);
      expect(w.streams.deltas.map((d) => d.text).join('')).toBe(parts.join(''));
    }
  });

  it('shares commits among streams: at most one delta per stream per flush, far fewer than appends', async () => {
    const campaign = await createCampaign(a);
    const producer = await open(a);
    const chats = await Promise.all([1, 2, 3, 4].map(() => openStream(producer.socket, campaign.id)));
    const [before] = await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM events WHERE op = 'delta'`);
    await Promise.all(chats.map((c) => appendAll(producer.socket, c.id, pieces(50, c.id.slice(0, 4)))));
    const [after] = await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM events WHERE op = 'delta'`);
    expect(after.n - before.n).toBeLessThanOrEqual((4 * 50) / 5);
  });

  it('gives a socket subscribing mid-stream, fresh or resuming on the other instance, the text so far and every later delta', async () => {
    const campaign = await createCampaign(a);
    const early = await subscriber(a, campaign.id);
    const producer = await open(a);
    const chat = await openStream(producer.socket, campaign.id);
    const parts = pieces(90);
    await appendAll(producer.socket, chat.id, parts.slice(0, 30));
    // one leaves mid-stream and resumes on the other instance; one joins for the first time
    await eventually(() => (early.streams.texts.get(chat.id) ?? '').length > 0, 10_000, 'the first deltas');
    const since = early.received[early.received.length - 1].event.cursor;
    const lastDelta = early.streams.deltas[early.streams.deltas.length - 1].cursor;
    const resumeAt = BigInt(lastDelta) > BigInt(since) ? lastDelta : since;
    const heldThen = early.streams.texts.get(chat.id) as string;
    early.close();
    await appendAll(producer.socket, chat.id, parts.slice(30, 60), 31);
    const fresh = await subscriber(b, campaign.id);
    expect(fresh.streams.texts.get(chat.id)).toBe(parts.slice(0, 60).join(''));
    const resumed = await open(b);
    resumed.streams.texts.set(chat.id, heldThen);
    const ack = await resumed.subscribe(campaign.id, resumeAt);
    expect(resumed.streams.texts.get(chat.id)).toBe(parts.slice(0, 60).join(''));
    // the resume cost one snapshot, never a replay of the deltas it missed
    expect(ack.replayed).toBe(1);
    await appendAll(producer.socket, chat.id, parts.slice(60), 61);
    await finishOver(producer.socket, chat.id);
    for (const w of [fresh, resumed]) {
      await eventually(() => w.streams.statuses.get(chat.id) === 'complete', 10_000, 'the end');
      expectExact(w, chat.id, parts.join(''));
    }
  });

  it('is cancelled by a member on the other instance: the room sees it, and the next append is refused', async () => {
    const campaign = await createCampaign(a);
    const watcher = await subscriber(b, campaign.id);
    const producer = await open(a);
    const chat = await openStream(producer.socket, campaign.id);
    await appendAll(producer.socket, chat.id, ['half ', 'a ']);
    const member = await open(b);
    const cancelled = await request<{ data: { status: string; message: string } }>(member.socket, 'chat:cancel', {
      id: chat.id,
    });
    expect(cancelled).toMatchObject({ ok: true, data: { status: 'cancelled', message: 'half a ' } });
    const refused = await appendOver(producer.socket, chat.id, 3, 'sentence');
    expect(refused).toEqual({
      ok: false,
      error: { code: 'stream_closed', message: expect.any(String), status: 'cancelled' },
    });
    await eventually(() => watcher.streams.statuses.get(chat.id) === 'cancelled', 10_000, 'the cancel');
    expectExact(watcher, chat.id, 'half a ', 'cancelled');
  });

  it('answers bad socket input with clear acks, never a crash, and keeps the stream intact', async () => {
    const campaign = await createCampaign(a);
    const producer = await open(a);
    const chat = await openStream(producer.socket, campaign.id);
    const bad: [unknown, string][] = [
      [{ id: chat.id, seq: -1, text: 'x' }, 'invalid'],
      [{ id: chat.id, seq: 1.5, text: 'x' }, 'invalid'],
      [{ id: chat.id, seq: 99999999999, text: 'x' }, 'invalid'],
      [{ id: chat.id, seq: 1, text: 42 }, 'invalid'],
      [{ id: 'nope', seq: 1, text: 'x' }, 'invalid'],
      [{ id: '00000000-0000-4000-8000-000000000000', seq: 1, text: 'x' }, 'not_found'],
      [{ id: chat.id, seq: 2, text: 'x' }, 'out_of_order'],
      ['text', 'invalid'],
    ];
    for (const [payload, code] of bad) {
      const ack = await request(producer.socket, 'chat:append', payload);
      expect(ack).toMatchObject({ ok: false, error: { code } });
    }
    const outOfOrder = await appendOver(producer.socket, chat.id, 5, 'x');
    expect(outOfOrder).toMatchObject({ ok: false, error: { code: 'out_of_order', expected: 1 } });
    expect(await appendOver(producer.socket, chat.id, 1, 'fine')).toEqual({ ok: true, seq: 1, length: 4 });
    expect(await request(producer.socket, 'chat:finish', { id: chat.id, status: 'cancelled' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', fields: { status: [expect.any(String)] } },
    });
    expect((await api(a).get(`/api/chats/${chat.id}/`)).body).toMatchObject({ message: 'fine', status: 'streaming' });
  });

  it('never sends a delta to a socket outside the room', async () => {
    const campaign = await createCampaign(a);
    const other = await createCampaign(a);
    const outsider = await subscriber(b, other.id);
    const producer = await open(a);
    const chat = await openStream(producer.socket, campaign.id);
    await appendAll(producer.socket, chat.id, ['a', 'b']);
    await finishOver(producer.socket, chat.id);
    // a chat in the outsider's room, written after: when it arrives, the stream would have
    const sentinel = await openStream(producer.socket, other.id);
    await eventually(() => outsider.streams.texts.has(sentinel.id), 10_000, 'the sentinel');
    expect(outsider.streams.deltas.filter((d: ChatDelta) => d.id === chat.id)).toEqual([]);
  });
});
