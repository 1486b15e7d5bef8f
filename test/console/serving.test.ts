import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { api } from '../support/http';

let app: App;
beforeAll(async () => {
  ({ app } = await freshApp());
});
afterAll(() => app.stop());

it('serves the console at / with the API under /api/, the strict CSP and no inline script', async () => {
  const page = await api(app).get('/').expect(200);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  const csp = page.headers['content-security-policy'] as string;
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("script-src-attr 'none'");
  expect(page.text).toContain('<script type="module" src="/console.js"></script>');
  expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // every script is a file
  expect(page.text).not.toMatch(/\sstyle=|\son\w+=/);
  await api(app).get('/api/').expect(200);
});

it.each([
  ['/', 'text/html; charset=utf-8'],
  ['/console.js', 'application/javascript; charset=utf-8'],
  ['/console.css', 'text/css; charset=utf-8'],
])('%s is revalidated (no-cache, ETag, 304) and gzipped for browsers that accept it', async (path, type) => {
  const zipped = await api(app).get(path).set('Accept-Encoding', 'gzip').expect(200);
  expect(zipped.headers['content-type']).toBe(type);
  expect(zipped.headers['content-encoding']).toBe('gzip');
  expect(zipped.headers['cache-control']).toBe('no-cache');
  expect(zipped.headers.vary).toBe('Accept-Encoding');
  const plain = await api(app).get(path).set('Accept-Encoding', 'identity').expect(200);
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.headers.etag).not.toBe(zipped.headers.etag);
  await api(app).get(path).set('Accept-Encoding', 'gzip').set('If-None-Match', zipped.headers.etag).expect(304);
  await api(app).post(path).expect(405);
});
