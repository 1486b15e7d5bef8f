/**
 * The client library's cost per live event, without sockets: what `bench:realtime`'s
 * client-library shape adds in its one process, measured on its own.
 *
 *   npm run bench:client                  # ROOMS=1000 rooms, EVENTS=500 chats each, RUNS=5
 *
 * Each variant decodes the same `chat:created` payloads (JSON.parse, as Socket.IO does) for
 * every room in turn, in the order a fan-out delivers them, and counts each chat id as the
 * realtime benchmark's subscribers do:
 * - raw: nothing more (a raw socket.io-client listener);
 * - raw, keeping the chats: also pushes each chat onto its room's array, the least any UI that
 *   shows them keeps (the objects survive, so the garbage collector copies them);
 * - client library: `Room.receive` (cursor check, timeline insert, the typed and `'event'` emits),
 *   with a `chat:created` listener.
 * Reports the median ns per event of RUNS runs and each variant's extra over raw.
 */
import { randomUUID } from 'node:crypto';
import { Room, type RoomLink } from '../src/client/room';
import type { RoomEvent } from '../src/client/types';

const [ROOMS, EVENTS, RUNS] = [process.env.ROOMS ?? 1000, process.env.EVENTS ?? 500, process.env.RUNS ?? 5].map(Number);

const link: RoomLink = {
  connected: true,
  pageSize: 50,
  request: () => Promise.reject(new Error('not used')),
  history: () => Promise.reject(new Error('not used')),
  forget: () => undefined,
};

const campaign = randomUUID();
const start = Date.now();
const payloads = Array.from({ length: EVENTS }, (_, i) =>
  JSON.stringify({
    cursor: String(1_000_000 + i),
    campaign,
    data: {
      id: randomUUID(),
      campaign,
      author: 'human',
      message: `bench ${i}`,
      created_at: new Date(start + i).toISOString(),
      datas: [],
    },
  }),
);

type Payload = Omit<Extract<RoomEvent, { name: 'chat:created' }>, 'name'>;
type Variant = (rooms: number) => (room: number, payload: Payload) => void;

let sink = 0; // keeps the listeners' work observable
const variants: Record<string, Variant> = {
  raw:
    () =>
    (_, { data }) =>
      void (sink += data.message.length),
  'raw, keeping the chats': (rooms) => {
    const kept = Array.from({ length: rooms }, () => [] as unknown[]);
    return (room, { data }) => void (kept[room].push(data), (sink += data.message.length));
  },
  'client library': (rooms) => {
    const all = Array.from({ length: rooms }, () => {
      const room = new Room(campaign, link);
      room.on('chat:created', (chat) => void (sink += chat.message.length));
      return room;
    });
    return (room, payload) => all[room].receive({ name: 'chat:created', ...payload });
  },
};

/** ns per event for one pass over every room and event. */
function run(variant: Variant): number {
  const handle = variant(ROOMS);
  const seen = Array.from({ length: ROOMS }, () => new Set<string>());
  const t0 = process.hrtime.bigint();
  for (const text of payloads) {
    for (let room = 0; room < ROOMS; room++) {
      const payload = JSON.parse(text) as Payload;
      seen[room].add(payload.data.id);
      handle(room, payload);
    }
  }
  return Number(process.hrtime.bigint() - t0) / (ROOMS * EVENTS);
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let r = 0; r < RUNS; r++) {
  // interleaved, so that a noisy moment of the machine falls on every variant alike
  for (const [name, variant] of Object.entries(variants)) times[name].push(run(variant));
}
const raw = median(times.raw);
console.log(`${ROOMS} rooms × ${EVENTS} chats, median of ${RUNS} runs (checksum ${sink % 997})`);
console.table(
  Object.fromEntries(
    Object.entries(times).map(([name, values]) => {
      const ns = median(values);
      return [
        name,
        { 'ns/event': Math.round(ns), 'extra ns over raw': Math.round(ns - raw), ratio: +(ns / raw).toFixed(2) },
      ];
    }),
  ),
);
