import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import { NotFoundError } from '../errors';

/** Where `npm run build` puts the browser bundle of the client library (src/client/bundle.ts). */
export const BROWSER_BUNDLE = join(__dirname, '..', '..', 'dist', 'browser', 'client.js');

/**
 * GET /client.js: the client library as an ES module, from the built file (404 until it is
 * built). `no-cache` makes browsers revalidate every time, and the content-hash ETag
 * makes that a 304 until a new build changes the file.
 */
export function clientBundle(path = BROWSER_BUNDLE): RequestHandler {
  let cached: { mtimeMs: number; body: Buffer; etag: string } | undefined;
  return async (req, res) => {
    const stats = await stat(path).catch(() => undefined);
    if (!stats) throw new NotFoundError('The client bundle is not built (npm run build).');
    if (cached?.mtimeMs !== stats.mtimeMs) {
      const body = await readFile(path);
      const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
      cached = { mtimeMs: stats.mtimeMs, body, etag };
    }
    res.set({
      'Content-Type': 'application/javascript; charset=utf-8',
      'Cache-Control': 'no-cache',
      ETag: cached.etag,
    });
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.send(cached.body);
  };
}
