import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { api, createCampaign, createChat } from '../support/http';

/** A plain page of a chat UI: no build step, just `import … from '/client.js'`. */
const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Room</title><link rel="icon" href="data:,">
<script type="module" src="/room-page.js"></script></head>
<body><p role="status" aria-label="State">connecting</p>
<ul aria-label="Chats"></ul>
<form><input aria-label="Message"><button type="submit">Send</button></form></body></html>`;

const PAGE_JS = `import { ChatClient } from '/client.js';
const campaign = new URLSearchParams(location.search).get('campaign');
const client = new ChatClient({ url: location.origin });
const room = client.room(campaign);
const list = document.querySelector('ul');
room.on('state', (s) => (document.querySelector('[role=status]').textContent = s));
room.on('change', (chats) => list.replaceChildren(...chats.map((c) => Object.assign(document.createElement('li'), { textContent: c.message }))));
document.querySelector('form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.querySelector('input');
  room.send({ author: 'human', message: input.value }).then(() => (input.value = ''));
});
room.loadLatest(20);`;

/**
 * The server's origin with the page added: the page's two files served here (with the
 * server's own CSP), everything else, WebSocket upgrades included, passed to the app. A
 * page must come from the network: Chromium treats an intercepted one as a public page and
 * blocks its WebSocket to a loopback address.
 */
async function pageOrigin(appUrl: string, files: Record<string, [string, string]>, csp: string): Promise<Server> {
  const target = { host: '127.0.0.1', port: Number(new URL(appUrl).port) };
  const server = createServer((req, res) => {
    const file = files[(req.url ?? '').split('?')[0]];
    if (file) {
      res.writeHead(200, { 'content-type': file[0], 'content-security-policy': csp, connection: 'close' });
      res.end(file[1]);
      return;
    }
    const upstream = request({ ...target, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    const upstream = connect(target.port, target.host, () => {
      const headers = req.rawHeaders.map((v, i) => (i % 2 ? `${v}\r\n` : `${v}: `)).join('');
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    for (const s of [socket, upstream]) s.on('error', () => (socket.destroy(), upstream.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

let app: App;
let browser: Browser;
let site: Server;
let siteUrl: string;
beforeAll(async () => {
  ({ app } = await freshApp());
  const { headers } = await api(app).get('/healthz');
  const csp = headers['content-security-policy'] as string;
  expect(csp).toContain("script-src 'self'");
  const files = {
    '/room.html': ['text/html; charset=utf-8', PAGE_HTML],
    '/room-page.js': ['application/javascript', PAGE_JS],
  } as Record<string, [string, string]>;
  site = await pageOrigin(app.url, files, csp);
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  // no skip: a browser that cannot start fails the suite
  browser = await launchChromium();
}, 45_000);
afterAll(async () => {
  await browser?.close();
  site?.closeAllConnections();
  await new Promise((resolve) => site?.close(resolve));
  await app.stop();
});

/** The page, as if the server served it: same origin as /client.js and the socket, same CSP. */
async function openRoomPage(campaign: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  await page.goto(`${siteUrl}/room.html?campaign=${campaign}`);
  return { page, errors };
}

it('serves the bundle as a revalidated ES module', async () => {
  const res = await api(app).get('/client.js').expect(200);
  expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-cache');
  expect(res.headers.etag).toMatch(/^"[\w-]{43}"$/);
  expect(res.text).toMatch(/export\s*\{[^}]*ChatClient/);
  await api(app).get('/client.js').set('If-None-Match', res.headers.etag).expect(304);
});

it('in headless Chromium, the bundle connects, receives a chat written by REST, and sends one', async () => {
  const campaign = await createCampaign(app);
  await createChat(app, campaign.id, { message: 'from before' });
  const { page, errors } = await openRoomPage(campaign.id);
  await page.getByRole('status', { name: 'State' }).filter({ hasText: 'live' }).waitFor();
  expect(errors).toEqual([]); // the CSP let the module and its socket through
  const chats = page.getByRole('list', { name: 'Chats' }).getByRole('listitem');
  await chats.filter({ hasText: 'from before' }).waitFor();

  await createChat(app, campaign.id, { message: 'written by REST' });
  await chats.filter({ hasText: 'written by REST' }).waitFor();

  await page.getByRole('textbox', { name: 'Message' }).fill('sent from the browser');
  await page.getByRole('button', { name: 'Send' }).click();
  await chats.filter({ hasText: 'sent from the browser' }).waitFor();
  const stored = await api(app).get(`/api/campaigns/${campaign.id}/chats/`).expect(200);
  expect(stored.body.map((c: { message: string }) => c.message)).toEqual([
    'from before',
    'written by REST',
    'sent from the browser',
  ]);
  expect(await chats.allTextContents()).toEqual(['from before', 'written by REST', 'sent from the browser']);
  await page.close();
});
