import { execFileSync } from 'node:child_process';
import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createDatabaseIn, startCluster, type Cluster } from '../support/cluster';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign } from '../support/http';
import { startServerProcess, type ServerProcess } from '../support/process';
import { closeSockets, eventually, open, sleep, subscriber, type ClientSocket } from '../support/sockets';
import { appendOver, expectExact, finishOver, openStream, pieces } from './support';

jest.setTimeout(120_000);
afterEach(closeSockets);

/** The committed message and status of a chat. */
const committed = async (url: string, id: string) =>
  (await sql<{ message: string; status: string }>(url, 'SELECT message, status FROM chats WHERE id = $1', [id]))[0];

/**
 * A producer that survives outages: it appends piece `seq` until acknowledged, through
 * whichever socket `via()` gives it now (a lost answer is resent by seq; a repeat is a no-op).
 */
async function produce(via: () => ClientSocket, id: string, parts: string[], between?: (seq: number) => Promise<void>) {
  for (let seq = 1; seq <= parts.length; seq++) {
    await between?.(seq);
    for (;;) {
      const ack = await appendOver(via(), id, seq, parts[seq - 1]).catch(() => undefined);
      if (ack?.ok) break;
      if (ack && !['unavailable', 'timeout', 'cancelled'].includes(ack.error.code)) {
        throw new Error(`append ${seq} refused: ${JSON.stringify(ack.error)}`);
      }
      await sleep(50);
    }
  }
}

