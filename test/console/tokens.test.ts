import { sql } from '../support/db';
import { jwtConfig, token } from '../support/tokens';
import { openConsole, consoleSuite } from './support';

const suite = consoleSuite(jwtConfig());

const campaign = async (title: string) =>
  (await sql<{ id: string }>(suite.url, 'INSERT INTO campaigns (title) VALUES ($1) RETURNING id', [title]))[0].id;

/** What the browser logs for each refused request is expected here; anything else is not. */
const unexpected = (errors: string[]) =>
  errors.filter((e) => !/^console: Failed to load resource: the server responded with a status of 40[134]/.test(e));

it('asks for a token on 401, keeps it in sessionStorage only, and says 403 and 404 in plain words', async () => {
  const visible = await campaign('Visible to alice');
  const hidden = await campaign('Not for alice');
  const { page, errors } = await openConsole(suite.browser, `${suite.app.url}/`);

  await page.getByText('The server needs a valid token. Enter one to continue.').waitFor();
  await page.getByRole('textbox', { name: 'Token' }).fill(await token({ campaigns: [visible], scope: 'read' }));
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.getByRole('link', { name: 'Visible to alice' }).waitFor();
  expect(await page.getByRole('link', { name: 'Not for alice' }).count()).toBe(0);
  const stored = await page.evaluate(() => ({
    session: Object.keys(sessionStorage),
    local: localStorage.length,
    cookie: document.cookie,
  }));
  expect(stored).toEqual({ session: ['campaign-chat.token'], local: 0, cookie: '' });

  // a read token may not write: 403
  await page.getByRole('button', { name: 'New campaign' }).click();
  await page.getByRole('textbox', { name: 'Title' }).fill('Not allowed');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByText('Your token does not allow this.').waitFor();

  // a campaign outside the token's set does not exist for it: 404, and the room goes offline
  await page.goto(`${suite.app.url}/#/campaigns/${hidden}`);
  await page.getByText('Not found: it may have been deleted, or your token cannot see it.').first().waitFor();
  await page.getByRole('status').filter({ hasText: 'Offline' }).waitFor();

  // a reload of the tab keeps the token; a new tab does not have it
  await page.goto(`${suite.app.url}/#/campaigns/${visible}`);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  const other = await openConsole(suite.browser, `${suite.app.url}/`);
  await other.page.getByText('The server needs a valid token. Enter one to continue.').waitFor();

  expect(unexpected(errors)).toEqual([]);
  expect(unexpected(other.errors)).toEqual([]);
  await Promise.all([page.close(), other.page.close()]);
}, 90_000);
