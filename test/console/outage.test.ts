import type { Browser } from 'playwright-core';
import type { App } from '../../src/app';
import { freshApp, startApp } from '../support/app';
import { sql } from '../support/db';
import { createCampaign, createChat, postChat } from '../support/http';
import { chatCount, launch, liveStatus, message, messages, openConsole } from './support';

let page1: App;
let writer: App;
let url: string;
let browser: Browser;
beforeAll(async () => {
  ({ app: page1, url } = await freshApp());
  writer = await startApp(url);
  browser = await launch();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([page1?.stop(), writer?.stop()]);
});

/** What a browser logs while its server is away: failed connections, nothing from the page itself. */
const unexpected = (errors: string[]) =>
  errors.filter(
    (e) =>
      !/^console: (Failed to load resource: net::ERR_CONNECTION_REFUSED|WebSocket connection to .* failed)/.test(e),
  );

it('after its database connections are cut and its instance restarted, the room shows what was written meanwhile once', async () => {
  const campaign = await createCampaign(page1, { title: 'Through the outage' });
  await createChat(page1, campaign.id, { message: 'before the outage' });
  const port = Number(new URL(page1.url).port);
  const { page, errors } = await openConsole(browser, `${page1.url}/#/campaigns/${campaign.id}`);
  await liveStatus(page).waitFor();
  await message(page, 'before the outage').waitFor();

  await sql(
    url,
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  await page1.stop();
  await page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();

  const during = ['during 1', 'during 2', 'during 3', 'during 4', 'during 5'];
  for (const text of during) await postChat(writer, campaign.id, text);
  page1 = await startApp(url, { port });

  await liveStatus(page).waitFor({ timeout: 30_000 });
  for (const text of during) await message(page, text).waitFor();
  await postChat(writer, campaign.id, 'after the outage');
  await message(page, 'after the outage').waitFor();
  for (const text of [...during, 'before the outage', 'after the outage']) {
    expect(await messages(page).getByRole('listitem').filter({ hasText: text }).count()).toBe(1);
  }
  expect(await messages(page).getByRole('listitem').count()).toBe(await chatCount(url, campaign.id));
  expect(unexpected(errors)).toEqual([]);
  await page.close();
}, 120_000);
