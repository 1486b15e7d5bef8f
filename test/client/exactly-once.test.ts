import { execFileSync } from 'node:child_process';
import type { App } from '../../src/app';
import type { RoomEvent, RoomState } from '../../src/client';
import { startApp } from '../support/app';
import { createDatabaseIn, startCluster, type Cluster } from '../support/cluster';
import { sql } from '../support/db';
import { createCampaign, postChat } from '../support/http';
import { portOf, startProxy, type TcpProxy } from '../support/proxy';
import { eventually } from '../support/sockets';
import { chatClient, closeClients, committedChats, createdIds, dbChats, inCommitOrder } from './support';

let cluster: Cluster;
let url: string;
let a: App, b: App;
let proxy: TcpProxy;

beforeAll(async () => {
  cluster = await startCluster();
  url = await createDatabaseIn(cluster, 'client_faults');
  execFileSync('npx', ['sequelize-cli', 'db:migrate'], { env: { ...process.env, DATABASE_URL: url }, stdio: 'pipe' });
  [a, b] = await Promise.all([
    startApp(url, { listenerCheckIntervalMs: 500 }),
    startApp(url, { listenerCheckIntervalMs: 500 }),
  ]);
  proxy = await startProxy(portOf(a.url));
}, 60_000);
afterAll(async () => {
  closeClients();
  await proxy?.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await cluster?.destroy();
});

/** Every database connection of the instances (not ours): what a failover or an admin kills. */
const terminateInstanceConnections = () =>
  sql(
    url,
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
  );

it('through a cut-over to the other instance, killed connections and a Postgres restart: every chat once, in order', async () => {
  const campaign = await createCampaign(a);
  const client = chatClient({ url: proxy.url });
  const room = client.room(campaign.id);
  const events: RoomEvent[] = [];
  const states: RoomState[] = [];
  room.on('event', (e) => events.push(e));
  room.on('state', (s) => states.push(s));
  await room.loadLatest(20);
  expect(room.state).toBe('live');

  const COUNT = 160;
  for (let i = 0; i < COUNT; i++) {
    if (i === 40) {
      proxy.point(portOf(b.url)); // the balancer now sends everyone to B…
      proxy.cut(); // …and every client connection drops mid-stream
    }
    if (i === 80) await terminateInstanceConnections();
    if (i === 120) {
      await cluster.stop();
      await cluster.start();
    }
    if (i === 140) {
      proxy.point(portOf(a.url));
      proxy.cut();
    }
    await postChat([a, b][i % 2], campaign.id, `m${i}`);
  }

  const truth = await committedChats(url, campaign.id);
  expect(truth.length).toBeGreaterThanOrEqual(COUNT);
  await eventually(() => createdIds(events).length >= truth.length, 30_000, 'every chat through the client');
  await eventually(() => room.chats.length >= truth.length, 5_000, 'the timeline');
  expect(createdIds(events)).toEqual(truth);
  expect(inCommitOrder(events)).toBe(true);
  expect(room.chats.map((c) => c.id)).toEqual(await dbChats(url, campaign.id));
  expect(states).toContain('recovering'); // the faults were seen, and recovered from
  expect(room.state).toBe('live');
}, 90_000);
