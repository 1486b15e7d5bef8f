import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type { App } from '../../src/app';
import type { Config } from '../../src/config';
import { freshApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { sql } from '../support/db';

/** Screenshots for review, beside the other test output (not committed). */
export const OUTPUT = join(__dirname, '..', '..', 'test-output', 'console');

/** Generous, for a slow machine: waits end as soon as the page is there. */
export const WAIT = 15_000;

export const launch = launchChromium;

export interface ConsoleSuite {
  app: App;
  /** The app's database. */
  url: string;
  browser: Browser;
}

/**
 * A fresh app and a Chromium for the tests of one file, closed after them; filled in before
 * the first test. No skip: a browser that cannot start fails the suite.
 */
export function consoleSuite(config?: Partial<Config>): ConsoleSuite {
  const suite = {} as ConsoleSuite;
  beforeAll(async () => {
    ({ app: suite.app, url: suite.url } = await freshApp(config));
    suite.browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.app?.stop();
  });
  return suite;
}

export interface ConsolePage {
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations, as they happen. */
  errors: string[];
}

/**
 * A page of the console as a person opens it: the server's own URL, its own CSP. With a
 * `token`, the tab holds it from the first load, as the token prompt leaves it.
 */
export async function openConsole(
  browser: Browser,
  url: string,
  viewport = { width: 1100, height: 800 },
  token?: string,
): Promise<ConsolePage> {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(WAIT);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(`console: ${msg.text()}`));
  // a violation of a report-only or enforced policy is an event in the page: say it on the console
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
  if (token) await page.addInitScript((t) => sessionStorage.setItem('campaign-chat.token', t), token);
  await page.goto(url);
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
}

/** The room's message log and one message in it. */
export const messages = (page: Page): Locator => page.getByRole('log', { name: 'Messages' });
export const message = (page: Page, text: string): Locator =>
  messages(page).getByRole('listitem').filter({ hasText: text });

export const liveStatus = (page: Page): Locator => page.getByRole('status').filter({ hasText: 'Live' });

export const chatCount = async (url: string, campaign: string): Promise<number> =>
  Number((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM chats WHERE campaign_id = $1', [campaign]))[0].n);

/** `count` chats written by plain SQL, a second apart, message "m0001" the oldest. */
export async function campaignWithChats(url: string, title: string, count: number): Promise<string> {
  const [{ id }] = await sql<{ id: string }>(url, 'INSERT INTO campaigns (title) VALUES ($1) RETURNING id', [title]);
  await sql(
    url,
    `INSERT INTO chats (campaign_id, author, message, created_at)
     SELECT $1, 'human', 'm' || lpad(i::text, 4, '0'), now() - interval '1 day' + i * interval '1 second'
     FROM generate_series(1, $2::int) i`,
    [id, count],
  );
  return id;
}
