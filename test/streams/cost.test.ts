import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { createCampaign } from '../support/http';
import { closeSockets, open } from '../support/sockets';
import { appendAll, finishOver, openStream } from './support';

afterEach(closeSockets);

describe('what an append costs', () => {
  let app: App;
  let url: string;
  beforeAll(async () => ({ app, url } = await freshApp()));
  afterAll(() => app?.stop());

  it('is O(its text): a 1 MB message in 256-character appends writes a few MB of WAL, not gigabytes', async () => {
    const campaign = await createCampaign(app);
    const producer = await open(app);
    const chat = await openStream(producer.socket, campaign.id);
    const parts = Array.from({ length: 4096 }, (_, i) => String(i % 10).repeat(256));
    const lsn = async () => (await sql<{ lsn: string }>(url, 'SELECT pg_current_wal_lsn()::text AS lsn'))[0].lsn;
    const before = await lsn();
    const acks = await appendAll(producer.socket, chat.id, parts);
    expect(acks.every((a) => a.ok)).toBe(true);
    const final = await finishOver(producer.socket, chat.id);
    expect(final.message).toHaveLength(1 << 20);
    const [{ bytes }] = await sql<{ bytes: string }>(
      url,
      'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::text AS bytes',
      [before],
    );
    // `message = message || $1` per append would write ~2 GB; other test files share the
    // cluster's WAL, hence the generous bound
    expect(Number(bytes)).toBeLessThan(32 << 20);
  });
});
