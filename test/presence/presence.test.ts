import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { createCampaign } from '../support/http';
import { roster } from '../support/presence';
import { closeSockets, eventually, open, request } from '../support/sockets';

let url: string;
let a: App, b: App, c: App;

beforeAll(async () => {
  url = await createTestDatabase();
  [a, b, c] = await Promise.all([startApp(url), startApp(url), startApp(url)]);
}, 60_000);
afterEach(closeSockets);
afterAll(() => Promise.all([a, b, c].map((app) => app?.stop())));

describe('presence across three instances', () => {
  it('joins and leaves are seen on every instance, and a subscribe lists everyone there', async () => {
    const { id } = await createCampaign(a);
    const alice = await open(a, { name: 'alice' });
    expect(roster((await alice.subscribe(id)).presence)).toEqual(['alice×1']);
    const bob = await open(b, { name: '  bob  ' });
    expect(roster((await bob.subscribe(id)).presence)).toEqual(['alice×1', 'bob×1']);
    const carol = await open(c, { name: 'carol' });
    expect(roster((await carol.subscribe(id)).presence)).toEqual(['alice×1', 'bob×1', 'carol×1']);
    await eventually(() => alice.of('presence:join', id).length === 2 && bob.of('presence:join', id).length === 1);
    expect(alice.of('presence:join', id)).toEqual(['bob', 'carol']);
    expect(bob.of('presence:join', id)).toEqual(['carol']);
    expect(carol.of('presence:join', id)).toEqual([]);

    expect(await request(bob.socket, 'unsubscribe', { campaignId: id })).toEqual({ ok: true });
    carol.close();
    await eventually(() => alice.of('presence:leave', id).length === 2, 15_000, 'two leaves');
    expect(alice.of('presence:leave', id).sort()).toEqual(['bob', 'carol']);
    const dave = await open(c, { name: 'dave' });
    expect(roster((await dave.subscribe(id)).presence)).toEqual(['alice×1', 'dave×1']);
  });

  it('the same member on two instances is one member, and leaves only when both connections are gone', async () => {
    const { id } = await createCampaign(a);
    const watcher = await open(c, { name: 'watcher' });
    await watcher.subscribe(id);
    const tab1 = await open(a, { name: 'erin' });
    await tab1.subscribe(id);
    await eventually(() => watcher.of('presence:join', id).length === 1);
    const tab2 = await open(b, { name: 'erin' });
    expect(roster((await tab2.subscribe(id)).presence)).toEqual(['erin×2', 'watcher×1']);
    await eventually(() => roster(c.presence.list(id)).includes('erin×2'), 15_000, 'the second tab on c');

    tab1.close();
    await eventually(() => roster(c.presence.list(id)).includes('erin×1'), 15_000, 'the first tab gone on c');
    tab2.close();
    await eventually(() => watcher.of('presence:leave', id).length === 1, 15_000, 'erin leaving');
    expect(watcher.of('presence:join', id)).toEqual(['erin']);
    expect(watcher.of('presence:leave', id)).toEqual(['erin']);
    const rows = await sql(url, 'SELECT * FROM presence_connections WHERE campaign_id = $1', [id]);
    expect(rows).toHaveLength(1); // the watcher's
  });

  it('a name is trimmed and at most 64 characters; without one the member is anonymous-<short id>', async () => {
    const { id } = await createCampaign(a);
    await expect(open(a, { name: 'x'.repeat(65) })).rejects.toThrow('The name must be at most 64 characters.');
    const long = await open(a, { name: ` ${'y'.repeat(64)} ` });
    const nameless = await open(b);
    await long.subscribe(id);
    const users = (await nameless.subscribe(id)).presence.map((p) => p.user).sort();
    expect(users).toEqual([expect.stringMatching(/^anonymous-[0-9a-f]{8}$/), 'y'.repeat(64)]);
  });
});

