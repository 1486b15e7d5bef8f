import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api } from '../support/http';
import { roster } from '../support/presence';
import { closeSockets, eventually, open, request, type TestSocket } from '../support/sockets';
import { bearer, jwtConfig, token } from '../support/tokens';

let a: App, b: App;
let c1: string, c2: string;

/** A member `sub` whose token allows writing to `campaigns`. */
const member = async (app: App, sub: string, campaigns: string[]): Promise<TestSocket> =>
  open(app, { token: await token({ sub, campaigns, scope: 'write' }) });

beforeAll(async () => {
  const url = await createTestDatabase();
  [a, b] = await Promise.all([startApp(url, jwtConfig()), startApp(url, jwtConfig())]);
  const admin = bearer(await token({ scope: 'admin' }));
  const create = async (title: string) =>
    (await api(a).post('/api/campaigns/').set(admin).send({ title }).expect(201)).body.id as string;
  [c1, c2] = [await create('one'), await create('two')];
}, 60_000);
afterEach(closeSockets);
afterAll(() => Promise.all([a, b].map((app) => app?.stop())));

describe('presence and authorization', () => {
  it('with a token the member is its sub, and the presence of a campaign outside its set is never seen', async () => {
    const alice = await member(a, 'alice', [c1]);
    expect(roster((await alice.subscribe(c1)).presence)).toEqual(['alice×1']);
    const mallory = await member(b, 'mallory', [c2]);
    expect(roster((await mallory.subscribe(c2)).presence)).toEqual(['mallory×1']);
    expect(await request(mallory.socket, 'subscribe', { campaignId: c1 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await request(mallory.socket, 'typing', { campaignId: c1, typing: true })).toMatchObject({
      ok: false,
      error: { code: 'not_subscribed' },
    });
    // alice comes and goes, types; a member of both rooms on mallory's instance proves b relayed it all
    const witness = await member(b, 'witness', [c1, c2]);
    await witness.subscribe(c1);
    await witness.subscribe(c2);
    await request(alice.socket, 'typing', { campaignId: c1, typing: true });
    await eventually(() => witness.of('typing', c1).includes('alice:true'));
    expect(mallory.seen.filter((s) => s.e.campaign === c1)).toEqual([]);
    expect(mallory.of('presence:join', c2)).toEqual(['witness']);
  });

  it('a refreshed token with fewer campaigns takes the member out of those rooms’ presence', async () => {
    const alice = await member(a, 'alice', [c1]);
    await alice.subscribe(c1);
    const bob = await member(b, 'bob', [c1, c2]);
    await bob.subscribe(c1);
    await bob.subscribe(c2);
    await eventually(() => alice.of('presence:join', c1).includes('bob'));

    const narrower = await token({ sub: 'bob', campaigns: [c2], scope: 'write' });
    expect(await request(bob.socket, 'auth:refresh', { token: narrower })).toEqual({ ok: true });
    await eventually(() => alice.of('presence:leave', c1).includes('bob'), 15_000, 'bob leaving c1');
    expect(roster(a.presence.list(c1))).toEqual(['alice×1']);
    expect(roster(b.presence.list(c2))).toEqual(['bob×1']);
    expect(await request(bob.socket, 'typing', { campaignId: c1, typing: true })).toMatchObject({
      ok: false,
      error: { code: 'not_subscribed' },
    });
    const later = await member(b, 'carol', [c1]);
    expect(roster((await later.subscribe(c1)).presence)).toEqual(['alice×1', 'carol×1']);
  });
});
