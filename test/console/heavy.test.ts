import { sql } from '../support/db';
import { eventually } from '../support/sockets';
import {
  campaignWithChats,
  liveStatus,
  message,
  messages,
  openConsole,
  screenshot,
  WAIT,
  consoleSuite,
} from './support';

const suite = consoleSuite();

/** How long the page's main thread takes to paint a frame now: a frozen page takes seconds. */
const frameMs = (page: import('playwright-core').Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const start = performance.now();
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
      }),
  );

it('a 5,000-chat room scrolls to its start through paging, and still takes input and sends', async () => {
  const campaign = await campaignWithChats(suite.url, 'Five thousand', 5_000);
  const { page, errors } = await openConsole(suite.browser, `${suite.app.url}/#/campaigns/${campaign}`);
  await liveStatus(page).waitFor();
  await message(page, 'm5000').waitFor();
  const items = messages(page).getByRole('listitem');
  const start = page.getByText('Start of the room');

  // counting 5,000 items through the accessibility tree on every poll would cost more than the paging
  const loadedCount = () => messages(page).evaluate((log) => log.querySelectorAll('li').length);
  const began = Date.now();
  while ((await start.count()) === 0) {
    const loaded = await loadedCount();
    // to the top of the scrolling list around the log, as a person scrolling up would
    await messages(page).evaluate((log) => log.parentElement?.scrollTo({ top: 0 }));
    await eventually(
      async () => (await loadedCount()) > loaded || (await start.count()) > 0,
      WAIT,
      'the next page',
      50,
    );
  }
  const pagedMs = Date.now() - began;
  expect(await items.count()).toBe(5_000);
  expect(await items.first().textContent()).toContain('m0001');
  await screenshot(page, 'room-5000-top');

  const typed = Date.now();
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.pressSequentially('still responsive');
  const typingMs = Date.now() - typed;
  const frame = await frameMs(page);
  const sent = Date.now();
  await box.press('Enter');
  await message(page, 'still responsive').waitFor();
  const sendMs = Date.now() - sent;
  await sql(suite.url, `INSERT INTO chats (campaign_id, author, message) VALUES ($1, 'ai', 'live at 5,000')`, [
    campaign,
  ]);
  await message(page, 'live at 5,000').waitFor();
  expect(await items.count()).toBe(5_002);
  expect(await box.inputValue()).toBe('');
  // loose bounds for a slow machine; a page that renders every chat on each keystroke misses them by far
  expect(typingMs).toBeLessThan(8_000);
  expect(frame).toBeLessThan(1_000);
  expect(errors).toEqual([]);
  console.log(
    `5,000-chat room: paged to the top in ${pagedMs} ms; typed 16 keys in ${typingMs} ms; ` +
      `a frame took ${Math.round(frame)} ms; own send shown in ${sendMs} ms`,
  );
  await page.close();
}, 240_000);
