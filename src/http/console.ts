import { join } from 'node:path';
import { Router } from 'express';
import { CONSOLE_DIR } from '../config/paths';
import { builtFile } from './client-bundle';
import { methodNotAllowed } from './errors';

const FILES: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/console.js': ['console.js', 'application/javascript; charset=utf-8'],
  '/console.css': ['console.css', 'text/css; charset=utf-8'],
};

/**
 * The web console: a page, its script and its stylesheet, same-origin with the API so the
 * default Content-Security-Policy (`script-src 'self'`, no inline script) lets them run.
 */
export function consoleRouter(dir = CONSOLE_DIR): Router {
  const router = Router();
  for (const [path, [file, type]] of Object.entries(FILES)) {
    router
      .route(path)
      .get(builtFile(join(dir, file), type))
      .all(methodNotAllowed(['GET']));
  }
  return router;
}