describe('streams through failures, on a shared database', () => {
  let url: string;
  let survivor: App;
  let doomed: ServerProcess | undefined;
  beforeAll(async () => {
    url = await createTestDatabase();
    survivor = await startApp(url, {
      listenerCheckIntervalMs: 500,
      streams: { flushMs: 50, idleTimeoutMs: 1_500, maxDurationMs: 600_000, sweepIntervalMs: 200 },
    });
  });
  afterAll(async () => {
    await doomed?.stop();
    await survivor?.stop();
  });

  it("the producer's instance is SIGKILLed mid-stream: it goes on through another by seq, and no subscriber sees a gap", async () => {
    doomed = await startServerProcess(url, { SOCKET_EVENTS_PER_SECOND: '100000' });
    const campaign = await createCampaign(survivor);
    const watcher = await subscriber(survivor, campaign.id);
    let producer = (await open(doomed)).socket;
    const chat = await openStream(producer, campaign.id);
    const parts = pieces(80, 'k');
    // pipelined appends in flight when the instance dies: some committed, some not, answers lost
    const inFlight = parts
      .slice(0, 40)
      .map((text, i) => appendOver(producer, chat.id, i + 1, text).catch(() => undefined));
    await sleep(30);
    doomed.child.kill('SIGKILL');
    await Promise.all(inFlight);
    producer = (await open(survivor)).socket;
    await produce(() => producer, chat.id, parts);
    const final = await finishOver(producer, chat.id);
    expect(final.message).toBe(parts.join(''));
    await eventually(() => watcher.streams.statuses.get(chat.id) === 'complete', 10_000, 'the end');
    expectExact(watcher, chat.id, parts.join(''));
  });

  it('the producer vanishes with its instance: the stream fails within the idle timeout and a sweep', async () => {
    doomed = await startServerProcess(url, { STREAM_IDLE_TIMEOUT_MS: '1500' });
    const campaign = await createCampaign(survivor);
    const watcher = await subscriber(survivor, campaign.id);
    const producer = (await open(doomed)).socket;
    const chat = await openStream(producer, campaign.id);
    await produce(() => producer, chat.id, ['last ', 'words']);
    const lastAppend = Date.now();
    doomed.child.kill('SIGKILL');
    await eventually(() => watcher.streams.statuses.get(chat.id) === 'failed', 10_000, 'the stream to fail', 10);
    // the idle timeout and one sweep, with room for a loaded machine
    expect(Date.now() - lastAppend).toBeLessThan(1_500 + 200 + 1_500);
    expect(await committed(url, chat.id)).toEqual({ message: 'last words', status: 'failed' });
    expectExact(watcher, chat.id, 'last words', 'failed');
  });

  it('a producer resending what it was not told of is alive: repeats keep the stream from going idle', async () => {
    const campaign = await createCampaign(survivor);
    const producer = (await open(survivor)).socket;
    const chat = await openStream(producer, campaign.id);
    await produce(() => producer, chat.id, ['once']);
    // longer than the idle timeout, with nothing but repeats of seq 1
    for (const until = Date.now() + 2_500; Date.now() < until; await sleep(300)) {
      expect(await appendOver(producer, chat.id, 1, 'once')).toMatchObject({ ok: true, seq: 1, length: 4 });
    }
    expect((await api(survivor).get(`/api/chats/${chat.id}/`)).body).toMatchObject({
      message: 'once',
      status: 'streaming',
    });
  });

  it('a producer that just stops is failed too, and one open longer than the longest duration', async () => {
    const campaign = await createCampaign(survivor);
    const producer = (await open(survivor)).socket;
    const idle = await openStream(producer, campaign.id, 'idle');
    await eventually(async () => (await committed(url, idle.id)).status === 'failed', 10_000, 'the idle stream');
    const long = await startApp(url, {
      streams: { flushMs: 50, idleTimeoutMs: 600_000, maxDurationMs: 800, sweepIntervalMs: 100 },
    });
    try {
      const busy = await openStream(producer, campaign.id);
      let seq = 0;
      // fed all along, yet open too long
      await eventually(
        async () => {
          await appendOver(producer, busy.id, ++seq, '.');
          return (await committed(url, busy.id)).status === 'failed';
        },
        10_000,
        'the long stream',
        100,
      );
      const refused = await appendOver(producer, busy.id, ++seq, '.');
      expect(refused).toMatchObject({ ok: false, error: { code: 'stream_closed', status: 'failed' } });
    } finally {
      await long.stop();
    }
  });

  it('the LISTEN connection and every app session are killed mid-stream: the text stays exact', async () => {
    const campaign = await createCampaign(survivor);
    const watcher = await subscriber(survivor, campaign.id);
    const producer = (await open(survivor)).socket;
    const chat = await openStream(producer, campaign.id);
    const parts = pieces(60, 'l');
    await produce(
      () => producer,
      chat.id,
      parts,
      async (seq) => {
        if (seq !== 20 && seq !== 40) return;
        await eventually(() => survivor.listener.connected, 15_000, 'the listener');
        await sql(
          url,
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
      },
    );
    await finishOver(producer, chat.id);
    await eventually(() => watcher.streams.statuses.get(chat.id) === 'complete', 15_000, 'the end');
    expectExact(watcher, chat.id, parts.join(''));
  });
});

describe('a stream while Postgres restarts', () => {
  let cluster: Cluster;
  let url: string;
  let a: App;
  let b: App;
  beforeAll(async () => {
    cluster = await startCluster();
    url = await createDatabaseIn(cluster, 'stream_restart');
    execFileSync('npx', ['sequelize-cli', 'db:migrate'], { env: { ...process.env, DATABASE_URL: url }, stdio: 'pipe' });
    [a, b] = await Promise.all([startApp(url), startApp(url, { listenerCheckIntervalMs: 500 })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await cluster?.destroy();
  });

  it('keeps every acknowledged append and ends exact at every subscriber', async () => {
    const campaign = await createCampaign(a);
    const watchers = await Promise.all([subscriber(a, campaign.id), subscriber(b, campaign.id)]);
    const producer = (await open(a)).socket;
    const chat = await openStream(producer, campaign.id);
    const parts = pieces(40, 'r');
    await produce(
      () => producer,
      chat.id,
      parts,
      async (seq) => {
        if (seq !== 20) return;
        await cluster.stop();
        await cluster.start();
      },
    );
    await eventually(() => a.listener.connected && b.listener.connected, 15_000, 'the listeners');
    await finishOver(producer, chat.id);
    expect(await committed(url, chat.id)).toEqual({ message: parts.join(''), status: 'complete' });
    for (const w of watchers) {
      await eventually(() => w.streams.statuses.get(chat.id) === 'complete', 15_000, 'the end');
      expectExact(w, chat.id, parts.join(''));
    }
    await api(b).get('/readyz').expect(200);
  });
});
