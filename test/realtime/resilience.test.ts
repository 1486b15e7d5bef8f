import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createDatabaseIn, startCluster, type Cluster } from '../support/cluster';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign, postChat } from '../support/http';
import { closeSockets, eventually, open, type Received } from '../support/sockets';
import { execFileSync } from 'node:child_process';

/**
 * Posts `count` chats one after another, retrying through outages (503s) until each lands,
 * then one more, the sentinel: a room's events arrive in order, so once a subscriber has
 * it, anything lost would stay missing and a duplicate would already be there. Resolves its id.
 */
async function writeStream(app: App, campaign: string, count: number, onEach?: (i: number) => Promise<void> | void) {
  for (let i = 0; i < count; i++) {
    await onEach?.(i);
    await postChat(app, campaign, `m${i}`);
  }
  return (await postChat(app, campaign, 'sentinel')).id;
}

/** The room's chats in commit order, from the log itself: the ground truth. */
const committed = (url: string, campaign: string) =>
  sql<{ entity_id: string }>(
    url,
    `SELECT entity_id FROM events WHERE campaign_id = $1 AND entity = 'chat' ORDER BY id`,
    [campaign],
  ).then((rows) => rows.map((r) => r.entity_id));

const ids = (received: Received[]) => received.map((r) => r.event.data.id);

afterEach(closeSockets);

describe('on the shared cluster', () => {
  let url: string;
  let a: App, b: App;
  beforeAll(async () => {
    url = await createTestDatabase();
    [a, b] = await Promise.all([startApp(url), startApp(url, { listenerCheckIntervalMs: 500 })]);
  });
  afterAll(() => Promise.all([a.stop(), b.stop()]));

  it('the listener connection is terminated mid-stream: nothing lost, nothing duplicated', async () => {
    const campaign = await createCampaign(a);
    const sub = await open(b);
    await sub.subscribe(campaign.id);
    const sentinel = await writeStream(a, campaign.id, 120, async (i) => {
      if (i === 40 || i === 80) {
        // both instances' listeners (one may be reconnecting on its own under load: wait for it)
        await eventually(() => a.listener.connected && b.listener.connected);
        const killed = await sql<{ ok: boolean }>(
          url,
          'SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) pid',
          [[a.listener.backendPid, b.listener.backendPid]],
        );
        expect(killed.map((k) => k.ok)).toEqual([true, true]);
      }
    });
    await eventually(() => ids(sub.received).includes(sentinel), 15_000, 'catch-up after reconnect');
    const truth = await committed(url, campaign.id);
    expect(ids(sub.received)).toEqual(truth);
    expect(truth).toHaveLength(121);
  });

  it('a silently dead listener connection is detected by the periodic check and replaced', async () => {
    const campaign = await createCampaign(a);
    const sub = await open(b);
    await sub.subscribe(campaign.id);
    const pid = b.listener.backendPid as number;
    expect(pid).toEqual(expect.any(Number));
    // a frozen backend keeps its TCP connection open but never answers: a dead peer
    process.kill(pid, 'SIGSTOP');
    try {
      const sentinel = await writeStream(a, campaign.id, 20);
      await eventually(() => ids(sub.received).includes(sentinel), 15_000, 'delivery through a new connection');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(ids(sub.received)).toEqual(await committed(url, campaign.id));
    expect(b.listener.backendPid).not.toBe(pid);
  });

  it('a client that disconnects during writes resumes with since: every missed event once, in order', async () => {
    const campaign = await createCampaign(a);
    let client = await open(b);
    await client.subscribe(campaign.id);
    const received: Received[] = [];
    const sentinel = await writeStream(a, campaign.id, 90, async (i) => {
      if (i === 30) {
        await eventually(() => client.received.length > 0);
        received.push(...client.received);
        client.socket.disconnect(); // writes go on while it is away
      }
      if (i === 60) {
        const since = received[received.length - 1].event.cursor;
        client = await open(a); // and it comes back through the other instance
        const ack = await client.subscribe(campaign.id, since);
        expect(ack.replayed).toBeGreaterThan(0);
      }
    });
    await eventually(() => ids(client.received).includes(sentinel));
    expect(ids([...received, ...client.received])).toEqual(await committed(url, campaign.id));
  }, 60_000);
});

describe('on a cluster that restarts', () => {
  let cluster: Cluster;
  let url: string;
  let a: App, b: App;
  beforeAll(async () => {
    cluster = await startCluster();
    url = await createDatabaseIn(cluster, 'restart_test');
    execFileSync('npx', ['sequelize-cli', 'db:migrate'], { env: { ...process.env, DATABASE_URL: url }, stdio: 'pipe' });
    [a, b] = await Promise.all([startApp(url), startApp(url, { listenerCheckIntervalMs: 500 })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await cluster?.destroy();
  });

  it('Postgres restarts mid-stream: nothing lost or duplicated, and the instances stay up', async () => {
    const campaign = await createCampaign(a);
    const sub = await open(b);
    await sub.subscribe(campaign.id);
    const sentinel = await writeStream(a, campaign.id, 60, async (i) => {
      if (i !== 30) return;
      await cluster.stop();
      const ready = await api(b).get('/readyz');
      expect(ready.status).toBe(503);
      await api(a).get('/healthz').expect(200); // alive, just not ready
      await cluster.start();
    });
    await eventually(() => b.listener.connected, 15_000, 'listener reconnect');
    await api(b).get('/readyz').expect(200);
    await eventually(() => ids(sub.received).includes(sentinel), 15_000, 'catch-up after restart');
    const truth = await committed(url, campaign.id);
    expect(truth.length).toBeGreaterThanOrEqual(61);
    expect(ids(sub.received)).toEqual(truth);
  }, 60_000);
});
