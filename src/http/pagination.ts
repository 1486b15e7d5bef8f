import type { Request, Response } from 'express';
import { AppError } from '../errors';
import type { Page } from '../services/list';
import type { Rendered } from '../services/rendered';

/** The Host the client used; an HTTP/1.0 request may send none, then the address it reached (as Django does). */
function hostOf(req: Request): string {
  const host = req.get('host');
  if (host) return host;
  const { localAddress = '127.0.0.1', localPort } = req.socket;
  return `${localAddress.includes(':') ? `[${localAddress}]` : localAddress}:${localPort}`;
}

/** The request's own absolute URL with some query parameters replaced (undefined removes). */
export function selfUrl(req: Request, changes: Record<string, string | undefined>): string {
  let url: URL;
  try {
    url = new URL(req.originalUrl, `${req.protocol}://${hostOf(req)}`);
  } catch {
    throw new AppError('bad_request', 'Invalid Host header.');
  }
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) url.searchParams.delete(key);
    else url.searchParams.set(key, value);
  }
  return url.href;
}

/** DRF's page envelope; previous of page 2 drops the page parameter, as DRF does. */
export function sendPage(req: Request, res: Response, page: Page): void {
  const next = page.page < page.lastPage ? selfUrl(req, { page: String(page.page + 1) }) : null;
  const previous = page.page > 1 ? selfUrl(req, { page: page.page === 2 ? undefined : String(page.page - 1) }) : null;
  res
    .type('application/json')
    .send(
      `{"count":${page.count},"next":${JSON.stringify(next)},"previous":${JSON.stringify(previous)},` +
        `"results":[${page.results.join(',')}]}`,
    );
}

/** A representation: JSON text that Postgres rendered is sent as it is, a built one as JSON. */
export function sendJson(res: Response, status: number, body: Rendered<unknown> | object): void {
  if (typeof body === 'string') res.status(status).type('application/json').send(body);
  else res.status(status).json(body);
}
