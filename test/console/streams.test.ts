import type { Locator, Page } from 'playwright-core';
import { ChatClient, type ChatError, type ChatStream, type Room } from '../../src/client';
import { sql } from '../support/db';
import { api, createCampaign } from '../support/http';
import { eventually } from '../support/sockets';
import { jwtConfig, token } from '../support/tokens';
import {
  campaignWithChats,
  liveStatus,
  message,
  messages,
  openConsole,
  screenshot,
  WAIT,
  consoleSuite,
} from './support';

/** Producers in the test process, as a bot would be: the client library over a real socket. */
const clients: ChatClient[] = [];
afterEach(() => clients.splice(0).forEach((c) => c.close()));

async function producer(url: string, campaign: string, auth?: string): Promise<Room> {
  const client = new ChatClient({ url, token: auth, reconnectionDelay: 100, reconnectionDelayMax: 1000 });
  clients.push(client);
  const room = client.room(campaign);
  await eventually(() => room.state === 'live', WAIT, 'the producer room to be live');
  return room;
}

/** `w01 w02 …`: words a test can wait for one by one. */
const words = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `w${String(from + i).padStart(2, '0')} `).join('');

const writingStatus = (page: Page): Locator => page.getByRole('status', { name: 'Writing' });
const stop = (item: Locator): Locator => item.getByRole('button', { name: 'Stop' });

/** Records every sentence put into the writing status, as a screen reader would be handed it. */
async function recordSaid(page: Page): Promise<() => Promise<string[]>> {
  await writingStatus(page).evaluate((region) => {
    const said: string[] = [];
    (window as unknown as { said: string[] }).said = said;
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'characterData') said.push(region.textContent ?? '');
        for (const node of Array.from(r.addedNodes)) said.push(node.textContent ?? '');
      }
    }).observe(region, { childList: true, subtree: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { said: string[] }).said.slice());
}

/** The item's text once it shows exactly `text` as its message (and nothing written after it). */
const shows = (item: Locator, text: string) =>
  eventually(
    async () => (await item.getByRole('paragraph').allTextContents()).includes(text),
    WAIT,
    `the message to read ${JSON.stringify(text)}`,
    25,
  );

/** Whether the text is kept out of the log's announcements (ARIA: the nearest aria-live wins), and busy. */
const liveness = (item: Locator, text: string) =>
  item
    .getByRole('paragraph')
    .filter({ hasText: text })
    .evaluate((p) => ({ off: p.closest('[aria-live]')?.getAttribute('aria-live') === 'off', busy: p.ariaBusy }));

const chatRow = async (url: string, id: string) =>
  (await sql<{ message: string; status: string }>(url, 'SELECT message, status FROM chats WHERE id = $1', [id]))[0];

