import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { App } from '../../src/app';
import type { ChatRep, SubscribeAck } from '../../src/protocol';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { createCampaign } from '../support/http';
import { closeSockets, eventually, open, request, sleep, type ClientSocket, type Received } from '../support/sockets';

const FLOOD_CHATS = 3_000;
/** How far back the flooders' cursor is: two replay chunks, the second one partial. */
const REPLAYED = 600;
const FLOODERS = 20;
const SUBSCRIBES_EACH = 10;

let url: string;
let a: App;

beforeAll(async () => {
  url = await createTestDatabase();
  a = await startApp(url);
});
afterAll(async () => {
  closeSockets();
  await a.stop();
});

/** The room's events in log order: the ground truth a subscriber must match. */
const logOf = (campaign: string) =>
  sql<{ cursor: string; id: string }>(
    url,
    `SELECT e.id::text AS cursor, e.entity_id AS id FROM events e WHERE e.campaign_id = $1 ORDER BY e.id`,
    [campaign],
  );

const headCursor = async () =>
  (await sql<{ id: string }>(url, 'SELECT coalesce(max(id), 0)::text AS id FROM events'))[0].id;

/** A campaign holding `count` chats written by one SQL statement (the triggers log each one). */
async function campaignWithChats(count: number): Promise<{ id: string; before: string }> {
  const campaign = await createCampaign(a, { title: 'Flooded' });
  const before = await headCursor();
  await sql(
    url,
    `INSERT INTO chats (campaign_id, author, message) SELECT $1, 'ai', 'old ' || n FROM generate_series(1, $2) n`,
    [campaign.id, count],
  );
  return { id: campaign.id, before };
}

/** A subscribe with a deadline long enough for a replay queued behind others. */
async function slowSubscribe(socket: ClientSocket, campaignId: string, since: string) {
  const ack = await request<SubscribeAck>(socket, 'subscribe', { campaignId, since }, 60_000);
  if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
  return ack;
}

interface FloodReport {
  /** Per socket: how many events it had received when each subscribe was acknowledged. */
  acks: number[];
  /** Per socket: [cursor, id] of every event received, in order. */
  received: [string, string][];
}

/**
 * FLOODERS sockets sending SUBSCRIBES_EACH old-cursor subscribes at once, in a child process:
 * parsing 120,000 replayed events here would slow the very process that times live delivery.
 */
function flood(campaignId: string, since: string) {
  const child = fork(join(__dirname, '..', 'support', 'flooder.mjs'), [
    a.url,
    campaignId,
    since,
    String(FLOODERS),
    String(SUBSCRIBES_EACH),
  ]);
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (msg: { type: string; message?: string }) => {
        if (msg.type === 'failed') reject(new Error(msg.message));
        if (msg.type !== type) return;
        child.off('message', onMessage);
        resolve(msg as T);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`flooder exited with ${code}`)));
    });
  return {
    acked: next('acked'),
    report: async () => {
      const answer = next<{ flooders: FloodReport[] }>('report');
      child.send({ type: 'report' });
      return (await answer).flooders;
    },
    close: () => child.connected && child.send({ type: 'close' }),
  };
}

/** Posts chats one at a time on a socket; each one's time from its acknowledgement to its arrival. */
async function measureLive(writer: ClientSocket, watcher: Received[], campaign: string, until: () => boolean) {
  const latencies: number[] = [];
  for (let i = 0; !until() || latencies.length < 100; i++) {
    const ack = await slowChat(writer, campaign, `live ${i}`);
    const acked = Date.now();
    const id = ack.data.id;
    await eventually(() => watcher.some((r) => r.event.data.id === id), 30_000, `live chat ${i}`);
    latencies.push(Math.max(0, Date.now() - acked));
    await sleep(10); // a steady trickle, not a second flood
  }
  return latencies;
}

async function slowChat(socket: ClientSocket, campaign: string, message: string) {
  const ack = await request<{ data: ChatRep }>(socket, 'chat:create', { campaign, author: 'human', message }, 30_000);
  if (!ack.ok) throw new Error(`chat:create failed: ${JSON.stringify(ack.error)}`);
  return ack;
}

