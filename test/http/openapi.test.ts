import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { api, createCampaign, createChat, createData } from '../support/http';

type Schema = { properties: Record<string, { enum?: readonly string[] }> };

/** Every key of the representation is documented, and no documented key is missing from it. */
function expectDocumented(rep: Record<string, unknown>, schema: Schema): void {
  expect(Object.keys(rep).sort()).toEqual(Object.keys(schema.properties).sort());
  for (const [key, property] of Object.entries(schema.properties)) {
    if (property.enum) expect(property.enum).toContain(rep[key]);
  }
}

describe('the OpenAPI document describes what the API answers', () => {
  let app: App;
  let schemas: Record<string, Schema>;
  beforeAll(async () => {
    ({ app } = await freshApp());
    schemas = (await api(app).get('/api/openapi.json').expect(200)).body.components.schemas;
  });
  afterAll(() => app?.stop());

  it('a campaign, its chat and its data have exactly the documented fields', async () => {
    const campaign = await createCampaign(app, { title: 'documented' });
    const chat = await createChat(app, campaign.id);
    await createData(app, { chat: chat.id, context: 'c' });
    const full = (await api(app).get(`/api/campaigns/${campaign.id}/`).expect(200)).body;
    expectDocumented(full, schemas.Campaign);
    expectDocumented(full.chats[0], schemas.Chat);
    expectDocumented(full.chats[0].datas[0], schemas.Data);
  });
});
