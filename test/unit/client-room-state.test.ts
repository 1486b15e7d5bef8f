import type { Ack, SubscribeAck } from '../../src/protocol';
import { ChatError } from '../../src/client/errors';
import { Room, type RoomLink } from '../../src/client/room';
import type { HistoryPage, HistoryParams } from '../../src/client/rest';
import {
  clientState,
  clientStep,
  INITIAL_CLIENT,
  INITIAL_ROOM,
  roomState,
  roomStep,
  type ClientInput,
  type RoomInput,
} from '../../src/client/state';
import type { RoomState } from '../../src/client/types';

const tick = () => new Promise((r) => setImmediate(r));
const after = (...inputs: RoomInput[]) => inputs.reduce(roomStep, INITIAL_ROOM);
const stateAfter = (...inputs: RoomInput[]) => roomState(after(...inputs));

describe('the room state machine', () => {
  // each state, reached the way a room reaches it
  const reach: Record<string, RoomInput[]> = {
    connecting: [],
    live: ['subscribed'],
    'recovering (connection lost)': ['subscribed', 'lost'],
    'recovering (reloading, subscribed)': ['subscribed', 'expired', 'subscribed'],
    'recovering (reloading, not subscribed)': ['subscribed', 'expired'],
    closed: ['subscribed', 'close'],
  };
  // the table of state.ts, row by row
  const table: [string, Record<RoomInput, RoomState>][] = [
    [
      'connecting',
      { subscribed: 'live', lost: 'connecting', expired: 'recovering', reloaded: 'connecting', close: 'closed' },
    ],
    ['live', { subscribed: 'live', lost: 'recovering', expired: 'recovering', reloaded: 'live', close: 'closed' }],
    [
      'recovering (connection lost)',
      { subscribed: 'live', lost: 'recovering', expired: 'recovering', reloaded: 'recovering', close: 'closed' },
    ],
    [
      'recovering (reloading, subscribed)',
      { subscribed: 'recovering', lost: 'recovering', expired: 'recovering', reloaded: 'live', close: 'closed' },
    ],
    [
      'recovering (reloading, not subscribed)',
      { subscribed: 'recovering', lost: 'recovering', expired: 'recovering', reloaded: 'recovering', close: 'closed' },
    ],
    ['closed', { subscribed: 'closed', lost: 'closed', expired: 'closed', reloaded: 'closed', close: 'closed' }],
  ];

  it.each(table)('from %s, every input goes where the table says', (from, next) => {
    for (const [input, to] of Object.entries(next) as [RoomInput, RoomState][]) {
      expect([input, stateAfter(...reach[from], input)]).toEqual([input, to]);
    }
  });

  it('a room never live is connecting after a lost connection, a room once live is recovering', () => {
    expect(stateAfter('lost')).toBe('connecting');
    expect(stateAfter('subscribed', 'lost', 'lost')).toBe('recovering');
  });

  it('an expired cursor goes live again only once both the fresh subscribe and the reload are done, in either order', () => {
    expect(stateAfter('subscribed', 'expired', 'subscribed', 'reloaded')).toBe('live');
    expect(stateAfter('subscribed', 'expired', 'reloaded', 'subscribed')).toBe('live');
    expect(stateAfter('subscribed', 'expired', 'lost', 'reloaded')).toBe('recovering');
  });

  it('is pure: a step returns new facts and leaves the old ones as they were', () => {
    const before = after('subscribed');
    const copy = { ...before };
    roomStep(before, 'lost');
    expect(before).toEqual(copy);
    expect(INITIAL_ROOM).toEqual({ closed: false, subscribed: false, resetting: false, wasLive: false });
  });
});

describe('the connection state machine', () => {
  const stateOf = (...inputs: ClientInput[]) => clientState(inputs.reduce(clientStep, INITIAL_CLIENT));
  it('connecting → live ⇄ recovering; any → closed, for good', () => {
    expect(stateOf()).toBe('connecting');
    expect(stateOf('disconnected')).toBe('connecting');
    expect(stateOf('connected')).toBe('live');
    expect(stateOf('connected', 'disconnected')).toBe('recovering');
    expect(stateOf('connected', 'disconnected', 'connected')).toBe('live');
    expect(stateOf('close')).toBe('closed');
    expect(stateOf('connected', 'close', 'connected')).toBe('closed');
  });
});

/** A client as a room sees it: requests and history pages answered by the test, in its own time. */
function fakeLink() {
  const subscribes: { payload: object; answer: (ack: Ack<SubscribeAck>) => void; fail: (e: Error) => void }[] = [];
  const pages: { params: HistoryParams; answer: (page: HistoryPage) => void }[] = [];
  const other: string[] = [];
  const link: RoomLink & { connected: boolean } = {
    connected: true,
    pageSize: 50,
    request: <T extends object>(event: string, payload: object) =>
      new Promise<Ack<T>>((resolve, reject) => {
        if (event === 'subscribe') subscribes.push({ payload, answer: resolve as never, fail: reject });
        else other.push(event);
      }),
    history: (_id, params) => new Promise((answer) => pages.push({ params, answer })),
    forget: () => undefined,
  };
  return { link, subscribes, pages, other };
}

const ok = (cursor: string): Ack<SubscribeAck> => ({ ok: true, cursor, replayed: 0, presence: [] });
const refused = (code: string): Ack<SubscribeAck> => ({ ok: false, error: { code, message: code } });
const emptyPage: HistoryPage = { results: [], previous: null, next: null };