describe('the cost of a presence change', () => {
  const sent = async (app: App) =>
    (await app.metrics!.presenceNotifications.get()).values.find((v) => v.labels.direction === 'sent')?.value ?? 0;

  it('a join, a typing and a leave each cost one notification, from the instance that made it', async () => {
    const { id } = await createCampaign(a);
    const watcher = await open(b, { name: 'watcher' });
    await watcher.subscribe(id);
    const olivia = await open(a, { name: 'olivia' });
    const before = await sent(a);
    await olivia.subscribe(id);
    await eventually(() => watcher.of('presence:join', id).includes('olivia'));
    expect(await sent(a)).toBe(before + 1);
    await request(olivia.socket, 'typing', { campaignId: id, typing: true });
    await eventually(() => watcher.of('typing', id).includes('olivia:true'));
    expect(await sent(a)).toBe(before + 2);
    await request(olivia.socket, 'unsubscribe', { campaignId: id });
    await eventually(() => watcher.of('presence:leave', id).includes('olivia'));
    // the leave; the false that ends the typing waits for the end of the 2 s interval
    expect(await sent(a)).toBe(before + 3);
    await eventually(() => watcher.of('typing', id).includes('olivia:false'));
    expect(await sent(a)).toBe(before + 4);
  });
});

describe('typing across three instances', () => {
  it('reaches the others in the room but none of the sender’s own connections; a chat ends it', async () => {
    const { id } = await createCampaign(a);
    const [tabA, tabB, frank, gina, nora] = [
      await open(a, { name: 'eve' }),
      await open(b, { name: 'eve' }),
      await open(c, { name: 'frank' }),
      await open(a, { name: 'gina' }),
      await open(b, { name: 'nora' }),
    ];
    for (const m of [tabA, tabB, frank, gina, nora]) await m.subscribe(id);
    expect(await request(tabA.socket, 'typing', { campaignId: id, typing: true })).toEqual({ ok: true });
    await eventually(() => frank.of('typing', id).length === 1 && gina.of('typing', id).length === 1);
    expect(frank.seen.filter((s) => s.name === 'typing').map((s) => s.e)).toEqual([
      { campaign: id, user: 'eve', typing: true },
    ]);
    const sent = await request(tabA.socket, 'chat:create', { campaign: id, author: 'human', message: 'hi' });
    expect(sent.ok).toBe(true);
    const others = [frank, gina, nora];
    await eventually(() => others.every((m) => m.of('typing', id).length === 2), 15_000, 'the false');
    for (const m of others) expect(m.of('typing', id)).toEqual(['eve:true', 'eve:false']);
    // nora's instance, where the other tab is, has relayed both to its room by now
    expect(tabA.of('typing', id)).toEqual([]);
    expect(tabB.of('typing', id)).toEqual([]);
  });

  it('a typing: true not refreshed ends by itself after 5 s', async () => {
    const { id } = await createCampaign(a);
    const [typer, other] = [await open(a, { name: 'henry' }), await open(b, { name: 'iris' })];
    await typer.subscribe(id);
    await other.subscribe(id);
    const t0 = Date.now();
    await request(typer.socket, 'typing', { campaignId: id, typing: true });
    await eventually(() => other.of('typing', id).length === 2, 20_000, 'the expiry');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4_900);
    expect(other.of('typing', id)).toEqual(['henry:true', 'henry:false']);
  });

  it('folds a repeated true within 2 s into one notification (each acknowledged)', async () => {
    const { id } = await createCampaign(a);
    const [typer, other] = [await open(a, { name: 'jack' }), await open(c, { name: 'kate' })];
    await typer.subscribe(id);
    await other.subscribe(id);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      expect(await request(typer.socket, 'typing', { campaignId: id, typing: true })).toEqual({ ok: true });
    }
    // the false is the marker: it follows whatever the trues caused, at the end of the interval
    expect(await request(typer.socket, 'typing', { campaignId: id, typing: false })).toEqual({ ok: true });
    await eventually(() => other.of('typing', id).includes('jack:false'), 15_000, 'the false');
    expect(other.of('typing', id)).toEqual(['jack:true', 'jack:false']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_900);
  });

  it('a typing for a room the socket has not joined gets an error acknowledgement, and reaches nobody', async () => {
    const { id } = await createCampaign(a);
    const [outsider, inside] = [await open(a, { name: 'liam' }), await open(a, { name: 'mia' })];
    await inside.subscribe(id);
    expect(await request(outsider.socket, 'typing', { campaignId: id, typing: true })).toEqual({
      ok: false,
      error: { code: 'not_subscribed', message: expect.any(String) },
    });
    expect(await request(outsider.socket, 'typing', { campaignId: id, typing: 'yes' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', fields: { typing: expect.any(Array) } },
    });
    // a later, allowed typing is the first thing the room sees
    await outsider.subscribe(id);
    await request(outsider.socket, 'typing', { campaignId: id, typing: true });
    await eventually(() => inside.of('typing', id).length > 0);
    expect(inside.of('typing', id)).toEqual(['liam:true']);
  });
});
