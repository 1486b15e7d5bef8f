import { createCampaign, createChat } from '../support/http';
import { liveStatus, openConsole, consoleSuite } from './support';

const suite = consoleSuite();

it("measures the console's first load: bytes on the wire and the time to Live", async () => {
  const campaign = await createCampaign(suite.app, { title: 'Figures' });
  for (let i = 0; i < 20; i++) await createChat(suite.app, campaign.id, { message: `chat ${i}` });
  const context = await suite.browser.newContext(); // an empty cache
  const page = await context.newPage();
  const sizes: Promise<[string, number]>[] = [];
  page.on('requestfinished', (req) =>
    sizes.push(req.sizes().then((s) => [new URL(req.url()).pathname, s.responseBodySize + s.responseHeadersSize])),
  );
  const began = Date.now();
  await page.goto(`${suite.app.url}/#/campaigns/${campaign.id}`);
  await liveStatus(page).waitFor({ timeout: 30_000 });
  const toLive = Date.now() - began;
  const all = await Promise.all(sizes);
  const files = all.filter(([path]) => ['/', '/console.js', '/console.css'].includes(path));
  const bytes = files.reduce((sum, [, n]) => sum + n, 0);
  const total = all.reduce((sum, [, n]) => sum + n, 0);
  expect(files.map(([path]) => path).sort()).toEqual(['/', '/console.css', '/console.js']);
  expect(bytes).toBeLessThan(60_000);
  console.log(
    `console first load: page, script and stylesheet ${bytes} bytes on the wire (gzipped, headers included); ` +
      `${total} bytes with the API and socket requests until Live; Live after ${toLive} ms`,
  );
  await context.close();
  // the same through the helper that the other tests use: it logs nothing
  const warm = Date.now();
  const again = await openConsole(suite.browser, `${suite.app.url}/#/campaigns/${campaign.id}`);
  await liveStatus(again.page).waitFor();
  console.log(`a second page (warm browser, new tab): Live after ${Date.now() - warm} ms`);
  expect(again.errors).toEqual([]);
  await again.page.close();
}, 60_000);
