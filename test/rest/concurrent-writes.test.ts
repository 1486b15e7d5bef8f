import type { App } from '../../src/app';
import { OPEN_PRINCIPAL } from '../../src/auth/principal';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign } from '../support/http';

let app: App;
let url: string;
beforeAll(async () => ({ app, url } = await freshApp()));
afterAll(() => app.stop());

describe('concurrent chat creation (batched into shared statements)', () => {
  it('every request gets its own answer: 201 with its chat, or 400 for a missing campaign', async () => {
    const campaign = await createCampaign(app);
    const missing = '00000000-0000-4000-8000-000000000000';
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        api(app)
          .post('/api/chats/')
          .send({ campaign: i % 10 === 0 ? missing : campaign.id, author: 'human', message: `n${i}` }),
      ),
    );
    results.forEach((res, i) => {
      if (i % 10 === 0) {
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ campaign: [`Invalid pk "${missing}" - object does not exist.`] });
      } else {
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ campaign: campaign.id, message: `n${i}`, datas: [] });
      }
    });
    const stored = await sql<{ message: string }>(url, 'SELECT message FROM chats WHERE campaign_id = $1', [
      campaign.id,
    ]);
    expect(stored.map((r) => r.message).sort()).toEqual(
      results.flatMap((_res, i) => (i % 10 === 0 ? [] : [`n${i}`])).sort(),
    );
    const fetched = await api(app).get(`/api/chats/${results[1].body.id}/`).expect(200);
    expect(fetched.body).toEqual(results[1].body);
  });

  it('creates issued together share a few statements, and each still gets its own answer', async () => {
    const campaign = await createCampaign(app);
    const missing = '00000000-0000-4000-8000-000000000001';
    let statements = 0;
    const stop = app.database.observe(() => statements++);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        app.services.chats.create(
          { campaign: i === 7 ? missing : campaign.id, author: 'tool', message: `b${i}` },
          OPEN_PRINCIPAL,
        ),
      ),
    );
    stop();
    expect(statements).toBeLessThan(10);
    expect(outcomes[7]).toMatchObject({ status: 'rejected', reason: { fields: { campaign: [expect.any(String)] } } });
    const created = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(created.map((c) => c.message)).toEqual(
      Array.from({ length: 50 }, (_, i) => `b${i}`).filter((m) => m !== 'b7'),
    );
    const stored = await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM chats WHERE campaign_id = $1', [
      campaign.id,
    ]);
    expect(stored[0].n).toBe(49);
  });

  it('a campaign deleted while its chats are being created never yields a 500', async () => {
    const campaigns = await Promise.all(Array.from({ length: 5 }, () => createCampaign(app)));
    const writes = Array.from({ length: 100 }, (_, i) =>
      api(app)
        .post('/api/chats/')
        .send({ campaign: campaigns[i % 5].id, author: 'ai', message: `m${i}` }),
    );
    const deletes = campaigns.slice(0, 2).map((c) => api(app).delete(`/api/campaigns/${c.id}/`));
    const results = await Promise.all(writes);
    await Promise.all(deletes);
    for (const res of results) expect([201, 400]).toContain(res.status);
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(60);
  });
});
