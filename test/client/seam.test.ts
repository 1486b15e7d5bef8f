import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { createCampaign, postChat } from '../support/http';
import { eventually } from '../support/sockets';
import { chatClient, closeClients, dbChats } from './support';

let app: App;
let url: string;
beforeAll(async () => ({ app, url } = await freshApp()));
afterAll(async () => {
  closeClients();
  await app.stop();
});

/** Writers posting one chat after another until stopped, counting what they wrote. */
function writeUntil(campaign: string, progress: { done: boolean; written: number }, writers = 2): Promise<void[]> {
  const writer = async (w: number) => {
    while (!progress.done) await postChat(app, campaign, `w${w}-${progress.written++}`);
  };
  return Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
}

it('chats written while loadLatest and loadOlder run are in room.chats exactly once, with no hole', async () => {
  const campaign = await createCampaign(app);
  // old history, several pages deep, some sharing a created_at (one transaction)
  await sql(
    url,
    `INSERT INTO chats (campaign_id, author, message) SELECT $1, 'ai', 'old ' || n FROM generate_series(1, 150) n`,
    [campaign.id],
  );
  const progress = { done: false, written: 0 };
  const writing = writeUntil(campaign.id, progress);
  await eventually(() => progress.written >= 3, 5_000, 'the writers');

  const client = chatClient({ url: app.url });
  const room = client.room(campaign.id);
  let changes = 0;
  room.on('change', () => changes++);
  await room.loadLatest(25);
  let pages = 0;
  while (await room.loadOlder()) pages++;
  expect(await room.loadOlder()).toBe(false);
  progress.done = true;
  await writing;
  const { written } = progress;

  const truth = await dbChats(url, campaign.id);
  expect(truth.length).toBe(150 + written);
  await eventually(() => room.chats.length >= truth.length, 15_000, 'the live tail');
  expect(room.chats.map((c) => c.id)).toEqual(truth);
  expect(pages).toBeGreaterThanOrEqual(5);
  expect(changes).toBeGreaterThan(0);
});
