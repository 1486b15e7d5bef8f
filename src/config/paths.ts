import { join } from 'node:path';

/** The project folder: src/config (or dist/config) is two levels down. */
const ROOT = join(__dirname, '..', '..');

/** Where `npm run build` puts the browser bundle of the client library (src/cli/bundle.ts). */
export const BROWSER_BUNDLE = join(ROOT, 'dist', 'browser', 'client.js');

/** Where `npm run build` puts the web console (src/cli/bundle.ts). */
export const CONSOLE_DIR = join(ROOT, 'dist', 'browser', 'console');

/** The schema's migrations (db/migrations), applied in name order. */
export const MIGRATIONS_GLOB = join(ROOT, 'db', 'migrations', '*.js');