describe('streams in the console (open mode)', () => {
  const suite = consoleSuite();

  it('a stream from another client grows in place, is said once as it starts and once as it ends, and ends whole', async () => {
    const { id } = await createCampaign(suite.app, { title: 'Streaming room' });
    const { page, errors } = await openConsole(suite.browser, `${suite.app.url}/#/campaigns/${id}`);
    await liveStatus(page).waitFor();
    const said = await recordSaid(page);
    const room = await producer(suite.app.url, id);

    const stream = await room.startStream({ author: 'ai' });
    const item = message(page, 'writing…');
    await item.waitFor();
    expect(await item.textContent()).toContain('ai');
    await stop(item).waitFor();
    expect(await item.getByRole('button', { name: 'Edit' }).count()).toBe(0);

    // two lengths on the way, each exactly what was written so far
    stream.write(words(1, 3));
    await shows(item, words(1, 3));
    stream.write(words(4, 9));
    await shows(item, words(1, 9));
    expect(await liveness(item, 'w09')).toEqual({ off: true, busy: 'true' });
    await screenshot(page, 'room-stream-writing');

    // many more tokens, one write each: still said only once
    for (let i = 10; i <= 60; i++) stream.write(words(i, i));
    const final = await stream.end();
    expect(final).toMatchObject({ message: words(1, 60), status: 'complete' });

    const done = message(page, 'w60');
    await eventually(async () => (await done.textContent())?.includes('writing…') === false, WAIT, 'writing… to go');
    await shows(done, words(1, 60));
    expect(await stop(done).count()).toBe(0);
    await done.getByRole('button', { name: 'Edit' }).waitFor();
    expect(await liveness(done, 'w60')).toEqual({ off: false, busy: null });
    await eventually(async () => (await said()).includes('ai finished writing.'), WAIT, 'the end to be said');
    expect(await said()).toEqual(['ai is writing…', 'ai finished writing.']);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('the list follows a growing stream while at the bottom, and stays put once scrolled up', async () => {
    const campaign = await campaignWithChats(suite.url, 'Long streaming room', 30);
    const { page, errors } = await openConsole(suite.browser, `${suite.app.url}/#/campaigns/${campaign}`);
    await liveStatus(page).waitFor();
    await message(page, 'm0030').waitFor();
    const scroller = () =>
      messages(page).evaluate((log) => {
        const el = log.parentElement as HTMLElement;
        return { top: el.scrollTop, below: el.scrollHeight - el.scrollTop - el.clientHeight };
      });
    const room = await producer(suite.app.url, campaign);
    const stream = await room.startStream({ author: 'ai' });
    const item = message(page, 'writing…');
    await item.waitFor();

    // line after line, far taller than the list: the newest line stays in view
    let text = '';
    for (let line = 1; line <= 30; line += 5) {
      const more = Array.from({ length: 5 }, (_, i) => `line ${line + i}\n`).join('');
      text += more;
      stream.write(more);
      await shows(item, text);
      expect((await scroller()).below).toBeLessThan(2);
    }

    // the reader scrolls up: the stream grows on below, and the page does not move
    await messages(page).evaluate((log) => log.parentElement?.scrollTo({ top: 300 }));
    await eventually(async () => (await scroller()).top === 300, WAIT, 'the scroll');
    for (const more of ['line 31\n', 'line 32\n', 'line 33\n']) {
      text += more;
      stream.write(more);
      await shows(item, text);
      expect((await scroller()).top).toBe(300);
    }
    await stream.end();
    await eventually(async () => (await item.count()) === 0, WAIT, 'writing… to go');
    expect((await scroller()).top).toBe(300);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('Stop in the console cancels the stream everywhere: producer, database and another page', async () => {
    const { id } = await createCampaign(suite.app, { title: 'Stopped room' });
    const url = `${suite.app.url}/#/campaigns/${id}`;
    const [a, b] = await Promise.all([openConsole(suite.browser, url), openConsole(suite.browser, url)]);
    await Promise.all([liveStatus(a.page).waitFor(), liveStatus(b.page).waitFor()]);
    const saidA = await recordSaid(a.page);
    const room = await producer(suite.app.url, id);
    const stream: ChatStream = await room.startStream({ author: 'ai' });
    stream.write(words(1, 4));
    await shows(message(a.page, 'w04'), words(1, 4));
    await message(b.page, 'w04').waitFor();

    await stop(message(a.page, 'w04')).click();
    await eventually(() => stream.signal.aborted, WAIT, "the producer's signal to abort");
    expect((stream.signal.reason as ChatError).code).toBe('stream_closed');
    // whatever it writes next goes nowhere, and an append by REST is refused
    stream.write('after stop');
    await api(suite.app)
      .post(`/api/chats/${stream.id}/append/`)
      .send({ seq: 99, text: 'after stop' })
      .expect(409)
      .expect((res) => expect(res.body).toMatchObject({ code: 'stream_closed', status: 'cancelled' }));
    expect(await stream.end()).toMatchObject({ status: 'cancelled', message: words(1, 4) });
    expect(await chatRow(suite.url, stream.id)).toEqual({ message: words(1, 4), status: 'cancelled' });

    for (const { page } of [a, b]) {
      const item = message(page, 'w04');
      await item.getByText('stopped', { exact: true }).waitFor();
      expect(await item.getByText('writing…').count()).toBe(0);
      expect(await stop(item).count()).toBe(0);
      await shows(item, words(1, 4));
    }
    await eventually(async () => (await saidA()).includes("ai's message was stopped."), WAIT, 'the stop to be said');
    expect(await saidA()).toEqual(['ai is writing…', "ai's message was stopped."]);
    await screenshot(b.page, 'room-stream-stopped');
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await Promise.all([a.page.close(), b.page.close()]);
  }, 90_000);

  it('a reload mid-stream shows the text so far, then follows it to the end; a failed one says so', async () => {
    const { id } = await createCampaign(suite.app, { title: 'Reloaded room' });
    const post = (path: string, body: object) => api(suite.app).post(path).send(body).expect(200);
    const created = await api(suite.app)
      .post('/api/chats/')
      .send({ campaign: id, author: 'ai', status: 'streaming', message: 'so far: ' })
      .expect(201);
    const chat = created.body as { id: string };
    await post(`/api/chats/${chat.id}/append/`, { seq: 1, text: words(1, 2) });

    const { page, errors } = await openConsole(suite.browser, `${suite.app.url}/#/campaigns/${id}`);
    await liveStatus(page).waitFor();
    const item = message(page, 'so far');
    await shows(item, `so far: ${words(1, 2)}`);
    await post(`/api/chats/${chat.id}/append/`, { seq: 2, text: words(3, 4) });
    await shows(item, `so far: ${words(1, 4)}`);

    await page.reload();
    await liveStatus(page).waitFor();
    await shows(item, `so far: ${words(1, 4)}`);
    await item.getByText('writing…').waitFor();
    // the stream open at load is said once too, from the subscription's snapshot of it
    await writingStatus(page).getByText('ai is writing…').waitFor();
    const said = await recordSaid(page);
    await post(`/api/chats/${chat.id}/append/`, { seq: 3, text: words(5, 6) });
    await shows(item, `so far: ${words(1, 6)}`);
    await post(`/api/chats/${chat.id}/append/`, { seq: 4, text: words(7, 8) });
    await post(`/api/chats/${chat.id}/finish/`, {});
    await shows(item, `so far: ${words(1, 8)}`);
    await item.getByText('writing…').waitFor({ state: 'detached' });
    await eventually(async () => (await said()).includes('ai finished writing.'), WAIT, 'the end to be said');
    expect(await said()).toEqual(['ai finished writing.']);

    // a producer that gives up: the chat says failed, in words, with its text kept
    const room = await producer(suite.app.url, id);
    const stream = await room.startStream({ author: 'tool', message: 'half an answer' });
    await message(page, 'half an answer').getByText('writing…').waitFor();
    await stream.fail();
    await message(page, 'half an answer').getByText('failed', { exact: true }).waitFor();
    await eventually(async () => (await said()).includes("tool's message failed."), WAIT, 'the failure to be said');
    expect((await said()).slice(1)).toEqual(['tool is writing…', "tool's message failed."]);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});

describe('streams in the console (tokens)', () => {
  const suite = consoleSuite(jwtConfig());

  /** A room opened in a tab that holds a token of `scope`. */
  async function openWith(url: string, scope: string) {
    const opened = await openConsole(suite.browser, url, undefined, await token({ sub: `a-${scope}`, scope }));
    await liveStatus(opened.page).waitFor();
    return opened;
  }

  it('a read-only token sees the stream being written but has no Stop; a write token has one', async () => {
    const [{ id }] = await sql<{ id: string }>(
      suite.url,
      "INSERT INTO campaigns (title) VALUES ('Tokens') RETURNING id",
    );
    const url = `${suite.app.url}/#/campaigns/${id}`;
    const reader = await openWith(url, 'read');
    const writer = await openWith(url, 'write');
    const room = await producer(suite.app.url, id, await token({ sub: 'bot', scope: 'write' }));
    const stream = await room.startStream({ author: 'ai', message: 'token room ' });
    stream.write(words(1, 2));

    await shows(message(writer.page, 'token room'), `token room ${words(1, 2)}`);
    await stop(message(writer.page, 'token room')).waitFor();
    const seen = message(reader.page, 'token room');
    await shows(seen, `token room ${words(1, 2)}`);
    await seen.getByText('writing…').waitFor();
    expect(await stop(seen).count()).toBe(0);

    // the write token's Stop works for a stream another member started
    await stop(message(writer.page, 'token room')).click();
    await seen.getByText('stopped', { exact: true }).waitFor();
    expect(await chatRow(suite.url, stream.id)).toMatchObject({ status: 'cancelled' });
    expect(reader.errors).toEqual([]);
    expect(writer.errors).toEqual([]);
    await Promise.all([reader.page.close(), writer.page.close()]);
  }, 90_000);
});
