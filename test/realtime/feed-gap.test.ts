import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import { startServerProcess, type ServerProcess } from '../support/process';
import { closeSockets, eventually, open } from '../support/sockets';

/** Heartbeat and prune period of both instances: a reader is waited for 3 of them. */
const INTERVAL_MS = 500;
const SETTINGS = {
  EVENT_PRUNE_INTERVAL_MS: String(INTERVAL_MS),
  EVENT_RETENTION_HOURS: String(1 / 3600),
  // a stream must end before its deltas could be pruned
  STREAM_MAX_DURATION_MS: '500',
};

type Chat = {
  id: string;
  created_at: string;
};

const byTime = (x: Chat, y: Chat) =>
  x.created_at === y.created_at ? (x.id < y.id ? -1 : 1) : x.created_at < y.created_at ? -1 : 1;

let url: string;
let p: App;
let l: ServerProcess;

beforeAll(async () => {
  url = await createTestDatabase();
  p = await startApp(url, { eventPruneIntervalMs: INTERVAL_MS, eventRetentionHours: 1 / 3600 });
  l = await startServerProcess(url, SETTINGS);
}, 90_000);
afterAll(async () => {
  closeSockets();
  await l?.stop();
  await p?.stop();
});

describe('an instance that falls behind pruning', () => {
  it('tells its rooms they expired instead of skipping events; resubscribing and reloading gives every chat', async () => {
    const campaign = await createCampaign(p);
    const client = await open(l);
    const expired: unknown[] = [];
    client.socket.on('room:expired', (e) => expired.push(e));
    await client.subscribe(campaign.id);
    for (let i = 0; i < 3; i++) await createChat(p, campaign.id, { message: `before ${i}` });
    await eventually(() => client.received.length === 3, 15_000, 'the chats before the freeze');

    l.child.kill('SIGSTOP');
    try {
      for (let i = 0; i < 20; i++) await createChat(p, campaign.id, { message: `while frozen ${i}` });
      const [{ last }] = await sql<{ last: string }>(url, 'SELECT max(id)::text AS last FROM events');
      // P stops waiting for the silent reader after 3 intervals, and prunes what has aged
      await eventually(
        async () =>
          BigInt((await sql<{ upto: string }>(url, 'SELECT upto::text AS upto FROM events_pruned'))[0].upto) >=
          BigInt(last),
        20_000,
        'pruning past the frozen instance',
        50,
      );
    } finally {
      l.child.kill('SIGCONT');
    }

    await eventually(() => expired.length > 0, 15_000, 'room:expired');
    expect(expired).toEqual([{ campaign: campaign.id, code: 'cursor_expired', message: expect.any(String) }]);
    expect(client.received).toHaveLength(3); // nothing delivered past the gap as if all were well
    expect(client.socket.connected).toBe(true);
    expect(l.output()).toContain('feed fell behind pruning');

    // as a client is told to: subscribe again, then load the history, then merge by id
    const resubscribed = client.received.length;
    await client.subscribe(campaign.id);
    const history = (await api(l).get(`/api/campaigns/${campaign.id}/chats/`).expect(200)).body as Chat[];
    for (let i = 0; i < 2; i++) await createChat(p, campaign.id, { message: `after ${i}` });
    await eventually(() => client.received.length === resubscribed + 2, 15_000, 'the chats after resubscribing');
    const live = client.received.slice(resubscribed).map((r) => r.event.data as unknown as Chat);
    const timeline = [...new Map([...history, ...live].map((c) => [c.id, c])).values()].sort(byTime);

    const committed = await sql<Chat>(
      url,
      `SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
       FROM chats WHERE campaign_id = $1 ORDER BY created_at, id`,
      [campaign.id],
    );
    expect(committed).toHaveLength(25);
    expect(timeline.map((c) => c.id)).toEqual(committed.map((c) => c.id));
  }, 90_000);
});
