import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sequelizeCli } from '../support/cli';
import { api } from '../support/http';

let app: App;
let url: string;
beforeAll(async () => ({ app, url } = await freshApp()));
afterAll(() => app.stop());

interface Data {
  chat: string | null;
  campaign: string | null;
}
interface Chat {
  id: string;
  campaign: string;
  created_at: string;
  datas: Data[];
}
interface Campaign {
  id: string;
  title: string;
  created_at: string;
  chats: Chat[];
  datas: Data[];
}

const campaigns = async (): Promise<Campaign[]> => (await api(app).get('/api/campaigns/').expect(200)).body.results;

describe('npm run db:seed (sequelize-cli db:seed:all)', () => {
  it('loads three demo campaigns, each with a conversation and datas, visible through the API', async () => {
    sequelizeCli('db:seed:all', url);
    const seeded = await campaigns();
    expect(seeded).toHaveLength(3);
    const created = seeded.map((c) => c.created_at);
    expect(created).toEqual([...created].sort().reverse());
    for (const campaign of seeded) {
      expect(campaign.chats.length).toBeGreaterThanOrEqual(2);
      expect(campaign.chats.every((c) => c.campaign === campaign.id)).toBe(true);
      const times = campaign.chats.map((c) => c.created_at);
      expect(times).toEqual([...times].sort());
      expect(campaign.datas.length).toBeGreaterThanOrEqual(1);
      const chatIds = new Set(campaign.chats.map((c) => c.id));
      for (const data of campaign.datas) {
        expect(data.campaign).toBe(campaign.id);
        if (data.chat) expect(chatIds.has(data.chat)).toBe(true);
      }
    }
    const nested = seeded.flatMap((c) => c.chats.flatMap((h) => h.datas));
    expect(nested.length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('seeding again adds nothing; undoing the seed removes the demo campaigns', async () => {
    sequelizeCli('db:seed:all', url);
    expect(await campaigns()).toHaveLength(3);
    sequelizeCli('db:seed:undo:all', url);
    expect(await campaigns()).toEqual([]);
    expect((await api(app).get('/api/chats/').expect(200)).body.count).toBe(0);
    expect((await api(app).get('/api/datas/').expect(200)).body.count).toBe(0);
  }, 60_000);
});