const p99 = (values: number[]) => [...values].sort((x, y) => x - y)[Math.ceil(values.length * 0.99) - 1];

const pairs = (received: Received[]) => received.map((r) => ({ cursor: r.event.cursor, id: r.event.data.id }));

describe('replay flood', () => {
  it('200 old-cursor subscribes at once do not hold back live delivery, and each gets its events once, in order', async () => {
    const flooded = await campaignWithChats(FLOOD_CHATS);
    // 200 replays of 600 events: 120,000 events, all into this process's own clients
    const since = (await logOf(flooded.id))[FLOOD_CHATS - REPLAYED - 1].cursor;
    const live = await createCampaign(a, { title: 'Live' });
    const watcher = await open(a);
    await watcher.subscribe(live.id);
    const writer = await open(a);

    const started = Date.now();
    const flooders = flood(flooded.id, since);
    try {
      let finished = false;
      const allDone = flooders.acked.finally(() => (finished = true));
      const latencies = await measureLive(writer.socket, watcher.received, live.id, () => finished);
      await allDone;
      const worst = p99(latencies);
      console.log(`flood: ${Date.now() - started} ms; live: ${latencies.length} chats, p99 ${worst} ms`);

      // live events of the flooded room, after every replay: each flooder is in the room once;
      // the last is the sentinel (a room's events arrive in order: a duplicate would come before it)
      let sentinel = '';
      for (let i = 0; i < 3; i++) sentinel = (await slowChat(writer.socket, flooded.id, `after ${i}`)).data.id;
      const log = (await logOf(flooded.id)).map((e) => [e.cursor, e.id]);
      expect(log).toHaveLength(FLOOD_CHATS + 3);
      let report: FloodReport[] = [];
      const sawSentinel = (f: FloodReport) => f.received.some(([, id]) => id === sentinel);
      await eventually(
        async () => (report = await flooders.report()).every(sawSentinel),
        20_000,
        'every flooder to see the sentinel',
        200,
      );

      const replay = log.slice(FLOOD_CHATS - REPLAYED, FLOOD_CHATS);
      expect(report).toHaveLength(FLOODERS);
      for (const f of report) {
        // subscribes of one connection run one after another: each replay is one stretch of the stream
        expect(f.acks).toEqual(Array.from({ length: SUBSCRIBES_EACH }, (_, k) => (k + 1) * REPLAYED));
        for (let k = 0; k < SUBSCRIBES_EACH; k++) {
          expect(f.received.slice(k * REPLAYED, (k + 1) * REPLAYED)).toEqual(replay);
        }
        expect(f.received.slice(SUBSCRIBES_EACH * REPLAYED)).toEqual(log.slice(FLOOD_CHATS));
      }
      expect(worst).toBeLessThan(500);
    } finally {
      flooders.close();
    }
  }, 120_000);

  it('a replay with writes to the same room going on: every event once, replayed then live, in order', async () => {
    const room = await campaignWithChats(FLOOD_CHATS);
    const writer = await open(a);
    const reader = await open(a);
    let written = 0;
    let writing = true;
    const writes = (async () => {
      while (writing) {
        await slowChat(writer.socket, room.id, `during ${written}`);
        written++;
      }
    })();
    await eventually(() => written >= 3, 15_000, 'writes before the subscribe');
    const ack = await slowSubscribe(reader.socket, room.id, room.before);
    const atAck = written;
    await eventually(() => written >= atAck + 5, 15_000, 'writes after the subscribe');
    writing = false;
    await writes;
    // written after the rest: a room's events arrive in order, so a duplicate would come before it
    const sentinel = (await slowChat(writer.socket, room.id, 'sentinel')).data.id;
    const log = await logOf(room.id);
    await eventually(() => reader.received.some((r) => r.event.data.id === sentinel), 20_000, 'the whole room');
    expect(pairs(reader.received)).toEqual(log);
    expect(BigInt(ack.cursor)).toBeGreaterThan(BigInt(log[FLOOD_CHATS - 1].cursor));
  }, 60_000);
});
