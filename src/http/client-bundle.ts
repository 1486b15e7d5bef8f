import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { RequestHandler } from 'express';
import { BROWSER_BUNDLE } from '../config/paths';
import { NotFoundError } from '../errors';

const gzipped = promisify(gzip);

interface Built {
  mtimeMs: number;
  body: Buffer;
  gzip: Buffer;
  etag: string;
  gzipEtag: string;
}

const etagOf = (body: Buffer) => `"${createHash('sha256').update(body).digest('base64url')}"`;

/**
 * GET of one built file (404 until it is built). `no-cache` makes browsers revalidate every
 * time, and the content-hash ETag makes that a 304 until a new build changes the file. It
 * is read and gzipped once per build, and sent gzipped to browsers that accept it.
 */
export function builtFile(path: string, contentType: string): RequestHandler {
  let cached: Built | undefined;
  return async (req, res) => {
    const stats = await stat(path).catch(() => undefined);
    if (!stats) throw new NotFoundError('The browser bundles are not built (npm run build).');
    if (cached?.mtimeMs !== stats.mtimeMs) {
      const body = await readFile(path);
      const zipped = await gzipped(body, { level: 9 });
      cached = { mtimeMs: stats.mtimeMs, body, gzip: zipped, etag: etagOf(body), gzipEtag: etagOf(zipped) };
    }
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    res.set({
      'Content-Type': contentType,
      'Cache-Control': 'no-cache',
      Vary: 'Accept-Encoding',
      ETag: gzip ? cached.gzipEtag : cached.etag,
    });
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    if (gzip) res.set('Content-Encoding', 'gzip');
    res.send(gzip ? cached.gzip : cached.body);
  };
}

/** GET /client.js: the client library as an ES module, from the built file. */
export const clientBundle = (path = BROWSER_BUNDLE): RequestHandler =>
  builtFile(path, 'application/javascript; charset=utf-8');
