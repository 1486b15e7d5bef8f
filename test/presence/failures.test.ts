import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { createCampaign } from '../support/http';
import { roster } from '../support/presence';
import { startServerProcess, type ServerProcess } from '../support/process';
import { closeSockets, eventually, open } from '../support/sockets';

/** Small presence timings, so a dead instance is swept within seconds rather than 25 s. */
const HEARTBEAT_MS = 300;
const TIMEOUT_MS = 1_500;

let url: string;
let a: App, b: App;
beforeAll(async () => {
  url = await createTestDatabase();
  const presence = { heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS };
  [a, b] = await Promise.all([startApp(url, { presence }), startApp(url, { presence, listenerCheckIntervalMs: 500 })]);
}, 60_000);
afterEach(closeSockets);
afterAll(() => Promise.all([a, b].map((app) => app?.stop())));

describe('an instance killed with SIGKILL', () => {
  let child: ServerProcess | undefined;
  afterEach(() => child?.stop());

  it('its members leave the room on every other instance within 30 s; one also present elsewhere stays', async () => {
    child = await startServerProcess(url, {
      PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS),
      PRESENCE_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    const { id } = await createCampaign(a);
    const [onA, onB] = [await open(a, { name: 'watcher-a' }), await open(b, { name: 'watcher-b' })];
    await onA.subscribe(id);
    await onB.subscribe(id);
    await (await open(child, { name: 'doomed' })).subscribe(id);
    await (await open(child, { name: 'twice' })).subscribe(id);
    await (await open(b, { name: 'twice' })).subscribe(id);
    await eventually(() => roster(a.presence.list(id)).join() === 'doomed×1,twice×2,watcher-a×1,watcher-b×1');

    child.child.kill('SIGKILL');
    // the promise is 30 s: the poll's deadline (the sweep takes about TIMEOUT_MS)
    await eventually(
      () => onA.of('presence:leave', id).length > 0 && onB.of('presence:leave', id).length > 0,
      30_000,
      'the leaves',
    );
    for (const watcher of [onA, onB]) expect(watcher.of('presence:leave', id)).toEqual(['doomed']);
    for (const app of [a, b]) {
      expect(roster(app.presence.list(id))).toEqual(['twice×1', 'watcher-a×1', 'watcher-b×1']);
    }
    const rows = await sql<{ member: string }>(url, 'SELECT member FROM presence_connections WHERE campaign_id = $1', [
      id,
    ]);
    expect(rows.map((r) => r.member).sort()).toEqual(['twice', 'watcher-a', 'watcher-b']);
  }, 120_000);
});

describe('the LISTEN connection lost', () => {
  /** A watcher on b has seen a leaver on a join; b's LISTEN connection is up. */
  async function watchedLeaver() {
    const { id } = await createCampaign(a);
    const watcher = await open(b, { name: 'watcher' });
    await watcher.subscribe(id);
    const leaver = await open(a, { name: 'leaver' });
    await leaver.subscribe(id);
    await eventually(() => watcher.of('presence:join', id).includes('leaver'));
    await eventually(() => b.listener.connected);
    return { id, watcher, leaver };
  }

  it('terminated: presence converges with no ghost and no missed member', async () => {
    const { id, watcher, leaver } = await watchedLeaver();
    await sql(url, 'SELECT pg_terminate_backend($1)', [b.listener.backendPid]);
    leaver.close();
    await (await open(a, { name: 'newcomer' })).subscribe(id);

    const truth = () => roster(a.presence.list(id)).join();
    await eventually(() => truth() === 'newcomer×1,watcher×1', 15_000, 'a to settle');
    await eventually(() => roster(b.presence.list(id)).join() === truth(), 30_000, 'b to converge');
    // a reading announces its joins before its leaves: wait for both, then check there was one leave
    await eventually(() => watcher.of('presence:join', id).includes('newcomer'), 15_000, 'the newcomer');
    await eventually(() => watcher.of('presence:leave', id).length > 0, 15_000, 'the leaver');
    expect(watcher.of('presence:leave', id)).toEqual(['leaver']);
  }, 60_000);

  it('silently dead while members come and go: the reconnect reads the table and sends the differences', async () => {
    const { id, watcher, leaver } = await watchedLeaver();
    const pid = b.listener.backendPid as number;
    // a frozen backend never delivers what is sent meanwhile: b misses those notifications for good
    process.kill(pid, 'SIGSTOP');
    try {
      leaver.close();
      await (await open(a, { name: 'newcomer' })).subscribe(id);
      await eventually(() => roster(a.presence.list(id)).join() === 'newcomer×1,watcher×1', 15_000, 'a to settle');
      await eventually(() => b.listener.connected && b.listener.backendPid !== pid, 30_000, 'a new connection');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await eventually(() => roster(b.presence.list(id)).join() === 'newcomer×1,watcher×1', 30_000, 'b to converge');
    await eventually(() => watcher.of('presence:join', id).includes('newcomer'), 15_000, 'the newcomer');
    expect(watcher.of('presence:join', id)).toEqual(['leaver', 'newcomer']);
    expect(watcher.of('presence:leave', id)).toEqual(['leaver']);
  }, 60_000);
});
