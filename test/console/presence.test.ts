import type { Locator, Page } from 'playwright-core';
import { createCampaign } from '../support/http';
import { eventually } from '../support/sockets';
import { liveStatus, openConsole, screenshot, WAIT, consoleSuite } from './support';

const suite = consoleSuite();

const here = (page: Page): Locator => page.getByRole('region', { name: 'Who is here' });
const members = async (page: Page): Promise<string[]> =>
  (await here(page).getByRole('listitem').allTextContents()).sort();

/** A room opened in a fresh tab, named through "Your name" (which reconnects the console). */
async function join(room: string, name: string) {
  const opened = await openConsole(suite.browser, room);
  const { page } = opened;
  await liveStatus(page).waitFor();
  const box = page.getByRole('textbox', { name: 'Your name' });
  await box.fill(name);
  await box.press('Enter');
  await here(page).getByRole('listitem').filter({ hasText: name }).waitFor();
  await liveStatus(page).waitFor();
  return opened;
}

it('two named pages in a room see each other, see the other typing, and see it leave', async () => {
  const { id } = await createCampaign(suite.app, { title: 'Presence room' });
  const room = `${suite.app.url}/#/campaigns/${id}`;
  const a = await join(room, 'alice');

  // the name is kept for the tab: a reload comes back as alice
  await a.page.reload();
  await liveStatus(a.page).waitFor();
  expect(await a.page.getByRole('textbox', { name: 'Your name' }).inputValue()).toBe('alice');

  const b = await join(room, 'bob');
  // each sees both, and no anonymous connection left over from before the rename
  await eventually(async () => (await members(a.page)).join() === 'alice,bob', WAIT, 'both members on page A', 50);
  await eventually(async () => (await members(b.page)).join() === 'alice,bob', WAIT, 'both members on page B', 50);
  await screenshot(b.page, 'presence');

  // alice types: bob is told, alice is not
  await a.page.getByRole('textbox', { name: 'Message' }).fill('hel');
  await here(b.page).getByText('alice is typing…').waitFor();
  expect(await here(a.page).getByText('is typing').count()).toBe(0);
  await screenshot(b.page, 'presence-typing');

  // sending ends it
  await a.page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await here(b.page).getByText('alice is typing…').waitFor({ state: 'detached' });

  // bob types, then empties the box: alice sees both
  const bobBox = b.page.getByRole('textbox', { name: 'Message' });
  await bobBox.fill('x');
  await here(a.page).getByText('bob is typing…').waitFor();
  await bobBox.fill('');
  await here(a.page).getByText('bob is typing…').waitFor({ state: 'detached' });

  // bob closes his tab: alice sees him go
  expect(b.errors).toEqual([]);
  await b.page.close();
  await eventually(async () => (await members(a.page)).join() === 'alice', WAIT, 'bob gone from page A', 50);
  expect(a.errors).toEqual([]);
  await a.page.close();
}, 90_000);
