import { sql } from '../support/db';
import { createCampaign, createChat, createData } from '../support/http';
import { liveStatus, message, openConsole, screenshot, consoleSuite } from './support';

const suite = consoleSuite();

it('edits and deletes a campaign and a chat, adds datas to both, with confirmations', async () => {
  const campaign = await createCampaign(suite.app, { title: 'Winter sale' });
  await createChat(suite.app, campaign.id, { message: 'first draft' });
  await createChat(suite.app, campaign.id, { message: 'to be removed' });
  const { page, errors } = await openConsole(suite.browser, `${suite.app.url}/#/campaigns/${campaign.id}`);
  await liveStatus(page).waitFor();

  // the campaign: edit title, description and status
  await page.getByRole('button', { name: 'Edit campaign' }).click();
  await page.getByRole('textbox', { name: 'Title' }).fill('Winter sale 2026');
  await page.getByRole('textbox', { name: 'Description' }).fill('Twelve days of deals');
  await page.getByRole('combobox', { name: 'Status' }).selectOption('started');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Winter sale 2026' }).waitFor();
  expect(await sql(suite.url, 'SELECT title, description, status FROM campaigns WHERE id = $1', [campaign.id])).toEqual(
    [{ title: 'Winter sale 2026', description: 'Twelve days of deals', status: 'started' }],
  );

  // a chat: edit, then delete after confirming
  const draft = message(page, 'first draft');
  await draft.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('textbox', { name: 'Edited message' }).fill('final text');
  await page.getByRole('button', { name: 'Save' }).click();
  await message(page, 'final text').waitFor();
  const doomed = message(page, 'to be removed');
  await doomed.getByRole('button', { name: 'Delete' }).click();
  await doomed.getByRole('button', { name: 'Keep it' }).click();
  await doomed.getByRole('button', { name: 'Delete' }).click();
  await doomed.getByRole('button', { name: 'Yes, delete' }).click();
  await doomed.waitFor({ state: 'detached' });
  expect(await sql(suite.url, 'SELECT message FROM chats WHERE campaign_id = $1', [campaign.id])).toEqual([
    { message: 'final text' },
  ]);

  // datas: one on the chat (its image a link), with a field error first; one on the campaign
  const chat = message(page, 'final text');
  await chat.getByRole('button', { name: 'Add data' }).click();
  await chat.getByRole('textbox', { name: 'Context' }).fill('hero banner');
  await chat.getByRole('textbox', { name: 'Image URL' }).fill('not a url');
  await chat.getByRole('button', { name: 'Save data' }).click();
  await chat.getByText(/valid uri|valid url/i).waitFor();
  await chat.getByRole('textbox', { name: 'Image URL' }).fill('https://example.com/banner.png');
  await chat.getByRole('button', { name: 'Save data' }).click();
  const image = chat.getByRole('link', { name: 'image' });
  await image.waitFor();
  expect(await image.getAttribute('href')).toBe('https://example.com/banner.png');

  await page.getByText('Campaign datas (0)').click();
  await page.getByRole('button', { name: 'Add data to the campaign' }).click();
  await page.getByRole('textbox', { name: 'Context' }).fill('brand guide');
  await page.getByRole('button', { name: 'Save data' }).click();
  await page.getByText('Campaign datas (1)').waitFor();
  await screenshot(page, 'room-with-datas');

  // the Datas page: search and the campaign filter
  await createData(suite.app, {
    context: 'elsewhere',
    campaign: (await createCampaign(suite.app, { title: 'Other' })).id,
  });
  await page.getByRole('link', { name: 'Datas' }).click();
  const list = page.getByRole('list', { name: 'Data list' }).getByRole('listitem');
  await list.filter({ hasText: 'elsewhere' }).waitFor();
  await page.getByRole('combobox', { name: 'Campaign' }).selectOption({ label: 'Winter sale 2026' });
  await list.filter({ hasText: 'elsewhere' }).waitFor({ state: 'detached' });
  await list.filter({ hasText: 'brand guide' }).waitFor();
  await page.getByRole('searchbox', { name: 'Search datas' }).fill('hero');
  await list.filter({ hasText: 'brand guide' }).waitFor({ state: 'detached' });
  await list.filter({ hasText: 'hero banner' }).waitFor();
  await screenshot(page, 'datas');

  // delete the campaign after confirming; back to the list, filtered by status
  await page.goto(`${suite.app.url}/#/campaigns/${campaign.id}`);
  await page.getByRole('button', { name: 'Delete campaign' }).click();
  await page.getByRole('button', { name: 'Yes, delete the campaign' }).click();
  await page.getByRole('searchbox', { name: 'Search campaigns' }).waitFor();
  await page.getByRole('link', { name: 'Other', exact: true }).waitFor();
  expect(await page.getByRole('link', { name: 'Winter sale 2026' }).count()).toBe(0);
  await page.getByRole('combobox', { name: 'Status' }).selectOption('completed');
  await page.getByText('0 campaigns').waitFor();
  expect(await sql(suite.url, 'SELECT id FROM campaigns WHERE id = $1', [campaign.id])).toEqual([]);

  // only the refused data above (400) is a failed request; nothing else on the console
  expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  await page.close();
}, 120_000);

it('holds from 375 px wide: the room and the list fit without sideways scrolling', async () => {
  const campaign = await createCampaign(suite.app, {
    title: 'A rather long campaign title that has to wrap on a phone',
  });
  await createChat(suite.app, campaign.id, { message: 'x'.repeat(300) });
  const { page, errors } = await openConsole(suite.browser, `${suite.app.url}/`, { width: 375, height: 740 });
  await page.getByRole('link', { name: /A rather long campaign title/ }).click();
  await liveStatus(page).waitFor();
  await page.getByRole('button', { name: 'Send' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // keyboard only: Tab reaches the message box, Enter sends
  await page.getByRole('combobox', { name: 'Author' }).focus();
  await page.keyboard.press('Tab');
  await page.keyboard.type('typed on a phone');
  await page.keyboard.press('Enter');
  await message(page, 'typed on a phone').waitFor();
  await screenshot(page, 'room-375px');
  expect(errors).toEqual([]);
  await page.close();
}, 60_000);
