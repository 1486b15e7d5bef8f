import { randomUUID } from 'node:crypto';
import type { App } from '../../src/app';
import { ChatError } from '../../src/client';
import { freshApp } from '../support/app';
import { chatClient, closeClients } from './support';

let app: App;
beforeAll(async () => ({ app } = await freshApp()));
afterAll(async () => {
  closeClients();
  await app.stop();
});

/** The rejection of a promise that must reject. */
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('it resolved')),
    (e: unknown) => e,
  );

it('REST resources: list, get, create, update (PATCH), replace (PUT), delete', async () => {
  const client = chatClient({ url: app.url });
  const campaign = await client.campaigns.create({ title: 'Launch', status: 'pending' });
  expect(campaign).toMatchObject({ title: 'Launch', chats: [], datas: [] });
  const chat = await client.chats.create({ campaign: campaign.id, author: 'human', message: 'hello' });
  const data = await client.datas.create({ chat: chat.id, context: 'ctx' });
  expect((await client.chats.get(chat.id)).datas).toEqual([data]);
  expect(await client.campaigns.update(campaign.id, { status: 'started' })).toMatchObject({
    title: 'Launch',
    status: 'started',
  });
  expect(await client.campaigns.replace(campaign.id, { title: 'Launched' })).toMatchObject({ title: 'Launched' });
  const page = await client.chats.list({ campaign: campaign.id, search: 'hell', page_size: 5 });
  expect(page).toMatchObject({ count: 1, next: null, previous: null, results: [{ id: chat.id }] });
  expect((await client.campaigns.get(campaign.id, { nested: false })).chats).toBeUndefined();
  await client.chats.delete(chat.id);
  expect(await rejection(client.chats.get(chat.id))).toMatchObject({ status: 404, code: 'not_found' });
});

it('a bad REST write throws a ChatError with the field errors', async () => {
  const client = chatClient({ url: app.url });
  const err = await rejection(
    client.chats.create({ campaign: randomUUID(), author: 'nobody' as 'human', message: ' ' }),
  );
  expect(err).toBeInstanceOf(ChatError);
  expect(err).toMatchObject({
    status: 400,
    code: 'invalid',
    fields: { author: [expect.any(String)], message: [expect.any(String)] },
  });
  expect(await rejection(client.campaigns.update(randomUUID(), { title: 'x' }))).toMatchObject({
    status: 404,
    code: 'not_found',
    message: 'Not found.',
    fields: undefined,
  });
});

it('a bad send throws a ChatError with the field errors, the same shape as REST', async () => {
  const client = chatClient({ url: app.url });
  const campaign = await client.campaigns.create({ title: 'Room' });
  const room = client.room(campaign.id);
  const err = await rejection(room.send({ author: 'nobody' as 'human', message: '' }));
  expect(err).toBeInstanceOf(ChatError);
  expect(err).toMatchObject({
    status: 400,
    code: 'invalid',
    fields: { author: [expect.any(String)], message: [expect.any(String)] },
  });
  const sent = await room.send({ author: 'ai', message: 'fine' });
  expect(sent).toMatchObject({ campaign: campaign.id, author: 'ai', message: 'fine' });
});

it('a room of a campaign that does not exist reports not_found and closes', async () => {
  const client = chatClient({ url: app.url });
  const room = client.room(randomUUID());
  const error = await new Promise<ChatError>((resolve) => room.on('error', resolve));
  expect(error).toMatchObject({ status: 404, code: 'not_found' });
  expect(room.state).toBe('closed');
});
