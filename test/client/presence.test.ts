import type { App } from '../../src/app';
import { ChatError, type Room, type TypingEvent } from '../../src/client';
import { campaignRoom } from '../../src/realtime/room.names';
import { startApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { createCampaign } from '../support/http';
import { eventually } from '../support/sockets';
import { chatClient, closeClients } from './support';

let a: App, b: App;

beforeAll(async () => {
  const url = await createTestDatabase();
  [a, b] = await Promise.all([startApp(url), startApp(url)]);
}, 60_000);
afterEach(closeClients);
afterAll(() => Promise.all([a, b].map((app) => app?.stop())));

/** The room's members by name, sorted, as one string: comparable at a glance. */
const members = (room: Room) =>
  room.presence
    .map((p) => p.user)
    .sort()
    .join(',');

/** A named client's room on an instance, once live. */
async function join(app: App, name: string, campaignId: string): Promise<Room> {
  const room = chatClient({ url: app.url, name, transports: ['websocket'] }).room(campaignId);
  await eventually(() => room.state === 'live', 20_000, `${name} live`);
  return room;
}

/** The rejection of a promise that must reject. */
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('it resolved')),
    (e: unknown) => e,
  );

it('each client sees the other in room.presence, with a presence event on each join and leave', async () => {
  const { id } = await createCampaign(a);
  const alice = await join(a, 'alice', id);
  const aliceSaw: string[] = [];
  alice.on('presence', (list) => aliceSaw.push(list.map((p) => p.user).join(',')));
  expect(alice.presence).toEqual([{ user: 'alice', connections: 1 }]);

  const bobClient = chatClient({ url: b.url, name: 'bob', transports: ['websocket'] });
  const bob = bobClient.room(id);
  const bobSaw: string[] = [];
  bob.on('presence', (list) => bobSaw.push(list.map((p) => p.user).join(',')));
  await eventually(() => members(bob) === 'alice,bob', 20_000, 'bob seeing both');
  await eventually(() => members(alice) === 'alice,bob', 20_000, 'alice seeing bob join');
  expect(alice.presence).toContainEqual({ user: 'bob', connections: 1 });
  expect(aliceSaw).toEqual(['alice,bob']);
  expect(bobSaw.map((s) => s.split(',').sort().join(','))).toEqual(['alice,bob']);

  bobClient.close();
  await eventually(() => members(alice) === 'alice', 20_000, 'alice seeing bob leave');
  expect(aliceSaw).toEqual(['alice,bob', 'alice']);
});

it('a name over 64 characters is refused at once, as the server would refuse it on every connect', () => {
  expect(() => chatClient({ url: a.url, name: 'x'.repeat(65) })).toThrow(ChatError);
  expect(() => chatClient({ url: a.url, name: ` ${'y'.repeat(64)} ` })).not.toThrow();
});

it("setTyping reaches the others' typing listeners, never the typer's own connections", async () => {
  const { id } = await createCampaign(a);
  const alice = await join(a, 'alice', id);
  const bob = await join(b, 'bob', id);
  const bobOtherTab = await join(a, 'bob', id);
  await eventually(() => [alice, bob, bobOtherTab].every((r) => members(r) === 'alice,bob'), 20_000, 'all present');
  const seen = new Map<Room, TypingEvent[]>([alice, bob, bobOtherTab].map((r) => [r, []]));
  for (const [room, events] of seen) room.on('typing', (e) => events.push(e));

  await bob.setTyping(true);
  await bob.setTyping(true); // within the interval: not sent again, still fine
  await eventually(() => seen.get(alice)!.length > 0, 20_000, 'alice seeing bob type');
  expect(seen.get(alice)![0]).toEqual({ campaign: id, user: 'bob', typing: true });
  expect(alice.typing).toEqual(['bob']);

  await bob.setTyping(false);
  await eventually(() => alice.typing.length === 0, 20_000, 'alice seeing bob stop');
  expect(seen.get(alice)!.at(-1)).toEqual({ campaign: id, user: 'bob', typing: false });

  await alice.setTyping(true);
  await eventually(() => bob.typing.includes('alice') && bobOtherTab.typing.includes('alice'), 20_000, 'alice typing');
  expect(seen.get(bob)!.every((e) => e.user === 'alice')).toBe(true);
  expect(seen.get(bobOtherTab)!.every((e) => e.user === 'alice')).toBe(true);
  expect(seen.get(alice)!.every((e) => e.user === 'bob')).toBe(true);
  expect(alice.typing).toEqual([]);
});

it('setTyping rejects with a ChatError on a closed room, and when the server says the socket is not in it', async () => {
  const { id } = await createCampaign(a);
  const room = await join(a, 'carol', id);
  room.close();
  const closed = await rejection(room.setTyping(true));
  expect(closed).toBeInstanceOf(ChatError);
  expect(closed).toMatchObject({ code: 'closed' });

  // the server takes the socket out of the room, as a refreshed token without the campaign does
  const other = await join(a, 'dave', id);
  a.io.in(campaignRoom(id)).socketsLeave(campaignRoom(id));
  const refused = await rejection(other.setTyping(true));
  expect(refused).toBeInstanceOf(ChatError);
  expect(refused).toMatchObject({ status: 409, code: 'not_subscribed' });
});
