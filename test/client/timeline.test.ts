import type { ChatRep, DataRep } from '../../src/protocol';
import { isAfter, laterCursor, Timeline } from '../../src/client/timeline';
import { Members, Typers } from '../../src/client/members';
import { roomState } from '../../src/client/state';
import { ChatError } from '../../src/client/errors';
import { refreshDelay } from '../../src/client/token';
import type { RoomEvent } from '../../src/client/types';

const C = '00000000-0000-4000-8000-0000000000aa';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
const chat = (n: number, s = n, extra: Partial<ChatRep> = {}): ChatRep => ({
  id: id(n),
  campaign: C,
  author: 'human',
  message: `m${n}`,
  status: 'complete',
  created_at: at(s),
  datas: [],
  ...extra,
});
const data = (n: number, chatN: number | null): DataRep => ({
  id: id(1000 + n),
  context: `d${n}`,
  image: '',
  chat: chatN === null ? null : id(chatN),
  campaign: null,
});
let cursor = 0;
const ev = (name: RoomEvent['name'], payload: unknown) =>
  ({ name, cursor: String(++cursor), campaign: C, data: payload }) as RoomEvent;
const ids = (t: Timeline) => t.list.map((c) => c.message);

describe('timeline', () => {
  it('orders by created_at then id, one entry per id, and puts a late commit in place', () => {
    const t = new Timeline();
    t.apply(ev('chat:created', chat(1)));
    t.apply(ev('chat:created', chat(3)));
    t.apply(ev('chat:created', chat(2))); // committed late, created earlier
    t.apply(ev('chat:created', chat(3)));
    t.apply(ev('chat:created', chat(5, 3))); // same created_at as 3: the id decides
    expect(ids(t)).toEqual(['m1', 'm2', 'm3', 'm5']);
  });

  it('applies updates and deletes, and a new array only when something changed', () => {
    const t = new Timeline();
    t.apply(ev('chat:created', chat(1)));
    t.apply(ev('chat:created', chat(2)));
    const before = t.list;
    expect(t.apply(ev('chat:updated', chat(1)))).toBe(false);
    expect(t.list).toBe(before);
    t.apply(ev('chat:updated', chat(1, 1, { message: 'edited' })));
    t.apply(ev('chat:deleted', { id: id(2), campaign: C }));
    expect(ids(t)).toEqual(['edited']);
    expect(t.list).not.toBe(before);
  });

  it('history never resurrects a chat deleted live, nor overwrites a newer live version', () => {
    const t = new Timeline();
    t.apply(ev('chat:updated', chat(2, 2, { message: 'live edit' })));
    t.apply(ev('chat:deleted', { id: id(3), campaign: C }));
    t.mergeHistory([chat(1), chat(2), chat(3), chat(4)]);
    expect(ids(t)).toEqual(['m1', 'live edit', 'm4']);
  });

  it('a chat moved back in after a live delete comes back', () => {
    const t = new Timeline();
    t.apply(ev('chat:deleted', { id: id(1), campaign: C }));
    t.apply(ev('chat:updated', chat(1)));
    expect(ids(t)).toEqual(['m1']);
  });

  it('datas follow their chat: created, moved, deleted', () => {
    const t = new Timeline();
    t.mergeHistory([chat(1), chat(2)]);
    t.apply(ev('data:created', data(1, 1)));
    t.apply(ev('data:created', data(2, 1)));
    expect(t.list[0].datas.map((d) => d.context)).toEqual(['d1', 'd2']);
    t.apply(ev('data:updated', data(1, 2)));
    t.apply(ev('data:deleted', { id: data(2, 1).id, chat: id(1), campaign: null }));
    expect(t.list.map((c) => c.datas.map((d) => d.context))).toEqual([[], ['d1']]);
  });

  it('a newer history page replaces what history brought, never what came live', () => {
    const t = new Timeline();
    t.mergeHistory([chat(1), chat(2)]);
    t.mergeHistory([chat(1, 1, { message: 'newer page' })]);
    expect(ids(t)).toEqual(['newer page', 'm2']);
    t.apply(ev('chat:updated', chat(1, 1, { message: 'live' })));
    t.mergeHistory([chat(1, 1, { message: 'older page' })]);
    expect(ids(t)).toEqual(['live', 'm2']);
  });

  it('updates in place and deletes anywhere in a long list, found by created_at and id', () => {
    const t = new Timeline(C);
    t.mergeHistory(Array.from({ length: 150 }, (_, n) => chat(n, Math.floor(n / 3)))); // threes share a second
    for (let n = 150; n < 300; n++) t.apply(ev('chat:created', chat(n, Math.floor(n / 3))));
    t.apply(ev('chat:updated', chat(100, 33, { message: 'edited' })));
    t.apply(ev('chat:deleted', { id: id(40), campaign: C }));
    t.apply(ev('chat:deleted', { id: id(299), campaign: C }));
    expect(t.apply(ev('chat:deleted', { id: id(40), campaign: C }))).toBe(false);
    const expected = Array.from({ length: 300 }, (_, n) => (n === 100 ? 'edited' : `m${n}`));
    expect(ids(t)).toEqual(expected.filter((m) => m !== 'm40' && m !== 'm299'));
  });

  it('live datas of a chat that arrives later by history are laid over it', () => {
    const t = new Timeline();
    t.apply(ev('data:created', data(1, 1)));
    t.apply(ev('data:deleted', { id: data(2, 1).id, chat: id(1), campaign: null }));
    t.mergeHistory([chat(1, 1, { datas: [data(2, 1)] })]);
    expect(t.list[0].datas.map((d) => d.context)).toEqual(['d1']);
  });
});

