import type { Ack, ChatRep, SubscribeAck } from '../../src/protocol';
import { Room, type RoomLink } from '../../src/client/room';
import type { HistoryPage, HistoryParams } from '../../src/client/rest';
import { isAfter, laterCursor, Timeline } from '../../src/client/timeline';
import * as protocol from '../../src/protocol';
import type { RoomEvent } from '../../src/client/types';

const C = '00000000-0000-4000-8000-0000000000aa';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
const chat = (n: number, message = `m${n}`, s = n): ChatRep => ({
  id: id(n),
  campaign: C,
  author: 'human',
  message,
  status: 'complete',
  created_at: at(s),
  datas: [],
});
let cursor = 100;
const live = (name: 'chat:created' | 'chat:updated', data: ChatRep): RoomEvent =>
  ({ name, cursor: String(++cursor), campaign: C, data }) as RoomEvent;
const deleted = (n: number): RoomEvent => ({
  name: 'chat:deleted',
  cursor: String(++cursor),
  campaign: C,
  data: { id: id(n), campaign: C },
});
const messages = (chats: readonly ChatRep[]) => chats.map((c) => c.message);
const tick = () => new Promise((r) => setImmediate(r));

describe('the timeline merge', () => {
  it('history and live merge by id into one list in history order, whatever arrives first', () => {
    const t = new Timeline(C);
    t.apply(live('chat:created', chat(4)));
    t.apply(live('chat:created', chat(2)));
    t.mergeHistory([chat(1), chat(2), chat(3)]);
    t.mergeHistory([chat(3), chat(4), chat(5)]);
    expect(messages(t.list)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('a history snapshot older than the live events loses to them: no overwrite, no resurrection', () => {
    const t = new Timeline(C);
    t.apply(live('chat:updated', chat(1, 'edited live')));
    t.apply(deleted(2));
    t.mergeHistory([chat(1, 'old text'), chat(2, 'deleted live'), chat(3)]);
    expect(messages(t.list)).toEqual(['edited live', 'm3']);
  });

  it('a later history page updates what only history brought', () => {
    const t = new Timeline(C);
    t.mergeHistory([chat(1, 'first load')]);
    t.mergeHistory([chat(1, 'second load')]);
    expect(messages(t.list)).toEqual(['second load']);
  });

  it('a merge that changes nothing keeps the same list and says so', () => {
    const t = new Timeline(C);
    expect(t.mergeHistory([chat(1), chat(2)])).toBe(true);
    const list = t.list;
    expect(t.mergeHistory([chat(2), chat(1)])).toBe(false);
    expect(t.list).toBe(list);
    expect(Object.isFrozen(list)).toBe(true);
  });

  it('the cursor helpers are the protocol’s own, not a copy', () => {
    expect(isAfter).toBe(protocol.isAfter);
    expect(laterCursor).toBe(protocol.laterCursor);
  });
});

describe('the seam, in a room', () => {
  function room() {
    const subscribes: ((ack: Ack<SubscribeAck>) => void)[] = [];
    const pages: { params: HistoryParams; answer: (page: HistoryPage) => void }[] = [];
    const link: RoomLink = {
      connected: true,
      pageSize: 2,
      request: <T extends object>(event: string) =>
        new Promise<Ack<T>>((resolve) => void (event === 'subscribe' && subscribes.push(resolve as never))),
      history: (_id, params) => new Promise((answer) => pages.push({ params, answer })),
      forget: () => undefined,
    };
    const r = new Room(C, link);
    r.subscribe();
    return { r, subscribes, pages };
  }
  const ok = (cursor: string): Ack<SubscribeAck> => ({ ok: true, cursor, replayed: 0, presence: [] });

  it('history is asked for only once the subscribe has answered with its cursor', async () => {
    const { r, subscribes, pages } = room();
    const loaded = r.loadLatest();
    await tick();
    expect(pages).toHaveLength(0);
    subscribes[0](ok('100'));
    await tick();
    expect(pages.map((p) => p.params)).toEqual([{ limit: 2, live: true }]);
    pages[0].answer({ results: [chat(1), chat(2)], previous: null, next: null });
    expect(messages(await loaded)).toEqual(['m1', 'm2']);
    r.close();
  });

  it('a live event applied before the history page keeps its version; one at or before the cursor is dropped', async () => {
    const { r, subscribes, pages } = room();
    subscribes[0](ok('100'));
    await tick();
    const loaded = r.loadLatest();
    const edit = live('chat:updated', chat(2, 'edited live'));
    r.receive(edit);
    r.receive({ ...live('chat:updated', chat(1, 'replayed again')), cursor: '100' }); // the subscribe's own cursor
    await tick();
    pages[0].answer({ results: [chat(1), chat(2, 'snapshot text')], previous: null, next: null });
    expect(messages(await loaded)).toEqual(['m1', 'edited live']);
    expect(r.cursor).toBe(edit.cursor);
    r.close();
  });

  it('pages back from the newest, then older ones, until the start', async () => {
    const { r, subscribes, pages } = room();
    subscribes[0](ok('100'));
    const url = (before: string) => `http://x/api/campaigns/${C}/chats/?before=${before}`;
    const latest = r.loadLatest();
    await tick();
    pages[0].answer({ results: [chat(3), chat(4)], previous: url('b3'), next: null });
    await latest;
    const older = r.loadOlder();
    await tick();
    expect(pages[1].params).toEqual({ limit: 2, before: 'b3' });
    pages[1].answer({ results: [chat(1), chat(2)], previous: null, next: null });
    expect(await older).toBe(false);
    expect(messages(r.chats)).toEqual(['m1', 'm2', 'm3', 'm4']);
    r.close();
  });
});

describe("a streaming chat's deltas in the timeline", () => {
  const delta = (n: number, offset: number, text: string) => ({
    cursor: String(++cursor),
    campaign: C,
    id: id(n),
    offset,
    text,
  });

  it('place their text at its offset; a duplicate, a delta past the end or for an unknown chat changes nothing', () => {
    const t = new Timeline(C);
    t.apply(live('chat:created', { ...chat(1, 'He'), status: 'streaming' }));
    expect(t.applyDelta(delta(1, 2, 'llo'))?.message).toBe('Hello');
    const before = t.list;
    expect(t.applyDelta(delta(1, 2, 'llo'))).toBeUndefined();
    expect(t.applyDelta(delta(1, 0, 'He'))).toBeUndefined();
    expect(t.applyDelta(delta(1, 9, 'gap'))).toBeUndefined();
    expect(t.applyDelta(delta(2, 0, 'who?'))).toBeUndefined();
    expect(t.list).toBe(before);
    // overlapping the end: the new part of it counts
    expect(t.applyDelta(delta(1, 4, 'o, 🎉'))?.message).toBe('Hello, 🎉');
    expect(t.list).not.toBe(before);
    t.apply(live('chat:updated', { ...chat(1, 'Hello, 🎉!'), status: 'complete' }));
    expect(t.list.map((c) => [c.message, c.status])).toEqual([['Hello, 🎉!', 'complete']]);
  });
});
