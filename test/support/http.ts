import request from 'supertest';
import type { App } from '../../src/app';
import { sleep } from './sockets';

export const api = (app: Pick<App, 'url'>) => request(app.url);

export async function createCampaign(app: App, body: Record<string, unknown> = {}) {
  const res = await api(app)
    .post('/api/campaigns/')
    .send({ title: 'A campaign', ...body })
    .expect(201);
  return res.body as { id: string; title: string; created_at: string; updated_at: string };
}

export async function createChat(app: App, campaign: string, body: Record<string, unknown> = {}) {
  const res = await api(app)
    .post('/api/chats/')
    .send({ campaign, author: 'human', message: 'hello', ...body })
    .expect(201);
  return res.body as { id: string; campaign: string; created_at: string; message: string };
}

export async function createData(app: App, body: Record<string, unknown>) {
  const res = await api(app).post('/api/datas/').send(body).expect(201);
  return res.body as { id: string; chat: string | null; campaign: string | null };
}

/** Posts a chat, retrying through outages (503s, refused connections) until it lands. */
export async function postChat(app: App, campaign: string, message: string, headers: Record<string, string> = {}) {
  for (;;) {
    const res = await api(app)
      .post('/api/chats/')
      .set(headers)
      .send({ campaign, author: 'human', message })
      .catch(() => undefined);
    if (res?.status === 201) return res.body as { id: string };
    expect([undefined, 503]).toContain(res?.status);
    await sleep(50);
  }
}