function openRoom() {
  const fake = fakeLink();
  const room = new Room('c1', fake.link);
  const states: RoomState[] = [];
  const errors: string[] = [];
  room.on('state', (s) => states.push(s));
  room.on('error', (e) => errors.push(e.code));
  room.subscribe();
  return { ...fake, room, states, errors };
}

describe('a room driven through its transitions', () => {
  it('goes live on the subscribe answer, recovers on a lost connection, resumes from its cursor', async () => {
    const { room, link, subscribes, states } = openRoom();
    expect(room.state).toBe('connecting');
    subscribes[0].answer(ok('7'));
    await tick();
    expect(room.state).toBe('live');
    room.disconnected();
    link.connected = false;
    room.subscribe(); // not connected: nothing goes
    expect(subscribes).toHaveLength(1);
    link.connected = true;
    room.subscribe();
    expect(subscribes[1].payload).toEqual({ campaignId: 'c1', since: '7' });
    subscribes[1].answer(ok('7'));
    await tick();
    expect(states).toEqual(['live', 'recovering', 'live']);
  });

  it('drops an answer to a subscribe sent before the connection was lost', async () => {
    const { room, subscribes, states } = openRoom();
    room.disconnected();
    subscribes[0].answer(ok('3'));
    await tick();
    expect(room.state).toBe('connecting');
    expect(room.cursor).toBeUndefined();
    expect(states).toEqual([]);
  });

  it('an expired cursor: recovering, a fresh subscribe, the reload shown with a reset, then live', async () => {
    const { room, subscribes, pages, states } = openRoom();
    const resets: number[] = [];
    room.on('reset', () => resets.push(states.length));
    subscribes[0].answer(ok('5'));
    await tick();
    room.expire();
    expect(room.state).toBe('recovering');
    expect(subscribes[1].payload).toEqual({ campaignId: 'c1' }); // fresh: no since
    await tick();
    expect(pages).toHaveLength(0); // the reload waits for the fresh subscription's cursor
    subscribes[1].answer(ok('9'));
    await tick();
    expect(room.state).toBe('recovering'); // subscribed, but the history is not reloaded yet
    pages[0].answer(emptyPage);
    await tick();
    expect(states).toEqual(['live', 'recovering', 'live']);
    expect(resets).toEqual([3]); // after the state said live
  });

  it('a cursor_expired answer expires the cursor; three invalid_cursor answers in a row do too', async () => {
    const { room, subscribes, errors } = openRoom();
    subscribes[0].answer(refused('cursor_expired'));
    await tick();
    expect(room.state).toBe('recovering');
    expect(subscribes[1].payload).toEqual({ campaignId: 'c1' });
    expect(errors).toEqual([]);

    jest.useFakeTimers();
    try {
      const second = openRoom();
      second.subscribes[0].answer(ok('4'));
      await Promise.resolve();
      second.room.disconnected();
      for (let n = 0; n < 3; n++) {
        second.room.subscribe();
        second.subscribes.at(-1)!.answer(refused('invalid_cursor'));
        await Promise.resolve();
        jest.clearAllTimers(); // the retry is due later; the test subscribes itself
      }
      expect(second.errors).toEqual(['invalid_cursor', 'invalid_cursor', 'invalid_cursor']);
      expect(second.subscribes.at(-1)!.payload).toEqual({ campaignId: 'c1', since: '4' });
      second.room.subscribe();
      second.subscribes.at(-1)!.answer(refused('invalid_cursor'));
      await Promise.resolve();
      expect(second.subscribes.at(-1)!.payload).toEqual({ campaignId: 'c1' }); // the fourth expired it
      expect(second.room.state).toBe('recovering');
      second.room.close();
    } finally {
      jest.useRealTimers();
    }
    room.close();
  });

  it('a permanent refusal says why and closes; closed is final and quiet', async () => {
    const { room, subscribes, states, errors } = openRoom();
    subscribes[0].answer(refused('not_found'));
    await tick();
    expect(errors).toEqual(['not_found']);
    expect(states).toEqual(['closed']);
    room.subscribe();
    room.receive({ name: 'chat:deleted', cursor: '1', campaign: 'c1', data: { id: 'x', campaign: 'c1' } });
    room.fail(new ChatError(503, 'unavailable', 'down'));
    room.disconnected();
    expect(subscribes).toHaveLength(1);
    expect(errors).toEqual(['not_found']);
    expect(room.state).toBe('closed');
    await expect(room.setTyping(true)).rejects.toMatchObject({ code: 'closed', status: 499 });
    await expect(room.loadLatest()).rejects.toMatchObject({ code: 'closed' });
  });

  it('close unsubscribes only a subscription the server acknowledged', async () => {
    const first = openRoom();
    first.room.close();
    expect(first.other).toEqual([]);
    const second = openRoom();
    second.subscribes[0].answer(ok('1'));
    await tick();
    second.room.close();
    expect(second.other).toEqual(['unsubscribe']);
    expect(second.states).toEqual(['live', 'closed']);
  });

  it('setTyping needs a subscription now', async () => {
    const { room, subscribes } = openRoom();
    await expect(room.setTyping(true)).rejects.toMatchObject({ code: 'not_subscribed', status: 409 });
    subscribes[0].answer(ok('1'));
    await tick();
    room.disconnected();
    await expect(room.setTyping(true)).rejects.toMatchObject({ code: 'not_subscribed' });
    room.close();
  });
});