describe('cursors', () => {
  it('compare as numbers beyond 2^53, and never go backwards', () => {
    expect(isAfter('9007199254740993', '9007199254740992')).toBe(true);
    expect(isAfter('10', '9')).toBe(true);
    expect(isAfter('9', '10')).toBe(false);
    expect(isAfter('12', '12')).toBe(false);
    expect(isAfter('21', '12')).toBe(true);
    expect(isAfter('5', undefined)).toBe(true);
    expect(laterCursor('20', '12')).toBe('20');
    expect(laterCursor(undefined, '12')).toBe('12');
  });
});

describe('members and typers', () => {
  it('members: the answer in its order, then joins at the end; both idempotent; a new list only on change', () => {
    const m = new Members();
    expect(
      m.replace([
        { user: 'b', connections: 2 },
        { user: 'a', connections: 1 },
      ]),
    ).toBe(true);
    const list = m.list;
    expect(
      m.replace([
        { user: 'b', connections: 2 },
        { user: 'a', connections: 1 },
      ]),
    ).toBe(false);
    expect(m.join('a')).toBe(false);
    expect(m.list).toBe(list);
    expect(m.join('c')).toBe(true);
    expect(m.leave('b')).toBe(true);
    expect(m.leave('b')).toBe(false);
    expect(m.list).toEqual([
      { user: 'a', connections: 1 },
      { user: 'c', connections: 1 },
    ]);
    // the same members, one count changed: a new list
    expect(
      m.replace([
        { user: 'a', connections: 2 },
        { user: 'c', connections: 1 },
      ]),
    ).toBe(true);
    expect(m.list[0]).toEqual({ user: 'a', connections: 2 });
  });

  it('typers: in the order they started, a repeated true keeps the place, false ends it', () => {
    const t = new Typers(() => undefined);
    expect(t.set('a', true)).toBe(true);
    expect(t.set('b', true)).toBe(true);
    expect(t.set('a', true)).toBe(false);
    expect(t.list).toEqual(['a', 'b']);
    expect(t.set('a', false)).toBe(true);
    expect(t.set('a', false)).toBe(false);
    expect(t.list).toEqual(['b']);
    t.clear();
    expect(t.list).toEqual([]);
  });
});

describe('room state', () => {
  const facts = { closed: false, subscribed: false, resetting: false, wasLive: false };
  it('follows from the facts, in one place', () => {
    expect(roomState(facts)).toBe('connecting');
    expect(roomState({ ...facts, subscribed: true })).toBe('live');
    expect(roomState({ ...facts, wasLive: true })).toBe('recovering');
    expect(roomState({ ...facts, subscribed: true, resetting: true })).toBe('recovering');
    expect(roomState({ ...facts, subscribed: true, closed: true })).toBe('closed');
  });
});

describe('errors and tokens', () => {
  it('REST bodies: detail, or field-keyed messages; the code follows the status', () => {
    const fields = ChatError.fromResponse(400, { title: ['This field may not be blank.'] });
    expect(fields).toMatchObject({ status: 400, code: 'invalid', fields: { title: ['This field may not be blank.'] } });
    expect(ChatError.fromResponse(413, { detail: 'Request body is too large.' })).toMatchObject({
      code: 'too_large',
      message: 'Request body is too large.',
      fields: undefined,
    });
    expect(ChatError.fromAck({ code: 'rate_limited', message: 'slow down' }).status).toBe(429);
    expect(ChatError.fromAck({ code: 'cursor_expired', message: 'old' }).status).toBe(410);
  });

  it('a token is refreshed halfway through its remaining life, at most a minute early', () => {
    const jwt = (exp: number) => `x.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.y`;
    const now = 1_000_000_000_000;
    expect(refreshDelay(jwt(now / 1000 + 4), now)).toBe(2000);
    expect(refreshDelay(jwt(now / 1000 + 3600), now)).toBe(3_540_000);
    expect(refreshDelay('not a jwt', now)).toBeUndefined();
  });
});
